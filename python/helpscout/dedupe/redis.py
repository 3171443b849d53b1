"""``RedisDedupe``: a dedupe store shared by every process that reaches one Redis (or Valkey).

Each key holds either the claiming ticket's random token (a live lease, with a ``PX`` expiry
of ``lease``) or ``done`` (with an expiry of ``keep``). ``claim``, ``commit`` and
``release`` are each one Lua script, so every step is atomic on the server, and ``commit``
and ``release`` compare the token before they write: a ticket whose lease ran out and whose
key was claimed again cannot touch the new owner's claim.

Neither redis-py nor valkey-py is imported by this module: pass a client
(``redis.Redis.from_url(...)`` or ``valkey.Valkey(...)``); install with
``pip install 'helpscout-webhook[redis]'``.
"""

from __future__ import annotations

import secrets
from typing import Any

from . import BUSY, DONE, NEW, DedupeStoreError, check_key, check_seconds

__all__ = ["RedisDedupe", "RedisTicket"]

# KEYS[1] the key; ARGV[1] this claim's token; ARGV[2] the lease in ms.
_CLAIM = """
local held = redis.call('GET', KEYS[1])
if not held then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 'new'
end
if held == 'done' then
    return 'done'
end
return 'busy'
"""

# KEYS[1] the key; ARGV[1] this claim's token; ARGV[2] keep in ms.
# The key is free again when the lease ran out and nobody took it over: the handler did
# run, so it is recorded as done.
_COMMIT = """
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] or not held then
    redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
    return 1
end
return 0
"""

# KEYS[1] the key; ARGV[1] this claim's token.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('DEL', KEYS[1])
    return 1
end
return 0
"""


def _text(value: Any) -> str:
    return value.decode("ascii", "replace") if isinstance(value, (bytes, bytearray)) else str(value)


class RedisTicket:
    """A claim on a :class:`RedisDedupe` key (see :class:`helpscout.dedupe.Ticket`)."""

    __slots__ = ("_store", "_token", "key", "state")

    def __init__(self, store: RedisDedupe, key: str, state: str, token: str = "") -> None:
        self._store = store
        self._token = token
        self.key = key
        self.state = state

    def commit(self) -> bool:
        """Mark the key done if this ticket still owns its claim (or the key is free
        again); raises :class:`~helpscout.dedupe.DedupeStoreError` if Redis is down."""
        if self.state != NEW:
            return False
        return self._store._run(
            self._store._commit, self.key, self._token, self._store._keep_ms
        ) in (1, b"1", "1")

    def release(self) -> bool:
        """Give the claim back if this ticket still owns it; raises
        :class:`~helpscout.dedupe.DedupeStoreError` if Redis is down."""
        if self.state != NEW:
            return False
        return self._store._run(self._store._release, self.key, self._token) in (1, b"1", "1")

    def __repr__(self) -> str:
        return f"RedisTicket(key={self.key!r}, state={self.state!r})"


class RedisDedupe:
    """A dedupe store in Redis, shared across threads, processes and machines.

    Args:
        client: a ``redis.Redis`` (redis-py) or ``valkey.Valkey`` client, with or without
            ``decode_responses``. Give it a ``socket_timeout`` so a hung server fails fast.
        prefix: prepended to every key (``helpscout:webhook:<dedupe_key>``).
        lease: seconds a ``"new"`` claim is held; a claim whose process died is free again
            after this, so keep it longer than the slowest handler. Default 5 minutes.
        keep: seconds a committed key is remembered. Default 7 days.

    Memory is bounded by Redis itself: every key expires (``lease`` or ``keep``); with a
    ``maxmemory`` policy, use ``volatile-ttl`` or ``volatile-lru``, never ``noeviction``
    for a shared cache.
    """

    def __init__(
        self,
        client: Any,
        *,
        prefix: str = "helpscout:webhook:",
        lease: float = 300.0,
        keep: float = 604800.0,
    ) -> None:
        if not callable(getattr(client, "register_script", None)):
            raise TypeError(
                "RedisDedupe needs a redis-py or valkey-py client (redis.Redis(...)), "
                f"not {type(client).__name__}"
            )
        if not isinstance(prefix, str):
            raise TypeError(f"prefix is a str, not {type(prefix).__name__}")
        self.client = client
        self.prefix = prefix
        self.lease = check_seconds("lease", lease)
        self.keep = check_seconds("keep", keep)
        self._lease_ms = max(1, int(self.lease * 1000))
        self._keep_ms = max(1, int(self.keep * 1000))
        self._claim = client.register_script(_CLAIM)
        self._commit = client.register_script(_COMMIT)
        self._release = client.register_script(_RELEASE)

    def _run(self, script: Any, key: str, *args: Any) -> Any:
        try:
            return script(keys=[self.prefix + key], args=list(args))
        except Exception as error:  # redis.exceptions.RedisError and OSError subclasses
            raise DedupeStoreError(
                f"the Redis dedupe store failed: {type(error).__name__}: {error}"
            ) from error

    def claim(self, key: str) -> RedisTicket:
        """Claim ``key``: ``"new"`` (now yours for ``lease`` seconds), ``"busy"`` or
        ``"done"``. Raises :class:`~helpscout.dedupe.DedupeStoreError` if Redis is down."""
        check_key(key)
        token = secrets.token_hex(16)
        state = _text(self._run(self._claim, key, token, self._lease_ms))
        if state == NEW:
            return RedisTicket(self, key, NEW, token)
        if state in (BUSY, DONE):
            return RedisTicket(self, key, state)
        raise DedupeStoreError(f"the Redis dedupe store answered {state[:40]!r} to a claim")

    def __repr__(self) -> str:
        return f"RedisDedupe(prefix={self.prefix!r}, lease={self.lease!r}, keep={self.keep!r})"
