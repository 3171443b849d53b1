"""The original 0.1.3 module ``helpscout.models.phone``: the same classes."""

from .._core import Phone
from ..base_model import BaseModel

__all__ = ["BaseModel", "Phone"]
