"""The original 0.1.3 module ``helpscout.models.folder``: the same classes."""

from .._core import Folder
from ..base_model import BaseModel

__all__ = ["BaseModel", "Folder"]
