"""The original 0.1.3 module ``helpscout.models.thread``: the same classes."""

from .._core import Attachment, MailboxRef, Person, Source, Thread
from ..base_model import BaseModel

__all__ = ["Attachment", "BaseModel", "MailboxRef", "Person", "Source", "Thread"]
