"""``Router``: one handler per event (or family of events), and a router is itself a handler.

::

    router = Router()

    @router.on("convo.created", "convo.assigned")
    def new_work(event): ...

    @router.on("convo.*")            # every conversation event
    async def audit(event): ...

    @router.on("*")                  # everything, including events added after this release
    def metrics(event): ...

    app.register_blueprint(webhook_blueprint(hook, router))

``router(event)`` calls every handler whose pattern matches ``event.event_type``, in the
order they were registered (a handler registered for two matching patterns runs once). A
pattern is an event name, or a name with ``*`` standing for any run of characters (dots
included: ``"convo.*"`` matches ``convo.agent.reply.created``); ``"*"`` matches every event.
An event that nothing matches is accepted and ignored (logged at debug level).

**Sync and async.** While every handler is a plain function, ``router(event)`` is a plain
call and returns ``None``. As soon as a handler returns an awaitable (an ``async def``
handler, or a nested router with one), ``router(event)`` returns an awaitable that runs the
rest of the handlers, in order: the FastAPI endpoint awaits it (sync handlers after that
point run in a worker thread, off the event loop), and the Flask/Django endpoints and the
Celery task run it to completion with ``asyncio.run``.

**Errors.** A handler that raises stops the dispatch and the exception propagates, so the
endpoint answers 500 and Help Scout retries the delivery: the handlers that had already run
run again then. Keep each handler idempotent, or give side effects that must happen once
their own queued task.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
from typing import Any, Awaitable, Callable, List, Optional, Pattern, Sequence, Tuple, TypeVar

__all__ = ["Router"]

logger = logging.getLogger("helpscout.webhook")
logger.addHandler(logging.NullHandler())

Handler = Callable[[Any], Any]
F = TypeVar("F", bound=Handler)

_MAX_PATTERN = 200


def _compile(pattern: object) -> Tuple[str, Optional[Pattern[str]]]:
    """``(pattern, regex)``; the regex is ``None`` for an exact event name."""
    if not isinstance(pattern, str):
        raise TypeError(f"an event pattern is a str, not {type(pattern).__name__}")
    if not pattern or pattern != pattern.strip() or len(pattern) > _MAX_PATTERN:
        raise ValueError(
            f"an event pattern is a non-empty name of at most {_MAX_PATTERN} characters "
            f"without surrounding spaces, such as 'convo.created', 'convo.*' or '*'; "
            f"got {pattern[:_MAX_PATTERN]!r}"
        )
    if "*" not in pattern:
        return pattern, None
    regex = ".*".join(re.escape(part) for part in re.split(r"\*+", pattern))
    return pattern, re.compile(regex, re.DOTALL)


async def _in_thread(func: Handler, event: Any) -> Any:
    """Run a blocking handler off the event loop (anyio's thread pool when installed, as
    Starlette uses; else asyncio's)."""
    try:
        import anyio.to_thread
    except ImportError:  # pragma: no cover - anyio comes with Starlette
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(
            None, functools.partial(func, event)
        )
    return await anyio.to_thread.run_sync(func, event)


def _is_async(handler: Any) -> bool:
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004 - a callable object's method
    )


class Router:
    """Dispatch events to handlers by event name or pattern; a router is a handler."""

    def __init__(self) -> None:
        self._routes: List[Tuple[Tuple[Tuple[str, Optional[Pattern[str]]], ...], Handler]] = []

    def on(self, *patterns: str) -> Callable[[F], F]:
        """Decorator: register the function for events matching any of ``patterns``
        (``"convo.created"``, ``"convo.*"``, ``"*"``); returns the function unchanged."""
        compiled = self._patterns(patterns)

        def register(handler: F) -> F:
            self._add(compiled, handler)
            return handler

        return register

    def add(self, handler: Handler, *patterns: str) -> None:
        """Register ``handler`` for events matching any of ``patterns`` (``router.on``
        without the decorator)."""
        self._add(self._patterns(patterns), handler)

    @staticmethod
    def _patterns(patterns: Sequence[str]) -> Tuple[Tuple[str, Optional[Pattern[str]]], ...]:
        if not patterns:
            raise TypeError("give at least one event name or pattern, such as on('convo.*')")
        return tuple(_compile(p) for p in patterns)

    def _add(
        self, patterns: Tuple[Tuple[str, Optional[Pattern[str]]], ...], handler: Handler
    ) -> None:
        if not callable(handler):
            raise TypeError(f"a handler is callable, not {type(handler).__name__}")
        self._routes.append((patterns, handler))

    def handlers_for(self, event_type: Optional[str]) -> List[Handler]:
        """The handlers ``event_type`` would call, in registration order."""
        name = event_type if isinstance(event_type, str) else ""
        found: List[Handler] = []
        for patterns, handler in self._routes:
            for pattern, regex in patterns:
                if name == pattern if regex is None else regex.fullmatch(name) is not None:
                    found.append(handler)
                    break
        return found

    @property
    def is_async(self) -> bool:
        """Whether any registered handler is a coroutine function (then ``router(event)``
        may return an awaitable)."""
        return any(_is_async(h) or getattr(h, "is_async", False) is True for _, h in self._routes)

    def __call__(self, event: Any) -> Optional[Awaitable[None]]:
        """Call every matching handler in order. Returns ``None`` when all of them
        returned plain values, else an awaitable that finishes the dispatch."""
        handlers = self.handlers_for(event.event_type)
        if not handlers:
            logger.debug("no handler for a Help Scout event %.80r; ignored", event.event_type)
            return None
        for index, handler in enumerate(handlers):
            result = handler(event)
            if inspect.isawaitable(result):
                return self._finish(result, event, handlers[index + 1 :])
        return None

    @staticmethod
    async def _finish(pending: Awaitable[Any], event: Any, rest: List[Handler]) -> None:
        await pending
        for handler in rest:
            result = handler(event) if _is_async(handler) else await _in_thread(handler, event)
            if inspect.isawaitable(result):
                await result

    def __len__(self) -> int:
        """How many handlers are registered."""
        return len(self._routes)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{'|'.join(p for p, _ in patterns)} -> {getattr(h, '__qualname__', repr(h))}"
            for patterns, h in self._routes[:10]
        )
        more = ", ..." if len(self._routes) > 10 else ""
        return f"Router({shown}{more})"
