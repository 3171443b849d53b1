"""``send``: POST a signed sample (or any body) to a URL, as Help Scout would. Redirects
are reported, never followed (Help Scout does not follow them either, and a followed 302
turns the POST into a bodiless GET that looks like success)."""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request
from typing import List, Optional, Tuple

from .. import __version__
from ..delivery import _escape
from ..events import EVENTS
from ..samples import sample
from .common import (
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_UNREACHABLE,
    CliError,
    add_secret,
    command,
    hook_from,
    read_input,
)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(
    url: str, event: str, body: bytes, signature: str, timeout: float
) -> Tuple[int, float, Optional[str]]:
    """POST one delivery; the status, the time in ms and, for a 3xx, where it pointed."""
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
    location = None
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as e:
        status = e.code
        if 300 <= status < 400:
            location = e.headers.get("Location")
        e.close()
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise CliError(f"could not reach {url}: {reason}", EXIT_UNREACHABLE) from None
    return status, (time.perf_counter() - start) * 1000, location


def _progress(done: int, total: int, event: str) -> None:
    if not sys.stderr.isatty():
        return
    filled = int(30 * done / total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {event:<40}")
    if done == total:
        sys.stderr.write("\r" + " " * 80 + "\r")
    sys.stderr.flush()


def _redirect_note(location: Optional[str]) -> str:
    target = _escape(location) if location else "nowhere"
    return f" (redirect to {target} not followed)"


def _send_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("event", help="an event name (see 'events'), or 'all'")
    p.add_argument(
        "--url", required=True, help="where to POST, e.g. http://127.0.0.1:8000/helpscout"
    )
    p.add_argument("--payload", help="send this file's bytes instead of the built-in sample")
    p.add_argument(
        "--signature", help="send this signature instead of computing it (to test rejections)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds to wait for each answer (default: %(default)s)",
    )
    add_secret(p)


@command("send", "POST a signed sample of an event (or 'all') to a URL", _send_args, 40)
def cmd_send(args: argparse.Namespace) -> int:
    hook = hook_from(args)
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
        body = read_input(args.payload) if args.payload else sample(name)
        signature = args.signature or hook.sign(body)
        status, ms, location = post(args.url, name, body, signature, args.timeout)
        note = _redirect_note(location) if 300 <= status < 400 else ""
        results.append((name, status, ms, note))
        _progress(i + 1, len(names), name)
        if len(names) == 1:
            print(f"{status} {name} ({len(body)} bytes) in {ms:.1f} ms{note}")
    if len(names) > 1:
        width = max(map(len, names))
        print(f"{'event':<{width}}  status  time")
        for name, status, ms, note in results:
            print(f"{name:<{width}}  {status:>6}  {ms:6.1f} ms{note}")
        accepted = sum(200 <= r[1] < 300 for r in results)
        print(f"sent {len(results)}: {accepted} accepted (2xx), {len(results) - accepted} not")
    return EXIT_OK if all(200 <= r[1] < 300 for r in results) else EXIT_REJECTED
