"""Django: ``webhook_view(hook, handle)``, a csrf-exempt, POST-only view: a thin translation
onto :func:`helpscout.delivery.process`."""

from __future__ import annotations

from typing import Any, Callable, Optional

from ..delivery import _legacy_seen, process
from ..web_hook.web_hook import DEFAULT_MAX_BODY_BYTES, HelpScoutWebHook, request_body

__all__ = ["webhook_view"]


def webhook_view(
    hook: HelpScoutWebHook,
    handler: Callable[[Any], Any],
    max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES,
    seen: Optional[Callable[[str], bool]] = None,
    *,
    dedupe: Any = None,
    log: Any = None,
    refuse_mismatch: bool = False,
    require_json: bool = False,
) -> Callable[[Any], Any]:
    """A Django view that verifies the delivery and calls ``handler(event)``.

    The body is read from the request stream with a bound (``CONTENT_LENGTH`` checked
    first; never ``request.POST``, never an unbounded ``request.body``), so
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not apply: ``max_body_bytes`` does. ``dedupe``,
    ``log``, ``refuse_mismatch`` and ``require_json`` are passed to
    :func:`helpscout.delivery.process`; ``seen`` is deprecated (use ``dedupe``).
    """
    from django.http import HttpResponse
    from django.views.decorators.csrf import csrf_exempt

    store = _legacy_seen(dedupe, seen)

    @csrf_exempt
    def helpscout_webhook(request: Any) -> Any:
        outcome = process(
            hook,
            request.headers,
            lambda: request_body(request, max_body_bytes),
            handler,
            dedupe=store,
            log=log,
            max_body_bytes=max_body_bytes,
            method=request.method,
            refuse_mismatch=refuse_mismatch,
            require_json=require_json,
        )
        response = HttpResponse(
            outcome.text, status=outcome.status, content_type="text/plain; charset=utf-8"
        )
        for name, value in outcome.headers:
            if name.lower() != "connection":  # hop-by-hop: the WSGI server's (PEP 3333)
                response[name] = value
        return response

    return helpscout_webhook
