"""The original 0.1.3 module ``helpscout.models.workflow``: the same classes."""

from .._core import Workflow
from ..base_model import BaseModel

__all__ = ["BaseModel", "Workflow"]
