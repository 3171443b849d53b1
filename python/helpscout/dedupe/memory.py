"""``MemoryDedupe``: the in-process dedupe store (threads of one process share it)."""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from typing import Callable, Optional

from . import BUSY, DONE, NEW, DedupeStoreFull, check_key, check_seconds

__all__ = ["MemoryDedupe", "MemoryTicket"]


class MemoryTicket:
    """A claim on a :class:`MemoryDedupe` key (see :class:`helpscout.dedupe.Ticket`)."""

    __slots__ = ("_store", "_token", "key", "state")

    def __init__(self, store: MemoryDedupe, key: str, state: str, token: int = 0) -> None:
        self._store = store
        self._token = token
        self.key = key
        self.state = state

    def commit(self) -> bool:
        """Mark the key done; True if this ticket still owned it (or it was free again)."""
        return self.state == NEW and self._store._commit(self.key, self._token)

    def release(self) -> bool:
        """Give the claim back; True if this ticket still owned it."""
        return self.state == NEW and self._store._release(self.key, self._token)

    def __repr__(self) -> str:
        return f"MemoryTicket(key={self.key!r}, state={self.state!r})"


class MemoryDedupe:
    """A thread-safe, bounded, expiring dedupe store for one process.

    Args:
        lease: seconds a ``"new"`` claim is held before another claim may take the key over
            (longer than the slowest handler; a crashed handler's delivery is retried after
            this). Default 5 minutes.
        keep: seconds a committed key is remembered (longer than Help Scout's retry
            window). Default 7 days.
        max_keys: the most keys held at once (live leases plus remembered done keys).
        clock: a monotonic clock in seconds (``time.monotonic``); inject one in tests.

    **Eviction.** Expired leases and done keys are dropped as claims come in (amortised
    O(1): leases and done keys are each kept in expiry order). When ``max_keys`` keys are
    still live, the *oldest committed* key is forgotten first (a repeat of it would be
    handled again, the least likely repeat). A live lease is never evicted: if every key
    is a live lease, ``claim`` raises :class:`~helpscout.dedupe.DedupeStoreFull` (the
    endpoints answer 503 and Help Scout retries) rather than let one delivery run twice at
    once.

    Only threads of one process share it: with several web processes (gunicorn workers,
    several machines) use :class:`~helpscout.dedupe.RedisDedupe`.
    """

    def __init__(
        self,
        lease: float = 300.0,
        keep: float = 604800.0,
        max_keys: int = 100_000,
        *,
        clock: Optional[Callable[[], float]] = None,
    ) -> None:
        self.lease = check_seconds("lease", lease)
        self.keep = check_seconds("keep", keep)
        if isinstance(max_keys, bool) or not isinstance(max_keys, int):
            raise TypeError(f"max_keys is an int, not {type(max_keys).__name__}")
        if max_keys < 1:
            raise ValueError(f"max_keys must be at least 1; got {max_keys}")
        self.max_keys = max_keys
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._tokens = itertools.count(1)
        # key -> (token, expires at), in claim order = expiry order (one lease length)
        self._leases: OrderedDict[str, tuple[int, float]] = OrderedDict()
        # key -> expires at, in commit order = expiry order (one keep length)
        self._done: OrderedDict[str, float] = OrderedDict()

    def claim(self, key: str) -> MemoryTicket:
        """Claim ``key``: ``"new"`` (now yours for ``lease`` seconds), ``"busy"`` or
        ``"done"``."""
        check_key(key)
        with self._lock:
            now = self._clock()
            self._purge(now)
            if key in self._done:
                return MemoryTicket(self, key, DONE)
            if key in self._leases:
                return MemoryTicket(self, key, BUSY)
            if len(self._leases) + len(self._done) >= self.max_keys:
                if not self._done:
                    raise DedupeStoreFull(
                        f"MemoryDedupe holds {self.max_keys} live leases (max_keys); "
                        "refusing a new claim rather than evicting one"
                    )
                self._done.popitem(last=False)  # forget the oldest committed key
            token = next(self._tokens)
            self._leases[key] = (token, now + self.lease)
            return MemoryTicket(self, key, NEW, token)

    def _purge(self, now: float) -> None:
        """Drop expired leases and done keys (each map is in expiry order). Lock held."""
        leases = self._leases
        while leases:
            key, (_, expires) = next(iter(leases.items()))
            if expires > now:
                break
            del leases[key]
        done = self._done
        while done:
            key, expires = next(iter(done.items()))
            if expires > now:
                break
            del done[key]

    def _commit(self, key: str, token: int) -> bool:
        with self._lock:
            now = self._clock()
            held = self._leases.get(key)
            if held is not None:
                if held[0] != token:
                    return False  # our lease ran out and another claim owns the key now
                del self._leases[key]
            elif key in self._done:
                return False  # already done (by this ticket or a takeover that committed)
            self._purge(now)
            if len(self._leases) + len(self._done) >= self.max_keys and self._done:
                self._done.popitem(last=False)
            self._done[key] = now + self.keep
            return True

    def _release(self, key: str, token: int) -> bool:
        with self._lock:
            held = self._leases.get(key)
            if held is None or held[0] != token:
                return False
            del self._leases[key]
            return True

    def __len__(self) -> int:
        """How many keys are held (live leases and done keys, expired ones not yet purged)."""
        with self._lock:
            return len(self._leases) + len(self._done)

    def clear(self) -> None:
        """Forget every key (live leases too)."""
        with self._lock:
            self._leases.clear()
            self._done.clear()

    def __repr__(self) -> str:
        return (
            f"MemoryDedupe(lease={self.lease!r}, keep={self.keep!r}, "
            f"max_keys={self.max_keys!r}, keys={len(self)})"
        )
