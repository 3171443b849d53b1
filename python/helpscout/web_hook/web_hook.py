"""``HelpScoutWebHook``: verify and receive Help Scout webhook deliveries."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Union

from .. import _core
from ..exceptions import HelpScoutValidationException

__all__ = ["HelpScoutWebHook", "WebHook"]

Body = Union[bytes, bytearray, memoryview, str]


def _check_secret(value: object, name: str) -> str:
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise HelpScoutValidationException(f"{name} must be text (UTF-8)") from None
    if not isinstance(value, str):
        raise HelpScoutValidationException(f"{name} must be a str, not {type(value).__name__}")
    if not value.strip():
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
        self._verifier = _core.Verifier(secrets) if secrets else None

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
        return self._require_verifier().verify(signature, data, encoding) is not None

    def verify(
        self, signature: Optional[Body], data: Body, encoding: str = "utf8"
    ) -> Optional[int]:
        """Which secret signed ``data``: 0 for ``secret_key``, 1.. for ``secret_keys``;
        ``None`` when the signature is not valid."""
        return self._require_verifier().verify(signature, data, encoding)

    def sign(self, data: Body, encoding: str = "utf8") -> str:
        """The ``X-HelpScout-Signature`` Help Scout would send for ``data``."""
        return self._require_verifier().sign(data, encoding)

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
        return self._require_verifier().receive(event_type, signature, data_str)
