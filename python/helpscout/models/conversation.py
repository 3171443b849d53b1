"""The original 0.1.3 module ``helpscout.models.conversation``: the same classes."""

from .._core import BaseConversation, Conversation, MailboxRef, Person, Source, Thread

__all__ = ["BaseConversation", "Conversation", "MailboxRef", "Person", "Source", "Thread"]
