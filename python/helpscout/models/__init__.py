"""Typed records for every Help Scout webhook payload (v2 and legacy v1).

Records are backed by the received JSON and convert a field to Python only when it is read.
Every JSON key is an attribute in snake_case; see the README for the names the original
library used that map onto v2 payloads.

The record classes come from one registry in the Rust core (``helpscout._core.KINDS``); the
original 0.1.3 module paths (``helpscout.models.customer``, ``helpscout.models.web_hook_event``,
...) are thin modules beside this one that re-export the same classes.
"""

from typing import TYPE_CHECKING, Tuple

from .. import _core
from .._core import Record, WebHookEvent
from ..web_hook.web_hook import HelpScoutWebHook, WebHook

if TYPE_CHECKING:  # the record classes, named for type checkers (the stub's ``__all__``)
    from .._core import *  # noqa: F403

_KINDS_BEFORE_REGISTRY = (
    "Address",
    "Attachment",
    "AttachmentData",
    "BaseConversation",
    "BeaconChat",
    "Chat",
    "Conversation",
    "CustomField",
    "Customer",
    "Deleted",
    "Email",
    "Embedded",
    "Field",
    "Folder",
    "Mailbox",
    "MailboxRef",
    "Option",
    "Organization",
    "Person",
    "Phone",
    "Ping",
    "Rating",
    "SearchConversation",
    "SearchCustomer",
    "SocialProfile",
    "Source",
    "SurveyResponse",
    "Tag",
    "Thread",
    "User",
    "UserStatus",
    "Website",
    "Workflow",
)
"""The record classes as listed here before ``_core.KINDS`` existed; used only by an older
build of the extension."""

KINDS: Tuple[str, ...] = tuple(getattr(_core, "KINDS", None) or _KINDS_BEFORE_REGISTRY)
"""The name of every record class, from the core's registry."""

globals().update({name: getattr(_core, name) for name in KINDS})

BaseModel = Record
"""The original's base class name for records."""

__all__ = ["KINDS", "BaseModel", "HelpScoutWebHook", "Record", "WebHook", "WebHookEvent"]
__all__ += sorted(set(KINDS) - set(__all__))
