"""Ready-made webhook endpoints for Flask, Django and FastAPI (imported on demand; none of
the frameworks is a dependency of this package).

Every endpoint answers 200 when the handler returned, 401 for a missing or invalid
signature, 400 for a malformed body or a missing ``X-HelpScout-Event`` header, 413 for a
body over the size limit, 405 for methods other than POST, and 500 when the handler raised
(logged, so Help Scout retries). It never answers 410, which would make Help Scout
deactivate the webhook. Answers are short fixed texts; no body or secret is ever logged.

Help Scout delivers at least once and sends no delivery id. Give an endpoint
``seen=callable`` to skip repeats: it is called with ``event.dedupe_key`` and returns True
when that key was handled before (and remembers it otherwise, e.g. a Redis ``SET NX``);
a repeat is answered 200 ``duplicate`` without calling the handler.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Optional, Tuple

from ..exceptions import HelpScoutRequestError, HelpScoutSecurityException

logger = logging.getLogger("helpscout.webhook")
logger.addHandler(logging.NullHandler())

__all__ = ["Seen", "answer_for", "handler_failed", "is_duplicate", "logger"]

Seen = Optional[Callable[[str], bool]]
"""A ``seen(dedupe_key) -> bool`` callback, or None."""


def answer_for(error: Exception) -> Tuple[int, str]:
    """The HTTP status and text for an error raised while receiving."""
    if isinstance(error, HelpScoutSecurityException):
        logger.warning("rejected a Help Scout webhook: %s", error.reason)
        return 401, "invalid signature"
    if isinstance(error, HelpScoutRequestError):
        logger.warning("rejected a Help Scout webhook: %s", error.reason)
        if error.http_status == 413:
            return 413, "payload too large"
        return error.http_status, f"bad request: {error.reason}"
    raise error


def handler_failed(event: Any) -> Tuple[int, str]:
    """Log the handler's exception (call from an ``except`` block); the 500 answer."""
    logger.exception("the Help Scout webhook handler failed for %s", event.event_type)
    return 500, "handler error"


def is_duplicate(event: Any, seen: Seen) -> bool:
    """Whether ``seen`` reports this delivery's ``dedupe_key`` as already handled."""
    if seen is None or not seen(event.dedupe_key):
        return False
    logger.info("skipped a repeated Help Scout delivery of %s", event.event_type)
    return True
