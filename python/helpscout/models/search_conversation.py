"""The original 0.1.3 module ``helpscout.models.search_conversation``: the same classes."""

from .._core import BaseConversation, SearchConversation

__all__ = ["BaseConversation", "SearchConversation"]
