"""The delivery log: SQLiteLog on a real file and PostgresLog on a real PostgreSQL server pass
the same tests (round trip, queries, attempts, failures, purge, schema, threads, two
processes at once, a crash, the store going down), plus each store's own failure modes."""

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from helpscout import HelpScoutWebHook
from helpscout.delivery import process
from helpscout.log import (
    FAILED_VERDICTS,
    MAX_HEADER_VALUE,
    MAX_HEADERS,
    VERDICTS,
    DeliveryLog,
    DeliveryLogError,
    LogEntry,
    clean_headers,
)

from .conftest import MANIFEST, ROOT, SECRET, fixture_bytes, signature_of

BACKENDS = ["sqlite", "postgres"]
BODY = fixture_bytes("convo.created.json")
SIG = signature_of("convo.created.json")
HEADERS = {
    "Content-Type": "application/json",
    "X-HelpScout-Event": "convo.created",
    "X-HelpScout-Signature": SIG,
    "User-Agent": "Help Scout/Webhooks",
}


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    """``(kind, target)``: a SQLite file path or a PostgreSQL DSN (a new database)."""
    if request.param == "sqlite":
        return "sqlite", str(tmp_path / "deliveries.db")
    return "postgres", request.getfixturevalue("postgres_dsn")


@pytest.fixture
def make(backend):
    """``make(**options)`` opens a log on the test's database; all are closed afterwards."""
    from helpscout.log import PostgresLog, SQLiteLog

    kind, target = backend
    opened = []

    def open_log(**options):
        log = SQLiteLog(target, **options) if kind == "sqlite" else PostgresLog(target, **options)
        opened.append(log)
        return log

    yield open_log
    for log in opened:
        log.close()


@pytest.fixture
def store(make):
    return make()


def record(log, verdict="accepted", key="k1", event="convo.created", status=None, **begin):
    entry_id = log.begin(
        event_type=event,
        signature=begin.pop("signature", SIG),
        body=begin.pop("body", BODY),
        headers=begin.pop("headers", HEADERS),
        **begin,
    )
    if verdict is not None:
        if status is None:
            status = {"accepted": 200, "duplicate": 200, "handler_error": 500}.get(verdict, 503)
        log.finish(entry_id, verdict=verdict, status=status, error=None, dedupe_key=key)
    return entry_id


# -- the same behaviour on both stores ------------------------------------------------------


def test_is_a_delivery_log(store):
    assert isinstance(store, DeliveryLog)


def test_round_trip_keeps_the_exact_bytes(store):
    odd = b"\x00\xff\xfe{not json}\r\n\x1b[31m"
    before = time.time()
    first = store.begin(event_type="convo.created", signature=SIG, body=BODY, headers=HEADERS)
    second = store.begin(event_type=None, signature=None, body=odd, headers={}, received_at=5.0)
    assert second > first
    entry = store.get(first)
    assert isinstance(entry, LogEntry)
    assert entry.body == BODY and entry.signature == SIG and entry.event_type == "convo.created"
    assert entry.verdict == "pending" and entry.status is None and entry.finished_at is None
    assert before <= entry.received_at <= time.time()
    assert entry.headers == HEADERS
    other = store.get(second)
    assert other.body == odd and other.event_type is None and other.signature is None
    assert other.received_at == 5.0

    store.finish(
        first, verdict="handler_error", status=500, error="ValueError: boom", dedupe_key="abc"
    )
    entry = store.get(first)
    assert (entry.verdict, entry.status, entry.error, entry.dedupe_key) == (
        "handler_error",
        500,
        "ValueError: boom",
        "abc",
    )
    assert entry.finished_at >= entry.received_at
    assert store.get(99999) is None
    assert store.count() == 2


def test_every_fixture_body_survives_byte_for_byte(store):
    ids = {}
    for f in MANIFEST["fixtures"]:
        ids[f["file"]] = store.begin(
            event_type=f["event"],
            signature=f["signature"],
            body=fixture_bytes(f["file"]),
            headers={},
        )
    for name, entry_id in ids.items():
        assert store.get(entry_id).body == fixture_bytes(name)


def test_credentials_never_stored(store):
    headers = {
        **HEADERS,
        "Authorization": "Bearer top-secret-token",
        "Proxy-Authorization": "Basic c2VjcmV0",
        "Cookie": "session=top-secret-cookie",
        "X-Api-Key": "top-secret-key",
        "X-Auth-Token": "top-secret-2",
        "X-Client-Secret": "top-secret-3",
    }
    entry = store.get(
        store.begin(event_type="convo.created", signature=SIG, body=BODY, headers=headers)
    )
    assert entry.headers == HEADERS
    assert "top-secret" not in json.dumps(entry.to_json())


def test_list_filters(store):
    now = time.time()
    a = record(store, "accepted", "ka", "convo.created", received_at=now - 7200)
    b = record(store, "handler_error", "kb", "convo.tags", received_at=now - 60)
    c = record(store, "bad_signature", None, "customer.created", received_at=now - 30)
    d = record(store, "accepted", "kd", "convo%x", received_at=now - 10)
    ids = lambda entries: [e.id for e in entries]  # noqa: E731
    assert ids(store.list()) == [d, c, b, a]  # newest first
    assert ids(store.list(oldest_first=True)) == [a, b, c, d]
    assert ids(store.list(limit=2)) == [d, c]
    assert ids(store.list(limit=0)) == []
    assert ids(store.list(failed=True)) == [b]
    assert ids(store.list(event="convo.*")) == [b, a]
    assert ids(store.list(event="convo.?ags")) == [b]
    assert ids(store.list(event="*")) == [d, c, b, a]
    assert ids(store.list(event="convo%*")) == [d]  # % and _ are literal, not wildcards
    assert ids(store.list(event="convo_created")) == []
    assert ids(store.list(event="CONVO.*")) == []  # case-sensitive
    assert ids(store.list(event="[c]*")) == []  # [ is literal too
    assert ids(store.list(since=3600)) == [d, c, b]
    assert ids(store.list(since=3600, event="convo.*")) == [b]
    assert ids(store.list(verdict="bad_signature")) == [c]


def test_attempts_count_repeats_of_one_key(store):
    first = record(store, "handler_error", "same")
    other = record(store, "accepted", "other")
    second = record(store, "handler_error", "same")
    unsigned = record(store, "bad_signature", None)
    third = record(store, "accepted", "same")
    got = {e.id: e for e in store.list()}
    assert [(got[i].attempt, got[i].attempts) for i in (first, second, third)] == [
        (1, 3),
        (2, 3),
        (3, 3),
    ]
    assert (got[other].attempt, got[other].attempts) == (1, 1)
    assert (got[unsigned].attempt, got[unsigned].attempts) == (1, 1)
    # The third attempt was accepted: the key is handled, so the failures are resolved.
    assert got[first].handled and got[second].handled and not got[first].failed
    assert store.list(failed=True) == []
    assert store.handled("same") and store.handled("other") and not store.handled("nope")


@pytest.mark.parametrize("verdict", VERDICTS[1:])
def test_which_verdicts_count_as_failed(store, verdict):
    entry_id = record(store, verdict, "key")
    assert store.get(entry_id).failed == (verdict in FAILED_VERDICTS)
    assert [e.id for e in store.list(failed=True)] == (
        [entry_id] if verdict in FAILED_VERDICTS else []
    )


def test_duplicate_counts_as_handled(store):
    failed = record(store, "handler_error", "k")
    record(store, "duplicate", "k")
    assert store.handled("k") and not store.get(failed).failed


def test_a_pending_entry_counts_as_failed_after_the_grace(make):
    log = make(pending_grace=60)
    old = log.begin(
        event_type="convo.created",
        signature=SIG,
        body=BODY,
        headers={},
        received_at=time.time() - 61,
    )
    record(log, None, received_at=time.time() - 5)  # in flight, not failed yet
    assert [e.id for e in log.list(failed=True)] == [old]


def test_replays_resolve_or_not(store):
    a = record(store, "handler_error", "ka")
    b = record(store, "handler_error", "kb")
    c = record(store, "handler_error", "kc")
    store.record_replay(a, result="handled", status=200)
    store.record_replay(b, result="failed", status=500)
    store.record_replay(b, result="failed", status=None)
    store.record_replay(c, result="already_handled")
    assert [e.id for e in store.list(failed=True)] == [b]
    entry = store.get(b)
    assert entry.replays == 2 and entry.last_replay_result == "failed"
    assert entry.last_replay_status is None and entry.last_replay_at >= entry.received_at
    with pytest.raises(ValueError):
        store.record_replay(a, result="maybe")
    with pytest.raises(DeliveryLogError):
        store.record_replay(12345, result="handled")


def test_purge_and_keep_days(make):
    log = make(keep_days=None)
    now = time.time()
    old = record(log, received_at=now - 40 * 86400)
    mid = record(log, received_at=now - 10 * 86400)
    new = record(log)
    assert log.purge(older_than=20 * 86400) == 1
    assert [e.id for e in log.list()] == [new, mid]
    assert log.purge() == 0  # keep_days=None: nothing by default
    ancient = record(log, received_at=now - 40 * 86400)
    # A log with keep_days purges by itself after a write (at most once an hour).
    auto = make(keep_days=5)
    latest = record(auto)
    remaining = {e.id for e in auto.list(limit=None)}
    assert remaining == {new, latest}
    assert {old, mid, ancient}.isdisjoint(remaining)


def test_bad_arguments_are_refused(store):
    good = {"event_type": "convo.created", "signature": SIG, "body": BODY, "headers": {}}
    for name, value in [
        ("body", 42),
        ("body", None),
        ("event_type", 42),
        ("signature", ["x"]),
        ("received_at", "now"),
        ("received_at", -1),
        ("received_at", float("nan")),
    ]:
        with pytest.raises((TypeError, ValueError)):
            store.begin(**{**good, name: value})
    entry_id = store.begin(**good)
    for kwargs in [
        {"verdict": "", "status": 200},
        {"verdict": None, "status": 200},
        {"verdict": "x" * 65, "status": 200},
        {"verdict": "accepted", "status": "200"},
        {"verdict": "accepted", "status": True},
        {"verdict": "accepted", "status": 200, "dedupe_key": 5},
    ]:
        with pytest.raises((TypeError, ValueError)):
            store.finish(entry_id, **kwargs)
    with pytest.raises(TypeError):
        store.finish("1", verdict="accepted", status=200)
    with pytest.raises(TypeError):
        store.get(True)
    with pytest.raises(DeliveryLogError):
        store.finish(987654, verdict="accepted", status=200)
    for kwargs in [{"limit": -1}, {"limit": 1.5}, {"since": -5}, {"since": "1h"}]:
        with pytest.raises((TypeError, ValueError)):
            store.list(**kwargs)
    with pytest.raises(TypeError):
        store.list(event=5)
    assert store.count() == 1 and store.get(entry_id).verdict == "pending"


def test_hostile_sizes_are_cut_not_refused(store):
    headers = {f"X-H{i}": "v" for i in range(MAX_HEADERS + 50)}
    headers["X-Big"] = "y" * (MAX_HEADER_VALUE * 3)
    entry_id = store.begin(
        event_type="e" * 100_000, signature="s" * 100_000, body=b"z" * 1_000_000, headers=headers
    )
    entry = store.get(entry_id)
    assert len(entry.event_type) == 256 and len(entry.signature) == 1024
    assert len(entry.body) == 1_000_000
    assert len(entry.headers) == MAX_HEADERS
    store.finish(entry_id, verdict="handler_error", status=500, error="e" * 1_000_000)
    assert len(store.get(entry_id).error) == 65536


def test_schema_is_created_once_with_a_version(make):
    first = make()
    record(first)
    assert first.schema_version() == 1
    second = make()  # another process or machine starting later: no second migration
    assert second.count() == 1 and second.schema_version() == 1


def test_a_newer_schema_is_refused(make, backend):
    log = make()
    record(log)
    log.close()
    kind, target = backend
    if kind == "sqlite":
        with sqlite3.connect(target) as conn:
            conn.execute("INSERT INTO helpscout_log_schema VALUES (99, 0)")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute("INSERT INTO helpscout_log_schema VALUES (99, 0)")
    with pytest.raises(DeliveryLogError, match="newer") as info:
        make().count()
    assert info.value.reason == "schema_too_new"


def test_threads_share_one_log(store):
    errors = []

    def work(n):
        try:
            for i in range(40):
                entry_id = store.begin(
                    event_type=f"t{n}", signature=None, body=b"%d" % i, headers={}
                )
                store.finish(entry_id, verdict="accepted", status=200, dedupe_key=f"{n}-{i}")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and not any(t.is_alive() for t in threads)
    entries = store.list(limit=None)
    assert len(entries) == 320 and len({e.id for e in entries}) == 320
    assert all(e.verdict == "accepted" for e in entries)


def test_sqlite_fresh_file_opened_by_many_threads_at_once(tmp_path):
    """The first burst of deliveries on a new log file: every thread opens its own
    connection while one of them switches the file to WAL mode. SQLite answers "database is
    locked" to a journal-mode switch at once, without waiting out ``busy_timeout``; each
    connection must wait for the switch instead of failing the delivery (it failed 2 to 6
    times in 40 rounds of 8 threads before)."""
    from helpscout.log import SQLiteLog

    failures = []
    for round_no in range(40):
        path = str(tmp_path / f"burst-{round_no}.db")
        logs = [SQLiteLog(path) for _ in range(12)]
        barrier = threading.Barrier(len(logs))

        def deliver(log, n, barrier=barrier):
            try:
                barrier.wait(timeout=30)
                entry_id = log.begin(event_type=f"t{n}", signature=None, body=b"{}", headers={})
                log.finish(entry_id, verdict="accepted", status=200, dedupe_key=f"k{n}")
            except Exception as e:  # reported below
                failures.append(repr(e))

        threads = [threading.Thread(target=deliver, args=(log, n)) for n, log in enumerate(logs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads)
        count = logs[0].count()
        for log in logs:
            log.close()
        assert failures == [], failures[:3]
        assert count == len(logs)


WRITER = textwrap.dedent(
    """
    import os, sys, time
    from helpscout.log import PostgresLog, SQLiteLog
    kind, target, name, count, go = sys.argv[1:6]
    log = SQLiteLog(target) if kind == "sqlite" else PostgresLog(target)
    log.count()  # connected
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.001)
    for i in range(int(count)):
        entry_id = log.begin(event_type=name, signature=None, body=b"%d" % i, headers={})
        log.finish(entry_id, verdict="accepted", status=200, dedupe_key=f"{name}-{i}")
    log.close()
    print("done", name)
    """
)


def _python(*args, **kwargs):
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    return subprocess.Popen(
        [sys.executable, "-c", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def test_two_processes_write_at_once(store, backend, tmp_path):
    kind, target = backend
    store.count()  # the schema exists
    go = tmp_path / "go"
    writers = [_python(WRITER, kind, target, f"p{n}", "150", str(go)) for n in range(2)]
    try:
        for w in writers:  # both connected and waiting: then both start on one signal
            assert w.stdout.readline().strip() == b"ready", w.stderr.read().decode()
        go.touch()
        for w in writers:
            _, err = w.communicate(timeout=120)
            assert w.returncode == 0, err.decode()
    finally:
        for w in writers:
            if w.poll() is None:
                w.kill()
                w.wait(timeout=10)
    entries = store.list(limit=None)
    assert len(entries) == 300 and len({e.id for e in entries}) == 300
    for name in ("p0", "p1"):
        mine = [e for e in entries if e.event_type == name]
        assert sorted(e.body for e in mine) == sorted(b"%d" % i for i in range(150))
        assert all(e.verdict == "accepted" for e in mine)
    # The two writers' entries interleave: they really wrote at the same time.
    order = [e.event_type for e in sorted(entries, key=lambda e: e.id)]
    assert sum(1 for x, y in zip(order, order[1:]) if x != y) > 1


def test_a_delivery_that_crashes_the_process_is_kept(make, backend):
    kind, target = backend
    crash = textwrap.dedent(
        """
        import os, sys
        from helpscout.log import PostgresLog, SQLiteLog
        kind, target, body = sys.argv[1:4]
        log = SQLiteLog(target) if kind == "sqlite" else PostgresLog(target)
        log.begin(event_type="convo.created", signature="sig", body=body.encode(), headers={})
        os._exit(9)  # the handler took the process down: no finish, no close
        """
    )
    process_ = _python(crash, kind, target, '{"id": 1}')
    process_.communicate(timeout=60)
    assert process_.returncode == 9
    log = make(pending_grace=0)
    (entry,) = log.list(failed=True)
    assert entry.verdict == "pending" and entry.body == b'{"id": 1}' and entry.signature == "sig"


def test_closed_log_refuses(store):
    record(store)
    store.close()
    with pytest.raises(DeliveryLogError) as info:
        store.begin(event_type="x", signature=None, body=b"", headers={})
    assert info.value.reason == "log_closed"


# -- the pipeline writes to it ---------------------------------------------------------------


def test_pipeline_records_each_verdict_and_never_the_secret(store, backend):
    hook = HelpScoutWebHook(secret_key=SECRET)
    calls = []

    def handler(event):
        calls.append(event.event_type)
        if event.event_type == "convo.tags":
            raise RuntimeError("tags are broken")

    tags = fixture_bytes("convo.tags.json")
    tag_headers = {
        **HEADERS,
        "X-HelpScout-Event": "convo.tags",
        "X-HelpScout-Signature": signature_of("convo.tags.json"),
    }
    outcomes = [
        process(hook, {**HEADERS, "Authorization": "Bearer abc"}, BODY, handler, log=store),
        process(hook, tag_headers, tags, handler, log=store),
        process(hook, {**HEADERS, "X-HelpScout-Signature": "AAAA"}, BODY, handler, log=store),
        process(hook, HEADERS, b"[1, 2]", handler, log=store),
    ]
    assert [o.verdict for o in outcomes] == [
        "accepted",
        "handler_error",
        "bad_signature",
        "bad_signature",
    ]
    entries = store.list(oldest_first=True)
    assert [e.verdict for e in entries] == [o.verdict for o in outcomes]
    assert [e.status for e in entries] == [200, 500, 401, 401]
    assert entries[0].dedupe_key == outcomes[0].event.dedupe_key and entries[2].dedupe_key is None
    assert "RuntimeError: tags are broken" in entries[1].error
    assert entries[1].body == tags and entries[1].failed
    assert "Authorization" not in entries[0].headers
    assert calls == ["convo.created", "convo.tags"]
    dump = json.dumps([e.to_json() for e in entries])
    assert SECRET not in dump and "Bearer abc" not in dump
    kind, target = backend
    if kind == "sqlite":
        with open(target, "rb") as f:
            raw = f.read()
        assert SECRET.encode() not in raw and b"Bearer abc" not in raw


def test_pipeline_answers_503_and_skips_the_handler_when_the_log_is_down(store):
    store.close()
    calls = []
    outcome = process(HelpScoutWebHook(secret_key=SECRET), HEADERS, BODY, calls.append, log=store)
    assert (outcome.status, outcome.verdict) == (503, "store_error")
    assert isinstance(outcome.error, DeliveryLogError) and calls == []


# -- clean_headers ---------------------------------------------------------------------------


def test_clean_headers_takes_every_container():
    assert clean_headers(None) == {}
    assert clean_headers(42) == {}
    assert clean_headers([(b"x-helpscout-event", b"convo.created"), (b"cookie", b"a=b")]) == {
        "x-helpscout-event": "convo.created"
    }
    environ = {
        "REQUEST_METHOD": "POST",
        "wsgi.input": object(),
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "10",
        "HTTP_X_HELPSCOUT_EVENT": "convo.created",
        "HTTP_AUTHORIZATION": "Bearer x",
        "HTTP_DNT": "1",
        "SERVER_NAME": "localhost",
    }
    assert clean_headers(environ) == {
        "Content-Type": "application/json",
        "Content-Length": "10",
        "X-Helpscout-Event": "convo.created",
        "Dnt": "1",
    }
    assert clean_headers({"DNT": "1", "X-A": 5, "X-B": object(), 7: "x"}) == {
        "DNT": "1",
        "X-A": "5",
    }
    assert clean_headers([("X-A", "1"), ("x-a", "2"), ("bad",), None]) == {"X-A": "1, 2"}


def test_entry_repr_and_json_hide_nothing_sensitive_and_keep_bytes():
    entry = LogEntry(id=1, received_at=0.0, event_type="e", signature="s", body=b"\xff\x00 secret")
    assert "secret" not in repr(entry) and "9 bytes" in repr(entry)
    data = entry.to_json()
    assert data["body"] == {"base64": "/wAgc2VjcmV0"}
    assert LogEntry(
        id=2, received_at=0.0, event_type=None, signature=None, body=b'{"a":1}'
    ).to_json()["body"] == {"text": '{"a":1}'}
    headers = LogEntry(
        id=3,
        received_at=0.0,
        event_type="convo.created",
        signature="sig",
        body=b"",
        headers={"Host": "x", "Content-Length": "3", "x-helpscout-signature": "old", "A": "b"},
    ).replay_headers()
    assert headers == {
        "A": "b",
        "X-HelpScout-Event": "convo.created",
        "X-HelpScout-Signature": "sig",
    }


# -- SQLite's own failure modes --------------------------------------------------------------


def test_sqlite_file_is_private_and_in_wal_mode(tmp_path):
    from helpscout.log import SQLiteLog

    path = tmp_path / "private.db"
    with SQLiteLog(path) as log:
        record(log)
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        assert (tmp_path / "private.db-wal").exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


@pytest.mark.parametrize("path", [":memory:", "", "a\0b"])
def test_sqlite_refuses_paths_it_cannot_share(path):
    from helpscout.log import SQLiteLog

    with pytest.raises(ValueError):
        SQLiteLog(path)


def test_sqlite_unusable_files(tmp_path):
    from helpscout.log import SQLiteLog

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DeliveryLogError, match=r"garbage\.db") as info:
        SQLiteLog(garbage).begin(event_type="x", signature=None, body=b"", headers={})
    assert info.value.reason == "log_unavailable"
    with pytest.raises(DeliveryLogError):
        SQLiteLog(tmp_path / "missing-folder" / "x.db")
    with pytest.raises(DeliveryLogError):
        SQLiteLog(tmp_path).count()  # a folder


def test_sqlite_busy_database_fails_within_the_timeout_then_recovers(tmp_path):
    from helpscout.log import SQLiteLog

    path = str(tmp_path / "busy.db")
    log = SQLiteLog(path, busy_timeout=0.3)
    record(log)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
    try:
        start = time.monotonic()
        with pytest.raises(DeliveryLogError, match="locked"):
            log.begin(event_type="x", signature=None, body=b"", headers={})
        assert time.monotonic() - start < 5
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert record(log) and log.count() == 2
    log.close()


# -- PostgreSQL's own failure modes ----------------------------------------------------------


def test_postgres_survives_a_server_restart(postgres_server, postgres_dsn):
    from helpscout.log import PostgresLog

    log = PostgresLog(postgres_dsn, connect_timeout=2)
    try:
        record(log)
        postgres_server.stop()
        with pytest.raises(DeliveryLogError) as info:
            log.begin(event_type="x", signature=None, body=b"", headers={})
        assert info.value.reason == "log_unavailable"
        outcome = process(
            HelpScoutWebHook(secret_key=SECRET), HEADERS, BODY, lambda e: None, log=log
        )
        assert (outcome.status, outcome.verdict) == (503, "store_error")
    finally:
        if not postgres_server.running:
            postgres_server.restart()
    record(log)  # the pooled connections were dropped; a new one is made
    assert log.count() == 2
    log.close()


def test_postgres_hides_the_password_and_checks_the_dsn(postgres_server):
    from helpscout.log import PostgresLog

    dsn = f"postgresql://postgres:hunter2-password@127.0.0.1:{postgres_server.port}/nowhere"
    log = PostgresLog(dsn, connect_timeout=2)
    assert "hunter2" not in repr(log) and "nowhere" in repr(log)
    with pytest.raises(DeliveryLogError) as info:
        log.count()
    assert "hunter2" not in str(info.value)
    with pytest.raises(ValueError):
        PostgresLog("host=a port")
    with pytest.raises(TypeError):
        PostgresLog(b"host=a")


def test_psycopg_is_imported_only_by_postgres_log():
    script = textwrap.dedent(
        """
        import sys
        import helpscout, helpscout.log, helpscout.log.sqlite
        assert "psycopg" not in sys.modules, "imported too early"
        sys.modules["psycopg"] = None  # as if not installed
        from helpscout.log import PostgresLog
        try:
            PostgresLog("host=127.0.0.1")
        except ImportError as e:
            print(e)
        """
    )
    process_ = _python(script)
    out, err = process_.communicate(timeout=60)
    assert process_.returncode == 0, err.decode()
    assert "pip install 'helpscout-webhook[postgres]'" in out.decode()
