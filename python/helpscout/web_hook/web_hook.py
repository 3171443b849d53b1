"""``HelpScoutWebHook``: verify and receive Help Scout webhook deliveries."""

from __future__ import annotations

import base64
import io
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from .. import _core
from ..exceptions import HelpScoutRequestError, HelpScoutValidationException

__all__ = ["HelpScoutWebHook", "WebHook"]

Body = Union[bytes, bytearray, memoryview, str]

EVENT_HEADER = "X-HelpScout-Event"
SIGNATURE_HEADER = "X-HelpScout-Signature"
DEFAULT_MAX_BODY_BYTES: int = _core.DEFAULT_MAX_BODY_BYTES
"""The largest body the request helpers accept (Help Scout's payloads are far smaller)."""


def _text(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    if isinstance(value, (list, tuple)):
        # several values for one header: joined, so a signature check fails cleanly
        return ",".join(_text(v) or "" for v in value)
    return str(value)


def get_header(headers: Any, name: str) -> Optional[str]:
    """A header from any header container, case-insensitively: a ``Mapping`` (Werkzeug,
    Starlette and Django headers, plain dicts), a WSGI/Django ``META`` environ
    (``HTTP_X_HELPSCOUT_SIGNATURE``) or a list of ``(name, value)`` pairs (ASGI scope,
    bytes or str)."""
    wanted = name.lower()
    environ_key = "HTTP_" + name.upper().replace("-", "_")
    getter = getattr(headers, "get", None)
    if getter is not None:
        for key in (name, environ_key):
            try:
                value = getter(key)
            except Exception:  # exotic containers: fall back to iteration
                value = None
            if value is not None:
                return _text(value)
    items = headers.items() if hasattr(headers, "items") else headers
    for key, value in items:
        key = _text(key) or ""
        if key.lower() == wanted or key.upper() == environ_key:
            return _text(value)
    return None


def _byte_length(body: Body) -> int:
    """The size of a body in bytes (a ``str`` counts as its UTF-8 form, as it is signed)."""
    if isinstance(body, str):
        return len(body.encode("utf-8", "surrogatepass"))
    if isinstance(body, memoryview):
        return body.nbytes
    return len(body)


def _check_size(length: Optional[int], limit: Optional[int]) -> None:
    if limit is not None and length is not None and length > limit:
        raise HelpScoutRequestError(
            f"the request body has {length} bytes; the limit is {limit}", "too_large", 413
        )


def _content_length(headers: Any) -> Optional[int]:
    value = get_header(headers, "Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _request_headers(request: Any) -> Any:
    if callable(getattr(request, "get_data", None)):  # Flask / Werkzeug
        return request.headers
    return getattr(request, "headers", None) or request.META  # Django


def _is_too_large(error: Exception) -> bool:
    """A framework's own 413 (Werkzeug's ``RequestEntityTooLarge``, Django's
    ``RequestDataTooBig``)."""
    return getattr(error, "code", None) == 413 or type(error).__name__ == "RequestDataTooBig"


def request_body(request: Any, max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES) -> bytes:
    """The raw body of a Flask/Werkzeug request or a Django ``HttpRequest``, read with a
    bound: the announced ``Content-Length`` is checked first, then at most
    ``max_body_bytes`` + 1 bytes are read from the stream (a chunked body has no
    ``Content-Length``). Raises ``HelpScoutRequestError`` (413) past the limit. The body is
    kept, so ``request.get_data()`` / ``request.body`` still give it afterwards."""
    from ..delivery import read_body

    if callable(getattr(request, "get_data", None)):  # Flask / Werkzeug
        length = request.content_length
        _check_size(length, max_body_bytes)
        try:
            if length is not None or getattr(request, "_cached_data", None) is not None:
                body = request.get_data(cache=True)  # bounded by Content-Length
            else:  # chunked: the server terminates the stream; read it with a bound
                body = read_body(request.stream, max_body_bytes)
                request._cached_data = body  # what get_data(cache=True) would have kept
        except Exception as error:
            if _is_too_large(error):  # app.config["MAX_CONTENT_LENGTH"]
                raise HelpScoutRequestError(str(error), "too_large", 413) from None
            raise
    elif hasattr(request, "META") and hasattr(type(request), "body"):  # Django (not evaluated)
        meta = request.META
        announced = str(meta.get("CONTENT_LENGTH") or "").strip()
        length = int(announced) if announced.isascii() and announced.isdigit() else None
        _check_size(length, max_body_bytes)
        if "_body" in vars(request):  # read already (middleware): in memory
            body = request.body
        else:
            stream = request  # file-like, bounded by CONTENT_LENGTH
            if length is None and meta.get("wsgi.input_terminated") and "wsgi.input" in meta:
                stream = meta["wsgi.input"]  # chunked, de-chunked by the server
            body = read_body(stream, max_body_bytes)
            # What HttpRequest.body does itself, so request.body / request.read() still work.
            request._body = body
            request._stream = io.BytesIO(body)
    else:
        raise TypeError(
            f"receive_request() takes a Flask/Werkzeug or Django request, not "
            f"{type(request).__name__}; use receive_headers(headers, body) or "
            f"await receive_asgi(request)"
        )
    _check_size(len(body), max_body_bytes)
    return body


async def asgi_body(request: Any, max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES) -> bytes:
    """The raw body of a Starlette/FastAPI ``Request``: the announced ``Content-Length``
    is checked, then ``request.stream()`` is read and left at the first chunk past
    ``max_body_bytes`` (``HelpScoutRequestError``, 413). The body is kept on the request,
    so ``await request.body()`` still gives it."""
    from ..delivery import read_body_async

    _check_size(_content_length(request.headers), max_body_bytes)
    body = await read_body_async(request.stream(), max_body_bytes)
    request._body = body  # Starlette's own cache, read by request.body() and .stream()
    return body


def _check_secret(value: object, name: str) -> str:
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise HelpScoutValidationException(f"{name} must be text (UTF-8)") from None
    if not isinstance(value, str):
        raise HelpScoutValidationException(f"{name} must be a str, not {type(value).__name__}")
    if _core.secret_is_blank(value):
        raise HelpScoutValidationException(
            f"{name} is empty or only whitespace; use the secret key set on the Help Scout webhook"
        )
    return value


class WebHook:
    """A Help Scout webhook: where it posts (``url``), what it sends (``events``) and the
    ``secret_key`` that signs each delivery.

    Attributes not given default to ``None`` (``events`` to ``[]``). The secret is never
    shown by ``repr``.
    """

    _FIELDS = (
        "id",
        "url",
        "events",
        "label",
        "notification",
        "payload_version",
        "mailbox_ids",
        "state",
    )

    def __init__(self, **kwargs: Any) -> None:
        self._secret_key: Optional[str] = None
        self._secret_keys: List[str] = []
        self._verifier: Optional[_core.Verifier] = None
        self.id: Optional[int] = None
        self.url: Optional[str] = None
        self.events: List[str] = []
        self.label: Optional[str] = None
        self.notification: Optional[bool] = None
        self.payload_version: Optional[str] = None
        self.mailbox_ids: Optional[List[int]] = None
        self.state: Optional[str] = None
        self.helpscout: Any = None
        self.api_data: Dict[str, Any] = {}
        allowed = {*self._FIELDS, "secret_key", "secret_keys", "helpscout"}
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(allowed))}"
            )
        # Older secrets first, so that setting secret_key builds the verifier once.
        if "secret_keys" in kwargs:
            self.secret_keys = kwargs.pop("secret_keys")
        for name, value in kwargs.items():
            setattr(self, name, value)

    @property
    def secret_key(self) -> Optional[str]:
        """The secret Help Scout signs deliveries with (the current one)."""
        return self._secret_key

    @secret_key.setter
    def secret_key(self, value: Optional[str]) -> None:
        self._secret_key = None if value is None else _check_secret(value, "secret_key")
        self._rebuild()

    @property
    def secret_keys(self) -> List[str]:
        """Older secrets still accepted while a rotation is under way."""
        return list(self._secret_keys)

    @secret_keys.setter
    def secret_keys(self, values: Optional[Iterable[str]]) -> None:
        if isinstance(values, (str, bytes)):
            values = [values]  # type: ignore[list-item]
        self._secret_keys = [
            _check_secret(v, "secret_keys[%d]" % i) for i, v in enumerate(values or [])
        ]
        self._rebuild()

    def _rebuild(self) -> None:
        secrets = ([self._secret_key] if self._secret_key else []) + self._secret_keys
        # secret_index 0 always means secret_key: with only older secrets, they count from 1.
        first = 0 if self._secret_key else 1
        self._verifier = _core.Verifier(secrets, first) if secrets else None

    def _require_verifier(self) -> _core.Verifier:
        verifier = self._verifier
        if verifier is None:
            raise HelpScoutValidationException(
                "secret_key is not set: pass HelpScoutWebHook(secret_key=...) with the secret "
                "of the Help Scout webhook"
            )
        return verifier

    @classmethod
    def from_api(cls, data: Dict[str, Any]) -> WebHook:
        """A webhook from the Mailbox API's JSON (``GET /v2/webhooks/{id}``). The whole
        object stays available as ``api_data``."""
        hook = cls(
            id=data.get("id"),
            url=data.get("url"),
            events=list(data.get("events") or []),
            label=data.get("label"),
            notification=data.get("notification"),
            payload_version=data.get("payloadVersion"),
            mailbox_ids=data.get("mailboxIds"),
            state=data.get("state"),
        )
        if data.get("secret"):
            hook.secret_key = data["secret"]
        hook.api_data = dict(data)
        return hook

    def to_api(self) -> Dict[str, Any]:
        """The webhook as the Mailbox API 2.0 expects it (camelCase; unset fields left out)."""
        out: Dict[str, Any] = {"url": self.url, "events": list(self.events or [])}
        if self._secret_key is not None:
            out["secret"] = self._secret_key
        for name, key in (
            ("label", "label"),
            ("notification", "notification"),
            ("payload_version", "payloadVersion"),
            ("mailbox_ids", "mailboxIds"),
            ("state", "state"),
        ):
            value = getattr(self, name)
            if value is not None:
                out[key] = value
        return out

    def __repr__(self) -> str:
        parts = [f"id={self.id!r}", f"url={self.url!r}", f"events={self.events!r}"]
        if self.label is not None:
            parts.append(f"label={self.label!r}")
        parts.append("secret_key=<redacted>" if self._secret_key else "secret_key=None")
        if self._secret_keys:
            parts.append(f"secret_keys=<{len(self._secret_keys)} redacted>")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WebHook):
            return NotImplemented
        return self._state() == other._state()

    __hash__ = None  # type: ignore[assignment]

    def _state(self) -> Dict[str, Any]:
        state = {name: getattr(self, name) for name in self._FIELDS}
        state["secret_key"] = self._secret_key
        state["secret_keys"] = list(self._secret_keys)
        return state

    def __getstate__(self) -> Dict[str, Any]:
        return self._state()

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]


class HelpScoutWebHook(WebHook):
    """This provides the ability to easily create & process web hook events.

    ``HelpScoutWebHook(secret_key=...)`` verifies deliveries; ``secret_keys=[old, ...]``
    adds older secrets accepted during a rotation (``event.secret_index`` says which one
    matched). ``helpscout`` is the API client used by :meth:`create`.
    """

    def create(self) -> Any:
        """Create the web hook on HelpScout, through ``self.helpscout.WebHook.create``."""
        if self.helpscout is None:
            raise HelpScoutValidationException(
                "set hook.helpscout to a HelpScout client before calling create()"
            )
        return self.helpscout.WebHook.create(self)

    def validate_signature(
        self, signature: Optional[Body], data: Body, encoding: str = "utf8"
    ) -> bool:
        """Whether ``signature`` (the ``X-HelpScout-Signature`` header) is valid for
        ``data`` (the raw request body), compared in constant time.

        ``signature`` and ``data`` may be ``bytes``, ``bytearray``, ``memoryview`` or
        ``str`` (encoded with ``encoding``). A missing, empty or malformed signature is
        simply invalid. Surrounding whitespace on the signature is ignored.
        """
        verifier = self._verifier  # the hot path: one Python call fewer than _require_verifier
        if verifier is None:
            verifier = self._require_verifier()
        if type(encoding) is str and encoding == "utf8":  # the default; no foreign __eq__
            return verifier.verify(signature, data) is not None
        return verifier.verify(signature, data, encoding) is not None

    def verify(
        self, signature: Optional[Body], data: Body, encoding: str = "utf8"
    ) -> Optional[int]:
        """Which secret signed ``data``: 0 for ``secret_key``, 1.. for ``secret_keys``;
        ``None`` when the signature is not valid."""
        return self._require_verifier().verify(signature, data, encoding)

    def sign(self, data: Body, encoding: str = "utf8") -> str:
        """The ``X-HelpScout-Signature`` Help Scout would send for ``data``."""
        return self._require_verifier().sign(data, encoding)

    def receive_headers(
        self,
        headers: Any,
        body: Body,
        max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES,
    ) -> _core.WebHookEvent:
        """Receive a delivery from its headers (any mapping, a WSGI environ or ASGI header
        pairs; names are matched case-insensitively) and raw body.

        Raises ``HelpScoutSecurityException`` (answer 401) for a missing or invalid
        signature, checked first; ``HelpScoutRequestError`` (answer ``e.http_status``: 400,
        or 413 for a body over ``max_body_bytes``) for a missing ``X-HelpScout-Event``
        header or a body that is not a JSON object.
        """
        _check_size(_byte_length(body), max_body_bytes)
        signature = get_header(headers, SIGNATURE_HEADER)
        event_type = get_header(headers, EVENT_HEADER)
        verifier = self._require_verifier()
        if not (event_type or "").strip():
            verifier.authenticate(signature, body)  # a bad signature is still answered 401
            raise HelpScoutRequestError(f"the {EVENT_HEADER} header is missing", "missing_event")
        return verifier.receive(event_type, signature, body)

    def receive_request(
        self, request: Any, max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES
    ) -> _core.WebHookEvent:
        """Receive a delivery from a Flask/Werkzeug request or a Django ``HttpRequest``,
        reading the raw body (never a parsed form) and never more than ``max_body_bytes``
        + 1 bytes of it, even when it comes chunked with no ``Content-Length``. The body
        stays readable afterwards (``request.get_data()`` / ``request.body``). Errors as
        :meth:`receive_headers`."""
        body = request_body(request, max_body_bytes)
        return self.receive_headers(_request_headers(request), body, max_body_bytes)

    async def receive_asgi(
        self, request: Any, max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES
    ) -> _core.WebHookEvent:
        """Receive a delivery from a Starlette/FastAPI ``Request``, reading its stream up to
        ``max_body_bytes`` + 1 bytes (then 413). Starlette keeps the body, so the endpoint
        can still ``await request.body()``. Errors as :meth:`receive_headers`."""
        body = await asgi_body(request, max_body_bytes)
        return self.receive_headers(request.headers, body, max_body_bytes)

    def receive(
        self, event_type: Optional[str], signature: Optional[Body], data_str: Body
    ) -> _core.WebHookEvent:
        """Receive a web hook for the event and signature.

        Args:
            event_type: the ``X-HelpScout-Event`` header.
            signature: the ``X-HelpScout-Signature`` header.
            data_str: the raw request body, exactly as received (bytes are best; a parsed
                and re-serialized body never verifies).

        Raises:
            HelpScoutSecurityException: the signature is missing or invalid (checked
                before the body is parsed).
            HelpScoutPayloadError: the body is not a JSON object (also a ``ValueError``).

        Returns:
            WebHookEvent: ``event_type`` and ``record``, a typed record of the body.
        """
        verifier = self._verifier  # the hot path: one Python call fewer than _require_verifier
        if verifier is None:
            verifier = self._require_verifier()
        return verifier.receive(event_type, signature, data_str)

    def receive_envelope(self, envelope: Mapping[str, Any]) -> _core.WebHookEvent:
        """Receive a delivery again from its envelope (``event.to_envelope()``, a line of
        ``listen --jsonl``, a queued message): the signature is verified again over the
        exact body bytes, so an envelope that was altered anywhere is refused.

        Raises ``HelpScoutValidationException`` for something that is not an envelope, and
        otherwise what :meth:`receive` raises."""
        if not isinstance(envelope, Mapping):
            raise HelpScoutValidationException(
                f"an envelope is a dict (event.to_envelope()), not {type(envelope).__name__}"
            )
        encoded = envelope.get("body_base64")
        text = envelope.get("body")
        if isinstance(encoded, str):
            try:
                body = base64.b64decode(encoded, validate=True)
            except ValueError:
                raise HelpScoutValidationException(
                    "the envelope's body_base64 is not base64"
                ) from None
        elif isinstance(text, str):
            try:
                body = text.encode("utf-8")
            except UnicodeEncodeError:
                raise HelpScoutValidationException(
                    "the envelope's body holds a lone surrogate; it cannot be the body as sent"
                ) from None
        else:
            raise HelpScoutValidationException("an envelope needs a body (str) or body_base64")
        return self.receive(envelope.get("event_type"), envelope.get("signature"), body)
