"""Django: ``webhook_view(hook, handle)``, a csrf-exempt, POST-only view."""

from __future__ import annotations

from typing import Any, Callable, Optional

from ..exceptions import HelpScoutRequestError, HelpScoutSecurityException
from ..web_hook.web_hook import DEFAULT_MAX_BODY_BYTES, HelpScoutWebHook
from . import Seen, answer_for, handler_failed, is_duplicate

__all__ = ["webhook_view"]


def webhook_view(
    hook: HelpScoutWebHook,
    handler: Callable[[Any], Any],
    max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES,
    seen: Seen = None,
) -> Callable[[Any], Any]:
    """A Django view that verifies the delivery (from ``request.body``, never
    ``request.POST``) and calls ``handler(event)``."""
    from django.http import HttpResponse, HttpResponseNotAllowed
    from django.views.decorators.csrf import csrf_exempt

    @csrf_exempt
    def helpscout_webhook(request: Any) -> Any:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"], content=b"method not allowed")
        try:
            event = hook.receive_request(request, max_body_bytes)
        except (HelpScoutSecurityException, HelpScoutRequestError) as error:
            status, text = answer_for(error)
            return HttpResponse(text, status=status, content_type="text/plain")
        if is_duplicate(event, seen):
            return HttpResponse("duplicate", content_type="text/plain")
        try:
            handler(event)
        except Exception:  # answered 500 so Help Scout retries
            status, text = handler_failed(event)
            return HttpResponse(text, status=status, content_type="text/plain")
        return HttpResponse("ok", content_type="text/plain")

    return helpscout_webhook
