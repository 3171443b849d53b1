"""A persist-first delivery log: every webhook delivery, kept so it can be inspected and replayed.

An endpoint given ``log=store`` records each delivery *before* verifying it
(:meth:`DeliveryLog.begin`: received time, event name, signature, the raw body bytes exactly,
the headers without credentials) and its outcome after the handler ran
(:meth:`DeliveryLog.finish`: verdict, HTTP status, error text, dedupe key). A delivery that
crashes the process stays in the log with the verdict ``pending``.

Two stores share one schema and one behaviour:

- :class:`~helpscout.log.sqlite.SQLiteLog` (``SQLiteLog(path)``): the standard library's
  ``sqlite3`` in WAL mode, safe across threads and across processes on one machine.
- :class:`~helpscout.log.postgres.PostgresLog` (``PostgresLog(dsn)``): PostgreSQL through
  psycopg 3 (``pip install 'helpscout-webhook[postgres]'``), for several machines.

**What is stored.** Bodies are stored: they are the customer data the handler receives
anyway (names, e-mail addresses, message text). Secrets are not: the webhook secret never
reaches the log, and the ``Authorization``, ``Proxy-Authorization``, ``Cookie`` and
``Set-Cookie`` headers (and any header whose name mentions a token, secret, password or API
key) are dropped. Entries older than ``keep_days`` (30 by default) are purged automatically;
``purge(older_than=seconds)`` does it on demand.

**Attempts.** Help Scout sends no delivery id. Each HTTP delivery is one entry; repeats of
the same delivery (Help Scout's retries, a replay) share its dedupe key (SHA-256 of the event
name and the exact body). ``entry.attempt`` is the entry's position among the entries with its
key (1 for the first) and ``entry.attempts`` how many there are so far; an entry without a key
(its signature did not verify, or it is still pending) counts alone.

**Handled and failed.** A key is *handled* once an entry with that key has the verdict
``accepted`` (the handler returned) or ``duplicate`` (the dedupe store already had it). An
entry is *failed* when its verdict is in :data:`FAILED_VERDICTS` (or it has stayed
``pending`` longer than ``pending_grace`` seconds: the process died), its key is not handled,
and no replay of it has succeeded. Replay skips handled keys unless forced.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Protocol, Tuple, runtime_checkable

from ..exceptions import HelpScoutException

__all__ = [
    "ACCEPTED",
    "BAD_PAYLOAD",
    "BAD_REQUEST",
    "BAD_SIGNATURE",
    "BUSY",
    "DUPLICATE",
    "FAILED_VERDICTS",
    "HANDLED_VERDICTS",
    "HANDLER_ERROR",
    "METHOD_NOT_ALLOWED",
    "PENDING",
    "STORE_ERROR",
    "TOO_LARGE",
    "VERDICTS",
    "DeliveryLog",
    "DeliveryLogError",
    "LogEntry",
    "PostgresLog",
    "SQLiteLog",
    "clean_headers",
]

PENDING = "pending"
"""Recorded by ``begin`` and not finished yet (or never: the process died)."""
ACCEPTED = "accepted"
DUPLICATE = "duplicate"
BUSY = "busy"
BAD_SIGNATURE = "bad_signature"
BAD_PAYLOAD = "bad_payload"
TOO_LARGE = "too_large"
BAD_REQUEST = "bad_request"
HANDLER_ERROR = "handler_error"
STORE_ERROR = "store_error"
METHOD_NOT_ALLOWED = "method_not_allowed"

VERDICTS: Tuple[str, ...] = (
    PENDING,
    ACCEPTED,
    DUPLICATE,
    BUSY,
    BAD_SIGNATURE,
    BAD_PAYLOAD,
    TOO_LARGE,
    BAD_REQUEST,
    HANDLER_ERROR,
    STORE_ERROR,
    METHOD_NOT_ALLOWED,
)
"""Every verdict the pipeline records (the ``Outcome.verdict`` names), plus ``pending``."""

HANDLED_VERDICTS: Tuple[str, ...] = (ACCEPTED, DUPLICATE)
"""Verdicts that mean the delivery's key has been handled."""

FAILED_VERDICTS: Tuple[str, ...] = (HANDLER_ERROR, STORE_ERROR, BUSY)
"""Verdicts of a verified delivery that was not handled: worth a replay once fixed.
Rejections (``bad_signature``, ``bad_payload``, ...) are not failures: replaying them
cannot succeed."""

# Headers never stored: credentials, and anything whose name says it carries one.
_DROPPED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
_SECRET_WORDS = ("token", "secret", "password", "passwd", "api-key", "apikey", "api_key")
MAX_HEADERS = 100
MAX_HEADER_NAME = 256
MAX_HEADER_VALUE = 8192
MAX_ERROR_CHARS = 65536
MAX_EVENT_CHARS = 256
MAX_SIGNATURE_CHARS = 1024


class DeliveryLogError(HelpScoutException):
    """The delivery log could not be read or written (database missing, locked, full, down).

    The pipeline answers 503 when ``begin`` raises it, so Help Scout delivers again later.
    The message names the store, never a password."""


@runtime_checkable
class DeliveryLog(Protocol):
    """What the receive pipeline needs from a delivery log."""

    def begin(
        self,
        *,
        event_type: Optional[str],
        signature: Optional[str],
        body: bytes,
        headers: Mapping[str, str],
        received_at: Optional[float] = None,
    ) -> int:
        """Record a delivery as it arrives, before verification; returns its entry id."""
        ...

    def finish(
        self,
        entry_id: int,
        *,
        verdict: str,
        status: int,
        error: Optional[str] = None,
        dedupe_key: Optional[str] = None,
    ) -> None:
        """Record the verdict, the HTTP status answered and the handler's error text."""
        ...


@dataclass(frozen=True)
class LogEntry:
    """One delivery as recorded. ``received_at`` and ``finished_at`` are Unix times."""

    id: int
    received_at: float
    event_type: Optional[str]
    signature: Optional[str]
    body: bytes
    headers: Dict[str, str] = field(default_factory=dict)
    verdict: str = PENDING
    status: Optional[int] = None
    error: Optional[str] = None
    dedupe_key: Optional[str] = None
    finished_at: Optional[float] = None
    attempt: int = 1
    attempts: int = 1
    handled: bool = False
    """Whether this entry's key has been handled (by this entry or another)."""
    replays: int = 0
    last_replay_at: Optional[float] = None
    last_replay_result: Optional[str] = None
    """``handled``, ``already_handled`` or ``failed``: the last replay's result."""
    last_replay_status: Optional[int] = None

    @property
    def failed(self) -> bool:
        """Not handled, and its verdict says it should have been (see the module notes;
        a ``pending`` entry counts only once ``list(failed=True)`` judged it stale)."""
        return (
            self.verdict in FAILED_VERDICTS
            and not self.handled
            and self.last_replay_result not in ("handled", "already_handled")
        )

    def header(self, name: str) -> Optional[str]:
        """A stored header, by name case-insensitively."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    def replay_headers(self) -> Dict[str, str]:
        """The headers to send again: the stored ones minus hop-by-hop and length headers,
        with ``X-HelpScout-Event`` and ``X-HelpScout-Signature`` as recorded."""
        skip = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}
        out = {k: v for k, v in self.headers.items() if k.lower() not in skip}
        for name, value in (
            ("X-HelpScout-Event", self.event_type),
            ("X-HelpScout-Signature", self.signature),
        ):
            for key in [k for k in out if k.lower() == name.lower()]:
                del out[key]
            if value is not None:
                out[name] = value
        return out

    def to_json(self) -> Dict[str, Any]:
        """A JSON-safe dict (the body as text when it is UTF-8, else base64)."""
        try:
            body: Dict[str, str] = {"text": self.body.decode("utf-8")}
        except UnicodeDecodeError:
            body = {"base64": base64.b64encode(self.body).decode("ascii")}
        return {
            "id": self.id,
            "received_at": self.received_at,
            "event_type": self.event_type,
            "signature": self.signature,
            "headers": dict(self.headers),
            "verdict": self.verdict,
            "status": self.status,
            "error": self.error,
            "dedupe_key": self.dedupe_key,
            "finished_at": self.finished_at,
            "attempt": self.attempt,
            "attempts": self.attempts,
            "handled": self.handled,
            "failed": self.failed,
            "replays": self.replays,
            "last_replay_at": self.last_replay_at,
            "last_replay_result": self.last_replay_result,
            "last_replay_status": self.last_replay_status,
            "body": body,
        }

    def __repr__(self) -> str:  # never the body: it is customer data
        return (
            f"LogEntry(id={self.id}, event_type={self.event_type!r}, verdict={self.verdict!r}, "
            f"status={self.status!r}, attempt={self.attempt}/{self.attempts}, "
            f"body=<{len(self.body)} bytes>)"
        )


def _text(value: Any, limit: int) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value).decode("latin-1")
    elif not isinstance(value, str):
        value = str(value)
    return value[:limit]


def _is_secret_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in _DROPPED_HEADERS or any(word in lowered for word in _SECRET_WORDS)


def clean_headers(headers: Any) -> Dict[str, str]:
    """The headers worth storing, as ``{name: value}`` text.

    Takes a mapping (Werkzeug, Starlette, Django, ``http.server`` and plain dicts), a
    WSGI environ (``HTTP_*`` keys plus ``CONTENT_TYPE``/``CONTENT_LENGTH``; everything else in
    it is ignored) or ``(name, value)`` pairs (ASGI, ``str`` or ``bytes``). Credentials are
    dropped (see the module notes); at most :data:`MAX_HEADERS` headers are kept, names and
    values cut to :data:`MAX_HEADER_NAME` and :data:`MAX_HEADER_VALUE` characters; repeated
    names are joined with ``", "``.
    """
    if headers is None:
        return {}
    try:
        items = list(headers.items()) if hasattr(headers, "items") else list(headers)
    except Exception:
        return {}
    environ = any(
        isinstance(item, tuple)
        and len(item) == 2
        and isinstance(item[0], str)
        and (item[0] == "REQUEST_METHOD" or item[0].startswith("wsgi."))
        for item in items
    )
    out: Dict[str, str] = {}
    for item in items:
        try:
            key, value = item
        except (TypeError, ValueError):
            continue
        if not isinstance(key, (str, bytes, bytearray)):
            continue
        name = _text(key, MAX_HEADER_NAME)
        if environ:  # a WSGI environ: only HTTP_* and the two content keys are headers
            if name.startswith("HTTP_"):
                name = name[5:].replace("_", "-").title()
            elif name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                name = name.replace("_", "-").title()
            else:
                continue
        if not isinstance(value, (str, bytes, bytearray, int)) or not name:
            continue
        if _is_secret_header(name):
            continue
        text = _text(value, MAX_HEADER_VALUE)
        existing = next((k for k in out if k.lower() == name.lower()), None)
        if existing is not None:
            out[existing] = (out[existing] + ", " + text)[:MAX_HEADER_VALUE]
        elif len(out) < MAX_HEADERS:
            out[name] = text
    return out


def headers_json(headers: Any) -> str:
    """``clean_headers`` as a JSON object text."""
    return json.dumps(clean_headers(headers), ensure_ascii=True)


def glob_to_like(pattern: str) -> str:
    """An ``event=`` glob (``*`` any run of characters, ``?`` one character; nothing else is
    special) as a SQL ``LIKE`` pattern with ``\\`` as the escape character."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch in "%_\\":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def __getattr__(name: str) -> Any:  # the stores, imported when first used
    if name == "SQLiteLog":
        from .sqlite import SQLiteLog

        return SQLiteLog
    if name == "PostgresLog":
        from .postgres import PostgresLog

        return PostgresLog
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
