"""FastAPI / Starlette: ``webhook_router(hook, handle)`` and the dependency
``webhook_event(hook)``.

No ``from __future__ import annotations`` here: FastAPI reads the endpoint's annotations
at runtime, and ``Request`` is imported inside the factories.
"""

import inspect
from typing import Any, Callable, Optional

from ..exceptions import HelpScoutRequestError, HelpScoutSecurityException
from ..web_hook.web_hook import DEFAULT_MAX_BODY_BYTES, HelpScoutWebHook
from . import Seen, answer_for, handler_failed, is_duplicate

__all__ = ["webhook_event", "webhook_router"]


def webhook_event(
    hook: HelpScoutWebHook, max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES
) -> Callable[..., Any]:
    """A FastAPI dependency giving the verified ``WebHookEvent``; it raises
    ``HTTPException`` 401, 400 or 413 otherwise::

        @app.post("/helpscout")
        async def receive(event=Depends(webhook_event(hook))): ...
    """
    from fastapi import HTTPException, Request

    async def helpscout_event(request: Request) -> Any:
        try:
            return await hook.receive_asgi(request, max_body_bytes)
        except (HelpScoutSecurityException, HelpScoutRequestError) as error:
            status, text = answer_for(error)
            raise HTTPException(status_code=status, detail=text) from None

    return helpscout_event


def webhook_router(
    hook: HelpScoutWebHook,
    handler: Callable[[Any], Any],
    path: str = "/helpscout",
    max_body_bytes: Optional[int] = DEFAULT_MAX_BODY_BYTES,
    seen: Seen = None,
) -> Any:
    """An ``APIRouter`` with the webhook endpoint at ``path``; ``handler(event)`` may be a
    function (run in the thread pool) or a coroutine function."""
    from fastapi import APIRouter, Request
    from fastapi.responses import PlainTextResponse
    from starlette.concurrency import run_in_threadpool

    router = APIRouter()

    @router.post(path, response_class=PlainTextResponse, include_in_schema=False)
    async def helpscout_webhook(request: Request) -> PlainTextResponse:
        try:
            event = await hook.receive_asgi(request, max_body_bytes)
        except (HelpScoutSecurityException, HelpScoutRequestError) as error:
            status, text = answer_for(error)
            return PlainTextResponse(text, status_code=status)
        if is_duplicate(event, seen):
            return PlainTextResponse("duplicate")
        try:
            if inspect.iscoroutinefunction(handler):
                await handler(event)
            else:
                await run_in_threadpool(handler, event)
        except Exception:  # answered 500 so Help Scout retries
            status, text = handler_failed(event)
            return PlainTextResponse(text, status_code=status)
        return PlainTextResponse("ok")

    return router
