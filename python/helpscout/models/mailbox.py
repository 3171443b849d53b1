"""The original 0.1.3 module ``helpscout.models.mailbox``: the same classes."""

from .._core import Folder, Mailbox, MailboxRef

__all__ = ["Folder", "Mailbox", "MailboxRef"]
