"""The original 0.1.3 module ``helpscout.models.email``: the same classes."""

from .._core import Email
from ..base_model import BaseModel

__all__ = ["BaseModel", "Email"]
