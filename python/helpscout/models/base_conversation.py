"""The original 0.1.3 module ``helpscout.models.base_conversation``: the same classes."""

from .._core import BaseConversation
from ..base_model import BaseModel

__all__ = ["BaseConversation", "BaseModel"]
