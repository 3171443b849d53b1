"""Operating it from the command line, over real HTTP on 127.0.0.1: the delivery log
(`log list/show/replay/purge`), the relay (`listen --log --forward-to`) and the webhooks
(`hooks list/ensure/status/delete` against the fake Help Scout API).

The issue's scenario: `send all` to an endpoint whose handler fails for one event type ->
`log list --failed` shows exactly those -> fix the handler -> `log replay --failed` -> all
handled, nothing handled twice; on SQLite and on PostgreSQL."""

import collections
import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from helpscout import HelpScoutWebHook
from helpscout.cli import main
from helpscout.cli.log import parse_duration
from helpscout.dedupe import MemoryDedupe
from helpscout.delivery import process
from helpscout.events import EVENTS

from .conftest import ROOT, SECRET, fixture_bytes, signature_of
from .fake_helpscout import APP_ID, APP_SECRET, FakeHelpScout
from .services import free_port, serve_wsgi

CLI = [sys.executable, "-m", "helpscout"]
BROKEN = "convo.tags"
BODY = fixture_bytes("convo.created.json")
HEADERS = {
    "Content-Type": "application/json",
    "X-HelpScout-Event": "convo.created",
    "X-HelpScout-Signature": signature_of("convo.created.json"),
}
TERMINAL_TRICKS = ("\x1b", "\x07", "\x9b", "\u202e", "\x00")


def _pythonpath():
    """The repository first, then whatever PYTHONPATH the tests run with."""
    return os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))


def run(*args, env=None, cwd=None, timeout=120):
    """The real console entry point in a subprocess; ``CompletedProcess`` with text."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HELPSCOUT_")}
    full_env["PYTHONPATH"] = _pythonpath()
    full_env.update(env or {})
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
        text=True,
        encoding="utf-8",
        errors="replace",
    )


def stop(process_):
    """SIGTERM, then SIGKILL if it is still there after 10 s; its output. The process never
    outlives the test, and a relay that ignored SIGTERM fails the test."""
    process_.terminate()
    try:
        return process_.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process_.kill()
        process_.communicate(timeout=10)
        raise AssertionError("the relay did not stop on SIGTERM") from None


class Endpoint:
    """A Flask app served by werkzeug: the real endpoint, with ``log=`` and a dedupe
    store. Its handler fails for ``BROKEN`` while ``broken`` is set, and counts what it
    handled."""

    def __init__(self, log=None, dedupe=None):
        from flask import Flask

        from helpscout.integrations.flask import webhook_blueprint

        self.broken = True
        self.handled = collections.Counter()
        self.seen_headers = []
        self.lock = threading.Lock()
        app = Flask(__name__)
        app.register_blueprint(
            webhook_blueprint(
                HelpScoutWebHook(secret_key=SECRET), self.handle, url="/hs", log=log, dedupe=dedupe
            )
        )

        @app.before_request
        def remember_headers():
            from flask import request

            with self.lock:
                self.seen_headers.append(dict(request.headers))

        self.app = app

    def handle(self, event):
        if self.broken and event.event_type == BROKEN:
            raise RuntimeError(f"cannot handle {event.event_type} yet")
        with self.lock:
            self.handled[event.event_type] += 1


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path):
    """``(--db value, open())``: a SQLite file or a PostgreSQL DSN, and a way to open it."""
    from helpscout.log import PostgresLog, SQLiteLog

    if request.param == "sqlite":
        path = str(tmp_path / "deliveries.db")
        return path, lambda: SQLiteLog(path)
    dsn = request.getfixturevalue("postgres_dsn")
    return dsn, lambda: PostgresLog(dsn)


def failed_ids(spec):
    listed = run("log", "list", "--failed", "--json", "--db", spec)
    assert listed.returncode == 0, listed.stderr
    return [json.loads(line) for line in listed.stdout.splitlines()]


# -- the scenario -----------------------------------------------------------------


def test_send_all_fail_one_type_fix_replay_failed(db):
    spec, open_log = db
    store = open_log()
    endpoint = Endpoint(log=store, dedupe=MemoryDedupe())
    env = {"HELPSCOUT_WEBHOOK_SECRET": SECRET}
    try:
        with serve_wsgi(endpoint.app) as base:
            url = base + "/hs"
            sent = run("send", "all", "--url", url, env=env)
            assert sent.returncode == 1, sent.stderr  # one delivery answered 500
            assert f"sent {len(EVENTS)}: {len(EVENTS) - 1} accepted (2xx), 1 not" in sent.stdout

            failed = failed_ids(spec)
            assert [f["event_type"] for f in failed] == [BROKEN]
            assert failed[0]["verdict"] == "handler_error" and failed[0]["status"] == 500
            assert "RuntimeError: cannot handle convo.tags yet" in failed[0]["error"]
            table = run("log", "list", "--failed", "--db", spec)
            assert BROKEN in table.stdout and "1 shown" in table.stdout
            assert "convo.created" not in table.stdout

            endpoint.broken = False  # the fix is deployed
            replayed = run("log", "replay", "--failed", "--url", url, "--db", spec)
            assert replayed.returncode == 0, replayed.stderr
            assert "replayed 1: 1 handled, 0 skipped, 0 failed" in replayed.stdout
            assert failed_ids(spec) == []
            assert (
                "no deliveries failed match" in run("log", "list", "--failed", "--db", spec).stdout
            )

            # Everything handled, each event exactly once.
            assert set(endpoint.handled) == set(EVENTS)
            assert set(endpoint.handled.values()) == {1}

            # Replaying again changes nothing: nothing failed, and a handled one is skipped.
            again = run("log", "replay", "--failed", "--url", url, "--db", spec)
            assert again.returncode == 0 and "nothing to replay" in again.stdout
            original = failed[0]["id"]
            skipped = run("log", "replay", str(original), "--url", url, "--db", spec)
            assert skipped.returncode == 0
            assert "skipped: already handled" in skipped.stdout
            # --force sends it anyway; the endpoint's dedupe store still refuses a second run.
            forced = run("log", "replay", str(original), "--url", url, "--force", "--db", spec)
            assert forced.returncode == 0 and "200 duplicate" in forced.stdout
            assert set(endpoint.handled.values()) == {1}
    finally:
        store.close()

    check = open_log()
    try:
        entries = check.list(limit=None, oldest_first=True)
        assert len(entries) == len(EVENTS) + 2  # the replay and the forced replay
        replay, forced_entry = entries[-2:]
        assert (replay.verdict, forced_entry.verdict) == ("accepted", "duplicate")
        assert replay.event_type == BROKEN and replay.attempt == 2 and replay.attempts == 3
        assert replay.header("X-HelpScout-Webhook-Replay-Of") == str(original)
        assert replay.body == check.get(original).body  # the exact bytes again
        assert replay.signature == check.get(original).signature
        assert check.get(original).last_replay_result == "already_handled"
        assert check.get(original).replays == 3
    finally:
        check.close()


def test_relay_logs_forwards_and_replays_to_the_app(tmp_path):
    app = Endpoint()  # the developer's app: no log of its own
    log_path = tmp_path / "relay.db"
    env = {"HELPSCOUT_WEBHOOK_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}
    with serve_wsgi(app.app) as base:
        app_url = base + "/hs"
        full_env = {**os.environ, **env, "PYTHONPATH": _pythonpath()}
        relay = subprocess.Popen(
            [*CLI, "listen", "--port", "0", "--log", str(log_path), "--forward-to", app_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
            text=True,
        )
        try:
            first = relay.stdout.readline()
            assert first.startswith("listening on http://127.0.0.1:"), relay.stderr.read()
            relay_url = first.split()[2]
            assert relay.stdout.readline().strip() == f"forwarding to {app_url}"
            sent = run("send", "all", "--url", relay_url, env=env)
            assert f"{len(EVENTS) - 1} accepted (2xx), 1 not" in sent.stdout
            forged = run("send", "convo.created", "--url", relay_url, "--secret", "forged")
            assert forged.stdout.startswith("401")
            # The relay must not claim repeats itself: the app decides (it has no dedupe).
            repeat = run("send", "convo.created", "--url", relay_url, env=env)
            assert repeat.returncode == 0
        finally:
            out, err = stop(relay)
        lines = out.splitlines()
        forwarded = [line for line in lines if "-> " in line]
        assert len(forwarded) == len(EVENTS) + 1
        assert sum("accepted 200 -> 200 in" in line for line in forwarded) == len(EVENTS)
        (tags_line,) = [line for line in forwarded if BROKEN in line]
        assert "rejected 500 handler_error -> 500 in" in tags_line
        assert any("rejected 401" in line for line in lines)
        assert "DownstreamError" in err and SECRET not in out + err
        assert app.handled["convo.created"] == 2  # the repeat was forwarded too
        # The exact headers reached the app (the relay adds nothing, keeps the sender's).
        assert all(
            h.get("User-Agent", "").startswith("helpscout-webhook-cli/") for h in app.seen_headers
        )
        assert all("X-Helpscout-Signature" in h for h in app.seen_headers)

        spec = str(log_path)
        assert [f["event_type"] for f in failed_ids(spec)] == [BROKEN]
        app.broken = False
        replayed = run("log", "replay", "--failed", "--url", app_url, "--db", spec)
        assert replayed.returncode == 0 and "1 handled" in replayed.stdout, replayed.stdout
        assert failed_ids(spec) == []  # resolved by the successful replay
        assert app.handled[BROKEN] == 1
        assert run("log", "replay", "--failed", "--url", app_url, "--db", spec).stdout.startswith(
            "nothing to replay"
        )
        assert app.handled[BROKEN] == 1


def test_relay_to_a_closed_port_answers_500_and_logs_it(tmp_path):
    log_path = tmp_path / "relay.db"
    closed = f"http://127.0.0.1:{free_port()}/hs"
    relay = subprocess.Popen(
        [*CLI, "listen", "--port", "0", "--log", str(log_path), "--forward-to", closed],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={
            **os.environ,
            "HELPSCOUT_WEBHOOK_SECRET": SECRET,
            "PYTHONPATH": _pythonpath(),
            "PYTHONUNBUFFERED": "1",
        },
        text=True,
    )
    try:
        url = relay.stdout.readline().split()[2]
        sent = run("send", "convo.created", "--url", url, env={"HELPSCOUT_WEBHOOK_SECRET": SECRET})
        assert sent.stdout.startswith("500 convo.created")
    finally:
        out, _ = stop(relay)
    assert "-> unreachable" in out
    (entry,) = failed_ids(str(log_path))
    assert "could not reach" in entry["error"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--forward-to", "ftp://x"], "--forward-to needs an http"),
        (["--forward-to", "http://127.0.0.1:1/", "--forward-timeout", "0"], "positive"),
        (["--log", "/nonexistent-folder/x.db"], "cannot create"),
    ],
)
def test_listen_refuses_bad_relay_options(args, message):
    result = run("listen", "--port", "0", *args, env={"HELPSCOUT_WEBHOOK_SECRET": SECRET})
    assert result.returncode == 2 and message in result.stderr


# -- replay in-process (--local) ------------------------------------------------------------

HANDLER_MODULE = textwrap.dedent(
    """
    import os

    def handle(event):
        if os.environ.get("OPS_BROKEN"):
            raise RuntimeError("still broken")
        with open(os.environ["OPS_OUT"], "a") as f:
            f.write(event.event_type + " " + event.dedupe_key + "\\n")

    not_callable = 42
    """
)


def _failed_delivery(path):
    from helpscout.log import SQLiteLog

    def fail(event):
        raise RuntimeError("broken at first")

    with SQLiteLog(path) as log:
        outcome = process(HelpScoutWebHook(secret_key=SECRET), HEADERS, BODY, fail, log=log)
        assert outcome.verdict == "handler_error"
        return log.list()[0].id


def test_replay_local_calls_the_handler_through_the_pipeline(tmp_path):
    (tmp_path / "ops_handler.py").write_text(HANDLER_MODULE)
    db_path = str(tmp_path / "d.db")
    entry_id = _failed_delivery(db_path)
    out = tmp_path / "handled.txt"
    env = {"HELPSCOUT_WEBHOOK_SECRET": SECRET, "OPS_OUT": str(out), "OPS_BROKEN": "1"}
    args = ["log", "replay", "--failed", "--local", "ops_handler:handle", "--db", db_path]

    still = run(*args, env=env, cwd=tmp_path)
    assert still.returncode == 1
    assert "failed: 500 handler_error: RuntimeError: still broken" in still.stdout
    assert not out.exists()

    del env["OPS_BROKEN"]
    fixed = run(*args, env=env, cwd=tmp_path)
    assert fixed.returncode == 0 and "200 handled" in fixed.stdout, fixed.stdout + fixed.stderr
    assert out.read_text().split()[0] == "convo.created"
    assert run(*args, env=env, cwd=tmp_path).stdout.startswith("nothing to replay")
    skipped = run("log", "replay", str(entry_id), *args[3:], env=env, cwd=tmp_path)
    assert "skipped: already handled" in skipped.stdout
    assert len(out.read_text().splitlines()) == 1  # handled once

    from helpscout.log import SQLiteLog

    with SQLiteLog(db_path) as log:
        verdicts = [e.verdict for e in log.list(oldest_first=True)]
    # the original, the failed local replay, the successful one (each logged by the pipeline)
    assert verdicts == ["handler_error", "handler_error", "accepted"]


def test_replay_local_with_the_wrong_secret_is_rejected(tmp_path):
    (tmp_path / "ops_handler.py").write_text(HANDLER_MODULE)
    db_path = str(tmp_path / "d.db")
    _failed_delivery(db_path)
    result = run(
        "log",
        "replay",
        "--failed",
        "--local",
        "ops_handler:handle",
        "--db",
        db_path,
        env={"HELPSCOUT_WEBHOOK_SECRET": "not-the-secret", "OPS_OUT": str(tmp_path / "o")},
        cwd=tmp_path,
    )
    assert result.returncode == 1 and "401 bad_signature" in result.stdout


@pytest.mark.parametrize(
    "spec, message",
    [
        ("ops_handler", "module:handler"),
        (":handle", "module:handler"),
        ("no_such_module_xyz:handle", "cannot import"),
        ("ops_handler:missing", "has no missing"),
        ("ops_handler:not_callable", "not callable"),
    ],
)
def test_replay_local_bad_handlers_are_usage_errors(tmp_path, spec, message):
    (tmp_path / "ops_handler.py").write_text(HANDLER_MODULE)
    db_path = str(tmp_path / "d.db")
    _failed_delivery(db_path)
    result = run(
        "log",
        "replay",
        "--failed",
        "--local",
        spec,
        "--db",
        db_path,
        env={"HELPSCOUT_WEBHOOK_SECRET": SECRET},
        cwd=tmp_path,
    )
    assert result.returncode == 2 and message in result.stderr


def test_replay_local_with_a_redis_dedupe_store(tmp_path, redis_server, redis_client):
    # redis_client flushes the shared server before and after: no other test's keys.
    assert redis_client.dbsize() == 0
    (tmp_path / "ops_handler.py").write_text(HANDLER_MODULE)
    db_path = str(tmp_path / "d.db")
    entry_id = _failed_delivery(db_path)
    out = tmp_path / "handled.txt"
    env = {"HELPSCOUT_WEBHOOK_SECRET": SECRET, "OPS_OUT": str(out)}
    base = ["--local", "ops_handler:handle", "--dedupe", redis_server.url, "--db", db_path]
    first = run("log", "replay", str(entry_id), *base, env=env, cwd=tmp_path)
    assert first.returncode == 0 and "200 handled" in first.stdout, first.stdout + first.stderr
    forced = run("log", "replay", str(entry_id), "--force", *base, env=env, cwd=tmp_path)
    assert forced.returncode == 0 and "200 duplicate" in forced.stdout  # Redis remembers
    assert len(out.read_text().splitlines()) == 1


# -- log list / show / purge ----------------------------------------------------------------


@pytest.fixture
def filled(tmp_path):
    """A log with a few entries, some hostile."""
    from helpscout.log import SQLiteLog

    path = str(tmp_path / "filled.db")
    now = time.time()
    with SQLiteLog(path, keep_days=None) as log:
        ids = {}
        ids["old"] = log.begin(
            event_type="customer.created",
            signature="s",
            body=b"{}",
            headers={},
            received_at=now - 40 * 86400,
        )
        log.finish(ids["old"], verdict="accepted", status=200, dedupe_key="k-old")
        ids["ok"] = log.begin(
            event_type="convo.created",
            signature="s",
            body=BODY,
            headers=HEADERS,
            received_at=now - 7200,
        )
        log.finish(ids["ok"], verdict="accepted", status=200, dedupe_key="k-ok")
        evil_body = json.dumps(
            {"subject": "\x1b[2J\x1b]0;pwned\x07 \u202egnp.exe \x9b31m", "n": 1}
        ).encode()
        ids["evil"] = log.begin(
            event_type="convo.\x1b[31mred",
            signature="\x1b[1m",
            body=evil_body,
            headers={"X-Evil": "\x1b]0;title\x07", "X-Ok": "fine"},
            received_at=now - 60,
        )
        log.finish(
            ids["evil"],
            verdict="handler_error",
            status=500,
            error="ValueError: \x1b[31m\u202eboom",
            dedupe_key="k-evil",
        )
        ids["binary"] = log.begin(
            event_type="convo.note.created",
            signature=None,
            body=b"\xff\xfe\x1b[0m\x00",
            headers={},
            received_at=now - 30,
        )
        ids["text"] = log.begin(
            event_type="convo.status",
            signature=None,
            body=b"not json \x1b[5m",
            headers={},
            received_at=now - 20,
        )
    return path, ids


def test_list_filters_from_the_command_line(filled):
    path, ids = filled

    def listed(*args):
        result = run("log", "list", "--json", "--db", path, *args)
        assert result.returncode == 0, result.stderr
        return [json.loads(line)["id"] for line in result.stdout.splitlines()]

    assert listed() == [ids["text"], ids["binary"], ids["evil"], ids["ok"], ids["old"]]
    assert listed("--event", "convo.*") == [ids["text"], ids["binary"], ids["evil"], ids["ok"]]
    assert listed("--since", "1h") == [ids["text"], ids["binary"], ids["evil"]]
    assert listed("--since", "1h", "--event", "convo.s*") == [ids["text"]]
    assert listed("--verdict", "accepted") == [ids["ok"], ids["old"]]
    assert listed("--failed") == [ids["evil"]]
    assert listed("--limit", "2") == [ids["text"], ids["binary"]]
    table = run("log", "list", "--db", path)
    assert table.returncode == 0 and "5 shown" in table.stdout
    assert not any(trick in table.stdout for trick in TERMINAL_TRICKS)
    assert "convo.\\x1b[31mred" in table.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--since", "1 hour"], "not a duration"),
        (["--since=-1h"], "not a duration"),
        (["--limit", "-1"], "--limit"),
        (["--db", "/nonexistent/deliveries.db"], "no delivery log at"),
    ],
)
def test_list_usage_errors(filled, args, message):
    path, _ = filled
    result = run("log", "list", "--db", path, *args)
    assert result.returncode == 2 and message in result.stderr


def test_list_without_a_log_says_how_to_name_one():
    result = run("log", "list")
    assert result.returncode == 2 and "HELPSCOUT_WEBHOOK_LOG" in result.stderr


def test_list_reads_the_log_from_the_environment(filled):
    path, _ = filled
    result = run("log", "list", env={"HELPSCOUT_WEBHOOK_LOG": path})
    assert result.returncode == 0 and "5 shown" in result.stdout


def test_show_pretty_prints_and_escapes(filled):
    path, ids = filled
    ok = run("log", "show", str(ids["ok"]), "--db", path)
    assert ok.returncode == 0
    assert "verdict:     accepted" in ok.stdout and "X-HelpScout-Event: convo.created" in ok.stdout
    assert '  "subject": ' in ok.stdout  # indented JSON

    evil = run("log", "show", str(ids["evil"]), "--db", path)
    assert evil.returncode == 0
    assert not any(trick in evil.stdout for trick in TERMINAL_TRICKS), repr(evil.stdout)
    assert "failed: not handled yet" in evil.stdout and "\\u202e" in evil.stdout
    assert "X-Evil: \\x1b]0;title\\x07" in evil.stdout and "X-Ok: fine" in evil.stdout

    binary = run("log", "show", str(ids["binary"]), "--db", path)
    assert "(not UTF-8" in binary.stdout and not any(t in binary.stdout for t in TERMINAL_TRICKS)
    text = run("log", "show", str(ids["text"]), "--db", path)
    assert "(not JSON" in text.stdout and "\\x1b[5m" in text.stdout
    assert "\x1b" not in text.stdout


def test_show_raw_and_json(filled):
    path, ids = filled
    raw = subprocess.run(
        [*CLI, "log", "show", str(ids["binary"]), "--raw", "--db", path],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": _pythonpath()},
        timeout=60,
    )
    assert raw.returncode == 0 and raw.stdout == b"\xff\xfe\x1b[0m\x00"
    data = json.loads(run("log", "show", str(ids["ok"]), "--json", "--db", path).stdout)
    assert data["body"]["text"].encode() == BODY and data["verdict"] == "accepted"
    missing = run("log", "show", "999", "--db", path)
    assert missing.returncode == 2 and "no entry 999" in missing.stderr


def test_purge_older_than(filled):
    path, ids = filled
    result = run("log", "purge", "--older-than", "30d", "--db", path)
    assert result.returncode == 0 and "deleted 1 deliveries" in result.stdout
    listed = run("log", "list", "--json", "--db", path).stdout.splitlines()
    assert ids["old"] not in [json.loads(line)["id"] for line in listed] and len(listed) == 4
    assert run("log", "purge", "--older-than", "soon", "--db", path).returncode == 2
    assert run("log", "purge", "--db", path).returncode == 2  # --older-than is required


def test_replay_to_a_closed_port_is_exit_3_and_stays_failed(filled):
    path, ids = filled
    closed = f"http://127.0.0.1:{free_port()}/hs"
    result = run("log", "replay", str(ids["evil"]), "--url", closed, "--db", path)
    assert result.returncode == 3 and "could not reach" in result.stdout
    assert [e["id"] for e in failed_ids(path)] == [ids["evil"]]
    shown = run("log", "show", str(ids["evil"]), "--db", path).stdout
    assert "replays:" in shown and "failed" in shown


@pytest.mark.parametrize(
    "args, message",
    [
        (["--url", "http://127.0.0.1:1/"], "ids or --failed"),
        (["1", "--failed", "--url", "http://127.0.0.1:1/"], "not both"),
        (["--failed", "--url", "file:///etc/passwd"], "http:// or https://"),
        (["--failed", "--url", "http://127.0.0.1:1/", "--dedupe", "redis://x"], "--local"),
        (["--failed", "--url", "http://127.0.0.1:1/", "--timeout", "0"], "--timeout"),
    ],
)
def test_replay_usage_errors(filled, args, message):
    path, _ = filled
    result = run("log", "replay", *args, "--db", path)
    assert result.returncode == 2 and message in result.stderr


def test_replay_needs_a_target(filled):
    path, _ = filled
    result = run("log", "replay", "--failed", "--db", path)
    assert result.returncode == 2 and "--url" in result.stderr


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("90", 90),
        ("90s", 90),
        ("15m", 900),
        ("1h", 3600),
        ("30d", 2592000),
        ("2w", 1209600),
        ("1h30m", 5400),
        ("0.5h", 1800),
        (" 1H ", 3600),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        "",
        "h",
        "1x",
        "1h-",
        "-1h",
        "-5",
        "nan",
        "inf",
        "1e400",
        "1h 30m",
        "\x1b[31m1h",
        "1" * 400 + "d",
    ],
)
def test_bad_durations(text):
    from helpscout.cli.common import CliError

    with pytest.raises(CliError) as info:
        parse_duration(text)
    assert "\x1b" not in str(info.value)


# -- hooks against the fake Help Scout API --------------------------------------------------


@pytest.fixture
def fake():
    server = FakeHelpScout(page_size=2)
    yield server
    server.close()


@pytest.fixture
def hooks(fake, monkeypatch, capsys):
    """``hooks(*args) -> (exit code, stdout, stderr)``, in-process, credentials from the
    environment and the fake's URL from ``$HELPSCOUT_API_URL``."""
    monkeypatch.setenv("HELPSCOUT_APP_ID", APP_ID)
    monkeypatch.setenv("HELPSCOUT_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("HELPSCOUT_API_URL", fake.base_url)
    monkeypatch.setenv("HELPSCOUT_WEBHOOK_SECRET", "hook-secret-0123456789")

    def call(*args):
        code = main(["hooks", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return call


URL = "https://example.com/helpscout"


def test_hooks_ensure_is_idempotent(fake, hooks):
    code, out, _ = hooks(
        "ensure", URL, "--event", "convo.created,convo.assigned", "--label", "prod"
    )
    assert code == 0 and out.startswith("created 1000")
    assert fake.secrets[1000] == "hook-secret-0123456789"
    assert fake.webhooks[1000]["events"] == ["convo.created", "convo.assigned"]
    code, out, _ = hooks(
        "ensure", URL, "--event", "convo.assigned", "--event", "convo.created", "--label", "prod"
    )
    assert code == 0 and out.startswith("unchanged 1000")
    code, out, _ = hooks("ensure", URL, "--event", "convo.created", "--mailbox-id", "7")
    assert code == 0 and out.startswith("updated 1000")
    assert fake.webhooks[1000]["mailboxIds"] == [7] and fake.webhooks[1000]["label"] == "prod"
    assert len(fake.webhooks) == 1


def test_hooks_list_and_json_never_show_the_secret(fake, hooks):
    hooks("ensure", URL, "--event", "convo.created")
    code, out, _ = hooks("list")
    assert code == 0 and "1000" in out and URL in out and "1 webhook(s)" in out
    code, out, _ = hooks("list", "--json")
    (data,) = [json.loads(line) for line in out.splitlines()]
    assert data["id"] == 1000 and data["url"] == URL and "secret" not in data
    assert "hook-secret" not in out


def test_hooks_status_flags_and_re_enables(fake, hooks):
    hooks("ensure", URL + "/a", "--event", "convo.created")
    hooks("ensure", URL + "/b", "--event", "convo.created")
    assert hooks("status")[0] == 0
    fake.disable(1001)
    code, out, _ = hooks("status")
    assert code == 1 and "DISABLED" in out and "1 not enabled" in out and "re-enable" in out
    code, out, _ = hooks("status", "--enable")
    assert code == 0 and "re-enabled 1001" in out and "0 not enabled" in out
    assert fake.webhooks[1001]["state"] == "enabled"
    assert fake.of("PUT")[-1].json["secret"] == "hook-secret-0123456789"


def test_hooks_status_enable_one_at_a_time(fake, hooks):
    for n in range(3):
        hooks("ensure", f"{URL}/{n}", "--event", "convo.created")
    fake.disable(1000)
    fake.disable(1002)
    puts = len(fake.of("PUT"))
    code, _, err = hooks("status", "--enable")
    assert code == 2 and "--id" in err and "1000, 1002" in err
    assert len(fake.of("PUT")) == puts
    code, out, _ = hooks("status", "--enable", "--id", "1002")
    assert code == 1 and "re-enabled 1002" in out and "1 not enabled" in out
    assert fake.webhooks[1000]["state"] == "disabled"
    code, _, err = hooks("status", "--enable", "--id", "4242")
    assert code == 2 and "4242" in err
    assert hooks("status", "--id", "1000")[0] == 2  # --id without --enable


def test_hooks_delete(fake, hooks):
    hooks("ensure", URL, "--event", "convo.created")
    code, out, _ = hooks("delete", "1000")
    assert code == 0 and "deleted 1000" in out and fake.webhooks == {}
    code, _, err = hooks("delete", "1000")
    assert code == 1 and "404" in err


def test_hooks_usage_and_transport_errors(fake, hooks, monkeypatch):
    monkeypatch.delenv("HELPSCOUT_WEBHOOK_SECRET")
    code, _, err = hooks("ensure", URL, "--event", "convo.created")
    assert code == 2 and "secret" in err and fake.requests == []
    code, _, err = hooks("ensure", URL, "--event", "convo.nonsense", "--secret", "s3cret-value")
    assert code == 1 and "convo.nonsense" in err
    monkeypatch.setenv("HELPSCOUT_API_URL", f"http://127.0.0.1:{free_port()}")
    code, _, err = hooks("list", "--timeout", "2")
    assert code == 3 and "could not be reached" in err
    monkeypatch.setenv("HELPSCOUT_API_URL", "http://example.com")  # plain http elsewhere
    code, _, err = hooks("list")
    assert code == 2
    monkeypatch.delenv("HELPSCOUT_APP_SECRET")
    code, _, err = hooks("list", "--api-url", fake.base_url)
    assert code == 2 and "HELPSCOUT_APP_ID" in err


def test_hooks_escape_what_the_api_returns(fake, hooks):
    hooks("ensure", URL, "--event", "convo.created")
    fake.webhooks[1000]["label"] = "\x1b[31mevil\x07"
    fake.webhooks[1000]["url"] = "https://x/\u202eevil"
    fake.webhooks[1000]["state"] = "\x1b[2J"
    code, out, _ = hooks("status")
    assert code == 1 and not any(t in out for t in TERMINAL_TRICKS), repr(out)


def test_hooks_console_script_uses_the_environment(fake):
    env = {"HELPSCOUT_APP_ID": APP_ID, "HELPSCOUT_APP_SECRET": APP_SECRET}
    result = run("hooks", "status", "--api-url", fake.base_url, env=env)
    assert result.returncode == 0 and "no webhooks" in result.stdout, result.stderr
    assert APP_SECRET not in result.stdout + result.stderr
