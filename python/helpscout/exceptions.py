"""Exceptions, with the same classes and constructors as the original ``helpscout`` 0.1.3.

Every exception can carry a machine-readable ``reason`` and pickles with its fields, so it
survives task queues (Celery, multiprocessing).
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "HelpScoutException",
    "HelpScoutPayloadError",
    "HelpScoutRemoteException",
    "HelpScoutSecurityException",
    "HelpScoutValidationException",
]


class HelpScoutException(Exception):
    """Base exception for HelpScout library errors."""

    def __init__(self, message: object, reason: Optional[str] = None) -> None:
        if reason is None:
            super().__init__(message)
        else:
            super().__init__(message, reason)
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


class HelpScoutPayloadError(HelpScoutValidationException, ValueError):
    """The webhook body is not a JSON object (invalid JSON, not UTF-8, an array, ...).

    It is also a ``ValueError``, so code that caught ``json.JSONDecodeError`` from the
    original keeps working. ``line`` and ``column`` (1-based) say where, when known.
    """

    def __init__(
        self,
        message: object,
        reason: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
    ) -> None:
        super().__init__(message, reason)
        self.line = line
        self.column = column
        self.args = (message, reason, line, column)
