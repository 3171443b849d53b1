"""The catalogue of Help Scout webhook events (``X-HelpScout-Event`` values)."""

from __future__ import annotations

from typing import Dict, NamedTuple

from . import _core

__all__ = ["EVENTS", "EVENT_CHOICES", "TEST_EVENT", "EventInfo", "record_class"]

TEST_EVENT: str = _core.TEST_EVENT
"""The name of Help Scout's test delivery (defined once, in the Rust event catalogue)."""


class EventInfo(NamedTuple):
    """One catalogued event."""

    name: str
    description: str
    record_class: str
    subscribable: bool
    """Whether ``POST /v2/webhooks`` accepts it (it is in the API's ``events`` list)."""


EVENTS: Dict[str, EventInfo] = {
    name: EventInfo(name, description, cls, subscribable)
    for name, description, cls, subscribable in _core.events()
}
"""Every known event, by name."""

EVENT_CHOICES: Dict[str, str] = {
    name: info.description for name, info in EVENTS.items() if info.subscribable
}
"""Event name to description, the shape of the original's ``EVENT_CHOICES``
(``helpscout.models.web_hook_event``): every event a webhook can subscribe to, so
``WebHook(events=list(EVENT_CHOICES))`` subscribes to everything (the original's 12 are here
with the same descriptions). ``EVENTS`` also has the events that are only delivered."""


def record_class(event_type: str) -> type:
    """The record class an event's body parses into; unknown events route by family."""
    return getattr(_core, _core.record_class_name(event_type))
