"""Receive Help Scout webhooks: ``HelpScoutWebHook`` and ``WebHookEvent``."""

from .._core import WebHookEvent
from .web_hook import HelpScoutWebHook, WebHook

HelpScoutWebHookEvent = WebHookEvent
"""The original's name for the event class (the same class here)."""

__all__ = ["HelpScoutWebHook", "HelpScoutWebHookEvent", "WebHook", "WebHookEvent"]
