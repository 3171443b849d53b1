"""The original 0.1.3 module ``helpscout.models.option``: the same classes."""

from .._core import Option
from ..base_model import BaseModel

__all__ = ["BaseModel", "Option"]
