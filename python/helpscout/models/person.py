"""The original 0.1.3 module ``helpscout.models.person``: the same classes."""

from .._core import Person
from ..base_model import BaseModel

__all__ = ["BaseModel", "Person"]
