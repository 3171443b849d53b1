"""``listen``: a local receiver that verifies and prints each delivery.

It serves HTTP/1.1 from the standard library's ``http.server``, made strict, because it
faces whatever reaches its port:

- every request gets exactly one answer; a request it cannot take is refused and the
  connection closed, so nothing hidden in a body is ever read as a second request:
  ``Transfer-Encoding`` (any value) is refused with 400, so are a duplicate or malformed
  ``Content-Length``, duplicate signature/event/content-type headers, a line that is not a
  header (``Name : value``), folded header lines and a bare CR or NUL in the request head;
- a body over ``--max-body-bytes`` is refused with 413 before it is read;
- each request must arrive within ``--timeout`` seconds (408 and closed otherwise, however
  slowly its bytes drip), and at most ``--max-connections`` connections are served at once
  (others get 503 at once), so stalled clients cannot pile up threads;
- any error inside is answered 500 with one line on standard error, never a dropped
  connection;
- every value printed is escaped (no control characters or terminal escapes reach the
  terminal), and ``--jsonl`` writes each verified delivery as a replayable envelope (event
  name, exact body text, signature, ``secret_index``, ``dedupe_key``).

The delivery itself goes through :func:`helpscout.delivery.process`, like every endpoint.

``--log PATH`` records every delivery in a ``SQLiteLog`` first (see ``helpscout-webhook
log``). ``--forward-to URL`` makes it a relay for development: each verified delivery is
sent on to URL with its exact bytes and headers, the line printed shows the downstream
status, and a downstream failure is answered 500 (so the sender retries) and logged as
``handler_error``. Repeats are forwarded too: the downstream endpoint does its own dedupe.

Stopping (SIGTERM, or Ctrl-C) drains instead of cutting deliveries off:

- new connections are refused at once (the listening socket is closed);
- connections waiting for a next request (idle keep-alive ones, nothing of a request read)
  are closed at once, so they never delay the exit however long ``--timeout`` is;
- requests in flight (their first byte read, their answer not yet sent) are allowed to
  finish, up to ``--drain-timeout`` seconds, and are answered with ``Connection: close``;
- only then are the ``--jsonl`` file and the ``--log`` closed, so a delivery in flight gets
  its answer, its complete line and its finished log entry.

The default bound is the longer of ``--timeout`` and, with ``--forward-to``,
``--forward-timeout`` (10 s with the defaults): what one request may already take to
arrive, or to be answered downstream, so a request still within those limits is waited for,
and a stuck one does not hold the exit for longer than the limits the operator already
chose. Requests still running past the bound are abandoned: one line on standard error says
how many, their senders get no answer (Help Scout retries them) and their ``--log`` entries
stay ``pending`` (``log list --failed`` counts them once stale). The exit code stays 0: the
stop was asked for, and nothing is lost (every abandoned delivery is retried). A second
SIGTERM or Ctrl-C during the drain ends it at once, with the same line; once the drain is
over, signals do what they did before ``listen`` started (so a standard output nobody reads
cannot hold the exit).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import re
import select
import signal
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any, Dict, List, Optional, Sequence, Set, Tuple

from .. import __version__
from ..dedupe import MemoryDedupe
from ..delivery import Outcome, _envelope, _escape, process
from ..web_hook.web_hook import (
    DEFAULT_MAX_BODY_BYTES,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    HelpScoutWebHook,
)
from .common import EXIT_OK, CliError, add_secret, command, hook_from
from .log import check_url, send_raw

_CONTENT_LENGTH = re.compile(r"[0-9]{1,15}")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # a header name (RFC 9110)
_SINGLE_HEADERS = (EVENT_HEADER, SIGNATURE_HEADER, "Content-Type")
_ID_WIDTH = 36  # a UUID (Beacon chat ids)
_EVENT_WIDTH = 38


class _Watchdog(threading.Thread):
    """Ends requests that take longer than ``timeout`` seconds to arrive, however slowly
    their bytes drip: it shuts the connection's reading side, so the blocked read returns
    and the handler answers 408."""

    def __init__(self, timeout: float) -> None:
        super().__init__(name="helpscout-listen-watchdog", daemon=True)
        self.timeout = timeout
        self.lock = threading.Lock()
        self.deadlines: Dict[_Handler, float] = {}
        self.stopped = threading.Event()

    def arm(self, handler: _Handler) -> None:
        with self.lock:
            self.deadlines[handler] = time.monotonic() + self.timeout

    def disarm(self, handler: _Handler) -> None:
        with self.lock:
            self.deadlines.pop(handler, None)

    def run(self) -> None:
        tick = min(0.25, self.timeout / 4)
        while not self.stopped.wait(tick):
            now = time.monotonic()
            # Expired under the lock: a handler that disarms (its request is in) either
            # does so first and is not expired, or waits until its expiry is complete;
            # never is a request that arrived in time cut by a decision taken before.
            with self.lock:
                expired = [h for h, deadline in self.deadlines.items() if deadline <= now]
                for handler in expired:
                    del self.deadlines[handler]
                    handler.expire()


class _Listener:
    """The state shared by every connection: the hook, options, counts and output."""

    def __init__(self, hook: HelpScoutWebHook, args: argparse.Namespace) -> None:
        self.hook = hook
        self.max_body_bytes: int = args.max_body_bytes
        self.timeout: float = args.timeout
        self.refuse_mismatch: bool = args.refuse_mismatch
        self.require_json: bool = args.require_json
        self.repeats = MemoryDedupe()  # a repeat is answered and shown as a duplicate
        self.lock = threading.Lock()
        self.counts = {"accepted": 0, "rejected": 0}
        self.forward_to: Optional[str] = args.forward_to
        self.forward_timeout: float = args.forward_timeout
        self.closed = False  # set by close(): nothing more is printed or written
        self.log: Any = None
        if args.log:
            from ..log import DeliveryLogError
            from ..log.sqlite import SQLiteLog

            try:
                self.log = SQLiteLog(args.log)
                self.log.count()  # opens it now: a bad path is an error at start
            except (DeliveryLogError, ValueError) as e:
                raise CliError(str(e)) from None
        self.jsonl: Optional[IO[str]] = None
        if args.jsonl:
            try:
                self.jsonl = open(args.jsonl, "a", encoding="ascii", newline="\n")
            except OSError as e:
                raise CliError(f"cannot open {args.jsonl}: {e.strerror}") from None

    def handler_for(
        self,
        signature: Optional[str],
        headers: Any = None,
        body: bytes = b"",
        note: Optional[Dict[str, str]] = None,
    ) -> Any:
        """The delivery handler: append the envelope to the JSON-lines file; with
        ``--forward-to``, send the exact bytes and headers on (``note["downstream"]`` says
        how it went; a non-2xx or unreachable downstream raises, so the answer is 500)."""

        def keep(event: Any) -> None:
            if self.jsonl is not None:
                line = json.dumps(_envelope(event, signature), ensure_ascii=True)
                with self.lock:
                    self.jsonl.write(line + "\n")
                    self.jsonl.flush()
            if self.forward_to is not None:
                self.forward(headers, body, note if note is not None else {})

        return keep

    def forward(self, headers: Any, body: bytes, note: Dict[str, str]) -> None:
        url = self.forward_to or ""
        try:
            status, ms, _ = send_raw(url, dict(headers.items()), body, self.forward_timeout)
        except CliError as e:
            note["downstream"] = "-> unreachable"
            raise DownstreamError(str(e)) from None
        note["downstream"] = f"-> {status} in {ms:.1f} ms"
        if not 200 <= status < 300:
            raise DownstreamError(f"{url} answered {status}")

    def report(self, event: object, cls: str, rid: object, ok: bool, verdict: str) -> None:
        now = datetime.datetime.now().strftime("%H:%M:%S")
        word = "accepted" if ok else "rejected"
        event_text = _escape(event if event is not None else "-", _EVENT_WIDTH)
        rid_text = _escape(rid, _ID_WIDTH)
        with self.lock:
            if self.closed:  # a request abandoned by the drain, ending after the summary
                return
            self.counts[word] += 1
            print(
                f"{now}  {event_text:<{_EVENT_WIDTH}} {cls:<15} {rid_text:<{_ID_WIDTH}} "
                f"{word} {verdict}",
                flush=True,
            )

    def report_outcome(
        self, outcome: Outcome, event_header: Optional[str], downstream: Optional[str] = None
    ) -> None:
        if outcome.event is not None:
            record = outcome.event.record
            event, cls, rid = outcome.event.event_type, type(record).__name__, _record_id(record)
        else:
            event, cls, rid = event_header, "-", "-"
        if outcome.ok:
            verdict = f"{outcome.status} (duplicate)" if outcome.verdict == "duplicate" else "200"
            if outcome.verdict not in ("accepted", "duplicate"):
                verdict = f"{outcome.status} {outcome.verdict}"
        else:
            reason = getattr(outcome.error, "reason", None) or outcome.verdict
            verdict = f"{outcome.status} {_escape(reason, 40)}"
        if downstream:
            verdict = f"{verdict} {downstream}"
        self.report(event, cls, rid, outcome.ok, verdict)
        if outcome.status >= 500 and outcome.error is not None and not self.closed:
            error_line(f"{outcome.verdict}: {type(outcome.error).__name__}: {outcome.error}")

    def close(self) -> None:
        """Close the ``--jsonl`` file and the log. The file is closed under the lock its
        lines are written under, so a request abandoned by the drain can never leave half a
        line; it fails on the closed file instead (and prints nothing more). A thread that
        holds the lock for more than 2 s (blocked writing to a standard output nobody reads)
        leaves the file to the exit, which closes it: the stop never waits on it."""
        got = self.lock.acquire(timeout=2.0)
        try:
            self.closed = True
            if self.jsonl is not None and got:
                self.jsonl.close()
        finally:
            if got:
                self.lock.release()
        if self.log is not None:
            self.log.close()


class DownstreamError(Exception):
    """The ``--forward-to`` endpoint answered non-2xx or could not be reached."""


def error_line(text: str) -> None:
    """One escaped line on standard error."""
    try:  # one write: lines from several threads never run together
        sys.stderr.write(f"helpscout-webhook: {_escape(text, 300)}\n")
        sys.stderr.flush()
    except Exception:  # pragma: no cover - stderr gone
        pass


def _record_id(record: Any) -> object:
    """The record's id (or user id) for the id column; ``-`` when there is none or it
    cannot be read."""
    for key in ("id", "user_id"):
        try:
            value = record[key]
        except Exception:
            continue
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            try:
                return str(value)
            except ValueError:  # an integer too long to print
                return "-"
    return "-"


class _StrictLines:
    """The connection's input, noting any line of the request head that holds a bare CR or
    a NUL: parsers disagree on those (the standard library's ends a header at a bare CR),
    so such a request is refused instead of read one way here and another elsewhere."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.bad = False

    def readline(self, limit: int = -1) -> bytes:
        line = self.raw.readline(limit)
        content = line[:-2] if line.endswith(b"\r\n") else line.rstrip(b"\n")
        if b"\r" in content or b"\x00" in content:
            self.bad = True
        return line

    def read(self, size: int = -1) -> bytes:
        return self.raw.read(size)

    def close(self) -> None:
        self.raw.close()


class _Handler(BaseHTTPRequestHandler):
    """One connection, served strictly (see the module docstring)."""

    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.1"  # never answer in HTTP/0.9 (no status line)
    rbufsize = 0  # unbuffered: no part of a next request waits in a Python buffer
    server_version = f"helpscout-webhook/{__version__}"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        self.timeout = self.server.listener.timeout  # each read and write
        self.expired = False
        self.answered = False
        super().setup()
        self.rfile = _StrictLines(self.rfile)  # type: ignore[assignment]

    def expire(self) -> None:
        """Called by the watchdog: the request took too long to arrive."""
        self.expired = True
        try:
            self.connection.shutdown(socket.SHUT_RD)
        except OSError:
            pass

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.connection_ended(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # every request is reported by report(), escaped

    def send_error(
        self, code: int, message: Optional[str] = None, explain: Optional[str] = None
    ) -> None:
        """The standard library's protocol errors (bad request line, header too long, ...),
        as a short plain text that echoes nothing of the request."""
        self.close_connection = True
        try:
            phrase = HTTPStatus(code).phrase.lower()
        except ValueError:
            phrase = "error"
        self.server.listener.report("-", "-", "-", False, f"{code} {phrase.replace(' ', '_')}")
        self._answer(code, phrase, close=True)

    def _answer(
        self, status: int, text: str, extra: Sequence[Tuple[str, str]] = (), close: bool = False
    ) -> None:
        if self.answered:
            return
        self.answered = True
        data = (text + "\n").encode("utf-8")
        if close or self.server.draining:  # stopping: no next request on this connection
            self.close_connection = True
        try:
            self.send_response(status)
            for name, value in extra:
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if getattr(self, "command", None) != "HEAD":
                self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _refuse(self, status: int, reason: str, text: Optional[str] = None) -> None:
        """Answer an error and close the connection (the rest of it is not read)."""
        event = self.headers.get(EVENT_HEADER) if self.headers is not None else None
        self.server.listener.report(event, "-", "-", False, f"{status} {reason}")
        self._answer(status, text or f"bad request: {reason}", close=True)

    def _timed_out(self) -> None:
        self._refuse(408, "timeout", "request timeout")

    def handle_one_request(self) -> None:
        watchdog = self.server.watchdog
        watchdog.arm(self)
        # What parse_request() would set, for an answer given before it ran.
        self.answered = False
        self.command = None  # type: ignore[assignment]
        self.requestline = ""
        self.request_version = self.protocol_version
        self.headers = None  # type: ignore[assignment]
        try:
            self._one_request()
        except (TimeoutError, socket.timeout):
            self._timed_out()
        except Exception as error:  # always an answer, never a dropped connection
            error_line(f"internal error: {type(error).__name__}: {error}")
            if not self.answered:
                self._refuse(500, "internal_error", "internal error")
            self.close_connection = True
        finally:
            watchdog.disarm(self)
            self.server.request_ended(self)

    def _one_request(self) -> None:
        self.close_connection = True
        if not self.server.connection_idle(self):  # stopping: no next request
            return
        try:  # wait for the first byte: a connection idle past the timeout is closed quietly
            first = self.connection.recv(1, socket.MSG_PEEK)
        except (TimeoutError, socket.timeout, ConnectionError):
            return
        # From the first byte on, the request is in flight: the drain waits for it.
        if not first or self.expired or not self.server.request_started(self):
            return
        self.rfile.bad = False  # type: ignore[attr-defined]
        line = self.rfile.readline(65537)
        if self.expired:
            return self._timed_out()
        if len(line) > 65536:
            self.requestline = self.request_version = self.command = ""
            return self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
        self.raw_requestline = line
        if not self.parse_request():  # sent its own error (400, 431, 505, ...)
            self.close_connection = True
            return
        if self.expired:
            return self._timed_out()
        self._receive()

    def _receive(self) -> None:
        listener = self.server.listener
        headers = self.headers
        if (
            self.rfile.bad  # type: ignore[attr-defined]
            or headers.defects
            or headers.get_payload()
            or not all(
                _TOKEN.fullmatch(name) and "\r" not in value and "\n" not in value
                for name, value in headers.items()
            )
        ):  # a line that is no header (a space before the colon, ...) or a folded one
            return self._refuse(400, "bad_header")
        if headers.get_all("Transfer-Encoding"):
            return self._refuse(400, "transfer_encoding")  # no chunked: no smuggling
        lengths = headers.get_all("Content-Length") or []
        if len(lengths) > 1:
            return self._refuse(400, "duplicate_content_length")
        if lengths and not _CONTENT_LENGTH.fullmatch(lengths[0].strip(" \t")):
            return self._refuse(400, "bad_content_length")
        for name in _SINGLE_HEADERS:
            if len(headers.get_all(name) or []) > 1:
                return self._refuse(400, "duplicate_header")
        length = int(lengths[0]) if lengths else 0
        if length > listener.max_body_bytes:
            return self._refuse(413, "too_large", "payload too large")
        body = self._read(length)
        if body is None:
            return
        note: Dict[str, str] = {}
        outcome = process(
            listener.hook,
            headers,
            body,
            listener.handler_for(headers.get(SIGNATURE_HEADER), headers, body, note),
            dedupe=None if listener.forward_to else listener.repeats,
            log=listener.log,
            max_body_bytes=listener.max_body_bytes,
            method=self.command,
            refuse_mismatch=listener.refuse_mismatch,
            require_json=listener.require_json,
        )
        if self.command == "HEAD" or outcome.status >= 400:
            self.close_connection = True
        listener.report_outcome(outcome, headers.get(EVENT_HEADER), note.get("downstream"))
        self._answer(outcome.status, outcome.text, outcome.headers)

    def _read(self, length: int) -> Optional[bytes]:
        """Exactly ``length`` body bytes, or ``None`` when the client was too slow (408)
        or stopped early (400), answered here."""
        parts = []
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 64 * 1024))
            if self.expired:
                self._timed_out()
                return None
            if not chunk:
                self._refuse(400, "incomplete_body")
                return None
            parts.append(chunk)
            remaining -= len(chunk)
        self.server.watchdog.disarm(self)  # the request is in: handling is not timed
        self.close_connection = self._client_closes()
        return b"".join(parts)

    def _client_closes(self) -> bool:
        """Whether the client asked for the connection to end after this request
        (``Connection: close``, or HTTP/1.0 without ``keep-alive``)."""
        tokens = {
            token.strip().lower()
            for value in self.headers.get_all("Connection") or []
            for token in value.split(",")
        }
        if "close" in tokens:
            return True
        return self.request_version != "HTTP/1.1" and "keep-alive" not in tokens


class _Server(ThreadingHTTPServer):
    """A thread per connection, at most ``max_connections`` at once (503 beyond).

    Each connection is, under the ``activity`` lock, arriving (accepted, its thread not yet
    waiting for a request), idle (waiting for the first byte of its next request) or busy
    (a request in flight), so that :meth:`drain` can close the idle ones and wait for the
    busy ones without a request slipping between the two.
    """

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the accept backlog (socketserver's default is 5)

    def __init__(self, address: Tuple[str, int], listener: _Listener, max_connections: int) -> None:
        self.listener = listener
        self.slots = threading.BoundedSemaphore(max_connections)
        self.watchdog = _Watchdog(listener.timeout)
        self.activity = threading.Condition()
        self.idle: Set[_Handler] = set()
        self.busy: Set[_Handler] = set()
        # Accepted connections whose thread has not yet come to wait for a request, by
        # socket; those the drain found a request on are ``expected`` to take it up.
        self.arriving: Set[socket.socket] = set()
        self.expected: Set[socket.socket] = set()
        self.draining = False  # set once, under ``activity``, by drain()
        # Set by a second SIGTERM/Ctrl-C, from the signal handler: a plain attribute that
        # the drain polls, never a lock (the handler runs in the main thread, which may
        # hold ``activity`` at that moment).
        self.cut_short = False
        super().__init__(address, _Handler)
        self.watchdog.start()

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            self._busy(request)
            return
        # The slot is given back exactly once: by the request's thread when it ends, or here
        # if starting the thread failed (a SIGTERM in between must not release it twice).
        once = threading.Lock()

        def release() -> None:
            if once.acquire(blocking=False):
                self.slots.release()

        def run() -> None:
            try:
                self.process_request_thread(request, client_address)
            finally:
                with self.activity:  # if the handler never got as far
                    self._arrived(request)
                release()

        with self.activity:
            self.arriving.add(request)
        try:
            threading.Thread(target=run, daemon=self.daemon_threads).start()
        except BaseException:
            with self.activity:
                self._arrived(request)
            release()
            raise

    def _arrived(self, request: socket.socket) -> bool:
        """The connection's thread has come to wait for a request (or ended): no longer
        arriving. ``True`` if the drain found a request on it, to be taken up. Called with
        ``activity`` held."""
        self.arriving.discard(request)
        if request not in self.expected:
            return False
        self.expected.discard(request)
        self.activity.notify_all()
        return True

    def _busy(self, request: socket.socket) -> None:
        data = b"busy\n"
        answer = (
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Content-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s"
            % (len(data), data)
        )
        try:
            request.settimeout(0.5)
            request.sendall(answer)
            request.shutdown(socket.SHUT_WR)
            # Take in what the client already sent, so closing does not reset the connection
            # (which could discard the 503 before the client reads it); never wait for more.
            request.setblocking(False)
            for _ in range(16):
                if not request.recv(65536):
                    break
        except OSError:  # BlockingIOError included: nothing more to take
            pass
        self.close_request(request)
        self.listener.report("-", "-", "-", False, "503 too_many_connections")

    def connection_idle(self, handler: _Handler) -> bool:
        """The connection waits for its next request; ``False`` once draining (it is then
        closed without reading anything more), unless the drain found that request's
        bytes already here and counts it in flight."""
        with self.activity:
            expected = self._arrived(handler.connection)
            if handler in self.busy:
                return True
            if expected:  # the drain found this new connection's request already here
                self.busy.add(handler)
                return True
            if self.draining:
                self.idle.discard(handler)
                return False
            self.idle.add(handler)
            return True

    def request_started(self, handler: _Handler) -> bool:
        """The first byte of a request arrived; ``False`` if the drain began first (the
        connection was hung up: the request is not read)."""
        with self.activity:
            self.idle.discard(handler)
            if handler in self.busy:  # moved there by drain(): its bytes had arrived
                return True
            if self.draining:
                return False
            self.busy.add(handler)
            return True

    def request_ended(self, handler: _Handler) -> None:
        """The request is answered (or the connection done): the drain stops waiting for
        it; while draining, the connection takes no next request. A connection kept alive
        is idle from here on, before its thread comes back to wait: a drain starting in
        between still looks for a request already sent on it."""
        with self.activity:
            self._forget(handler)
            if self.draining:
                handler.close_connection = True
            elif not handler.close_connection:
                self.idle.add(handler)

    def connection_ended(self, handler: _Handler) -> None:
        """The connection is closed: it is neither idle nor busy any more."""
        with self.activity:
            self._forget(handler)

    def _forget(self, handler: _Handler) -> None:
        """Neither idle nor busy (under ``activity``); the drain is woken if it was busy."""
        self.idle.discard(handler)
        if handler in self.busy:
            self.busy.discard(handler)
            self.activity.notify_all()

    def drain(self, timeout: float) -> int:
        """After the accept loop stopped: refuse new connections, close the idle ones, and
        wait up to ``timeout`` seconds (less if ``cut_short`` is set) for the requests in
        flight to finish. Returns how many are still running."""
        self.socket.close()  # new connections are refused, not left waiting in the backlog
        deadline = time.monotonic() + timeout
        with self.activity:
            self.draining = True
            # Under the lock: none is closing meanwhile. A request whose bytes are already
            # here (its thread not yet run past its peek, or not yet started, waiting for
            # the CPU or the GIL) is in flight, not idle.
            for handler in list(self.idle):
                if _has_bytes(handler.connection):
                    self.idle.discard(handler)
                    self.busy.add(handler)
                else:  # waiting for its next request, nothing of it read
                    _hang_up(handler.connection)
            for request in list(self.arriving):
                if _has_bytes(request):  # its thread will take the request up
                    self.expected.add(request)
                else:
                    _hang_up(request)
            running = len(self.busy) + len(self.expected)
        if running and not self.cut_short and timeout > 0:
            error_line(
                f"stopping: {_requests(running)} in flight, waiting up to {timeout:g} s "
                "(press Ctrl-C again to stop now)"
            )
        with self.activity:
            while (self.busy or self.expected) and not self.cut_short:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                # Woken when a request ends; the slice bounds how late a second signal
                # (which only sets cut_short) is seen.
                self.activity.wait(min(remaining, 0.05))
            return len(self.busy) + len(self.expected)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        error_line(f"connection error: {type(error).__name__}: {error}")

    def server_close(self) -> None:
        self.watchdog.stopped.set()
        super().server_close()


def _has_bytes(connection: socket.socket) -> bool:
    """Whether bytes of a request wait on ``connection`` (never blocks). ``poll`` where
    there is one: ``select`` refuses descriptors from 1024 up (on Linux), and a request on
    such a connection would be taken for none."""
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(connection, select.POLLIN)
            readable = bool(poller.poll(0))
        else:  # Windows: select() takes any socket there
            readable = bool(select.select([connection], [], [], 0)[0])
        return readable and bool(connection.recv(1, socket.MSG_PEEK))
    except (OSError, ValueError):  # a closed socket
        return False


def _hang_up(connection: socket.socket) -> None:
    """Close both directions of a connection nothing was read from: a blocked read returns
    at once, and the client sees the connection end."""
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _requests(count: int) -> str:
    return f"{count} request" if count == 1 else f"{count} requests"


def _listen_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--port", type=int, default=8765, help="port; 0 picks a free one (default: %(default)s)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    p.add_argument(
        "--jsonl",
        metavar="FILE",
        help="append each verified delivery to FILE as a replayable JSON envelope",
    )
    p.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        help="answer 413 above this size (default: %(default)s)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds a request may take to arrive; 408 after (default: %(default)s)",
    )
    p.add_argument(
        "--max-connections",
        type=int,
        default=64,
        help="connections served at once; 503 beyond (default: %(default)s)",
    )
    p.add_argument(
        "--refuse-mismatch",
        action="store_true",
        help="answer 400 when the body's shape does not fit the event name",
    )
    p.add_argument(
        "--require-json", action="store_true", help="answer 415 unless Content-Type is JSON"
    )
    p.add_argument(
        "--log",
        metavar="PATH",
        help="record every delivery first in this SQLite delivery log (see 'log')",
    )
    p.add_argument(
        "--forward-to",
        metavar="URL",
        help="relay: send each verified delivery on to URL (exact bytes and headers)",
    )
    p.add_argument(
        "--forward-timeout",
        type=float,
        default=10.0,
        help="seconds to wait for the --forward-to answer (default: %(default)s)",
    )
    p.add_argument(
        "--drain-timeout",
        type=float,
        metavar="SECONDS",
        help="on SIGTERM or Ctrl-C, seconds to let requests in flight finish before the "
        "--jsonl file and --log are closed; idle connections are closed at once, a second "
        "signal stops at once (default: the longer of --timeout and, with --forward-to, "
        "--forward-timeout: what one request may take to arrive or to be answered)",
    )
    add_secret(p)


@command("listen", "run a local receiver that verifies and prints each delivery", _listen_args, 50)
def cmd_listen(args: argparse.Namespace) -> int:
    hook = hook_from(args)
    if args.timeout <= 0 or args.max_connections < 1 or args.max_body_bytes < 0:
        raise CliError("--timeout and --max-connections must be positive, --max-body-bytes >= 0")
    if args.forward_to is not None:
        check_url(args.forward_to, "--forward-to")
        if args.forward_timeout <= 0:
            raise CliError("--forward-timeout must be positive")
    drain_timeout = args.drain_timeout
    if drain_timeout is None:  # what one request may take to arrive, or to be answered
        drain_timeout = max(args.timeout, args.forward_timeout if args.forward_to else 0.0)
    elif not (math.isfinite(drain_timeout) and drain_timeout >= 0):
        raise CliError("--drain-timeout must be a number of seconds >= 0")
    listener = _Listener(hook, args)
    try:
        server = _Server((args.host, args.port), listener, args.max_connections)
    except OSError as e:
        listener.close()
        raise CliError(f"cannot listen on {args.host}:{args.port}: {e.strerror}") from None
    for stream in (sys.stdout, sys.stderr):  # whatever the terminal's encoding
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    host, port = server.server_address[:2]
    print(f"listening on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
    if args.forward_to:
        print(f"forwarding to {_escape(args.forward_to, 200)}", flush=True)

    signals: List[int] = []

    def stop(signum: int, _frame: Any) -> None:
        # Ask, never raise: an exception raised by a signal handler is lost when it lands
        # inside a weakref callback or a __del__ ("Exception ignored in ..."), and the
        # server then never stopped. The first signal asks the loop to stop: shutdown()
        # waits for the loop, so it runs in a thread of its own; the loop sees it within
        # poll_interval, then the drain runs. A signal during the drain (the second, or the
        # first if the loop ended on its own) only sets cut_short, which the drain polls: no
        # lock is taken here (this runs in the main thread, which may hold one), and nothing
        # here can block.
        signals.append(signum)
        if len(signals) == 1 and not server.draining:
            threading.Thread(target=server.shutdown, name="listen-stop", daemon=True).start()
        else:
            server.cut_short = True

    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, stop)}
    # Ctrl-C too (instead of KeyboardInterrupt, which could land anywhere in the drain),
    # unless SIGINT was ignored when Python started (a background job): then it stays so.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        try:
            abandoned = server.drain(drain_timeout)
            if abandoned:
                why = "a signal during the drain" if server.cut_short else f"{drain_timeout:g} s"
                error_line(
                    f"{_requests(abandoned)} in flight abandoned after {why} "
                    "(not answered: the sender retries; a --log entry stays pending)"
                )
        finally:
            # From here on a signal does what it did before listen started (Ctrl-C
            # interrupts, SIGTERM ends the process): closing and the summary line can block
            # on a standard output nobody reads.
            for signum, handler in previous.items():
                if handler is not None:  # None: not installed from Python
                    signal.signal(signum, handler)
            server.server_close()
            listener.close()
    counts = listener.counts
    total = counts["accepted"] + counts["rejected"]
    print(
        f"received {total}: {counts['accepted']} accepted, {counts['rejected']} rejected",
        flush=True,
    )
    return EXIT_OK
