"""The original 0.1.3 module ``helpscout.models.attachment``: the same classes."""

from .._core import Attachment, AttachmentData

__all__ = ["Attachment", "AttachmentData"]
