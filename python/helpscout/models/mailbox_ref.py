"""The original 0.1.3 module ``helpscout.models.mailbox_ref``: the same classes."""

from .._core import MailboxRef
from ..base_model import BaseModel

__all__ = ["BaseModel", "MailboxRef"]
