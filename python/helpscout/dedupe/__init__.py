"""Dedupe stores: handle each Help Scout delivery once, and never lose one.

Help Scout delivers at least once and sends no delivery id, so a receiver keys deliveries on
``event.dedupe_key`` (the SHA-256 of the event name and the exact body). A store hands out
a :class:`Ticket` per claim::

    ticket = store.claim(event.dedupe_key)
    if ticket.state == "new":        # this caller owns the key for `lease` seconds
        try:
            handle(event)
        except Exception:
            ticket.release()         # give it back: Help Scout's retry is handled
            raise
        ticket.commit()              # done: repeats within `keep` seconds are skipped
    elif ticket.state == "busy":     # someone else holds a live lease: answer 409, retry later
        ...
    else:                            # "done": handled before, answer 200 "duplicate"
        ...

Unlike a check-and-set ``seen(key)`` callback, nothing is remembered as done until the
handler has succeeded, and a claim whose process died expires after ``lease`` seconds, so
the next retry is handled. A ticket whose lease ran out and whose key was claimed again by
another worker can neither commit nor release the new owner's claim.

Stores:

- :class:`MemoryDedupe`: one process (threads share it); bounded and expiring.
- :class:`RedisDedupe`: any number of processes and machines sharing one Redis (or Valkey);
  every operation is one atomic Lua script.

Any object with ``claim(key) -> Ticket`` is a store (:class:`DedupeStore`). A store that
cannot be reached raises :class:`DedupeStoreError` from ``claim`` (the endpoints answer
503, so Help Scout retries) and from ``commit``/``release``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..exceptions import HelpScoutException

__all__ = [
    "BUSY",
    "DONE",
    "NEW",
    "DedupeStore",
    "DedupeStoreError",
    "DedupeStoreFull",
    "MemoryDedupe",
    "RedisDedupe",
    "Ticket",
]

NEW = "new"
"""The caller now owns the key for the store's ``lease``: run the handler, then
``commit()`` (success) or ``release()`` (failure)."""
BUSY = "busy"
"""Another claim on the key holds a live lease: answer a retriable non-2xx (409)."""
DONE = "done"
"""The key was committed within the store's ``keep``: a repeat, skip it."""


class DedupeStoreError(HelpScoutException):
    """The dedupe store could not be reached or answered something unexpected (the
    endpoints answer 503 "dedupe store unavailable" so Help Scout retries). The original
    error, if any, is the ``__cause__``; ``reason`` is ``"unavailable"`` or ``"full"``."""

    def __init__(self, message: object, reason: str = "unavailable") -> None:
        super().__init__(message, reason)


class DedupeStoreFull(DedupeStoreError):
    """:class:`MemoryDedupe` holds ``max_keys`` live leases and no committed key it could
    forget: nothing is evicted that would let a delivery be handled twice at once."""

    def __init__(self, message: object) -> None:
        super().__init__(message, "full")


@runtime_checkable
class Ticket(Protocol):
    """One claim on one key: ``state`` is ``"new"``, ``"busy"`` or ``"done"``.

    Only a ``"new"`` ticket can commit or release; on a ``"busy"`` or ``"done"`` ticket both
    return False and change nothing.
    """

    key: str
    state: str

    def commit(self) -> bool:
        """Mark the key done (repeats are then skipped for ``keep`` seconds). True if this
        ticket still owned the claim (or the key was free again) and it is now done; False
        if another claim owns the key or it was already done."""
        ...

    def release(self) -> bool:
        """Give the claim back so the next delivery of the key is handled. True if this
        ticket still owned the claim; False otherwise (nothing is changed)."""
        ...


@runtime_checkable
class DedupeStore(Protocol):
    """Anything that hands out :class:`Ticket` s: ``claim(key)`` is atomic across every
    caller sharing the store. Raises :class:`DedupeStoreError` when the store is down."""

    def claim(self, key: str) -> Ticket:
        """Claim ``key``; the ticket's ``state`` says what the caller may do."""
        ...


def check_key(key: object) -> str:
    """``key`` if it is a non-empty ``str`` of at most 1024 characters (a dedupe key is
    64 hex digits); ``TypeError``/``ValueError`` otherwise."""
    if not isinstance(key, str):
        raise TypeError(f"a dedupe key is a str, not {type(key).__name__}")
    if not key or len(key) > 1024:
        raise ValueError("a dedupe key is a non-empty str of at most 1024 characters")
    return key


def check_seconds(name: str, value: object) -> float:
    """``value`` as a positive, finite number of seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} is a number of seconds, not {type(value).__name__}")
    seconds = float(value)
    if not (0 < seconds < float("inf")):
        raise ValueError(f"{name} must be a positive, finite number of seconds; got {value!r}")
    return seconds


from .memory import MemoryDedupe  # noqa: E402
from .redis import RedisDedupe  # noqa: E402
