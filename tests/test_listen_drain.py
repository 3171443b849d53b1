"""``helpscout-webhook listen`` stopping cleanly: on SIGTERM or Ctrl-C the requests in flight
finish (up to ``--drain-timeout``) before the ``--jsonl`` file and the ``--log`` are closed,
idle keep-alive connections are closed at once (a request already arrived on one is not), a
signal during the drain stops at once, and afterwards nothing (a standard output nobody reads,
a client's reset) holds the exit or is reported as an error.

Real processes on 127.0.0.1: ``listen`` in a subprocess, relaying with ``--forward-to`` to a
downstream HTTP server started here that takes its time to answer, so a delivery is in
flight when the signal arrives. Every socket has a timeout, every loop a bound, and every
process is killed in a ``finally`` if it is still there.
"""

import http.server
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import pytest

from helpscout.log import SQLiteLog

from .conftest import ROOT, SECRET, fixture_bytes, signature_of

BODY = fixture_bytes("convo.created.json")
REQUEST = (
    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"X-HelpScout-Event: convo.created\r\n"
    b"X-HelpScout-Signature: " + signature_of("convo.created.json").encode() + b"\r\n"
    b"Content-Length: %d\r\n\r\n" % len(BODY)
) + BODY

# The same request, asking for the connection to end after it.
CLOSING_REQUEST = REQUEST.replace(
    b"Host: 127.0.0.1\r\n", b"Host: 127.0.0.1\r\nConnection: close\r\n"
)

# The listener's SIGINT is Python's KeyboardInterrupt, as in a terminal, even when these
# tests run as a background job (which starts them with SIGINT ignored).
ENTRY = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from helpscout.cli import main; sys.exit(main())"
)


class Downstream:
    """The app a relay forwards to: answers 200 ``ok`` after ``delay`` seconds (cut short
    when the test ends). ``arrived`` is set when a request has come in."""

    def __init__(self):
        self.delay = 0.0
        self.arrived = threading.Event()
        self.done = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.arrived.set()
                outer.done.wait(outer.delay)
                self.send_response(200)
                self.send_header("Content-Length", "3")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"ok\n")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # The relay may be gone when the answer is written (an abandoned request).
        self.server.handle_error = lambda request, address: None
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hs"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self):
        self.done.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def downstream():
    d = Downstream()
    yield d
    d.close()


class Listen:
    """``helpscout-webhook listen`` in a subprocess; ``out`` and ``err`` collect its lines."""

    def __init__(self, *options, patch=""):
        env = {**os.environ, "HELPSCOUT_WEBHOOK_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-c", patch + ENTRY, "listen", "--port", "0", *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=str(ROOT),
            text=True,
        )
        self.out, self.err = [], []
        self.readers = [
            threading.Thread(target=self._collect, args=(stream, lines), daemon=True)
            for stream, lines in ((self.process.stdout, self.out), (self.process.stderr, self.err))
        ]
        for reader in self.readers:
            reader.start()
        if not wait_for(lambda: self.out or self.process.poll() is not None, 60):
            self.kill()
            raise AssertionError("listen did not start")
        first = self.out[0] if self.out else ""
        match = re.match(r"listening on http://127\.0\.0\.1:(\d+)/", first)
        if not match:
            self.kill()
            raise AssertionError(f"listen did not start: {self.out} {self.err}")
        self.port = int(match.group(1))

    @staticmethod
    def _collect(stream, lines):
        for line in stream:
            lines.append(line.rstrip("\n"))

    def signal(self, signum):
        self.process.send_signal(signum)
        return time.monotonic()

    def wait(self, timeout):
        """The exit code, or ``None`` if still running after ``timeout`` seconds."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        """Stop it for good (SIGKILL) and wait for its output to be read."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for reader in self.readers:
            reader.join(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            stream.close()


def wait_for(predicate, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def read_answer(sock, wait=10.0):
    """One HTTP answer as ``(status, headers (lower-case names), body)``, or ``None`` if the
    connection ended (or ``wait`` passed) before a complete answer came."""
    data = b""
    end = time.monotonic() + wait
    sock.settimeout(0.1)
    while time.monotonic() < end:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep:
            lines = head.decode("latin-1").split("\r\n")
            headers = dict(
                (name.strip().lower(), value.strip())
                for name, _, value in (line.partition(":") for line in lines[1:])
            )
            size = int(headers.get("content-length", "0"))
            if len(rest) >= size:
                return int(lines[0].split()[1]), headers, rest[:size]
        try:
            piece = sock.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return None
        if not piece:
            return None
        data += piece
    return None


def closed_within(sock, wait):
    """Whether the server closes ``sock`` (end of file or reset) within ``wait`` seconds,
    nothing else arriving."""
    end = time.monotonic() + wait
    sock.settimeout(0.05)
    while time.monotonic() < end:
        try:
            piece = sock.recv(4096)
        except socket.timeout:
            continue
        except OSError:
            return True
        if not piece:
            return True
        return False  # something came: not what an idle connection should get
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_delivery_in_flight_is_finished_before_exit(tmp_path, downstream, signum):
    """The delivery is being forwarded (the downstream takes 1 s) when the signal arrives:
    it still gets its full 200 (with ``Connection: close``), its log entry is finished, its
    jsonl line complete, and the process exits 0 right after."""
    downstream.delay = 1.0
    db, jsonl = tmp_path / "relay.db", tmp_path / "events.jsonl"
    listen = Listen(
        "--log", str(db), "--jsonl", str(jsonl), "--forward-to", downstream.url, "--timeout", "30"
    )
    try:
        with connect(listen.port) as sock:
            sock.sendall(REQUEST)
            assert downstream.arrived.wait(10), (listen.out, listen.err)
            signalled = listen.signal(signum)
            answer = read_answer(sock)
            assert answer is not None, ("no answer", listen.out, listen.err)
            status, headers, body = answer
            assert (status, body) == (200, b"ok\n")
            assert headers.get("connection") == "close"  # no next request on it
            assert closed_within(sock, 5)
        code = listen.wait(10)
        exited = time.monotonic() - signalled
    finally:
        listen.kill()
    assert code == 0, (listen.out, listen.err)
    assert exited < 5, exited
    assert any("accepted 200 -> 200 in" in line for line in listen.out), listen.out
    assert listen.out[-1] == "received 1: 1 accepted, 0 rejected", listen.out
    assert not any("Traceback" in line or "internal error" in line for line in listen.err)
    assert any("1 request in flight" in line for line in listen.err), listen.err
    assert not any("abandoned" in line for line in listen.err), listen.err
    log = SQLiteLog(str(db))
    try:
        (entry,) = log.list(limit=None)
    finally:
        log.close()
    assert (entry.verdict, entry.status) == ("accepted", 200)
    assert entry.finished_at is not None and entry.body == BODY
    text = jsonl.read_text(encoding="ascii")
    assert text.endswith("\n") and len(text.splitlines()) == 1
    envelope = json.loads(text)
    assert envelope["body"].encode("utf-8") == BODY
    assert envelope["signature"] == signature_of("convo.created.json")


def test_an_idle_keep_alive_connection_does_not_delay_exit(tmp_path):
    """Connections waiting for a next request (one answered already, one that never sent a
    byte) are closed at once: exit within 2 s although --timeout is 60."""
    listen = Listen("--timeout", "60", "--jsonl", str(tmp_path / "events.jsonl"))
    try:
        with connect(listen.port) as kept, connect(listen.port) as silent:
            kept.sendall(REQUEST)
            answer = read_answer(kept)
            assert answer is not None and answer[0] == 200, answer
            assert answer[1].get("connection") != "close"  # kept alive, now idle
            time.sleep(0.2)  # both connections are being served (waiting for a request)
            signalled = listen.signal(signal.SIGTERM)
            code = listen.wait(10)
            exited = time.monotonic() - signalled
            assert closed_within(kept, 2) and closed_within(silent, 2)
    finally:
        listen.kill()
    assert code == 0, (listen.out, listen.err)
    assert exited < 2, exited
    assert listen.out[-1] == "received 1: 1 accepted, 0 rejected", listen.out
    assert not any("in flight" in line for line in listen.err), listen.err


def test_idle_connections_are_closed_while_a_request_drains(tmp_path, downstream):
    """An idle keep-alive connection is closed as soon as the signal arrives, while a
    delivery still in flight (1.5 s downstream) is waited for and answered."""
    db = tmp_path / "relay.db"
    listen = Listen("--log", str(db), "--forward-to", downstream.url, "--timeout", "60")
    try:
        with connect(listen.port) as kept, connect(listen.port) as busy:
            kept.sendall(REQUEST)  # the downstream answers at once this time
            answer = read_answer(kept)
            assert answer is not None and answer[0] == 200, answer
            assert answer[1].get("connection") != "close"
            downstream.delay = 1.5
            downstream.arrived.clear()
            busy.sendall(REQUEST)
            assert downstream.arrived.wait(10)
            signalled = listen.signal(signal.SIGTERM)
            assert closed_within(kept, 1.0)  # long before the delivery in flight is done
            answer = read_answer(busy)
            assert answer is not None, ("no answer", listen.out, listen.err)
            assert answer[0] == 200 and answer[1].get("connection") == "close"
        code = listen.wait(10)
        exited = time.monotonic() - signalled
    finally:
        listen.kill()
    assert code == 0 and exited < 5, (code, exited, listen.err)
    assert listen.out[-1] == "received 2: 2 accepted, 0 rejected", listen.out
    log = SQLiteLog(str(db))
    try:
        assert [e.verdict for e in log.list(limit=None)] == ["accepted", "accepted"]
    finally:
        log.close()


def test_a_request_running_past_the_drain_timeout_is_abandoned(tmp_path, downstream):
    """--drain-timeout 1 and a downstream that takes 20 s: listen waits about 1 s, says on
    standard error that one request was abandoned, closes and exits 0."""
    downstream.delay = 20.0
    listen = Listen(
        "--log",
        str(tmp_path / "relay.db"),
        "--forward-to",
        downstream.url,
        "--forward-timeout",
        "30",
        "--drain-timeout",
        "1",
    )
    try:
        with connect(listen.port) as sock:
            sock.sendall(REQUEST)
            assert downstream.arrived.wait(10), (listen.out, listen.err)
            signalled = listen.signal(signal.SIGTERM)
            code = listen.wait(10)
            exited = time.monotonic() - signalled
    finally:
        listen.kill()
    assert code == 0, (listen.out, listen.err)
    assert 0.9 <= exited < 1 + 2.5, exited  # it waited for the bound, and not much longer
    abandoned = [line for line in listen.err if "abandoned" in line]
    assert len(abandoned) == 1, listen.err
    assert abandoned[0].startswith("helpscout-webhook: 1 request in flight abandoned"), abandoned
    assert not any("Traceback" in line for line in listen.err), listen.err
    assert listen.out[-1].startswith("received 0:"), listen.out


@pytest.mark.parametrize("second", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
def test_a_second_signal_ends_the_drain_at_once(tmp_path, downstream, second):
    """The drain would wait up to 30 s for a downstream that takes 20 s: the on-call
    engineer presses Ctrl-C (or sends SIGTERM) again, and listen exits at once."""
    downstream.delay = 20.0
    listen = Listen(
        "--jsonl",
        str(tmp_path / "events.jsonl"),
        "--forward-to",
        downstream.url,
        "--forward-timeout",
        "30",
        "--drain-timeout",
        "30",
    )
    try:
        with connect(listen.port) as sock:
            sock.sendall(REQUEST)
            assert downstream.arrived.wait(10), (listen.out, listen.err)
            listen.signal(signal.SIGTERM)
            draining = wait_for(lambda: any("in flight" in line for line in listen.err), 5)
            assert draining, ("no drain", listen.process.poll(), listen.out, listen.err)
            assert listen.process.poll() is None  # still waiting for the delivery
            signalled = listen.signal(second)
            code = listen.wait(10)
            exited = time.monotonic() - signalled
    finally:
        listen.kill()
    assert code == 0, (listen.out, listen.err)
    assert exited < 1.5, exited
    abandoned = [line for line in listen.err if "abandoned" in line]
    assert len(abandoned) == 1 and "1 request in flight" in abandoned[0], listen.err
    assert not any("Traceback" in line for line in listen.err), listen.err
    # The line written before forwarding is whole (the file was closed, not cut mid-line).
    text = (tmp_path / "events.jsonl").read_text(encoding="ascii")
    assert text.endswith("\n") and json.loads(text)["body"].encode("utf-8") == BODY


def test_drain_timeout_is_checked_and_documented():
    env = {**os.environ, "HELPSCOUT_WEBHOOK_SECRET": SECRET}
    for value in ("-1", "nan", "inf"):
        r = subprocess.run(
            [sys.executable, "-m", "helpscout", "listen", "--port", "0", "--drain-timeout", value],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert r.returncode == 2 and "--drain-timeout" in r.stderr, (value, r.stderr)
    r = subprocess.run(
        [sys.executable, "-m", "helpscout", "listen", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "--drain-timeout" in r.stdout and "--forward-timeout" in r.stdout


# A listener whose handler threads are slow to take up a request that has arrived (as when
# they wait for the CPU or the GIL): each waits 0.5 s before it counts as in flight.
SLOW_TO_START = (
    "import time\n"
    "from helpscout.cli import listen as _listen\n"
    "_started = _listen._Server.request_started\n"
    "def _late(self, handler):\n"
    "    time.sleep(0.5)\n"
    "    return _started(self, handler)\n"
    "_listen._Server.request_started = _late\n"
)


def second_request_at_stop(patch, pause):
    """A listener patched with ``patch`` answers a first request on a kept-alive
    connection; ``pause`` seconds later a second request is sent whole, and SIGTERM follows
    0.1 s after. Returns the second answer (or ``None``), the exit code and the listener."""
    listen = Listen("--timeout", "30", patch=patch)
    try:
        with connect(listen.port) as sock:
            sock.sendall(REQUEST)
            first = read_answer(sock)
            assert first is not None and first[0] == 200, (first, listen.err)
            time.sleep(pause)
            sock.sendall(REQUEST)
            time.sleep(0.1)  # in the server's buffer; its thread still sleeps in the patch
            listen.signal(signal.SIGTERM)
            answer = read_answer(sock)
        code = listen.wait(10)
    finally:
        listen.kill()
    return answer, code, listen


def answered_at_stop(answer, code, listen, received, why):
    """The request sent at the stop got its answer, with ``Connection: close``; the
    listener exited 0 having received ``received`` deliveries, all accepted."""
    assert answer is not None, (why, listen.out, listen.err)
    assert answer[0] == 200 and answer[1].get("connection") == "close", answer
    assert code == 0, (listen.out, listen.err)
    assert listen.out[-1] == f"received {received}: {received} accepted, 0 rejected", listen.out


def test_a_request_already_arrived_on_an_idle_connection_is_answered(tmp_path):
    """A whole request is in the server's buffer when the signal comes, but its thread has
    not yet taken it up: the drain sees its bytes, waits for it like any request in flight,
    and it is answered (it used to be hung up on, unanswered)."""
    answer, code, listen = second_request_at_stop(SLOW_TO_START, pause=0.8)
    answered_at_stop(answer, code, listen, 2, "hung up on")
    assert any("accepted 200 (duplicate)" in line for line in listen.out), listen.out


def test_a_client_resetting_an_idle_connection_is_no_error(tmp_path):
    """A client that resets its keep-alive connection (SO_LINGER 0) while the connection
    waits for a next request: the connection just ends. It used to be reported as an
    internal error and counted as a rejected delivery that never was."""
    listen = Listen("--timeout", "30")
    try:
        sock = connect(listen.port)
        sock.sendall(REQUEST)
        answer = read_answer(sock)
        assert answer is not None and answer[0] == 200, answer
        time.sleep(0.2)  # the connection waits for its next request
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # a reset, not a clean end
        time.sleep(0.5)
        listen.signal(signal.SIGTERM)
        code = listen.wait(10)
    finally:
        listen.kill()
    assert code == 0, (listen.out, listen.err)
    assert not any("internal error" in line for line in listen.err), listen.err
    assert listen.out[-1] == "received 1: 1 accepted, 0 rejected", listen.out


def test_a_client_asking_to_close_gets_its_connection_closed():
    """``Connection: close`` from the client is honoured: the answer says so and the
    connection ends at once (it used to be kept open until --timeout)."""
    listen = Listen("--timeout", "30")
    try:
        with connect(listen.port) as sock:
            sock.sendall(CLOSING_REQUEST)
            answer = read_answer(sock)
            assert answer is not None and answer[0] == 200, answer
            assert answer[1].get("connection") == "close", answer
            assert closed_within(sock, 2)
        with connect(listen.port) as sock:  # HTTP/1.0 without keep-alive: the same
            sock.sendall(REQUEST.replace(b"POST / HTTP/1.1", b"POST / HTTP/1.0", 1))
            answer = read_answer(sock)
            assert answer is not None and answer[1].get("connection") == "close", answer
            assert closed_within(sock, 2)
        with connect(listen.port) as sock:  # HTTP/1.1 by default: kept for a next request
            sock.sendall(REQUEST)
            answer = read_answer(sock)
            assert answer is not None and answer[1].get("connection") != "close", answer
            assert not closed_within(sock, 0.5)
    finally:
        listen.signal(signal.SIGTERM)
        listen.wait(10)
        listen.kill()


def test_a_standard_output_nobody_reads_does_not_hold_the_exit(tmp_path):
    """``listen | consumer`` with a consumer that stopped reading: a request thread blocks
    writing its line (holding the lock the jsonl file is written under). SIGTERM still
    ends listen: the drain gives up after --drain-timeout, and from then on signals do what
    they did before, so a second SIGTERM ends a process stuck writing its summary (it used
    to ignore every signal, for ever)."""
    env = {**os.environ, "HELPSCOUT_WEBHOOK_SECRET": SECRET, "PYTHONUNBUFFERED": "1"}
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    err_path = tmp_path / "stderr.txt"
    with open(err_path, "w") as err:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                ENTRY,
                "listen",
                "--port",
                str(port),
                "--drain-timeout",
                "1",
                "--jsonl",
                str(tmp_path / "events.jsonl"),
            ],
            stdout=subprocess.PIPE,  # never read
            stderr=err,
            env=env,
            cwd=str(ROOT),
        )
    try:
        assert wait_for(lambda: _accepts(port) or process.poll() is not None, 60)
        blocked = False
        for _ in range(5000):  # a pipe holds 64 KiB: some hundreds of lines
            with connect(port) as sock:
                sock.sendall(CLOSING_REQUEST)
                if read_answer(sock, wait=2.0) is None:
                    blocked = True  # its thread is stuck in print(), holding the lock
                    break
        assert blocked, "standard output never filled up"
        codes = []
        for _ in range(3):  # bounded: at most three signals
            process.send_signal(signal.SIGTERM)
            try:
                codes.append(process.wait(timeout=6))  # drain 1 s + close 2 s + margin
                break
            except subprocess.TimeoutExpired:
                codes.append(None)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        process.stdout.close()
    assert codes[-1] is not None and len(codes) <= 2, (codes, err_path.read_text())


def _accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_a_signal_during_a_drain_the_loop_began_itself_ends_it(tmp_path, downstream):
    """The accept loop ends without a signal (an error in it): the drain still runs, and the
    operator's first SIGTERM during it ends it at once (it used to only ask the finished loop
    to stop, and the drain waited out its bound)."""
    downstream.delay = 20.0
    ends_itself = (
        "import threading\n"
        "from helpscout.cli import listen as _listen\n"
        "_serve = _listen._Server.serve_forever\n"
        "def _once(self, poll_interval=0.5):\n"
        "    threading.Timer(1.0, self.shutdown).start()\n"
        "    _serve(self, poll_interval)\n"
        "    raise RuntimeError('the accept loop failed')\n"
        "_listen._Server.serve_forever = _once\n"
    )
    listen = Listen(
        "--forward-to",
        downstream.url,
        "--forward-timeout",
        "30",
        "--drain-timeout",
        "30",
        patch=ends_itself,
    )
    try:
        with connect(listen.port) as sock:
            sock.sendall(REQUEST)
            assert downstream.arrived.wait(10), (listen.out, listen.err)
            draining = wait_for(lambda: any("in flight" in line for line in listen.err), 5)
            assert draining, ("no drain", listen.process.poll(), listen.out, listen.err)
            signalled = listen.signal(signal.SIGTERM)
            code = listen.wait(10)
            exited = time.monotonic() - signalled
    finally:
        listen.kill()
    assert code is not None and exited < 1.5, (code, exited, listen.err)
    assert any("abandoned after a signal during the drain" in line for line in listen.err)
    assert any("the accept loop failed" in line for line in listen.err), listen.err


# A listener whose threads, once a request is answered on a kept-alive connection, are slow
# to come back and wait for the next one (as when they wait for the CPU or the GIL).
SLOW_TO_WAIT_AGAIN = (
    "import time\n"
    "from helpscout.cli import listen as _listen\n"
    "_idle = _listen._Server.connection_idle\n"
    "_count = []\n"
    "def _late(self, handler):\n"
    "    _count.append(1)\n"
    "    if len(_count) > 1:  # not before the first request\n"
    "        time.sleep(0.6)\n"
    "    return _idle(self, handler)\n"
    "_listen._Server.connection_idle = _late\n"
)


def test_a_request_sent_as_its_connection_goes_idle_is_answered(tmp_path):
    """The drain starts after a request was answered on a kept-alive connection but before
    its thread came back to wait, and the client has already sent its next request: that
    request is found in flight and answered (it used to be closed unread)."""
    answer, code, listen = second_request_at_stop(SLOW_TO_WAIT_AGAIN, pause=0.0)
    answered_at_stop(answer, code, listen, 2, "closed unread")


# A listener whose new connections' threads start serving only once the drain has begun
# (as when they wait for the CPU or the GIL): each says so on standard error, then waits.
NOT_STARTED_BEFORE_THE_STOP = (
    "import sys, time\n"
    "from helpscout.cli import listen as _listen\n"
    "_setup = _listen._Handler.setup\n"
    "def _late(self):\n"
    "    print('accepted, not started', file=sys.stderr, flush=True)\n"
    "    end = time.monotonic() + 10\n"
    "    while not self.server.draining and time.monotonic() < end:\n"
    "        time.sleep(0.01)\n"
    "    _setup(self)\n"
    "_listen._Handler.setup = _late\n"
)


def accepted_not_started(listen):
    assert wait_for(lambda: "accepted, not started" in listen.err, 10), listen.err


def test_a_request_on_a_connection_whose_thread_has_not_started_is_answered(tmp_path):
    """The signal comes after a new connection was accepted and its whole request sent, but
    before its thread started serving it: the drain finds the request's bytes, waits for
    the thread, and the request is answered (it used to be closed unread)."""
    listen = Listen("--timeout", "30", patch=NOT_STARTED_BEFORE_THE_STOP)
    try:
        with connect(listen.port) as sock:
            sock.sendall(REQUEST)
            accepted_not_started(listen)
            time.sleep(0.1)  # the request's bytes are in the server's buffer
            listen.signal(signal.SIGTERM)
            answer = read_answer(sock)
        code = listen.wait(10)
    finally:
        listen.kill()
    answered_at_stop(answer, code, listen, 1, "closed unread")
    assert any("1 request in flight" in line for line in listen.err), listen.err


def test_a_silent_connection_whose_thread_has_not_started_does_not_delay_exit(tmp_path):
    """A connection accepted just before the signal, with nothing sent on it and its thread
    not yet started, is closed at once: the drain does not wait for it (as it would for a
    connection it took for one with a request)."""
    listen = Listen("--timeout", "30", patch=NOT_STARTED_BEFORE_THE_STOP)
    try:
        with connect(listen.port) as silent:
            accepted_not_started(listen)
            signalled = listen.signal(signal.SIGTERM)
            code = listen.wait(10)
            exited = time.monotonic() - signalled
            assert closed_within(silent, 2)
    finally:
        listen.kill()
    assert code == 0, (listen.out, listen.err)
    assert exited < 2, exited
    assert listen.out[-1] == "received 0: 0 accepted, 0 rejected", listen.out
    assert not any("in flight" in line for line in listen.err), listen.err


@pytest.mark.skipif(not hasattr(socket, "socketpair"), reason="needs socket.socketpair")
def test_waiting_bytes_are_seen_on_a_descriptor_past_1024():
    """The drain's look for a request already sent works on any descriptor: select() refuses
    those from 1024 up, and such a request was taken for none (and closed unread)."""
    from helpscout.cli.listen import _has_bytes

    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 1200:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(2048, hard), hard))
    except (ImportError, ValueError, OSError):
        pass
    padding = []
    try:
        try:
            while len(padding) < 1100:
                padding.append(open(os.devnull, "rb"))  # closed below
        except OSError:
            pytest.skip("cannot open 1100 files here")
        a, b = socket.socketpair()
        with a, b:
            assert a.fileno() >= 1024
            assert not _has_bytes(a)
            b.sendall(b"POST")
            assert _has_bytes(a)
            assert a.recv(4) == b"POST"  # only peeked at
            b.close()
            assert not _has_bytes(a)  # the peer closed: nothing to read
    finally:
        for f in padding:
            f.close()
