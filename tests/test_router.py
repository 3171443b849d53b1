"""``helpscout.Router``: matching, order, sync and async handlers, and the router as a
handler of the real endpoints."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, List

import pytest

from helpscout import HelpScoutWebHook, Router, WebHookEvent

from .conftest import SECRET


def event(name: Any) -> WebHookEvent:
    return WebHookEvent(event_type=name, record={"id": 1})


def recorder(calls: List[str], label: str) -> Any:
    def handle(ev: Any) -> None:
        calls.append(label)

    return handle


def test_exact_names_patterns_and_star_in_registration_order() -> None:
    router = Router()
    calls: List[str] = []
    router.on("*")(recorder(calls, "any"))
    router.on("convo.created", "convo.assigned")(recorder(calls, "new-or-assigned"))
    router.on("convo.*")(recorder(calls, "convo"))
    router.on("customer.*")(recorder(calls, "customer"))
    router.on("convo.*.created")(recorder(calls, "convo-created-reply"))

    assert router(event("convo.created")) is None
    assert calls == ["any", "new-or-assigned", "convo"]
    calls.clear()
    router(event("convo.agent.reply.created"))  # * spans dots
    assert calls == ["any", "convo", "convo-created-reply"]
    calls.clear()
    router(event("customer.updated"))
    assert calls == ["any", "customer"]
    calls.clear()
    router(event("convo"))  # "convo.*" needs the dot
    assert calls == ["any"]


def test_a_handler_matching_twice_runs_once() -> None:
    router = Router()
    calls: List[str] = []
    router.on("convo.created", "convo.*", "*")(recorder(calls, "once"))
    router(event("convo.created"))
    assert calls == ["once"]


def test_the_decorator_returns_the_function_and_add_works() -> None:
    router = Router()
    calls: List[str] = []

    @router.on("tag.created")
    def tagged(ev: Any) -> str:
        calls.append("decorated")
        return "value"

    assert tagged(event("x")) == "value"  # still a plain function
    router.add(recorder(calls, "added"), "tag.*")
    calls.clear()
    router(event("tag.created"))
    assert calls == ["decorated", "added"]
    assert len(router) == 2
    assert router.handlers_for("tag.created") == [tagged, router.handlers_for("tag.x")[0]]


def test_nothing_matches_is_accepted_and_logged_at_debug(caplog: Any) -> None:
    router = Router()
    router.on("convo.created")(recorder([], "x"))
    with caplog.at_level(logging.DEBUG, logger="helpscout.webhook"):
        assert router(event("satisfaction.ratings")) is None
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]
    assert "satisfaction.ratings" in caplog.records[0].getMessage()
    assert Router()(event("convo.created")) is None  # an empty router accepts everything


def test_regex_characters_in_names_are_literal() -> None:
    router = Router()
    calls: List[str] = []
    router.on("convo.created")(recorder(calls, "exact"))
    router.on("a+b.*")(recorder(calls, "plus"))
    router(event("convoXcreated"))  # "." is not a wildcard
    router(event("aab.x"))  # "+" is not a quantifier
    assert calls == []
    router(event("a+b.x"))
    assert calls == ["plus"]


@pytest.mark.parametrize(
    "name", [None, "", "\x00", "x" * 10_000, " convo.created", "\nconvo.created", "CONVO.CREATED"]
)
def test_odd_event_names_only_match_star(name: Any) -> None:
    router = Router()
    calls: List[str] = []
    router.on("convo.*", "convo.created")(recorder(calls, "convo"))
    router.on("*")(recorder(calls, "any"))
    router(event(name))
    assert calls == ["any"]


@pytest.mark.parametrize(
    ("patterns", "error", "match"),
    [
        ((), TypeError, "at least one"),
        ((None,), TypeError, "is a str"),
        ((b"convo.*",), TypeError, "is a str"),
        (("",), ValueError, "non-empty"),
        ((" convo.created",), ValueError, "surrounding spaces"),
        (("x" * 201,), ValueError, "at most 200"),
    ],
)
def test_bad_patterns_are_refused_at_registration(patterns: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        Router().on(*patterns)


def test_a_handler_must_be_callable() -> None:
    with pytest.raises(TypeError, match="callable"):
        Router().add("not a function", "*")  # type: ignore[arg-type]


def test_an_exception_stops_the_dispatch_and_propagates() -> None:
    router = Router()
    calls: List[str] = []
    router.on("*")(recorder(calls, "first"))

    @router.on("*")
    def broken(ev: Any) -> None:
        raise KeyError("boom")

    router.on("*")(recorder(calls, "never"))
    with pytest.raises(KeyError, match="boom"):
        router(event("convo.created"))
    assert calls == ["first"]


def test_async_handlers_make_an_awaitable_in_order() -> None:
    router = Router()
    calls: List[str] = []
    loop_thread: List[int] = []
    router.on("*")(recorder(calls, "sync-1"))

    @router.on("convo.*")
    async def async_one(ev: Any) -> None:
        loop_thread.append(threading.get_ident())
        await asyncio.sleep(0)
        calls.append("async")

    sync_threads: List[int] = []

    @router.on("*")
    def sync_two(ev: Any) -> None:
        sync_threads.append(threading.get_ident())
        calls.append("sync-2")

    assert router.is_async
    pending = router(event("convo.created"))
    assert calls == ["sync-1"]  # the sync handler before the first async one already ran
    assert pending is not None
    asyncio.run(pending)
    assert calls == ["sync-1", "async", "sync-2"]
    assert sync_threads != loop_thread  # the later sync handler ran off the event loop

    calls.clear()
    assert router(event("customer.created")) is None  # no async handler matched: plain call
    assert calls == ["sync-1", "sync-2"]


def test_an_async_failure_propagates_from_the_awaitable() -> None:
    router = Router()
    calls: List[str] = []

    @router.on("*")
    async def broken(ev: Any) -> None:
        raise ValueError("async boom")

    router.on("*")(recorder(calls, "never"))
    pending = router(event("x"))
    with pytest.raises(ValueError, match="async boom"):
        asyncio.run(pending)
    assert calls == []


def test_routers_nest() -> None:
    inner = Router()
    calls: List[str] = []

    @inner.on("convo.*")
    async def inner_async(ev: Any) -> None:
        calls.append("inner")

    outer = Router()
    outer.on("*")(inner)
    outer.on("*")(recorder(calls, "outer"))
    asyncio.run(outer(event("convo.created")))
    assert calls == ["inner", "outer"]
    calls.clear()
    assert outer(event("tag.created")) is None
    assert calls == ["outer"]


def test_a_callable_object_with_async_call() -> None:
    calls: List[str] = []

    class Handler:
        async def __call__(self, ev: Any) -> None:
            calls.append(ev.event_type)

    router = Router()
    router.on("*")(lambda ev: calls.append("first"))
    router.on("*")(Handler())
    router.on("*")(Handler())
    asyncio.run(router(event("convo.created")))
    assert calls == ["first", "convo.created", "convo.created"]


def test_repr_lists_routes() -> None:
    router = Router()

    @router.on("convo.created", "convo.*")
    def handle(ev: Any) -> None: ...

    assert repr(router) == (
        "Router(convo.created|convo.* -> test_repr_lists_routes.<locals>.handle)"
    )


# -- a router behind the real endpoints ----------------------------------------------------------


def _signed(name: str) -> Any:
    from .conftest import MANIFEST, fixture_bytes

    entry = next(f for f in MANIFEST["fixtures"] if f["event"] == name)
    return fixture_bytes(entry["file"]), {
        "X-HelpScout-Event": name,
        "X-HelpScout-Signature": entry["signature"],
        "Content-Type": "application/json",
    }


def test_a_router_behind_flask_runs_async_handlers_too() -> None:
    flask = pytest.importorskip("flask")
    from helpscout.integrations.flask import webhook_blueprint

    router = Router()
    calls: List[str] = []
    router.on("convo.created")(recorder(calls, "sync"))

    @router.on("convo.*")
    async def later(ev: Any) -> None:
        calls.append("async")

    app = flask.Flask(__name__)
    app.register_blueprint(webhook_blueprint(HelpScoutWebHook(secret_key=SECRET), router))
    body, headers = _signed("convo.created")
    answer = app.test_client().post("/helpscout", data=body, headers=headers)
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "ok")
    assert calls == ["sync", "async"]
    body, headers = _signed("customer.created")
    answer = app.test_client().post("/helpscout", data=body, headers=headers)
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "ok")  # ignored
    assert calls == ["sync", "async"]


def test_a_router_behind_fastapi_is_awaited() -> None:
    fastapi = pytest.importorskip("fastapi")
    testclient = pytest.importorskip("fastapi.testclient")
    from helpscout.integrations.fastapi import webhook_router

    router = Router()
    calls: List[str] = []

    @router.on("convo.*")
    async def first(ev: Any) -> None:
        calls.append("async")

    @router.on("convo.created")
    def second(ev: Any) -> None:
        calls.append("sync")

    @router.on("convo.created")
    async def third(ev: Any) -> None:
        raise RuntimeError("handler failure")

    app = fastapi.FastAPI()
    app.include_router(webhook_router(HelpScoutWebHook(secret_key=SECRET), router))
    with testclient.TestClient(app) as client:
        body, headers = _signed("convo.created")
        answer = client.post("/helpscout", content=body, headers=headers)
        assert (answer.status_code, answer.text) == (500, "handler error")
        assert calls == ["async", "sync"]
        body, headers = _signed("convo.assigned")
        answer = client.post("/helpscout", content=body, headers=headers)
        assert (answer.status_code, answer.text) == (200, "ok")
        assert calls == ["async", "sync", "async"]
