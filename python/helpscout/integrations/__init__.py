"""Ready-made webhook endpoints for Flask, Django and FastAPI (imported on demand; none of
the frameworks is a dependency of this package).

Each endpoint only translates its framework's request and response types: the receive flow
itself (method, size, verify, dedupe, handler, answer) is :func:`helpscout.delivery.process`,
the same for every framework and for ``helpscout-webhook listen``.

Every endpoint answers 200 when the handler returned, 401 for a missing or invalid
signature, 400 for a malformed body or a missing ``X-HelpScout-Event`` header, 413 for a
body over the size limit (never read past it, even chunked), 405 for methods other than
POST, and 500 when the handler raised (logged, so Help Scout retries). With ``dedupe=`` a
repeat is answered 200 ``duplicate`` (409 ``busy`` while another worker handles it, 503 when
the store is down); with ``log=`` every delivery is recorded before it is verified. It never
answers 410, which would make Help Scout deactivate the webhook. Answers are short fixed
texts; no body or secret is ever logged (logger ``helpscout.webhook``).
"""

from __future__ import annotations

from ..delivery import logger

__all__ = ["logger"]
