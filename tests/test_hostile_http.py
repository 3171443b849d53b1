"""Hostile HTTP against real servers on 127.0.0.1: ``helpscout-webhook listen`` and the Flask
(werkzeug), Django (werkzeug as the WSGI server) and FastAPI (uvicorn) endpoints, each in a
subprocess (so a crash is a failed test and its memory can be measured).

Chunked uploads, request smuggling, duplicate Content-Length, slowloris, oversize bodies,
non-UTF-8 and control-character headers. Every socket has a timeout and every loop a
bound; every server is stopped by its fixture.
"""

import json
import os
import pathlib
import queue
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

from helpscout import HelpScoutWebHook

from .conftest import SECRET

ROOT = pathlib.Path(__file__).resolve().parent.parent
FRAMEWORKS = ["flask", "django", "fastapi"]
KINDS = ["listen", *FRAMEWORKS]
HOOK = HelpScoutWebHook(secret_key=SECRET)
MIB = 1024 * 1024

SERVER = r"""
import socket, sys
kind, secret = sys.argv[1], sys.argv[2]
from helpscout import HelpScoutWebHook
hook = HelpScoutWebHook(secret_key=secret)

def handle(event):
    print("HANDLED", repr(event.event_type), event.dedupe_key, flush=True)

def serve_wsgi(app):
    from werkzeug.serving import WSGIRequestHandler, make_server
    WSGIRequestHandler.log_request = lambda *a, **k: None
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print("PORT", server.port, flush=True)
    server.serve_forever()

if kind == "flask":
    from flask import Flask
    from helpscout.integrations.flask import webhook_blueprint
    app = Flask("hostile")
    app.register_blueprint(webhook_blueprint(hook, handle))
    serve_wsgi(app)
elif kind == "django":
    import django
    from django.conf import settings
    from django.urls import path
    from helpscout.integrations.django import webhook_view
    urlpatterns = [path("helpscout", webhook_view(hook, handle))]
    settings.configure(
        DEBUG=False, SECRET_KEY="t", ALLOWED_HOSTS=["*"], ROOT_URLCONF="__main__", MIDDLEWARE=[]
    )
    django.setup()
    from django.core.wsgi import get_wsgi_application
    serve_wsgi(get_wsgi_application())
elif kind == "fastapi":
    import uvicorn
    from fastapi import FastAPI
    from helpscout.integrations.fastapi import webhook_router
    app = FastAPI()
    app.include_router(webhook_router(hook, handle))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    print("PORT", sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, log_level="critical", lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
"""


class Server:
    """A server in a subprocess; ``lines`` collects its standard output."""

    def __init__(self, kind, tmp_path, *listen_options):
        self.kind = kind
        self.path = "/" if kind == "listen" else "/helpscout"
        self.jsonl = tmp_path / f"{kind}.jsonl"
        if kind == "listen":
            command = [sys.executable, "-m", "helpscout", "listen", "--port", "0"]
            command += ["--jsonl", str(self.jsonl), *listen_options]
        else:
            command = [sys.executable, "-c", SERVER, kind, SECRET]
        env = {**os.environ, "HELPSCOUT_WEBHOOK_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=str(ROOT),
        )
        self.lines = []
        self.errors = []
        ready = queue.Queue()
        threading.Thread(target=self._read, args=(ready,), daemon=True).start()
        threading.Thread(target=self._read_errors, daemon=True).start()
        try:
            first = ready.get(timeout=60)
        except queue.Empty:
            self.stop()
            raise RuntimeError(f"{kind} did not start: {self.errors}") from None
        match = re.search(rb"(?:PORT |127\.0\.0\.1:)(\d+)", first)
        assert match, first
        self.port = int(match.group(1))

    def _read(self, ready):
        for number, line in enumerate(self.process.stdout):
            if number == 0:
                ready.put(line)
            else:
                self.lines.append(line)

    def _read_errors(self):
        for line in self.process.stderr:
            self.errors.append(line)

    def handled(self):
        """The deliveries the handler ran for (frameworks), or listen's accepted lines."""
        if self.kind == "listen":
            return [line for line in self.lines if b" accepted 200" in line]
        return [line for line in self.lines if line.startswith(b"HANDLED ")]

    def status(self, field):
        """A field of /proc/PID/status: bytes for the memory fields, else the number."""
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    number, *unit = line.split()[1:]
                    return int(number) * (1024 if unit == ["kB"] else 1)
        raise AssertionError(field)

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            stream.close()


@pytest.fixture(scope="module")
def tmp_module(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module", params=KINDS)
def server(request, tmp_module):
    s = Server(request.param, tmp_module, "--timeout", "2", "--max-connections", "8")
    request.addfinalizer(s.stop)
    return s


@pytest.fixture(scope="module")
def listener(tmp_module):
    s = Server("listen", tmp_module, "--timeout", "1.5", "--max-connections", "4")
    yield s
    s.stop()


# -- a minimal HTTP client that shows exactly what came back ------------------------------


def request_bytes(path, body, event="convo.created", signature=None, extra=b"", length=True):
    signature = HOOK.sign(body) if signature is None else signature
    head = b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += b"Content-Type: application/json\r\n"
    if event is not None:
        head += b"X-HelpScout-Event: " + (event if isinstance(event, bytes) else event.encode())
        head += b"\r\n"
    if signature:
        sig = signature if isinstance(signature, bytes) else signature.encode()
        head += b"X-HelpScout-Signature: " + sig + b"\r\n"
    if length:
        head += b"Content-Length: %d\r\n" % len(body)
    return head + extra + b"\r\n" + body


def parse_answers(data):
    """The (status, body without its final newline) of every complete answer in ``data``."""
    answers = []
    while data.startswith(b"HTTP/1."):
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        status = int(head.split(b" ", 2)[1])
        headers = head.lower()
        match = re.search(rb"\r\ncontent-length: *(\d+)", headers)
        if match:
            size = int(match.group(1))
            if len(rest) < size:
                break
            body, data = rest[:size], rest[size:]
        elif b"transfer-encoding: chunked" in headers:
            body, data = b"", rest
            while True:
                line, sep, data = data.partition(b"\r\n")
                if not sep:
                    return answers
                size = int(line.split(b";")[0], 16)
                body += data[:size]
                data = data[size + 2 :]
                if size == 0:
                    break
        else:
            body, data = rest, b""
        answers.append((status, body.rstrip(b"\n")))  # listen ends its texts with a newline
    return answers


def exchange(port, data, expect=1, wait=5.0, half_close=False, linger=0.3):
    """Send ``data`` on one connection and collect the answers: until ``expect`` answers came
    (then ``linger`` seconds more, to see an extra one), the server closed, or ``wait``."""
    got = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        try:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        end = time.monotonic() + wait
        done_at = None
        sock.settimeout(0.1)
        while time.monotonic() < (done_at or end):
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not chunk:
                break
            got += chunk
            if done_at is None and len(parse_answers(got)) >= expect:
                done_at = min(end, time.monotonic() + linger)
    return parse_answers(got)


def chunked_upload(port, path, total, headers=b"", chunk=64 * 1024, wait=30.0):
    """Upload ``total`` bytes chunked (no Content-Length) while reading the answer; stops
    sending as soon as an answer arrives. Returns (answers, bytes sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    got = []
    head = b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += b"Transfer-Encoding: chunked\r\n" + headers + b"\r\n"

    def read():
        data = b""
        end = time.monotonic() + wait
        while time.monotonic() < end and not parse_answers(data):
            try:
                piece = sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not piece:
                break
            data += piece
        got.extend(parse_answers(data))

    reader = threading.Thread(target=read)
    reader.start()
    sent = 0
    piece = b"%x\r\n" % chunk + b"a" * chunk + b"\r\n"
    end = time.monotonic() + wait
    try:
        sock.sendall(head)
        while sent < total and reader.is_alive() and time.monotonic() < end:
            sock.sendall(piece)
            sent += chunk
        if sent >= total:
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    reader.join(wait)
    sock.close()
    return got, sent


def read_until_closed(sock, wait=4.0):
    """Everything the server sends until it closes the connection (or ``wait`` passes)."""
    got = b""
    end = time.monotonic() + wait
    sock.settimeout(0.1)
    while time.monotonic() < end:
        try:
            piece = sock.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            break
        if not piece:
            break
        got += piece
    return got


def wait_for(predicate, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


BODY = b'{"id": 4242, "subject": "hostile"}'


# -- every server ----------------------------------------------------------------------------


def test_a_valid_delivery_is_accepted(server):
    before = len(server.handled())
    assert exchange(server.port, request_bytes(server.path, BODY)) == [(200, b"ok")]
    assert wait_for(lambda: len(server.handled()) == before + 1)


@pytest.mark.parametrize("kind", KINDS)
def test_a_64_mib_chunked_upload_is_refused_without_reading_it(kind, tmp_path):
    """Finding 2 of the adversarial review: the body is never read past the limit (listen
    refuses chunked bodies outright)."""
    s = Server(kind, tmp_path)
    try:
        exchange(s.port, request_bytes(s.path, BODY))  # warm up (imports, first request)
        before = s.status("VmRSS")
        signature = HOOK.sign(b"a")
        headers = b"X-HelpScout-Event: convo.created\r\nX-HelpScout-Signature: %s\r\n" % (
            signature.encode()
        )
        started = time.monotonic()
        answers, sent = chunked_upload(s.port, s.path, 64 * MIB, headers)
        took = time.monotonic() - started
        peak = s.status("VmHWM")
        assert s.alive()
    finally:
        s.stop()
    expected = 400 if kind == "listen" else 413
    assert [status for status, _ in answers] == [expected], (answers, s.errors[-5:])
    growth = peak - before
    assert growth < 16 * MIB, f"{kind}: RSS grew {growth / MIB:.1f} MiB for a 64 MiB upload"
    assert took < 30
    print(
        f"{kind}: answered {expected} after {sent / MIB:.1f} MiB sent, {took:.2f} s, "
        f"peak RSS growth {growth / MIB:.1f} MiB"
    )


def test_a_small_chunked_delivery(server):
    body = b'{"id": 777, "chunked": true}'
    signature = HOOK.sign(body)
    data = (
        b"POST " + server.path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
        b"X-HelpScout-Event: convo.created\r\nX-HelpScout-Signature: "
        + signature.encode()
        + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x\r\n" % 10
        + body[:10]
        + b"\r\n"
        + b"%x\r\n" % (len(body) - 10)
        + body[10:]
        + b"\r\n0\r\n\r\n"
    )
    before = len(server.handled())
    answers = exchange(server.port, data)
    if server.kind == "listen":  # no chunked bodies at all: refused, connection closed
        assert answers == [(400, b"bad request: transfer_encoding")]
        time.sleep(0.2)
        assert len(server.handled()) == before
    else:  # the server de-chunks; the endpoint reads it with a bound
        assert answers == [(200, b"ok")]
        assert wait_for(lambda: len(server.handled()) == before + 1)


def test_smuggling_both_framings_one_answer_and_the_hidden_request_never_runs(server):
    hidden = request_bytes(server.path, b'{"id": 666}', event="hidden.smuggled")
    chunked = b"0\r\n\r\n" + hidden
    data = (
        b"POST " + server.path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
        b"X-HelpScout-Event: convo.created\r\nX-HelpScout-Signature: "
        + HOOK.sign(chunked).encode()
        + b"\r\nTransfer-Encoding: chunked\r\nContent-Length: %d\r\n\r\n" % len(chunked)
        + chunked
    )
    answers = exchange(server.port, data, linger=1.0)
    assert len(answers) == 1 and answers[0][0] == 400, answers
    time.sleep(0.3)
    assert not any(b"hidden.smuggled" in line for line in server.lines)
    assert server.alive()


def test_a_body_hidden_after_a_chunked_body_is_never_processed(server):
    """The 0.2.0 `listen` ignored Transfer-Encoding and took the chunk data for a second,
    signed request. Whatever the server, the hidden signed delivery never runs as part of
    the first request, and at most one answer belongs to it."""
    hidden = request_bytes(server.path, b'{"id": 667}', event="hidden.after.chunked")
    data = (
        b"POST " + server.path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
        b"X-HelpScout-Event: convo.created\r\nX-HelpScout-Signature: AAAA\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % len(hidden) + hidden + b"\r\n0\r\n\r\n"
    )
    answers = exchange(server.port, data, linger=1.0)
    assert len(answers) == 1 and answers[0][0] in (400, 401), answers
    time.sleep(0.3)
    assert not any(b"hidden.after.chunked" in line for line in server.lines)


def test_duplicate_content_length(server):
    body = BODY
    data = request_bytes(server.path, body, extra=b"Content-Length: %d\r\n" % (len(body) + 50))
    answers = exchange(server.port, data, half_close=True, wait=3)
    if server.kind in ("listen", "fastapi"):  # listen and uvicorn (h11) refuse it
        assert [status for status, _ in answers] == [400]
    else:  # werkzeug takes one of them; whichever, one answer at most
        assert len(answers) <= 1
    # the server still answers a well-formed delivery
    assert exchange(server.port, request_bytes(server.path, BODY))[0][0] == 200


def test_oversize_with_content_length_is_refused_before_the_body_is_sent(server):
    data = request_bytes(
        server.path, b"", length=False, extra=b"Content-Length: %d\r\n" % (64 * MIB)
    )
    answers = exchange(server.port, data + b"{", wait=5)
    assert [status for status, _ in answers] == [413]


def test_slowloris_does_not_stop_other_deliveries(server):
    """Connections dripping a byte at a time: other deliveries are still answered quickly
    (and listen ends the slow ones itself; see the listen tests)."""
    slow = []
    try:
        for _ in range(5):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"POST " + server.path.encode() + b" HTTP/1.1\r\nHost: x\r\nX-Hel")
            slow.append(sock)
        started = time.monotonic()
        answers = exchange(server.port, request_bytes(server.path, BODY))
        assert answers and answers[0][0] == 200
        assert time.monotonic() - started < 5
    finally:
        for sock in slow:
            sock.close()


@pytest.mark.parametrize(
    "event, signature, statuses",
    [
        (b"convo.created\x1b[2J\x1b[31m", None, (200,)),  # unsigned header: unknown event
        (b"\xff\xfe\xfd", None, (200,)),
        (b"convo.created", b"\xff\xfe==", (401,)),
        (b"convo.created", b"\x1b[31mAAAA", (401,)),
        (b"convo.created\x00", None, (200, 400)),
    ],
    ids=["ansi-event", "latin1-event", "latin1-signature", "ansi-signature", "nul-event"],
)
def test_non_utf8_and_control_character_headers(server, event, signature, statuses):
    body = b'{"id": 31337}'
    data = request_bytes(server.path, body, event=event, signature=signature)
    answers = exchange(server.port, data)
    assert len(answers) == 1 and answers[0][0] in statuses, answers
    assert server.alive()
    assert exchange(server.port, request_bytes(server.path, BODY))[0][0] == 200


# -- listen: the strict server -----------------------------------------------------------------


def listen_line(listener, needle, timeout=3.0):
    """listen's output lines holding ``needle`` (waiting up to ``timeout`` for one)."""
    wait_for(lambda: any(needle in line for line in listener.lines), timeout)
    return [line for line in listener.lines if needle in line]


@pytest.mark.parametrize(
    "value",
    [b"+9", b"9 9", b"0x9", b"9.0", b"-1", b"\xd9\xa1", b"\xb2", b"", b"99999999999999999999"],
    ids=["plus", "two", "hex", "float", "negative", "arabic", "superscript", "empty", "huge"],
)
def test_listen_refuses_malformed_content_length(listener, value):
    data = request_bytes("/", BODY, length=False, extra=b"Content-Length: " + value + b"\r\n")
    answers = exchange(listener.port, data)
    assert [status for status, _ in answers] == [400], answers


@pytest.mark.parametrize(
    "extra, reason",
    [
        (b"X-HelpScout-Signature: AAAA\r\n", b"duplicate_header"),
        (b"X-HelpScout-Event: convo.deleted\r\n", b"duplicate_header"),
        (b"Transfer-Encoding: identity\r\n", b"transfer_encoding"),
        (b"Transfer-Encoding: xchunked\r\n", b"transfer_encoding"),
        (b"Transfer-Encoding : chunked\r\n", b"bad_header"),
        (b"X-Folded: a\r\n b\r\n", b"bad_header"),
        (b"X-A: 1\rTransfer-Encoding: chunked\r\n", b"bad_header"),
        (b"X-A: 1\x00\r\n", b"bad_header"),
    ],
    ids=[
        "two-signatures",
        "two-events",
        "te-identity",
        "te-obfuscated",
        "space-colon",
        "fold",
        "bare-cr",
        "nul",
    ],
)
def test_listen_refuses_ambiguous_headers(listener, extra, reason):
    answers = exchange(listener.port, request_bytes("/", BODY, extra=extra))
    assert answers == [(400, b"bad request: " + reason)], answers


def test_listen_answers_pipelined_requests_one_each(listener):
    one = request_bytes("/", b'{"id": 1001}')
    two = request_bytes("/", b'{"id": 1002}')
    answers = exchange(listener.port, one + two, expect=2)
    assert [status for status, _ in answers] == [200, 200]


def test_listen_slowloris_gets_408_within_the_timeout(listener):
    """--timeout 1.5: a request dripping a byte every 0.2 s is cut off after 1.5 s, however
    long it would go on; the connection is closed."""
    data = request_bytes("/", BODY)
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        got = b""
        for byte in data[:40]:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            time.sleep(0.2)
            if time.monotonic() - started > 6:
                break
        sock.settimeout(3)
        try:
            while True:
                piece = sock.recv(4096)
                if not piece:
                    break
                got += piece
        except OSError:
            pass
    took = time.monotonic() - started
    assert parse_answers(got) == [(408, b"request timeout")], got
    assert took < 6  # 40 bytes at 0.2 s would take 8 s; cut at 1.5 s (+ the watchdog tick)


def test_listen_idle_connection_is_closed_and_a_slow_body_gets_408(listener):
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        started = time.monotonic()
        assert sock.recv(100) == b""  # an idle connection is closed quietly (not reported)
        assert 1.0 < time.monotonic() - started < 4
    data = request_bytes("/", BODY)
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        sock.sendall(data[:-5])  # the body never completes
        got = read_until_closed(sock)
    assert parse_answers(got) == [(408, b"request timeout")], (got, listener.lines[-3:])


def test_listen_connection_cap_and_bounded_threads(listener):
    """--max-connections 4: stalled connections beyond the cap get 503 at once; the server's
    thread count stays bounded; once the stalled ones time out, deliveries are served."""
    stalled, refused = [], 0
    try:
        for _ in range(30):
            sock = socket.create_connection(("127.0.0.1", listener.port), timeout=5)
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
            stalled.append(sock)
        time.sleep(0.3)
        threads = listener.status("Threads")
        for sock in stalled:
            sock.settimeout(0.05)
            try:
                if sock.recv(200).startswith(b"HTTP/1.1 503"):
                    refused += 1
            except OSError:
                pass
        assert threads <= 4 + 4, threads  # main, watchdog, 4 connections (+ slack)
        assert refused >= 30 - 4
    finally:
        for sock in stalled:
            sock.close()
    assert wait_for(
        lambda: exchange(listener.port, request_bytes("/", b'{"id": 5150}'))[:1] == [(200, b"ok")],
        timeout=6,
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"get": 1, "keys": 2, "id": 9}',
        b'{"id": ' + b"9" * 5000 + b"}",
        b'{"id": 1, "text": "\\ud800"}',
        b'{"id": "\\u001b[2J\\u001b[31mFORGED"}',
    ],
    ids=["key-named-get", "5000-digit-int", "lone-surrogate", "ansi-in-signed-id"],
)
def test_listen_always_answers_and_the_jsonl_line_replays(listener, body):
    """0.2.0 dropped the connection on these signed bodies. Now: an answer (200, or 400 if
    this build refuses the body at receive), and every accepted body's line replays."""
    answers = exchange(listener.port, request_bytes("/", body, event="convo.created"))
    assert len(answers) == 1 and answers[0][0] in (200, 400), answers
    if answers[0][0] == 200:

        def replayed():
            for line in listener.jsonl.read_text(encoding="ascii").splitlines():
                envelope = json.loads(line)
                if envelope["body"].encode("utf-8") == body:
                    return envelope
            return None

        assert wait_for(lambda: replayed() is not None)
        envelope = replayed()
        event = HOOK.receive(
            envelope["event_type"], envelope["signature"], envelope["body"].encode("utf-8")
        )
        assert event.dedupe_key == envelope["dedupe_key"]


def test_listen_escapes_everything_it_prints(listener):
    forged = b"convo.created\x1b[2K\x1b[1A12:00:00 FORGED accepted 200\x1b]0;x\x07"
    exchange(listener.port, request_bytes("/", BODY, event=forged, signature=b"AAAA"))
    exchange(listener.port, request_bytes("/", b'{"id": "\\u001b[31mred"}', event=forged))
    needle = b"\\x1b[2K\\x1b[1A12:00:00 FORGED"
    assert len(listen_line(listener, needle, timeout=3)) == 2, listener.lines[-4:]
    assert listen_line(listener, b"\\x1b[31mred", timeout=3)  # a signed value, escaped too
    out = b"".join(listener.lines)
    assert b"\x1b" not in out and b"\x07" not in out and b"\r" not in out
    assert not any(b"FORGED" in line and b"\\x1b" not in line for line in listener.lines)


def test_listen_protocol_errors_are_short_plain_answers(listener):
    long_line = b"POST /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n"
    assert [s for s, _ in exchange(listener.port, long_line)] == [414]
    many = b"POST / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n"
    answers = exchange(listener.port, many)
    assert [s for s, _ in answers] == [431] and answers[0][1] == b"request header fields too large"
    assert [s for s, _ in exchange(listener.port, b"GARBAGE\r\n\r\n")] == [400]
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        head = read_until_closed(sock)
    assert head.startswith(b"HTTP/1.1 405 ") and head.endswith(b"\r\n\r\n")  # no body
    assert listener.alive() and not [e for e in listener.errors if b"Traceback" in e]
