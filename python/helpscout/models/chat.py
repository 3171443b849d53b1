"""The original 0.1.3 module ``helpscout.models.chat``: the same classes."""

from .._core import Chat
from ..base_model import BaseModel

__all__ = ["BaseModel", "Chat"]
