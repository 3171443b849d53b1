"""The original 0.1.3 module ``helpscout.models.source``: the same classes."""

from .._core import Source
from ..base_model import BaseModel

__all__ = ["BaseModel", "Source"]
