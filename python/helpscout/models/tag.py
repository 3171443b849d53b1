"""The original 0.1.3 module ``helpscout.models.tag``: the same classes."""

from .._core import Tag
from ..base_model import BaseModel

__all__ = ["BaseModel", "Tag"]
