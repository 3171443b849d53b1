"""The one receive pipeline: every endpoint (Flask, Django, FastAPI, ``helpscout-webhook
listen``) translates its request into a call to :func:`process` (or :func:`process_async`)
and its answer from the :class:`Outcome` it returns.

The steps, in order::

    method check -> content type (option) -> size check (Content-Length, then a bounded read)
    -> log.begin (persist first) -> verify + parse (hook.receive_headers)
    -> shape check (option) -> dedupe claim -> handler -> commit / release -> log.finish

Every answer is a short fixed text; no body, signature or secret is ever logged. The pipeline
never answers 410 (which makes Help Scout deactivate the webhook): failures that a retry can
fix are answered 5xx or 409 so Help Scout delivers again.

- 200 ``ok`` (accepted): the handler returned.
- 200 ``duplicate`` (duplicate): the dedupe store says this delivery was handled already.
- 409 ``busy`` (busy): another worker holds the claim on this delivery right now.
- 401 ``invalid signature`` (bad_signature): missing, malformed or wrong signature.
- 400 ``bad request: <reason>`` (bad_payload): signed, but not a JSON object.
- 400 ``bad request: missing_event`` / ``event_mismatch`` (bad_request); 400
  ``conflicting_length`` with ``Connection: close`` for a request with both
  ``Transfer-Encoding`` and ``Content-Length`` (request smuggling); 415 (bad_request) for a
  Content-Type that is not JSON when ``require_json`` is on.
- 413 ``payload too large`` (too_large): over ``max_body_bytes``, never read past the limit.
- 405 ``method not allowed`` (method_not_allowed), with ``Allow: POST``.
- 500 ``handler error`` (handler_error): the handler raised (logged with its traceback).
- 503 ``dedupe store unavailable`` / ``delivery log unavailable`` (store_error): the store
  or the log is down; the handler is not run.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import re
import threading
import time
import warnings
from dataclasses import dataclass
from typing import (
    Any,
    AsyncIterable,
    Awaitable,
    Callable,
    Dict,
    Optional,
    Tuple,
    Union,
)

from .exceptions import (
    HelpScoutPayloadError,
    HelpScoutRequestError,
    HelpScoutSecurityException,
)
from .web_hook.web_hook import (
    DEFAULT_MAX_BODY_BYTES,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    get_header,
)

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "Outcome",
    "is_json_content_type",
    "process",
    "process_async",
    "read_body",
    "read_body_async",
]

logger = logging.getLogger("helpscout.webhook")
logger.addHandler(logging.NullHandler())

Handler = Callable[[Any], Any]
BodySource = Union[bytes, bytearray, memoryview, str, Callable[[], Any]]

_CHUNK = 64 * 1024
_REASON = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Never handed to a delivery log: credentials of the caller, not of the delivery.
_PRIVATE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


@dataclass(frozen=True)
class Outcome:
    """What to answer for one delivery, and why.

    ``status`` and ``text`` are the HTTP answer (a short fixed plain text); ``verdict`` names
    the branch taken (``accepted``, ``duplicate``, ``busy``, ``bad_signature``,
    ``bad_payload``, ``too_large``, ``bad_request``, ``handler_error``, ``store_error``,
    ``method_not_allowed``); ``event`` is the verified event when there is one; ``error``
    the exception behind a rejection or failure; ``headers`` extra answer headers.
    """

    status: int
    text: str
    verdict: str
    event: Optional[Any] = None
    error: Optional[BaseException] = None
    headers: Tuple[Tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the answer is 2xx (Help Scout will not retry)."""
        return 200 <= self.status < 300


# -- reading a body with a bound ---------------------------------------------------------


def _too_large(limit: int) -> HelpScoutRequestError:
    return HelpScoutRequestError(
        f"the request body is over the limit of {limit} bytes", "too_large", 413
    )


def read_body(stream: Any, limit: Optional[int] = DEFAULT_MAX_BODY_BYTES) -> bytes:
    """Read a whole request body from a file-like ``stream`` (anything with ``read(n)``:
    a WSGI input, ``request.stream`` in Werkzeug, a Django request) or an iterable of byte
    chunks, reading **at most** ``limit + 1`` bytes.

    Raises ``HelpScoutRequestError(reason="too_large", http_status=413)`` as soon as the
    body is known to be longer than ``limit`` (``None``: no limit).
    """
    parts = []
    size = 0
    read = getattr(stream, "read", None)
    if callable(read):
        while limit is None or size <= limit:
            want = _CHUNK if limit is None else min(_CHUNK, limit + 1 - size)
            chunk = read(want)
            if not chunk:
                break
            parts.append(bytes(chunk))
            size += len(chunk)
    else:
        for chunk in stream:
            if not chunk:
                continue
            parts.append(bytes(chunk))
            size += len(chunk)
            if limit is not None and size > limit:
                break
    if limit is not None and size > limit:
        raise _too_large(limit)
    return b"".join(parts)


async def read_body_async(
    chunks: AsyncIterable[bytes], limit: Optional[int] = DEFAULT_MAX_BODY_BYTES
) -> bytes:
    """:func:`read_body` for an async iterable of byte chunks (Starlette's
    ``request.stream()``, an ASGI ``receive`` loop): stops at the first chunk that takes
    the body past ``limit`` and raises ``HelpScoutRequestError`` (413)."""
    parts = []
    size = 0
    try:
        async for chunk in chunks:
            if not chunk:
                continue
            parts.append(bytes(chunk))
            size += len(chunk)
            if limit is not None and size > limit:
                raise _too_large(limit)
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()
    return b"".join(parts)


def is_json_content_type(value: Optional[str]) -> bool:
    """Whether a Content-Type header names JSON (``application/json`` or any
    ``+json`` type, parameters ignored)."""
    if not value:
        return False
    media = value.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


# -- small helpers -------------------------------------------------------------------------


def _escape(value: object, limit: int = 80) -> str:
    """``value`` as one printable line: control characters, escape sequences and other
    non-printables shown as ``repr`` escapes (``\\x1b``), cut at ``limit`` characters. Use
    for every unauthenticated value that reaches a terminal or a log line."""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:  # e.g. an int past Python's digit limit
        text = f"<{type(value).__name__}>"
    if len(text) > limit:
        text = text[:limit] + "..."
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(c if c.isprintable() and c != "\\" else ascii(c)[1:-1] for c in text)


def _header_map(headers: Any) -> Dict[str, str]:
    """The request's headers as a plain ``{name: value}`` dict (for a delivery log), from any
    container :func:`~helpscout.web_hook.web_hook.get_header` accepts; a WSGI environ gives
    its ``HTTP_*`` keys. Credentials (``Authorization``, ``Cookie``) are left out."""
    out: Dict[str, str] = {}
    try:
        items = headers.items() if hasattr(headers, "items") else headers
        for key, value in items:
            if isinstance(key, (bytes, bytearray)):
                key = bytes(key).decode("latin-1")
            if not isinstance(key, str):
                continue
            if key.startswith("HTTP_"):
                key = key[5:].replace("_", "-").title()
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = key.replace("_", "-").title()
            elif key.isupper() or "." in key:
                continue  # the rest of a WSGI environ
            if key.lower() in _PRIVATE_HEADERS:
                continue
            if isinstance(value, (bytes, bytearray)):
                value = bytes(value).decode("latin-1")
            elif not isinstance(value, str):
                continue
            out[key] = f"{out[key]},{value}" if key in out else value
    except Exception:  # an exotic container: the log gets what could be read
        logger.debug("could not list the request headers", exc_info=True)
    return out


def _content_length(headers: Any) -> Optional[int]:
    value = get_header(headers, "Content-Length")
    if value is None:
        return None
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() else None


def _envelope(event: Any, signature: Optional[str]) -> Dict[str, Any]:
    """The replayable, JSON-safe envelope of a verified event: event name, exact body
    text, signature, ``secret_index``, ``dedupe_key`` (``event.to_envelope()`` when the
    extension provides it)."""
    to_envelope = getattr(event, "to_envelope", None)
    if callable(to_envelope):
        data = dict(to_envelope())
        if data.get("signature") is None and signature is not None:
            data["signature"] = signature
        return data
    return {
        "event_type": event.event_type,
        "body": event.record.to_json(),
        "signature": signature,
        "secret_index": event.secret_index,
        "dedupe_key": event.dedupe_key,
    }


class _DoneTicket:
    state = "done"

    def __init__(self, key: str) -> None:
        self.key = key

    def commit(self) -> bool:
        return False

    def release(self) -> bool:
        return False


class _NewTicket(_DoneTicket):
    state = "new"

    def commit(self) -> bool:
        return True

    def release(self) -> bool:
        return True  # a seen() callback cannot forget: the key stays remembered


class _SeenStore:
    """Adapts the deprecated ``seen(key) -> bool`` callback to the dedupe protocol. A
    ``seen`` callback remembers the key before the handler runs, so a delivery whose
    handler failed is answered ``duplicate`` on Help Scout's retry: use a dedupe store."""

    def __init__(self, seen: Callable[[str], bool]) -> None:
        self.seen = seen

    def claim(self, key: str) -> Any:
        return _DoneTicket(key) if self.seen(key) else _NewTicket(key)


_SEEN_DEPRECATED = (
    "seen= is deprecated: a seen(key) callback remembers a delivery before the handler "
    "runs, so a failed delivery is lost on retry. Pass dedupe= a store with claim/commit/"
    "release (helpscout.dedupe.MemoryDedupe or RedisDedupe) instead."
)


def _legacy_seen(dedupe: Any, seen: Optional[Callable[[str], bool]], stacklevel: int = 3) -> Any:
    """The dedupe store to use given ``dedupe=`` and the deprecated ``seen=`` (warns)."""
    if seen is None:
        return dedupe
    if dedupe is not None:
        raise TypeError("give dedupe= or the deprecated seen=, not both")
    warnings.warn(_SEEN_DEPRECATED, DeprecationWarning, stacklevel=stacklevel)
    return _SeenStore(seen)


# -- answers --------------------------------------------------------------------------------


def _rejected(error: Exception) -> Outcome:
    """The outcome for an error raised while reading or verifying a delivery."""
    reason = getattr(error, "reason", None)
    logger.warning("rejected a Help Scout webhook: %s", _escape(reason))
    if isinstance(error, HelpScoutSecurityException):
        return Outcome(401, "invalid signature", "bad_signature", error=error)
    if isinstance(error, HelpScoutRequestError):
        status = int(getattr(error, "http_status", 400) or 400)
        if status == 413:
            return Outcome(413, "payload too large", "too_large", error=error)
        text = f"bad request: {reason}" if _REASON.fullmatch(reason or "") else "bad request"
        if isinstance(error, HelpScoutPayloadError):
            return Outcome(status, text, "bad_payload", error=error)
        return Outcome(status, text, "bad_request", error=error)
    raise error


_METHOD_NOT_ALLOWED = Outcome(
    405, "method not allowed", "method_not_allowed", headers=(("Allow", "POST"),)
)
_CONFLICTING_LENGTH = Outcome(
    400,
    "bad request: conflicting_length",
    "bad_request",
    headers=(("Connection", "close"),),
)
_NOT_JSON = Outcome(415, "unsupported media type: send application/json", "bad_request")


class _Delivery:
    """One delivery on its way through the pipeline (the steps :func:`process` and
    :func:`process_async` share)."""

    def __init__(
        self,
        hook: Any,
        headers: Any,
        dedupe: Any,
        log: Any,
        max_body_bytes: Optional[int],
        method: Optional[str],
        refuse_mismatch: bool,
        require_json: bool,
    ) -> None:
        self.hook = hook
        self.headers = headers
        self.dedupe = dedupe
        self.log = log
        self.limit = max_body_bytes
        self.method = method
        self.refuse_mismatch = refuse_mismatch
        self.require_json = require_json
        self.entry: Optional[int] = None
        self.event: Any = None
        self.ticket: Any = None

    @property
    def blocking(self) -> bool:
        """Whether a step may block on I/O (a store or a log is involved)."""
        return self.dedupe is not None or self.log is not None

    def precheck(self, lazy: bool = True) -> Optional[Outcome]:
        """Method, framing, content type and (for a body still to be read, ``lazy``) the
        announced size: before any byte is read."""
        if (self.method or "POST").upper() != "POST":
            return _METHOD_NOT_ALLOWED
        if (get_header(self.headers, "Transfer-Encoding") or "").strip() and (
            get_header(self.headers, "Content-Length") or ""
        ).strip():
            # Both framings at once: a request smuggling attempt. The server has decoded one
            # of them; answer 400 and close, so what the other hides is never read.
            logger.warning("rejected a Help Scout webhook: conflicting_length")
            return _CONFLICTING_LENGTH
        if self.require_json and not is_json_content_type(get_header(self.headers, "Content-Type")):
            logger.warning("rejected a Help Scout webhook: not_json")
            return _NOT_JSON
        if lazy and self.limit is not None:
            length = _content_length(self.headers)
            if length is not None and length > self.limit:
                return _rejected(_too_large(self.limit))
        return None

    def admit(self, body: Any) -> Optional[Outcome]:
        """Size, log.begin, verify, shape, claim. ``None``: run the handler."""
        if isinstance(body, str):
            size = len(body.encode("utf-8", "surrogatepass"))
        else:
            size = body.nbytes if isinstance(body, memoryview) else len(body)
        if self.limit is not None and size > self.limit:
            return _rejected(_too_large(self.limit))
        if self.log is not None:
            raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else bytes(body)
            try:
                self.entry = self.log.begin(
                    event_type=get_header(self.headers, EVENT_HEADER),
                    signature=get_header(self.headers, SIGNATURE_HEADER),
                    body=raw,
                    headers=_header_map(self.headers),
                    received_at=time.time(),
                )
            except Exception as error:
                logger.exception("the delivery log is unavailable; answered 503")
                return Outcome(503, "delivery log unavailable", "store_error", error=error)
        try:
            event = self.hook.receive_headers(self.headers, body, self.limit)
        except (HelpScoutSecurityException, HelpScoutRequestError) as error:
            return self.finish(_rejected(error))
        except Exception as error:  # a configuration error or a defect: still an answer
            logger.exception("receiving a Help Scout webhook failed")
            return self.finish(Outcome(500, "internal error", "handler_error", error=error))
        self.event = event
        if self.refuse_mismatch and not getattr(event, "shape_matches", True):
            logger.warning(
                "rejected a Help Scout webhook: event_mismatch (%s)", _escape(event.event_type)
            )
            return self.finish(
                Outcome(400, "bad request: event_mismatch", "bad_request", event=event)
            )
        if self.dedupe is None:
            return None
        try:
            ticket = self.dedupe.claim(event.dedupe_key)
            state = ticket.state
        except Exception as error:
            logger.exception("the dedupe store is unavailable; answered 503")
            return self.finish(
                Outcome(503, "dedupe store unavailable", "store_error", event=event, error=error)
            )
        if state == "done":
            logger.info("skipped a repeated Help Scout delivery of %s", _escape(event.event_type))
            return self.finish(Outcome(200, "duplicate", "duplicate", event=event))
        if state == "busy":
            logger.info(
                "a Help Scout delivery of %s is being handled elsewhere; answered 409",
                _escape(event.event_type),
            )
            return self.finish(Outcome(409, "busy", "busy", event=event))
        if state != "new":
            logger.error("the dedupe store gave an unknown ticket state %r", _escape(state))
            return self.finish(Outcome(503, "dedupe store unavailable", "store_error", event=event))
        self.ticket = ticket
        return None

    def succeeded(self) -> Outcome:
        if self.ticket is not None:
            try:
                if not self.ticket.commit():
                    logger.error(
                        "the dedupe claim on a delivery of %s was lost before commit "
                        "(lease expired?); it may be handled twice",
                        _escape(self.event.event_type),
                    )
            except Exception:
                logger.exception(
                    "the dedupe store failed to commit a handled delivery of %s",
                    _escape(self.event.event_type),
                )
        return self.finish(Outcome(200, "ok", "accepted", event=self.event))

    def failed(self, error: BaseException) -> Outcome:
        """Call from the ``except`` block around the handler."""
        if isinstance(error, Exception):
            logger.exception(
                "the Help Scout webhook handler failed for %s", _escape(self.event.event_type)
            )
        if self.ticket is not None:
            try:
                self.ticket.release()
            except Exception:
                logger.exception("the dedupe store failed to release a claim")
        return self.finish(
            Outcome(500, "handler error", "handler_error", event=self.event, error=error)
        )

    def finish(self, outcome: Outcome) -> Outcome:
        if self.log is not None and self.entry is not None:
            try:
                self.log.finish(
                    self.entry,
                    verdict=outcome.verdict,
                    status=outcome.status,
                    error=None if outcome.error is None else _error_text(outcome.error),
                    dedupe_key=None if outcome.event is None else outcome.event.dedupe_key,
                )
            except Exception:
                logger.exception("the delivery log failed to record a verdict")
        return outcome

    def read(self, body: Any) -> Any:
        """The body itself: ``body``, or what the zero-argument callable ``body`` returns
        (an :class:`Outcome` when reading was refused)."""
        if not callable(body):
            return body
        try:
            return body()
        except (HelpScoutSecurityException, HelpScoutRequestError) as error:
            return _rejected(error)

    def handle(self, handler: Handler, body: Any) -> Union[Outcome, Awaitable[Any]]:
        """From :meth:`admit` to the answer, in this thread. Returns the awaitable instead
        when the handler returned one (an async handler behind a sync router)."""
        early = self.admit(body)
        if early is not None:
            return early
        try:
            result = handler(self.event)
        except BaseException as error:
            outcome = self.failed(error)
            if not isinstance(error, Exception):
                raise
            return outcome
        if inspect.isawaitable(result):
            return result
        return self.succeeded()


def _error_text(error: BaseException) -> str:
    """``Type: message`` for a delivery log, cut to 500 characters."""
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= 500 else text[:500] + "\u2026"


def process(
    hook: Any,
    headers: Any,
    body: BodySource,
    handler: Handler,
    *,
    dedupe: Any = None,
    log: Any = None,
    seen: Optional[Callable[[str], bool]] = None,
    max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES,
    method: Optional[str] = "POST",
    refuse_mismatch: bool = False,
    require_json: bool = False,
) -> Outcome:
    """Take one delivery through the pipeline and say what to answer.

    Args:
        hook: the ``HelpScoutWebHook`` holding the secret(s).
        headers: the request headers, any container ``receive_headers`` accepts.
        body: the raw body (bytes), or a zero-argument callable returning it (called after
            the method and Content-Length checks; use :func:`read_body` inside it so a body
            without Content-Length is never read past the limit).
        handler: called with the verified ``WebHookEvent`` (a function or a
            ``helpscout.Router``); raising makes the answer 500 so Help Scout retries.
        dedupe: a store with ``claim(key) -> ticket`` (``ticket.state`` ``new``, ``busy``
            or ``done``; ``commit()``/``release()``), keyed by ``event.dedupe_key``.
        log: a delivery log with ``begin(...) -> id`` (before verification) and
            ``finish(id, ...)``.
        seen: deprecated ``seen(key) -> bool`` callback; use ``dedupe``.
        max_body_bytes: the largest body accepted (413 above); ``None`` for no limit.
        method: the request method; anything but POST is answered 405.
        refuse_mismatch: answer 400 ``event_mismatch`` when the body's shape does not fit
            the ``X-HelpScout-Event`` family (``event.shape_matches``).
        require_json: answer 415 unless the Content-Type is JSON.

    The handler's exception is never raised from here (it is logged and answered 500),
    except ``KeyboardInterrupt``/``SystemExit``, which release the claim and propagate.
    """
    dedupe = _legacy_seen(dedupe, seen)
    delivery = _Delivery(
        hook, headers, dedupe, log, max_body_bytes, method, refuse_mismatch, require_json
    )
    early = delivery.precheck(callable(body))
    if early is not None:
        return early
    body = delivery.read(body)
    if isinstance(body, Outcome):
        return body
    result = delivery.handle(handler, body)
    if isinstance(result, Outcome):
        return result
    # The handler returned an awaitable: run it to completion here.
    try:
        asyncio.run(_awaited(result))
    except BaseException as error:
        outcome = delivery.failed(error)
        if not isinstance(error, Exception):
            raise
        return outcome
    return delivery.succeeded()


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _is_async(handler: Any) -> bool:
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004 - a callable object's method
    )


async def _in_thread(func: Callable[..., Any], *args: Any) -> Any:
    """Run a blocking call off the event loop (anyio's thread pool when installed, as
    Starlette does; else asyncio's)."""
    try:
        import anyio.to_thread
    except ImportError:  # pragma: no cover - anyio comes with Starlette
        return await asyncio.get_running_loop().run_in_executor(
            None, functools.partial(func, *args)
        )
    return await anyio.to_thread.run_sync(functools.partial(func, *args))


async def _in_thread_or_undo(
    undo: Callable[[Any], None], func: Callable[..., Any], *args: Any
) -> Any:
    """:func:`_in_thread`, for a step that takes something (a dedupe claim, a log entry)
    which the steps after it give back. A thread cannot be stopped: when the awaiting task
    is cancelled (uvicorn's shutdown timeout, a client disconnect, ``asyncio.wait_for``), the
    step still finishes in its thread, after the task has gone. ``undo(result)`` then runs
    in a thread too, so that the claim does not hold the key busy for its whole lease and
    the log entry is finished; the cancellation goes on."""
    lock = threading.Lock()
    state: Dict[str, Any] = {"abandoned": False, "finished": False, "result": None}

    def run() -> Any:
        result = func(*args)
        with lock:
            state["finished"], state["result"] = True, result
            abandoned = state["abandoned"]
        if abandoned:
            undo(result)
        return result

    try:
        return await _in_thread(run)
    except BaseException:
        with lock:
            state["abandoned"] = True
            finished, result = state["finished"], state["result"]
        if finished:  # done, but its result never reached this task
            threading.Thread(
                target=undo, args=(result,), name="helpscout-undo", daemon=True
            ).start()
        raise


def _undo_admitted(delivery: _Delivery) -> Callable[[Any], None]:
    """Give back what :meth:`_Delivery.admit` (or :meth:`_Delivery.handle` up to a
    returned awaitable) took for a delivery whose task was cancelled: the claim is
    released and the log entry finished as a handler error, so Help Scout's retry runs
    the handler."""

    def undo(result: Any) -> None:
        if isinstance(result, Outcome):
            return  # answered (or handled to the end) in the thread: nothing is held
        if inspect.iscoroutine(result):
            result.close()  # the handler's coroutine, never started
        delivery.failed(asyncio.CancelledError("the request was cancelled"))

    return undo


async def process_async(
    hook: Any,
    headers: Any,
    body: BodySource,
    handler: Handler,
    *,
    dedupe: Any = None,
    log: Any = None,
    seen: Optional[Callable[[str], bool]] = None,
    max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES,
    method: Optional[str] = "POST",
    refuse_mismatch: bool = False,
    require_json: bool = False,
) -> Outcome:
    """:func:`process` for asyncio servers. ``body`` may also be a zero-argument callable
    returning an awaitable (e.g. ``lambda: read_body_async(request.stream(), limit)``).
    An async handler (or one returning an awaitable) is awaited; a sync handler, and the
    dedupe store and delivery log calls, run in a worker thread so they never block the
    event loop."""
    dedupe = _legacy_seen(dedupe, seen)
    delivery = _Delivery(
        hook, headers, dedupe, log, max_body_bytes, method, refuse_mismatch, require_json
    )
    early = delivery.precheck(callable(body))
    if early is not None:
        return early
    body = delivery.read(body)
    if inspect.isawaitable(body):
        try:
            body = await body
        except (HelpScoutSecurityException, HelpScoutRequestError) as error:
            return _rejected(error)
    if isinstance(body, Outcome):
        return body
    undo = _undo_admitted(delivery)
    if _is_async(handler):
        early = (
            await _in_thread_or_undo(undo, delivery.admit, body)
            if delivery.blocking
            else delivery.admit(body)
        )
        if early is not None:
            return early
        pending: Optional[Awaitable[Any]] = None
    else:  # the handler (and the stores) in a worker thread
        result = await _in_thread_or_undo(undo, delivery.handle, handler, body)
        if isinstance(result, Outcome):
            return result
        pending = result
    try:
        await (handler(delivery.event) if pending is None else pending)
    except BaseException as error:
        outcome = (
            await _in_thread(delivery.failed, error)
            if delivery.blocking
            else delivery.failed(error)
        )
        if not isinstance(error, Exception):
            raise
        return outcome
    return await _in_thread(delivery.succeeded) if delivery.blocking else delivery.succeeded()
