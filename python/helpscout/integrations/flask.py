"""Flask: ``webhook_view(hook, handle)`` and ``webhook_blueprint(hook, handle)``, thin
translations onto :func:`helpscout.delivery.process`."""

from __future__ import annotations

from typing import Any, Callable, Optional

from ..delivery import Outcome, _legacy_seen, process
from ..web_hook.web_hook import DEFAULT_MAX_BODY_BYTES, HelpScoutWebHook, request_body

__all__ = ["webhook_blueprint", "webhook_view"]


def _answer(outcome: Outcome) -> Any:
    headers = {"Content-Type": "text/plain; charset=utf-8"}
    for name, value in outcome.headers:
        if name.lower() != "connection":  # hop-by-hop: the WSGI server's business (PEP 3333)
            headers[name] = value
    return outcome.text, outcome.status, headers


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
) -> Callable[[], Any]:
    """A Flask view that verifies the delivery and calls ``handler(event)``.

    ``dedupe`` (a store with ``claim``), ``log`` (a delivery log), ``refuse_mismatch`` and
    ``require_json`` are passed to :func:`helpscout.delivery.process`; ``seen`` is
    deprecated (use ``dedupe``). The body is read from ``request.stream`` with a bound, so
    a chunked upload is never read past ``max_body_bytes``.
    """
    from flask import request

    store = _legacy_seen(dedupe, seen)

    def helpscout_webhook() -> Any:
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
        return _answer(outcome)

    return helpscout_webhook


def webhook_blueprint(
    hook: HelpScoutWebHook,
    handler: Callable[[Any], Any],
    url: str = "/helpscout",
    name: str = "helpscout",
    max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES,
    seen: Optional[Callable[[str], bool]] = None,
    *,
    dedupe: Any = None,
    log: Any = None,
    refuse_mismatch: bool = False,
    require_json: bool = False,
) -> Any:
    """A Blueprint with the webhook endpoint at ``url`` (POST; other methods get 405).
    Options as :func:`webhook_view`."""
    from flask import Blueprint

    blueprint = Blueprint(name, __name__)
    blueprint.add_url_rule(
        url,
        view_func=webhook_view(
            hook,
            handler,
            max_body_bytes,
            dedupe=_legacy_seen(dedupe, seen),
            log=log,
            refuse_mismatch=refuse_mismatch,
            require_json=require_json,
        ),
        methods=["POST", "GET", "PUT", "PATCH", "DELETE"],
    )
    return blueprint
