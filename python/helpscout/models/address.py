"""The original 0.1.3 module ``helpscout.models.address``: the same classes."""

from .._core import Address
from ..base_model import BaseModel

__all__ = ["Address", "BaseModel"]
