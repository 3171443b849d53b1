"""What the SQLite and PostgreSQL logs share: the schema, its migrations, the queries and a
small connection pool (one connection per concurrent caller, reused across threads)."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple, TypeVar

from . import (
    FAILED_VERDICTS,
    HANDLED_VERDICTS,
    MAX_ERROR_CHARS,
    MAX_EVENT_CHARS,
    MAX_SIGNATURE_CHARS,
    PENDING,
    DeliveryLogError,
    LogEntry,
    headers_json,
)

T = TypeVar("T")

TABLE = "helpscout_deliveries"
SCHEMA_TABLE = "helpscout_log_schema"
SCHEMA_VERSION = 1
"""The newest schema version this code knows; an older database is migrated on first use."""

MAX_IDLE_CONNECTIONS = 8
PURGE_EVERY = 3600.0
"""Seconds between the automatic ``keep_days`` purges one log object runs."""

_COLUMNS = (
    "d.id, d.received_at, d.event_type, d.signature, d.body, d.headers, d.verdict, d.status, "
    "d.error, d.dedupe_key, d.finished_at, d.replays, d.last_replay_at, d.last_replay_result, "
    "d.last_replay_status"
)
_HANDLED_IN = ", ".join(f"'{v}'" for v in HANDLED_VERDICTS)
_FAILED_IN = ", ".join(f"'{v}'" for v in FAILED_VERDICTS)
_SELECT = f"""
SELECT {_COLUMNS},
  CASE WHEN d.dedupe_key IS NULL THEN 1 ELSE
    (SELECT COUNT(*) FROM {TABLE} o WHERE o.dedupe_key = d.dedupe_key AND o.id <= d.id) END,
  CASE WHEN d.dedupe_key IS NULL THEN 1 ELSE
    (SELECT COUNT(*) FROM {TABLE} o WHERE o.dedupe_key = d.dedupe_key) END,
  CASE WHEN EXISTS (SELECT 1 FROM {TABLE} o WHERE o.dedupe_key = d.dedupe_key
                    AND o.verdict IN ({_HANDLED_IN})) THEN 1 ELSE 0 END
FROM {TABLE} d"""
_FAILED_WHERE = f"""(d.verdict IN ({_FAILED_IN}) OR (d.verdict = '{PENDING}' AND d.received_at < ?))
AND COALESCE(d.last_replay_result, '') NOT IN ('handled', 'already_handled')
AND NOT EXISTS (SELECT 1 FROM {TABLE} o WHERE o.dedupe_key = d.dedupe_key
                AND o.verdict IN ({_HANDLED_IN}))"""


def _check_seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise TypeError(f"{name} is a number of seconds, not {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, not {value!r}")
    return float(value)


def _optional_text(value: Any, name: str, limit: int) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value).decode("latin-1")
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str or None, not {type(value).__name__}")
    return value[:limit]


def _body_bytes(body: Any) -> bytes:
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    raise TypeError(f"body must be bytes, not {type(body).__name__}")


class SQLLog:
    """The shared implementation; subclasses connect and name their dialect."""

    placeholder = "?"
    driver_errors: Tuple[type, ...] = ()

    def __init__(self, keep_days: Optional[float] = 30, pending_grace: float = 300.0) -> None:
        if keep_days is not None:
            _check_seconds(keep_days, "keep_days")
        self.keep_days = keep_days
        self.pending_grace = _check_seconds(pending_grace, "pending_grace")
        self._lock = threading.Lock()
        self._idle: List[Any] = []
        self._pid = os.getpid()
        self._closed = False
        self._ready = False
        self._last_purge = 0.0

    # -- what a backend provides ----------------------------------------------------------
    def _open(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _usable(self, conn: Any) -> bool:
        return True

    def _migrate(self, conn: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _insert(self, cur: Any, sql: str, params: Sequence[Any]) -> int:  # pragma: no cover
        raise NotImplementedError

    def _glob(self, pattern: str) -> Tuple[str, str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- connections ----------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def _fail(self, action: str, error: BaseException) -> DeliveryLogError:
        return DeliveryLogError(f"{self._describe()}: cannot {action}: {error}", "log_unavailable")

    def _retryable(self, error: BaseException) -> bool:
        """Whether ``error`` on a connection taken from the pool means only that this
        connection went stale (the server restarted): the call is then tried once more."""
        return False

    def _run(self, action: str, work: Callable[[Any], T]) -> T:
        """``work(connection)`` with a connection for the caller alone, returned to the pool
        afterwards; driver errors become ``DeliveryLogError``."""
        for attempt in (1, 2):
            if self._closed:
                raise DeliveryLogError(f"{self._describe()} is closed", "log_closed")
            conn = None
            reused = False
            try:
                with self._lock:
                    if self._pid != os.getpid():  # forked: the parent's connections are not ours
                        self._idle = []
                        self._pid = os.getpid()
                    conn = self._idle.pop() if self._idle else None
                if conn is not None and self._usable(conn):
                    reused = True
                else:
                    self._discard(conn)
                    conn = self._open()
                if not self._ready:
                    self._migrate(conn)
                    self._ready = True
                result = work(conn)
            except DeliveryLogError:
                self._discard(conn)
                raise
            except self.driver_errors as e:
                self._discard(conn)
                if attempt == 1 and reused and self._retryable(e):
                    continue
                raise self._fail(action, e) from e
            except BaseException:
                self._discard(conn)
                raise
            with self._lock:
                if len(self._idle) < MAX_IDLE_CONNECTIONS and not self._closed:
                    self._idle.append(conn)
                    conn = None
            self._discard(conn)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _discard(self, conn: Any) -> None:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _query(self, action: str, sql: str, params: Sequence[Any] = ()) -> List[Tuple[Any, ...]]:
        def work(conn: Any) -> List[Tuple[Any, ...]]:
            cur = conn.cursor()
            try:
                cur.execute(self._sql(sql), tuple(params))
                return list(cur.fetchall()) if cur.description else []
            finally:
                cur.close()

        return self._run(action, work)

    def _change(self, action: str, sql: str, params: Sequence[Any] = ()) -> int:
        def work(conn: Any) -> int:
            cur = conn.cursor()
            try:
                cur.execute(self._sql(sql), tuple(params))
                return int(cur.rowcount)
            finally:
                cur.close()

        return self._run(action, work)

    def close(self) -> None:
        """Close the pooled connections; the log cannot be used afterwards."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            self._discard(conn)

    def __enter__(self) -> SQLLog:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- the DeliveryLog protocol ---------------------------------------------------------
    def begin(
        self,
        *,
        event_type: Optional[str],
        signature: Optional[str],
        body: bytes,
        headers: Mapping[str, str],
        received_at: Optional[float] = None,
    ) -> int:
        """Record a delivery as it arrives (before verification); returns its id.

        Raises ``DeliveryLogError`` when the store cannot be written: the pipeline then
        answers 503 without running the handler, and Help Scout delivers again."""
        when = time.time() if received_at is None else _check_seconds(received_at, "received_at")
        row = (
            when,
            _optional_text(event_type, "event_type", MAX_EVENT_CHARS),
            _optional_text(signature, "signature", MAX_SIGNATURE_CHARS),
            _body_bytes(body),
            headers_json(headers),
            PENDING,
        )
        sql = self._sql(
            f"INSERT INTO {TABLE} (received_at, event_type, signature, body, headers, verdict) "
            "VALUES (?, ?, ?, ?, ?, ?)"
        )

        def work(conn: Any) -> int:
            cur = conn.cursor()
            try:
                return self._insert(cur, sql, row)
            finally:
                cur.close()

        entry_id = self._run("record a delivery", work)
        self._maybe_purge()
        return entry_id

    def finish(
        self,
        entry_id: int,
        *,
        verdict: str,
        status: int,
        error: Optional[str] = None,
        dedupe_key: Optional[str] = None,
    ) -> None:
        """Record the outcome of entry ``entry_id``: the verdict (an ``Outcome.verdict``
        name), the HTTP status answered, the handler's error text and the dedupe key."""
        if not isinstance(verdict, str) or not verdict or len(verdict) > 64:
            raise ValueError(f"verdict must be a short non-empty str, not {verdict!r}")
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError(f"status must be an int, not {type(status).__name__}")
        changed = self._change(
            "record an outcome",
            f"UPDATE {TABLE} SET verdict = ?, status = ?, error = ?, dedupe_key = ?, "
            "finished_at = ? WHERE id = ?",
            (
                verdict,
                status,
                _optional_text(error, "error", MAX_ERROR_CHARS),
                _optional_text(dedupe_key, "dedupe_key", 256),
                time.time(),
                _entry_id(entry_id),
            ),
        )
        if changed == 0:
            raise DeliveryLogError(f"{self._describe()}: no entry {entry_id}", "no_entry")

    # -- queries --------------------------------------------------------------------------
    def list(
        self,
        *,
        failed: bool = False,
        event: Optional[str] = None,
        since: Optional[float] = None,
        verdict: Optional[str] = None,
        limit: Optional[int] = 100,
        oldest_first: bool = False,
    ) -> List[LogEntry]:
        """Entries, newest first (``oldest_first=True`` for replay order).

        ``failed``: only failed entries (see the module notes); ``event``: a glob on the event
        name (``convo.*``); ``since``: received in the last that many seconds; ``verdict``:
        only that verdict; ``limit``: at most that many (``None``: all)."""
        where: List[str] = []
        params: List[Any] = []
        if failed:
            where.append(_FAILED_WHERE)
            params.append(time.time() - self.pending_grace)
        if event is not None:
            if not isinstance(event, str):
                raise TypeError("event is a glob str such as 'convo.*'")
            sql, pattern = self._glob(event)
            where.append(sql)
            params.append(pattern)
        if since is not None:
            where.append("d.received_at >= ?")
            params.append(time.time() - _check_seconds(since, "since"))
        if verdict is not None:
            where.append("d.verdict = ?")
            params.append(str(verdict))
        sql = _SELECT
        if where:
            sql += " WHERE " + " AND ".join(f"({w})" for w in where)
        sql += " ORDER BY d.id " + ("ASC" if oldest_first else "DESC")
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                raise ValueError(f"limit must be an int >= 0 or None, not {limit!r}")
            sql += " LIMIT ?"
            params.append(limit)
        return [_entry(row) for row in self._query("list deliveries", sql, params)]

    def get(self, entry_id: int) -> Optional[LogEntry]:
        """One entry by id, or ``None``."""
        rows = self._query("read a delivery", _SELECT + " WHERE d.id = ?", (_entry_id(entry_id),))
        return _entry(rows[0]) if rows else None

    def handled(self, dedupe_key: str) -> bool:
        """Whether a delivery with this dedupe key was handled (``accepted`` or
        ``duplicate``): replay skips it unless forced."""
        rows = self._query(
            "read a dedupe key",
            f"SELECT 1 FROM {TABLE} WHERE dedupe_key = ? AND verdict IN ({_HANDLED_IN}) LIMIT 1",
            (str(dedupe_key),),
        )
        return bool(rows)

    def record_replay(self, entry_id: int, *, result: str, status: Optional[int] = None) -> None:
        """Note a replay of entry ``entry_id``: ``result`` is ``handled`` (the endpoint
        answered 2xx or the handler returned), ``already_handled`` (skipped, or answered
        ``duplicate``) or ``failed``; ``status`` the HTTP status, if any."""
        if result not in ("handled", "already_handled", "failed"):
            raise ValueError(f"unknown replay result {result!r}")
        changed = self._change(
            "record a replay",
            f"UPDATE {TABLE} SET replays = replays + 1, last_replay_at = ?, "
            "last_replay_result = ?, last_replay_status = ? WHERE id = ?",
            (time.time(), result, status, _entry_id(entry_id)),
        )
        if changed == 0:
            raise DeliveryLogError(f"{self._describe()}: no entry {entry_id}", "no_entry")

    def purge(self, older_than: Optional[float] = None) -> int:
        """Delete entries received more than ``older_than`` seconds ago (default:
        ``keep_days``); returns how many were deleted."""
        if older_than is None:
            if self.keep_days is None:
                return 0
            older_than = self.keep_days * 86400.0
        cutoff = time.time() - _check_seconds(older_than, "older_than")
        return self._change(
            "purge old deliveries", f"DELETE FROM {TABLE} WHERE received_at < ?", (cutoff,)
        )

    def count(self) -> int:
        """How many entries the log holds."""
        return int(self._query("count deliveries", f"SELECT COUNT(*) FROM {TABLE}")[0][0])

    def schema_version(self) -> int:
        """The schema version of the database."""
        rows = self._query("read the schema version", f"SELECT MAX(version) FROM {SCHEMA_TABLE}")
        return int(rows[0][0] or 0)

    def _maybe_purge(self) -> None:
        if self.keep_days is None:
            return
        now = time.monotonic()
        with self._lock:
            if self._last_purge and now - self._last_purge < PURGE_EVERY:
                return
            self._last_purge = now
        # A failed purge must not fail the delivery it ran after.
        with contextlib.suppress(DeliveryLogError):
            self.purge()


def _entry_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"an entry id is an int, not {type(value).__name__}")
    return value


def _entry(row: Sequence[Any]) -> LogEntry:
    try:
        headers = json.loads(row[5]) if row[5] else {}
        if not isinstance(headers, dict):
            headers = {}
    except ValueError:
        headers = {}
    return LogEntry(
        id=int(row[0]),
        received_at=float(row[1]),
        event_type=row[2],
        signature=row[3],
        body=bytes(row[4]) if row[4] is not None else b"",
        headers={str(k): str(v) for k, v in headers.items()},
        verdict=row[6],
        status=row[7],
        error=row[8],
        dedupe_key=row[9],
        finished_at=row[10],
        replays=int(row[11] or 0),
        last_replay_at=row[12],
        last_replay_result=row[13],
        last_replay_status=row[14],
        attempt=int(row[15]),
        attempts=int(row[16]),
        handled=bool(row[17]),
    )


def migrations(blob: str, serial: str) -> List[Tuple[int, List[str]]]:
    """The schema's migrations, in order: ``(version, statements)``. ``blob`` and ``serial``
    are the dialect's binary and auto-increment primary key types."""
    return [
        (
            1,
            [
                f"""CREATE TABLE IF NOT EXISTS {TABLE} (
                    id {serial},
                    received_at DOUBLE PRECISION NOT NULL,
                    event_type TEXT,
                    signature TEXT,
                    body {blob} NOT NULL,
                    headers TEXT NOT NULL,
                    verdict TEXT NOT NULL,
                    status INTEGER,
                    error TEXT,
                    dedupe_key TEXT,
                    finished_at DOUBLE PRECISION,
                    replays INTEGER NOT NULL DEFAULT 0,
                    last_replay_at DOUBLE PRECISION,
                    last_replay_result TEXT,
                    last_replay_status INTEGER
                )""",
                f"CREATE INDEX IF NOT EXISTS {TABLE}_received ON {TABLE} (received_at)",
                f"CREATE INDEX IF NOT EXISTS {TABLE}_key ON {TABLE} (dedupe_key, id)",
                f"CREATE INDEX IF NOT EXISTS {TABLE}_verdict ON {TABLE} (verdict)",
            ],
        )
    ]


def too_new(version: int, where: str) -> DeliveryLogError:
    return DeliveryLogError(
        f"{where}: the log's schema version {version} is newer than this library's "
        f"({SCHEMA_VERSION}); upgrade helpscout-webhook",
        "schema_too_new",
    )
