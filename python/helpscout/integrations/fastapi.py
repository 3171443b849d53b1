"""FastAPI / Starlette: ``webhook_router(hook, handle)`` and the dependency
``webhook_event(hook)``, thin translations onto :func:`helpscout.delivery.process_async`.

No ``from __future__ import annotations`` here: FastAPI reads the endpoint's annotations
at runtime, and ``Request`` is imported inside the factories.
"""

from typing import Any, Callable, List, Optional

from ..delivery import _legacy_seen, process_async
from ..web_hook.web_hook import DEFAULT_MAX_BODY_BYTES, HelpScoutWebHook, asgi_body

__all__ = ["webhook_event", "webhook_router"]


def webhook_event(
    hook: HelpScoutWebHook,
    max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES,
    *,
    refuse_mismatch: bool = False,
    require_json: bool = False,
) -> Callable[..., Any]:
    """A FastAPI dependency giving the verified ``WebHookEvent``; it raises
    ``HTTPException`` 401, 400, 413 (or 415 with ``require_json``) otherwise::

        @app.post("/helpscout")
        async def receive(event=Depends(webhook_event(hook))): ...

    The endpoint itself is the handler here, so there is no ``dedupe``/``log``: use
    :func:`webhook_router` for those (they must see the handler's outcome).
    """
    from fastapi import HTTPException, Request

    async def helpscout_event(request: Request) -> Any:
        received: List[Any] = []
        outcome = await process_async(
            hook,
            request.headers,
            lambda: asgi_body(request, max_body_bytes),
            _keep_in(received),
            max_body_bytes=max_body_bytes,
            method=request.method,
            refuse_mismatch=refuse_mismatch,
            require_json=require_json,
        )
        if not outcome.ok:
            raise HTTPException(
                status_code=outcome.status, detail=outcome.text, headers=dict(outcome.headers)
            )
        return received[0]

    return helpscout_event


def _keep_in(received: List[Any]) -> Callable[[Any], Any]:
    async def keep(event: Any) -> None:
        received.append(event)

    return keep


def webhook_router(
    hook: HelpScoutWebHook,
    handler: Callable[[Any], Any],
    path: str = "/helpscout",
    max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES,
    seen: Optional[Callable[[str], bool]] = None,
    *,
    dedupe: Any = None,
    log: Any = None,
    refuse_mismatch: bool = False,
    require_json: bool = False,
) -> Any:
    """An ``APIRouter`` with the webhook endpoint at ``path``; ``handler(event)`` may be a
    function (run in the thread pool) or a coroutine function. The body is read from
    ``request.stream()`` and never past ``max_body_bytes``. ``dedupe``, ``log``,
    ``refuse_mismatch`` and ``require_json`` are passed to
    :func:`helpscout.delivery.process_async` (store and log calls run in the thread pool);
    ``seen`` is deprecated (use ``dedupe``)."""
    from fastapi import APIRouter, Request
    from fastapi.responses import PlainTextResponse

    store = _legacy_seen(dedupe, seen)
    router = APIRouter()

    @router.post(path, response_class=PlainTextResponse, include_in_schema=False)
    async def helpscout_webhook(request: Request) -> PlainTextResponse:
        outcome = await process_async(
            hook,
            request.headers,
            lambda: asgi_body(request, max_body_bytes),
            handler,
            dedupe=store,
            log=log,
            max_body_bytes=max_body_bytes,
            method=request.method,
            refuse_mismatch=refuse_mismatch,
            require_json=require_json,
        )
        return PlainTextResponse(
            outcome.text, status_code=outcome.status, headers=dict(outcome.headers)
        )

    return router
