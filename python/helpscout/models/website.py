"""The original 0.1.3 module ``helpscout.models.website``: the same classes."""

from .._core import Website
from ..base_model import BaseModel

__all__ = ["BaseModel", "Website"]
