"""The original 0.1.3 module ``helpscout.models.attachment_data``: the same classes."""

from .._core import AttachmentData
from ..base_model import BaseModel

__all__ = ["AttachmentData", "BaseModel"]
