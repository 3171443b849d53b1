"""helpscout-webhook: sign, verify and send Help Scout webhooks, and receive them locally."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, List, Optional, Sequence, Tuple

from . import __version__
from .events import EVENTS
from .exceptions import HelpScoutRequestError, HelpScoutSecurityException
from .integrations import answer_for
from .samples import sample
from .web_hook.web_hook import DEFAULT_MAX_BODY_BYTES, HelpScoutWebHook

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3

SECRET_ENV = "HELPSCOUT_WEBHOOK_SECRET"

EPILOG = f"""\
exit codes:
  0  success (valid signature; every delivery answered 2xx)
  1  an invalid signature (verify), or a delivery answered with a non-2xx status (send)
  2  usage error: missing secret, unreadable file, unknown event, bad option
  3  the URL could not be reached (send)

The secret may come from {SECRET_ENV} instead of --secret.
"""


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def _hook(args: argparse.Namespace) -> HelpScoutWebHook:
    secret = args.secret if args.secret is not None else os.environ.get(SECRET_ENV)
    if not secret:
        raise CliError(f"no secret: pass --secret SECRET or set {SECRET_ENV}")
    try:
        return HelpScoutWebHook(secret_key=secret)
    except Exception as e:
        raise CliError(str(e)) from None


def _read(path: Optional[str]) -> bytes:
    if path in (None, "-"):
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise CliError(f"cannot read {path}: {e.strerror}") from None


def cmd_sign(args: argparse.Namespace) -> int:
    print(_hook(args).sign(_read(args.file)))
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    hook = _hook(args)
    index = hook.verify(args.signature, _read(args.file))
    if index is None:
        print("invalid: the signature does not match this body under this secret")
        return EXIT_REJECTED
    print("valid" if index == 0 else f"valid (older secret #{index})")
    return EXIT_OK


def cmd_events(args: argparse.Namespace) -> int:
    width = max(map(len, EVENTS))
    for name, info in EVENTS.items():
        note = "" if info.subscribable else "  (delivery only)"
        print(f"{name:<{width}}  {info.record_class:<15} {info.description}{note}")
    return EXIT_OK


def _post(url: str, event: str, body: bytes, signature: str, timeout: float) -> Tuple[int, float]:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-HelpScout-Event": event,
            "X-HelpScout-Signature": signature,
            "User-Agent": f"helpscout-webhook-cli/{__version__}",
        },
    )
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as e:
        status = e.code
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise CliError(f"could not reach {url}: {reason}", EXIT_UNREACHABLE) from None
    return status, (time.perf_counter() - start) * 1000


def _progress(done: int, total: int, event: str) -> None:
    if not sys.stderr.isatty():
        return
    filled = int(30 * done / total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {event:<40}")
    if done == total:
        sys.stderr.write("\r" + " " * 80 + "\r")
    sys.stderr.flush()


def cmd_send(args: argparse.Namespace) -> int:
    hook = _hook(args)
    if args.event == "all":
        if args.payload:
            raise CliError("--payload goes with a single event, not 'all'")
        names: List[str] = list(EVENTS)
    elif args.event in EVENTS or args.payload:
        names = [args.event]
    else:
        raise CliError(
            f"unknown event {args.event!r}; see 'helpscout-webhook events', or give --payload"
        )
    results = []
    for i, name in enumerate(names):
        body = _read(args.payload) if args.payload else sample(name)
        signature = args.signature or hook.sign(body)
        status, ms = _post(args.url, name, body, signature, args.timeout)
        results.append((name, status, ms))
        _progress(i + 1, len(names), name)
        if len(names) == 1:
            print(f"{status} {name} ({len(body)} bytes) in {ms:.1f} ms")
    if len(names) > 1:
        width = max(map(len, names))
        print(f"{'event':<{width}}  status  time")
        for name, status, ms in results:
            print(f"{name:<{width}}  {status:>6}  {ms:6.1f} ms")
        accepted = sum(200 <= s < 300 for _, s, _ in results)
        print(f"sent {len(results)}: {accepted} accepted (2xx), {len(results) - accepted} not")
    return EXIT_OK if all(200 <= s < 300 for _, s, _ in results) else EXIT_REJECTED


def cmd_listen(args: argparse.Namespace) -> int:
    hook = _hook(args)
    lock = threading.Lock()
    counts = {"accepted": 0, "rejected": 0}
    keys: set = set()  # dedupe keys of verified deliveries, to mark repeats
    jsonl = open(args.jsonl, "a", encoding="utf-8") if args.jsonl else None

    def report(event: str, cls: str, rid: object, accepted: bool, verdict: str) -> None:
        now = datetime.datetime.now().strftime("%H:%M:%S")
        with lock:
            counts["accepted" if accepted else "rejected"] += 1
            word = "accepted" if accepted else "rejected"
            print(f"{now}  {event:<38} {cls:<15} {rid!s:<12} {word} {verdict}", flush=True)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = f"helpscout-webhook/{__version__}"

        def log_message(self, *a: Any) -> None:
            pass

        def _answer(self, status: int, text: str, extra: Sequence[Tuple[str, str]] = ()) -> None:
            data = (text + "\n").encode()
            self.send_response(status)
            for k, v in extra:
                self.send_header(k, v)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            event_name = self.headers.get("X-HelpScout-Event") or "-"
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self.close_connection = True
                report(event_name, "-", "-", False, "400 bad_length")
                return self._answer(400, "bad request: bad_length")
            if length > args.max_body_bytes:
                self.close_connection = True
                report(event_name, "-", "-", False, "413 too_large")
                return self._answer(413, "payload too large")
            body = self.rfile.read(length)
            try:
                event = hook.receive_headers(self.headers, body, args.max_body_bytes)
            except (HelpScoutSecurityException, HelpScoutRequestError) as e:
                status, text = answer_for(e)
                report(event_name, "-", "-", False, f"{status} {e.reason}")
                return self._answer(status, text)
            record = event.record
            rid = record.get("id") or record.get("user_id") or "-"
            key = event.dedupe_key
            with lock:
                repeat = key in keys
                keys.add(key)
            with lock:
                if jsonl is not None:
                    jsonl.write(
                        json.dumps(
                            {
                                "received_at": datetime.datetime.now(
                                    datetime.timezone.utc
                                ).isoformat(),
                                "event": event.event_type,
                                "secret_index": event.secret_index,
                                "record": record.to_api(),
                            },
                            ensure_ascii=False,
                        )
                        + "\n"
                    )
                    jsonl.flush()
            verdict = "200 (duplicate)" if repeat else "200"
            report(event.event_type or "-", type(record).__name__, rid, True, verdict)
            self._answer(200, "ok")

        def _not_allowed(self) -> None:
            self._answer(405, "method not allowed", [("Allow", "POST")])

        do_GET = do_PUT = do_PATCH = do_DELETE = _not_allowed

    try:
        server = ThreadingHTTPServer((args.host, args.port), Handler)
    except OSError as e:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {e.strerror}") from None
    server.daemon_threads = True
    host, port = server.server_address[:2]
    print(f"listening on http://{host}:{port}/ (Ctrl-C to stop)", flush=True)

    def stop(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if jsonl is not None:
            jsonl.close()
    total = counts["accepted"] + counts["rejected"]
    print(
        f"received {total}: {counts['accepted']} accepted, {counts['rejected']} rejected",
        flush=True,
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helpscout-webhook",
        description="Sign, verify and send Help Scout webhooks, and receive them locally.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, func: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help,
            description=help,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    def secret(p: argparse.ArgumentParser) -> None:
        p.add_argument("--secret", help=f"the webhook secret (default: ${SECRET_ENV})")

    p = command("sign", "print the X-HelpScout-Signature of a body's exact bytes", cmd_sign)
    p.add_argument("file", nargs="?", default="-", help="the body (default: standard input)")
    secret(p)

    p = command("verify", "check a signature against a body (exit 0 valid, 1 invalid)", cmd_verify)
    p.add_argument("file", nargs="?", default="-", help="the body (default: standard input)")
    p.add_argument("--signature", required=True, help="the X-HelpScout-Signature value")
    secret(p)

    command("events", "list every known event with its description and record class", cmd_events)

    p = command("send", "POST a signed sample of an event (or 'all') to a URL", cmd_send)
    p.add_argument("event", help="an event name (see 'events'), or 'all'")
    p.add_argument(
        "--url", required=True, help="where to POST, e.g. http://127.0.0.1:8000/helpscout"
    )
    p.add_argument("--payload", help="send this file's bytes instead of the built-in sample")
    p.add_argument(
        "--signature", help="send this signature instead of computing it (to test rejections)"
    )
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for an answer")
    secret(p)

    p = command("listen", "run a local receiver that verifies and prints each delivery", cmd_listen)
    p.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--jsonl", help="append every verified event to this JSON-lines file")
    p.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        help="answer 413 above this size",
    )
    secret(p)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as e:
        print(f"helpscout-webhook: error: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
