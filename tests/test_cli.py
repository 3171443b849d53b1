"""The helpscout-webhook command line, including real HTTP on 127.0.0.1: `listen` in a
subprocess and a Flask app served by werkzeug, both fed by `send`."""

import http.server
import json
import os
import pathlib
import socket
import subprocess
import sys
import threading

import pytest

from helpscout import HelpScoutWebHook
from helpscout.cli import main
from helpscout.events import EVENTS

from .conftest import FIXTURES, MANIFEST, SECRET, fixture_bytes, signature_of

CLI = [sys.executable, "-m", "helpscout"]
ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(*args, env=None, stdin=None):
    full_env = {k: v for k, v in os.environ.items() if k != "HELPSCOUT_WEBHOOK_SECRET"}
    full_env.update(env or {})
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, env=full_env, timeout=60)


def raw_http(host, port, request):
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(request)
        return s.recv(4096)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "entry", MANIFEST["fixtures"][:8] + MANIFEST["fixtures"][-4:], ids=lambda f: f["file"]
)
def test_sign_and_verify_agree_with_the_manifest(entry, capsys):
    path = str(FIXTURES / entry["file"])
    assert main(["sign", path, "--secret", SECRET]) == 0
    assert capsys.readouterr().out.strip() == entry["signature"]
    assert main(["verify", path, "--secret", SECRET, "--signature", entry["signature"]]) == 0
    assert capsys.readouterr().out.strip() == "valid"
    assert main(["verify", path, "--secret", "wrong", "--signature", entry["signature"]]) == 1
    assert capsys.readouterr().out.startswith("invalid")


def test_sign_reads_standard_input_and_the_environment():
    body = fixture_bytes("convo.created.json")
    r = run("sign", env={"HELPSCOUT_WEBHOOK_SECRET": SECRET}, stdin=body)
    assert r.returncode == 0 and r.stdout.decode().strip() == signature_of("convo.created.json")
    r = run(
        "verify", "-", "--signature", "nope", env={"HELPSCOUT_WEBHOOK_SECRET": SECRET}, stdin=body
    )
    assert r.returncode == 1


def test_missing_secret_is_a_clear_usage_error():
    r = run("sign", str(FIXTURES / "convo.created.json"))
    assert r.returncode == 2
    assert r.stderr.decode().strip() == (
        "helpscout-webhook: error: no secret: pass --secret SECRET or set HELPSCOUT_WEBHOOK_SECRET"
    )
    assert r.stdout == b""


def test_unreadable_file_and_unknown_event(capsys):
    assert main(["sign", "/nonexistent/body.json", "--secret", "s"]) == 2
    assert (
        "cannot read /nonexistent/body.json: No such file or directory" in capsys.readouterr().err
    )
    assert main(["send", "convo.nope", "--url", "http://127.0.0.1:9/", "--secret", "s"]) == 2
    assert "unknown event 'convo.nope'" in capsys.readouterr().err


def test_send_to_a_closed_port_is_a_clear_error_not_a_traceback():
    port = free_port()
    r = run("send", "convo.created", "--url", f"http://127.0.0.1:{port}/", "--secret", SECRET)
    assert r.returncode == 3
    err = r.stderr.decode()
    assert err.startswith(f"helpscout-webhook: error: could not reach http://127.0.0.1:{port}/:")
    assert "Traceback" not in err


def test_events_lists_the_catalogue(capsys):
    assert main(["events"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(EVENTS)
    assert lines[0].split()[:2] == ["beacon.chat.agent.replied", "BeaconChat"]
    assert any(
        line.startswith("convo.assigned") and "Conversation was assigned." in line for line in lines
    )


def test_help_documents_exit_codes():
    r = run("--help")
    out = r.stdout.decode()
    assert r.returncode == 0
    for text in ("exit codes:", "3  the URL could not be reached", "HELPSCOUT_WEBHOOK_SECRET"):
        assert text in out


def test_listen_in_a_subprocess_fed_by_send(tmp_path):
    jsonl = tmp_path / "events.jsonl"
    env = {"HELPSCOUT_WEBHOOK_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}
    full_env = {**os.environ, **env}
    listener = subprocess.Popen(
        [*CLI, "listen", "--port", "0", "--jsonl", str(jsonl)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
        text=True,
    )
    try:
        first = listener.stdout.readline()
        assert first.startswith("listening on http://127.0.0.1:")
        url = first.split()[2]
        sent = run("send", "all", "--url", url, env=env)
        assert sent.returncode == 0, sent.stderr
        summary = sent.stdout.decode()
        assert "sent 31: 31 accepted (2xx), 0 not" in summary
        forged = run("send", "convo.created", "--url", url, "--secret", "forged", env=env)
        assert forged.returncode == 1 and forged.stdout.decode().startswith("401 convo.created")
        raw = run(
            "send",
            "convo.status",
            "--url",
            url,
            "--payload",
            str(FIXTURES / "convo.status.json"),
            env=env,
        )
        assert raw.returncode == 0
        again = run("send", "tag.created", "--url", url, env=env)  # same bytes as in 'all'
        assert again.returncode == 0
        host, port = url.split("//")[1].rstrip("/").split(":")
        get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        assert raw_http(host, int(port), get).startswith(b"HTTP/1.1 405")
        bad = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"
        assert raw_http(host, int(port), bad).startswith(b"HTTP/1.1 400")
    finally:
        listener.terminate()
        out, err = listener.communicate(timeout=10)
    lines = out.splitlines()
    assert lines[-1] == "received 36: 33 accepted, 3 rejected", out
    accepted = [line for line in lines if " accepted 200" in line]
    assert len(accepted) == 33
    duplicates = [line for line in lines if line.endswith("accepted 200 (duplicate)")]
    assert len(duplicates) == 1 and "tag.created" in duplicates[0]
    assert any(
        "convo.created" in line and "rejected 401 signature_mismatch" in line for line in lines
    )
    assert any(line.endswith("rejected 405 method_not_allowed") for line in lines)
    assert any(line.endswith("rejected 400 bad_content_length") for line in lines)
    # every verified delivery once (the repeat is not handled again), as a replayable envelope
    envelopes = [json.loads(line) for line in jsonl.read_text(encoding="ascii").splitlines()]
    assert len(envelopes) == 32
    last = envelopes[-1]
    assert set(last) >= {"event_type", "body", "signature", "secret_index", "dedupe_key"}
    assert last["event_type"] == "convo.status"
    assert last["body"].encode("utf-8") == fixture_bytes("convo.status.json")
    assert last["signature"] == signature_of("convo.status.json")
    hook = HelpScoutWebHook(secret_key=SECRET)
    for envelope in envelopes:
        event = hook.receive(
            envelope["event_type"], envelope["signature"], envelope["body"].encode("utf-8")
        )
        assert event.dedupe_key == envelope["dedupe_key"]
        assert event.secret_index == envelope["secret_index"] == 0
    assert SECRET not in out + err
    # docs/cli.md's replay example works on this very file
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    block = doc.split("```python\n", 1)[1].split("```", 1)[0]
    block = block.replace('"my-secret"', repr(SECRET)).replace('"events.jsonl"', repr(str(jsonl)))
    exec(compile(block, "cli.md", "exec"), {"__name__": "docs_cli"})
    for envelope in envelopes:
        assert hook.receive_envelope(envelope).dedupe_key == envelope["dedupe_key"]
    # the id column fits a Beacon chat's UUID and keeps the columns aligned
    assert any("3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f " in line for line in accepted)
    assert len({line.index(" accepted 200") for line in accepted}) == 1


def test_flask_app_served_by_werkzeug_fed_by_send():
    from flask import Flask
    from werkzeug.serving import make_server

    from helpscout.integrations.flask import webhook_blueprint

    seen = []
    app = Flask("served")
    app.register_blueprint(webhook_blueprint(HelpScoutWebHook(secret_key=SECRET), seen.append))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.port}/helpscout"
        r = run("send", "all", "--url", url, env={"HELPSCOUT_WEBHOOK_SECRET": SECRET})
        assert r.returncode == 0, r.stderr
        r = run(
            "send",
            "tag.created",
            "--url",
            url,
            "--signature",
            "AAAA",
            env={"HELPSCOUT_WEBHOOK_SECRET": SECRET},
        )
        assert r.returncode == 1 and r.stdout.startswith(b"401 tag.created")
    finally:
        server.shutdown()
    assert sorted(e.event_type for e in seen) == sorted(EVENTS)
    assert all(type(e.record).__name__ == EVENTS[e.event_type].record_class for e in seen)


def test_python_dash_m_and_console_script_are_the_same():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.decode().startswith("helpscout-webhook ")
    script = pathlib.Path(sys.executable).parent / "helpscout-webhook"
    if script.exists():
        r2 = subprocess.run([str(script), "--version"], capture_output=True)
        assert r2.stdout == r.stdout


def test_main_job_end_to_end():
    """scripts/demo.sh runs this after building: it must keep succeeding."""
    script = pathlib.Path(__file__).resolve().parent.parent / "examples" / "end_to_end.py"
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.rstrip().endswith(
        "end to end: all 31 events accepted, the forgery rejected with 401"
    )
    assert "[listen] received 32: 31 accepted, 1 rejected" in r.stdout


class _Redirecting(http.server.BaseHTTPRequestHandler):
    """Answers every POST with a 302 and records every request it gets."""

    seen: list = []
    location = "/elsewhere"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.seen.append(("POST", self.path, self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(302)
        self.send_header("Location", self.location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.seen.append(("GET", self.path, b""))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


@pytest.fixture
def redirecting():
    _Redirecting.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_send_reports_a_redirect_and_does_not_follow_it(redirecting, capsys):
    """0.2.0 followed a 302 with a bodiless GET and reported 200: now the 3xx is the result."""
    url = f"http://127.0.0.1:{redirecting.server_address[1]}/helpscout"
    assert main(["send", "convo.created", "--url", url, "--secret", SECRET]) == 1
    out = capsys.readouterr().out
    assert out.startswith("302 convo.created (")
    assert out.rstrip().endswith("(redirect to /elsewhere not followed)")
    assert [(m, p) for m, p, _ in _Redirecting.seen] == [("POST", "/helpscout")]
    # a hostile Location is shown escaped
    _Redirecting.location = "/x\x1b[2J\x1b[31mfake"
    try:
        assert main(["send", "all", "--url", url, "--secret", SECRET]) == 1
    finally:
        _Redirecting.location = "/elsewhere"
    out = capsys.readouterr().out
    assert "\x1b" not in out and "(redirect to /x\\x1b[2J\\x1b[31mfake not followed)" in out
    assert out.rstrip().endswith("sent 31: 0 accepted (2xx), 31 not")
    assert {m for m, _, _ in _Redirecting.seen} == {"POST"}


def test_events_into_a_closed_pipe_exits_quietly():
    """`helpscout-webhook events | head -5` printed a BrokenPipeError traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written: every write fails
    try:
        r = subprocess.run([*CLI, "events"], stdout=write_end, stderr=subprocess.PIPE, timeout=60)
    finally:
        os.close(write_end)
    assert r.returncode == 141 and r.stderr == b""
    shell = subprocess.run(
        ["bash", "-c", f"'{sys.executable}' -m helpscout events | head -2"],
        capture_output=True,
        timeout=60,
    )
    assert len(shell.stdout.splitlines()) == 2 and b"Traceback" not in shell.stderr


def test_help_shows_the_defaults():
    listen = run("listen", "--help").stdout.decode()
    for text in ("(default: 8765)", "(default: 127.0.0.1)", "(default: 10.0)", "(default: 64)"):
        assert text in listen
    assert "(default: 5242880)" in listen
    send = run("send", "--help").stdout.decode()
    assert "each answer (default: 10.0)" in send
    assert "(default: -, standard input)" in run("sign", "--help").stdout.decode()


def test_commands_come_from_the_registry():
    from helpscout.cli import build_parser
    from helpscout.cli.common import COMMANDS, command

    assert {"sign", "verify", "events", "send", "listen"} <= set(COMMANDS)
    names = list(build_parser()._subparsers._group_actions[0].choices)
    assert names[:5] == ["sign", "verify", "events", "send", "listen"]
    with pytest.raises(RuntimeError, match="registered twice"):
        command("sign", "again", lambda p: None)(lambda args: 0)


def test_listen_refuses_bad_options(capsys):
    assert main(["listen", "--secret", "s", "--timeout", "0"]) == 2
    assert "must be positive" in capsys.readouterr().err
    assert main(["listen", "--secret", "s", "--max-connections", "0"]) == 2
