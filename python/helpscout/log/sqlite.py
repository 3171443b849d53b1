"""``SQLiteLog(path)``: the delivery log in one SQLite file (standard library ``sqlite3``).

WAL mode lets readers work while a writer commits; every write is one short transaction,
and a busy database is waited for (``busy_timeout`` seconds) before ``DeliveryLogError`` is
raised. Any number of threads and processes on one machine may share the file (not a
network file system: SQLite's locks do not work there; use ``PostgresLog`` across machines).
"""

from __future__ import annotations

import os
import sqlite3
import time
from typing import Any, Callable, Optional, Sequence, Tuple, TypeVar, Union

from . import DeliveryLogError
from ._sql import SCHEMA_TABLE, SCHEMA_VERSION, SQLLog, migrations, too_new

__all__ = ["SQLiteLog"]

T = TypeVar("T")


def _busy(error: sqlite3.OperationalError) -> bool:
    """Whether ``error`` is SQLite's "database is locked" / "database is busy" (another
    connection holds the lock), as opposed to a broken file or a bad statement."""
    text = str(error).lower()
    return "locked" in text or "busy" in text


class SQLiteLog(SQLLog):
    """The delivery log in the SQLite file ``path`` (created, with mode 0600, when missing;
    its folder must exist).

    ``keep_days``: entries older than that are purged automatically (at most once an hour,
    after a write); ``None`` keeps everything. ``busy_timeout``: seconds to wait for another
    writer. ``pending_grace``: seconds after which an unfinished entry counts as failed.
    ``synchronous``: SQLite's ``synchronous`` setting, ``NORMAL`` by default (a committed
    entry survives the process crashing; ``FULL`` also survives power loss, at an fsync per
    write).
    """

    driver_errors = (sqlite3.Error,)

    def __init__(
        self,
        path: Union[str, os.PathLike[str]],
        keep_days: Optional[float] = 30,
        *,
        busy_timeout: float = 5.0,
        pending_grace: float = 300.0,
        synchronous: str = "NORMAL",
    ) -> None:
        super().__init__(keep_days, pending_grace)
        path = os.fspath(path)
        if not isinstance(path, str) or not path or path == ":memory:" or "\0" in path:
            raise ValueError(
                "SQLiteLog needs a file path (several connections share it; ':memory:' "
                "would give each its own empty database)"
            )
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
        self.path = path
        self.busy_timeout = float(busy_timeout)
        self.synchronous = synchronous.upper()
        if not os.path.exists(path):
            try:  # bodies are customer data: only the owner may read the file
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            except OSError as e:
                raise DeliveryLogError(
                    f"SQLiteLog({path!r}): cannot create the file: {e.strerror}", "log_unavailable"
                ) from None

    def _describe(self) -> str:
        return f"SQLiteLog({self.path!r})"

    def __repr__(self) -> str:
        return f"SQLiteLog({self.path!r}, keep_days={self.keep_days!r})"

    def _open(self) -> Any:
        conn = sqlite3.connect(
            self.path,
            timeout=self.busy_timeout,
            isolation_level=None,  # autocommit: each statement is its own transaction
            check_same_thread=False,  # pooled: used by one thread at a time, any thread
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            self._use_wal(conn)
            conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _while_busy(self, step: Callable[[], T]) -> T:
        """``step()``, tried again while SQLite answers "database is locked" or "busy",
        until ``busy_timeout`` has passed. Some calls get that answer at once instead of
        waiting out ``busy_timeout`` themselves: a journal-mode switch, and ``BEGIN
        IMMEDIATE`` when a deadlock is possible."""
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                return step()
            except sqlite3.OperationalError as e:
                if not _busy(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.005)

    def _use_wal(self, conn: Any) -> None:
        """Put the file in WAL mode (it stays so; later connections only read the mode).
        Several connections opening a new file at once (the first burst of deliveries)
        would otherwise fail on the switch."""

        def step() -> str:
            mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            if mode != "wal":
                mode = str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
            return mode

        mode = self._while_busy(step)
        if mode != "wal":
            raise sqlite3.OperationalError(f"cannot switch to WAL mode (got {mode})")

    def _migrate(self, conn: Any) -> None:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} "
            "(version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
        )
        self._while_busy(lambda: conn.execute("BEGIN IMMEDIATE"))
        try:
            current = conn.execute(f"SELECT MAX(version) FROM {SCHEMA_TABLE}").fetchone()[0] or 0
            if current > SCHEMA_VERSION:
                raise too_new(current, self._describe())
            for version, statements in migrations("BLOB", "INTEGER PRIMARY KEY AUTOINCREMENT"):
                if version > current:
                    for statement in statements:
                        conn.execute(statement)
                    conn.execute(
                        f"INSERT INTO {SCHEMA_TABLE} (version, applied_at) VALUES (?, ?)",
                        (version, time.time()),
                    )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _insert(self, cur: Any, sql: str, params: Sequence[Any]) -> int:
        cur.execute(sql, tuple(params))
        return int(cur.lastrowid)

    def _glob(self, pattern: str) -> Tuple[str, str]:
        # GLOB is case-sensitive like PostgreSQL's LIKE; only * and ? are wildcards here.
        return "d.event_type GLOB ?", pattern.replace("[", "[[]")
