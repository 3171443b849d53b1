"""The original 0.1.3 module ``helpscout.models.rating``: the same classes."""

from .._core import Customer, MailboxRef, Rating
from ..base_model import BaseModel

__all__ = ["BaseModel", "Customer", "MailboxRef", "Rating"]
