"""The original 0.1.3 module ``helpscout.models.custom_field``: the same classes."""

from .._core import CustomField, Option
from ..base_model import BaseModel

__all__ = ["BaseModel", "CustomField", "Option"]
