"""Flask: ``webhook_view(hook, handle)`` and ``webhook_blueprint(hook, handle)``."""

from __future__ import annotations

from typing import Any, Callable, Optional

from ..exceptions import HelpScoutRequestError, HelpScoutSecurityException
from ..web_hook.web_hook import DEFAULT_MAX_BODY_BYTES, HelpScoutWebHook
from . import Seen, answer_for, handler_failed, is_duplicate

__all__ = ["webhook_blueprint", "webhook_view"]


def webhook_view(
    hook: HelpScoutWebHook,
    handler: Callable[[Any], Any],
    max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES,
    seen: Seen = None,
) -> Callable[[], Any]:
    """A Flask view that verifies the delivery and calls ``handler(event)``."""
    from flask import request

    def helpscout_webhook() -> Any:
        if request.method != "POST":
            return "method not allowed", 405, {"Allow": "POST"}
        try:
            event = hook.receive_request(request, max_body_bytes)
        except (HelpScoutSecurityException, HelpScoutRequestError) as error:
            status, text = answer_for(error)
            return text, status
        if is_duplicate(event, seen):
            return "duplicate", 200
        try:
            handler(event)
        except Exception:  # answered 500 so Help Scout retries
            status, text = handler_failed(event)
            return text, status
        return "ok", 200

    return helpscout_webhook


def webhook_blueprint(
    hook: HelpScoutWebHook,
    handler: Callable[[Any], Any],
    url: str = "/helpscout",
    name: str = "helpscout",
    max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES,
    seen: Seen = None,
) -> Any:
    """A Blueprint with the webhook endpoint at ``url`` (POST; other methods get 405)."""
    from flask import Blueprint

    blueprint = Blueprint(name, __name__)
    blueprint.add_url_rule(
        url,
        view_func=webhook_view(hook, handler, max_body_bytes, seen),
        methods=["POST", "GET", "PUT", "PATCH", "DELETE"],
    )
    return blueprint
