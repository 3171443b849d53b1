"""Exceptions, with the same classes and constructors as the original ``helpscout`` 0.1.3.

Every exception can carry a machine-readable ``reason`` and pickles with its fields, so it
survives task queues (Celery, multiprocessing).
"""

from __future__ import annotations

import json
from typing import Optional

__all__ = [
    "HelpScoutConnectionException",
    "HelpScoutException",
    "HelpScoutPayloadError",
    "HelpScoutRateLimitException",
    "HelpScoutRemoteException",
    "HelpScoutRequestError",
    "HelpScoutSecurityException",
    "HelpScoutTimeoutException",
    "HelpScoutValidationException",
]


class HelpScoutException(Exception):
    """Base exception for HelpScout library errors."""

    def __init__(self, message: object, reason: Optional[str] = None) -> None:
        # Exception's own __init__, not super(): HelpScoutPayloadError is also a
        # json.JSONDecodeError, whose __init__ takes other arguments.
        if reason is None:
            Exception.__init__(self, message)
        else:
            Exception.__init__(self, message, reason)
        self.message = message
        self.reason = reason

    def __str__(self) -> str:
        return str(self.message)


class HelpScoutRemoteException(HelpScoutException):
    """Indicates that an error occurred when communicating with the remote."""

    def __init__(self, status_code: int, message: object, reason: Optional[str] = None) -> None:
        super().__init__(message, reason)
        self.status_code = status_code
        self.args = (status_code, message) if reason is None else (status_code, message, reason)

    def __str__(self) -> str:
        return "(%d) %s" % (self.status_code, self.message)


class HelpScoutValidationException(HelpScoutException):
    """Indicates an error while validating user-supplied data."""


class HelpScoutSecurityException(HelpScoutException):
    """Indicates a security error; probably by an invalid web hook signature.

    ``reason`` says which check failed: ``missing_signature``, ``malformed_signature`` or
    ``signature_mismatch``. The message never contains the secret or the expected signature.
    """


class HelpScoutRequestError(HelpScoutValidationException):
    """A webhook request that cannot be accepted: a missing ``X-HelpScout-Event`` header
    (``reason='missing_event'``), a body over the size limit (``reason='too_large'``,
    ``http_status`` 413) or, as :class:`HelpScoutPayloadError`, a body that is not a JSON
    object. ``http_status`` is the answer to give (400 unless said otherwise).
    """

    http_status = 400

    def __init__(
        self, message: object, reason: Optional[str] = None, http_status: Optional[int] = None
    ) -> None:
        super().__init__(message, reason)
        if http_status is not None:
            self.http_status = http_status
            self.args = (message, reason, http_status)


class HelpScoutPayloadError(HelpScoutRequestError, json.JSONDecodeError):
    """The webhook body is not a JSON object we can read (invalid JSON, not UTF-8, an array,
    nested deeper than ``_core.MAX_DEPTH``, an integer longer than Python converts, ...).

    It is also a ``json.JSONDecodeError`` (and so a ``ValueError``), so code that caught the
    original's ``json.loads`` errors keeps working: ``msg``, ``doc`` (the body text, when it
    could be decoded), ``pos`` (character offset), ``lineno`` and ``colno`` are set.
    ``line`` and ``column`` (1-based) say where, when known; ``reason`` says what
    (``syntax``, ``utf8``, ``empty``, ``not_object``, ``too_deep``, ``number``,
    ``too_large``); ``http_status`` is 413 for ``too_large`` and 400 otherwise.
    """

    def __init__(
        self,
        message: object,
        reason: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        doc: Optional[str] = None,
        pos: Optional[int] = None,
        http_status: Optional[int] = None,
    ) -> None:
        HelpScoutValidationException.__init__(self, message, reason)
        self.line = line
        self.column = column
        # json.JSONDecodeError's attributes (its __init__ would rewrite the message).
        self.msg = str(message)
        self.doc = doc if doc is not None else ""
        self.pos = pos if pos is not None else 0
        if doc and pos is not None:
            # exactly as json.JSONDecodeError derives them
            self.lineno = doc.count("\n", 0, pos) + 1
            self.colno = pos - doc.rfind("\n", 0, pos)
        else:
            self.lineno = line if line is not None else 1
            self.colno = column if column is not None else 1
        if http_status is not None:
            self.http_status = http_status
        # `args` (and so repr) never carries the body; pickling still keeps it.
        self.args = (message, reason, line, column)
        self._state = (message, reason, line, column, doc, pos, http_status)

    def __reduce__(self):  # type: ignore[override]
        return (type(self), self._state)


class HelpScoutRateLimitException(HelpScoutRemoteException):
    """Help Scout still answered 429 after the allowed waits (or asked for a longer wait
    than ``max_retry_wait``). ``retry_after`` is Help Scout's wait in seconds, if it gave one.
    """

    def __init__(self, message: object, retry_after: Optional[float] = None) -> None:
        super().__init__(429, message, "rate_limited")
        self.retry_after = retry_after
        self.args = (message, retry_after)


class _NoAnswerException(HelpScoutRemoteException):
    """Help Scout gave no HTTP answer; ``status_code`` is 0 and ``str()`` is the message."""

    _reason = "no_answer"

    def __init__(self, message: object) -> None:
        super().__init__(0, message, self._reason)
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.message)


class HelpScoutTimeoutException(_NoAnswerException):
    """Help Scout did not answer within the client's ``timeout``."""

    _reason = "timeout"


class HelpScoutConnectionException(_NoAnswerException):
    """Help Scout could not be reached (DNS, refused or reset connection, TLS)."""

    _reason = "connection"
