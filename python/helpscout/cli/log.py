"""``log``: inspect, replay and purge the delivery log (``helpscout.log``).

    helpscout-webhook log list   [--failed] [--event 'convo.*'] [--since 1h] [--verdict V]
    helpscout-webhook log show   ID [--json | --raw]
    helpscout-webhook log replay ID... | --failed  (--url URL | --local module:handler) [--force]
    helpscout-webhook log purge  --older-than 30d

The log is ``--db PATH`` (a SQLite file, as written by ``listen --log PATH`` or
``SQLiteLog(PATH)``) or ``--db postgresql://...`` (``PostgresLog``); default
``$HELPSCOUT_WEBHOOK_LOG``.

Replay sends the exact recorded bytes with the recorded headers and signature. It respects
dedupe through the log's own record of handled keys: an entry whose dedupe key has an
``accepted`` or ``duplicate`` entry is skipped (unless ``--force``), and within one run a key
is replayed at most once. ``--local`` runs the handler in this process through
:func:`helpscout.delivery.process`, recording the new delivery in the same log (and with
``--dedupe redis://...``, claiming it in that Redis as the endpoints do).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, Optional, Tuple

from .. import __version__
from ..delivery import _escape, process
from ..log import DeliveryLogError, LogEntry
from .common import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_UNREACHABLE,
    SECRET_ENV,
    CliError,
    add_secret,
    command,
    hook_from,
)

__all__ = ["load_handler", "open_log", "parse_duration", "send_raw"]

LOG_ENV = "HELPSCOUT_WEBHOOK_LOG"
REPLAY_HEADER = "X-HelpScout-Webhook-Replay-Of"
"""Added to a replayed delivery: the id of the entry it replays."""

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_HOP_BY_HOP = frozenset(
    {
        "host",
        "content-length",
        "connection",
        "transfer-encoding",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "proxy-connection",
        "proxy-authorization",
        "proxy-authenticate",
        "expect",
    }
)


def parse_duration(text: str) -> float:
    """Seconds from ``90``, ``90s``, ``15m``, ``1h``, ``30d``, ``2w`` or a sum like
    ``1h30m``; ``CliError`` otherwise."""
    value = text.strip().lower()
    try:
        seconds = float(value)
    except ValueError:
        parts = _DURATION.findall(value)
        if not parts or "".join(n + u for n, u in parts) != value:
            raise CliError(
                f"not a duration: {_escape(text)!s} (use e.g. 90s, 15m, 1h, 30d, 1h30m)"
            ) from None
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if not (seconds >= 0 and seconds < float("inf")):
        raise CliError(f"not a duration: {_escape(text)!s}")
    return seconds


def is_postgres(spec: str) -> bool:
    """Whether a ``--db`` value names PostgreSQL (a URL or a ``key=value`` conninfo)."""
    return spec.startswith(("postgresql://", "postgres://")) or bool(
        re.match(r"\s*(host|dbname|user|port|service)\s*=", spec)
    )


def open_log(spec: Optional[str], must_exist: bool = True) -> Any:
    """The log named by ``--db`` (or ``$HELPSCOUT_WEBHOOK_LOG``)."""
    spec = spec or os.environ.get(LOG_ENV)
    if not spec:
        raise CliError(f"no delivery log: pass --db PATH (or postgresql://...) or set {LOG_ENV}")
    try:
        if is_postgres(spec):
            from ..log.postgres import PostgresLog

            return PostgresLog(spec)
        from ..log.sqlite import SQLiteLog

        if must_exist and not os.path.isfile(spec):
            raise CliError(f"no delivery log at {_escape(spec, 200)}")
        return SQLiteLog(spec)
    except (DeliveryLogError, ValueError, ImportError) as e:
        raise CliError(str(e)) from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 3xx is reported as it is, never followed


_OPENER = urllib.request.build_opener(_NoRedirect)


def send_raw(
    url: str, headers: Dict[str, str], body: bytes, timeout: float
) -> Tuple[int, float, str]:
    """POST ``body`` exactly, with ``headers`` (hop-by-hop ones left out); the status, the
    time in ms and the start of the answer's text. ``CliError`` (exit 3) when unreachable."""
    sent = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
    sent.setdefault("User-Agent", f"helpscout-webhook-cli/{__version__}")
    request = urllib.request.Request(url, data=body, method="POST", headers=sent)
    start = time.perf_counter()
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            text = response.read(200)
            status = response.status
    except urllib.error.HTTPError as e:
        status = e.code
        try:
            text = e.read(200)
        except Exception:
            text = b""
        e.close()
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise CliError(f"could not reach {url}: {reason}", EXIT_UNREACHABLE) from None
    return status, (time.perf_counter() - start) * 1000, text.decode("utf-8", "replace").strip()


def check_url(url: str, option: str) -> str:
    """An ``http(s)://`` URL, or ``CliError``."""
    if not re.match(r"https?://[^/\s]+", url or ""):
        raise CliError(f"{option} needs an http:// or https:// URL, not {_escape(url)!s}")
    return url


def load_handler(spec: str) -> Callable[[Any], Any]:
    """``module:attribute`` (a dotted attribute path allowed), imported with the current
    folder on ``sys.path`` as ``python -m`` would."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise CliError(f"--local takes module:handler, not {_escape(spec)!s}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as e:
        raise CliError(f"cannot import {module_name}: {type(e).__name__}: {e}") from None
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise CliError(f"{module_name} has no {attr}") from None
    if not callable(target):
        raise CliError(f"{spec} is not callable")
    return target


def _when(timestamp: Optional[float]) -> str:
    if timestamp is None:
        return "-"
    return datetime.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def _printable_block(text: str) -> str:
    """``text`` with every non-printable character except newlines escaped (control
    characters, terminal escapes, bidirectional overrides)."""
    return "\n".join(
        "".join(c if c.isprintable() else ascii(c)[1:-1] for c in line) for line in text.split("\n")
    )


def pretty_body(body: bytes) -> str:
    """The body for a terminal: indented JSON when it is JSON, else its text, escaped."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "(not UTF-8; bytes shown escaped)\n" + _printable_block(
            body.decode("utf-8", "backslashreplace")
        )
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return "(not JSON; text shown as received)\n" + _printable_block(text)
    try:
        return _printable_block(json.dumps(data, indent=2, ensure_ascii=False))
    except (ValueError, RecursionError):  # pragma: no cover - json.loads succeeded
        return _printable_block(text)


# -- list -----------------------------------------------------------------------------------


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        "--log",
        dest="db",
        metavar="PATH|URL",
        help=f"the SQLite file or postgresql:// URL of the log (default: ${LOG_ENV})",
    )


def _list_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--failed", action="store_true", help="only deliveries not handled yet")
    p.add_argument("--event", metavar="GLOB", help="event names matching GLOB, e.g. 'convo.*'")
    p.add_argument("--since", metavar="DURATION", help="received within DURATION, e.g. 1h, 30m")
    p.add_argument("--verdict", help="only this verdict (accepted, handler_error, ...)")
    p.add_argument(
        "--limit", type=int, default=50, help="at most this many, newest first (default: 50)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line (no bodies)")
    _db_arg(p)


def cmd_list(args: argparse.Namespace) -> int:
    if args.limit < 0:
        raise CliError("--limit must be >= 0")
    since = parse_duration(args.since) if args.since else None
    log = open_log(args.db)
    try:
        entries = log.list(
            failed=args.failed,
            event=args.event,
            since=since,
            verdict=args.verdict,
            limit=args.limit,
        )
    except DeliveryLogError as e:
        raise CliError(str(e)) from None
    finally:
        log.close()
    if args.json:
        for entry in entries:
            data = entry.to_json()
            del data["body"]
            data["body_bytes"] = len(entry.body)
            print(json.dumps(data, ensure_ascii=True))
        return EXIT_OK
    if not entries:
        print("no deliveries" + (" failed" if args.failed else "") + " match")
        return EXIT_OK
    print(f"{'ID':>6}  {'RECEIVED':<19}  {'EVENT':<38} {'VERDICT':<18} STATUS  TRY  ERROR")
    for e in entries:
        verdict = e.verdict + ("*" if e.failed else "")
        status = "-" if e.status is None else str(e.status)
        attempt = f"{e.attempt}/{e.attempts}"
        print(
            f"{e.id:>6}  {_when(e.received_at):<19}  {_escape(e.event_type or '-', 38):<38} "
            f"{verdict:<18} {status:>6}  {attempt:>3}  {_escape(e.error or '', 60)}"
        )
    print(f"{len(entries)} shown" + (" (* failed: not handled yet)" if args.failed else ""))
    return EXIT_OK


# -- show -----------------------------------------------------------------------------------


def _show_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", type=int, help="the entry id (see 'log list')")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_true", help="the entry as one JSON object")
    group.add_argument(
        "--raw", action="store_true", help="only the body's exact bytes (to redirect to a file)"
    )
    _db_arg(p)


def _get(log: Any, entry_id: int) -> LogEntry:
    try:
        entry = log.get(entry_id)
    except DeliveryLogError as e:
        raise CliError(str(e)) from None
    if entry is None:
        raise CliError(f"no entry {entry_id} in the log")
    return entry


def cmd_show(args: argparse.Namespace) -> int:
    log = open_log(args.db)
    try:
        entry = _get(log, args.id)
    finally:
        log.close()
    if args.raw:
        sys.stdout.flush()
        sys.stdout.buffer.write(entry.body)
        sys.stdout.buffer.flush()
        return EXIT_OK
    if args.json:
        print(json.dumps(entry.to_json(), ensure_ascii=True, indent=2))
        return EXIT_OK
    rows = [
        ("id", str(entry.id)),
        ("received", _when(entry.received_at)),
        ("event", entry.event_type or "-"),
        ("verdict", entry.verdict + (" (failed: not handled yet)" if entry.failed else "")),
        ("status", "-" if entry.status is None else str(entry.status)),
        ("error", entry.error or "-"),
        ("attempt", f"{entry.attempt} of {entry.attempts} with this dedupe key"),
        ("handled", "yes" if entry.handled else "no"),
        ("dedupe key", entry.dedupe_key or "-"),
        ("signature", entry.signature or "-"),
        ("finished", _when(entry.finished_at)),
    ]
    if entry.replays:
        rows.append(
            (
                "replays",
                f"{entry.replays}, last {_when(entry.last_replay_at)}: "
                f"{entry.last_replay_result} ({entry.last_replay_status or '-'})",
            )
        )
    for name, value in rows:
        print(f"{name + ':':<12} {_escape(value, 2000)}")
    print("headers:")
    for name, value in entry.headers.items():
        print(f"  {_escape(name, 100)}: {_escape(value, 1000)}")
    print(f"body ({len(entry.body)} bytes):")
    print(pretty_body(entry.body))
    return EXIT_OK


# -- replay ---------------------------------------------------------------------------------


def _replay_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("ids", nargs="*", type=int, metavar="ID", help="entry ids to replay")
    p.add_argument("--failed", action="store_true", help="replay every failed delivery")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="POST the exact bytes and headers to this URL")
    target.add_argument(
        "--local",
        metavar="MODULE:HANDLER",
        help="call this handler in-process through the receive pipeline (needs the secret)",
    )
    p.add_argument("--force", action="store_true", help="replay deliveries already handled as well")
    p.add_argument(
        "--dedupe",
        metavar="redis://HOST:PORT/DB",
        help="with --local: claim each delivery in this Redis, as the endpoint does",
    )
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per request (--url)")
    add_secret(p)
    _db_arg(p)


class _Replayer:
    """Replays entries one by one; remembers the keys handled in this run."""

    def __init__(self, args: argparse.Namespace, log: Any) -> None:
        self.args = args
        self.log = log
        self.done_keys: set = set()
        self.hook: Any = None
        if args.local:
            self.hook = hook_from(args)  # the pipeline verifies the signature again
            self.handler = load_handler(args.local)
        elif args.secret is not None or os.environ.get(SECRET_ENV):
            self.hook = hook_from(args)  # only to learn the key of unfinished entries
        self.dedupe = _dedupe_store(args.dedupe) if args.dedupe else None
        self.counts = {"handled": 0, "skipped": 0, "failed": 0}
        self.unreachable = False

    def key_of(self, entry: LogEntry) -> Optional[str]:
        if entry.dedupe_key or self.hook is None:
            return entry.dedupe_key
        try:
            return self.hook.receive(entry.event_type, entry.signature, entry.body).dedupe_key
        except Exception:
            return None  # does not verify (or parse): the endpoint will say so

    def replay(self, entry: LogEntry) -> str:
        label = f"#{entry.id} {_escape(entry.event_type or '-', 38):<38}"
        key = self.key_of(entry)
        if not self.args.force and key is not None:
            if key in self.done_keys or self.log.handled(key):
                self.log.record_replay(entry.id, result="already_handled")
                self.counts["skipped"] += 1
                return f"{label} skipped: already handled (--force to replay anyway)"
        if self.args.local:
            result, status, detail = self._local(entry)
        else:
            result, status, detail = self._remote(entry)
        self.log.record_replay(entry.id, result=result, status=status)
        if result == "failed":
            self.counts["failed"] += 1
        else:
            self.counts["handled" if result == "handled" else "skipped"] += 1
            if key is not None:
                self.done_keys.add(key)
        return f"{label} {detail}"

    def _remote(self, entry: LogEntry) -> Tuple[str, Optional[int], str]:
        headers = entry.replay_headers()
        headers[REPLAY_HEADER] = str(entry.id)
        try:
            status, ms, text = send_raw(self.args.url, headers, entry.body, self.args.timeout)
        except CliError as e:
            self.unreachable = True
            return "failed", None, f"failed: {e}"
        if 200 <= status < 300:
            result = "already_handled" if text == "duplicate" else "handled"
            return result, status, f"{status} {_escape(text, 40)} in {ms:.1f} ms"
        return "failed", status, f"failed: {status} {_escape(text, 60)} in {ms:.1f} ms"

    def _local(self, entry: LogEntry) -> Tuple[str, Optional[int], str]:
        headers = entry.replay_headers()
        headers[REPLAY_HEADER] = str(entry.id)
        outcome = process(
            self.hook, headers, entry.body, self.handler, dedupe=self.dedupe, log=self.log
        )
        if outcome.verdict == "accepted":
            return "handled", outcome.status, f"{outcome.status} handled"
        if outcome.verdict == "duplicate":
            return "already_handled", outcome.status, f"{outcome.status} duplicate"
        error = f": {type(outcome.error).__name__}: {outcome.error}" if outcome.error else ""
        return (
            "failed",
            outcome.status,
            f"failed: {outcome.status} {outcome.verdict}{_escape(error, 200)}",
        )


def _dedupe_store(url: str) -> Any:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise CliError("--dedupe takes a redis:// URL")
    try:
        import redis

        from ..dedupe import RedisDedupe
    except ImportError as e:
        raise CliError(f"--dedupe needs redis-py (pip install redis): {e}") from None
    return RedisDedupe(redis.Redis.from_url(url))


def cmd_replay(args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.failed):
        raise CliError("give entry ids or --failed (not both)")
    if args.url:
        check_url(args.url, "--url")
    if args.dedupe and not args.local:
        raise CliError("--dedupe goes with --local (an endpoint given by --url has its own)")
    if args.timeout <= 0:
        raise CliError("--timeout must be positive")
    log = open_log(args.db)
    try:
        replayer = _Replayer(args, log)
        if args.failed:
            entries: List[LogEntry] = log.list(failed=True, limit=None, oldest_first=True)
        else:
            entries = [_get(log, i) for i in args.ids]
        if not entries:
            print("nothing to replay")
            return EXIT_OK
        for entry in entries:
            print(replayer.replay(entry), flush=True)
    except DeliveryLogError as e:
        raise CliError(str(e)) from None
    finally:
        log.close()
    c = replayer.counts
    print(
        f"replayed {len(entries)}: {c['handled']} handled, {c['skipped']} skipped, "
        f"{c['failed']} failed"
    )
    if c["failed"]:
        return EXIT_UNREACHABLE if replayer.unreachable else EXIT_REJECTED
    return EXIT_OK


# -- purge ----------------------------------------------------------------------------------


def _purge_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--older-than",
        required=True,
        metavar="DURATION",
        help="delete deliveries received before this long ago, e.g. 30d",
    )
    _db_arg(p)


def cmd_purge(args: argparse.Namespace) -> int:
    seconds = parse_duration(args.older_than)
    log = open_log(args.db)
    try:
        deleted = log.purge(older_than=seconds)
    except DeliveryLogError as e:
        raise CliError(str(e)) from None
    finally:
        log.close()
    print(f"deleted {deleted} deliveries received more than {args.older_than} ago")
    return EXIT_OK


# -- the command ----------------------------------------------------------------------------

_SUBCOMMANDS = {
    "list": ("list deliveries, newest first", _list_args, cmd_list),
    "show": ("show one delivery: headers, verdict, error, body", _show_args, cmd_show),
    "replay": (
        "send recorded deliveries again (exact bytes and signature)",
        _replay_args,
        cmd_replay,
    ),
    "purge": ("delete old deliveries", _purge_args, cmd_purge),
}


def _log_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="log_command", required=True, metavar="SUBCOMMAND")
    for name, (help, configure, run) in _SUBCOMMANDS.items():
        q = sub.add_parser(name, help=help, description=help)
        configure(q)
        q.set_defaults(log_run=run)


@command("log", "inspect, replay and purge the delivery log", _log_args, 60)
def cmd_log(args: argparse.Namespace) -> int:
    return int(args.log_run(args))
