"""The original 0.1.3 module ``helpscout.models.field``: the same classes."""

from .._core import Field
from ..base_model import BaseModel

__all__ = ["BaseModel", "Field"]
