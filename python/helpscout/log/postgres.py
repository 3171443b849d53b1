"""``PostgresLog(dsn)``: the delivery log in PostgreSQL, through psycopg 3.

Install the extra: ``pip install 'helpscout-webhook[postgres]'``. psycopg is imported when
the first ``PostgresLog`` is made, never by ``import helpscout``.

Connections are opened on demand (one per concurrent caller, at most eight kept idle) in
autocommit mode; a connection the server dropped is replaced on the next call. The schema is
created on first use under an advisory lock, so several machines may start at once.
"""

from __future__ import annotations

import time
from typing import Any, Dict, Optional, Sequence, Tuple

from . import DeliveryLogError
from ._sql import SCHEMA_TABLE, SCHEMA_VERSION, SQLLog, migrations, too_new

__all__ = ["PostgresLog"]

_LOCK_KEY = 0x48534C4F47  # "HSLOG": the advisory lock taken while migrating
_SAFE_CONNINFO = ("host", "hostaddr", "port", "dbname", "user")


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ImportError(
            "PostgresLog needs psycopg 3: pip install 'helpscout-webhook[postgres]'"
        ) from None
    return psycopg


class PostgresLog(SQLLog):
    """The delivery log in the PostgreSQL database at ``dsn`` (a libpq connection string or
    URL, e.g. ``postgresql://app@db.internal/helpscout``; a password is better kept in
    ``PGPASSWORD`` or ``~/.pgpass`` than in the string).

    ``keep_days`` and ``pending_grace`` as for ``SQLiteLog``; ``connect_timeout`` seconds
    to reach the server. The password never appears in ``repr`` or error messages.
    """

    placeholder = "%s"

    def __init__(
        self,
        dsn: str,
        keep_days: Optional[float] = 30,
        *,
        connect_timeout: float = 10.0,
        pending_grace: float = 300.0,
    ) -> None:
        super().__init__(keep_days, pending_grace)
        psycopg = _psycopg()
        self.driver_errors = (psycopg.Error,)
        if not isinstance(dsn, str):
            raise TypeError(f"dsn must be a str, not {type(dsn).__name__}")
        try:
            info: Dict[str, Any] = psycopg.conninfo.conninfo_to_dict(dsn)
        except psycopg.Error as e:
            raise ValueError(f"not a PostgreSQL connection string: {e}") from None
        self._dsn = dsn
        self._safe = {k: info[k] for k in _SAFE_CONNINFO if info.get(k)}
        self.connect_timeout = max(1, round(connect_timeout))
        self._psycopg = psycopg

    def _describe(self) -> str:
        where = " ".join(f"{k}={v}" for k, v in self._safe.items())
        return f"PostgresLog({where or 'default'})"

    def __repr__(self) -> str:
        return f"{self._describe()[:-1]}, keep_days={self.keep_days!r})"

    def _open(self) -> Any:
        return self._psycopg.connect(
            self._dsn,
            autocommit=True,
            connect_timeout=self.connect_timeout,
            application_name="helpscout-webhook log",
        )

    def _usable(self, conn: Any) -> bool:
        return not (conn.closed or conn.broken)

    def _retryable(self, error: BaseException) -> bool:
        return isinstance(error, self._psycopg.OperationalError)

    def _migrate(self, conn: Any) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} "
                "(version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
            )
            row = conn.execute(f"SELECT MAX(version) FROM {SCHEMA_TABLE}").fetchone()
            current = (row[0] if row else None) or 0
            if current > SCHEMA_VERSION:
                raise too_new(current, self._describe())
            for version, statements in migrations(
                "BYTEA", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
            ):
                if version > current:
                    for statement in statements:
                        conn.execute(statement)
                    conn.execute(
                        f"INSERT INTO {SCHEMA_TABLE} (version, applied_at) VALUES (%s, %s)",
                        (version, time.time()),
                    )

    def _insert(self, cur: Any, sql: str, params: Sequence[Any]) -> int:
        cur.execute(sql + " RETURNING id", tuple(params))
        row = cur.fetchone()
        if row is None:  # pragma: no cover - INSERT ... RETURNING always returns the row
            raise DeliveryLogError(f"{self._describe()}: the insert returned no id")
        return int(row[0])

    def _glob(self, pattern: str) -> Tuple[str, str]:
        from . import glob_to_like

        return "d.event_type LIKE ? ESCAPE '\\'", glob_to_like(pattern)
