"""Never lose, never double-handle: the lost-event scenario of issue #8 on real Flask,
Django and FastAPI servers (loopback HTTP), with ``MemoryDedupe`` and ``RedisDedupe`` on a
real ``redis-server``.

A handler fails once -> 500; Help Scout's retry -> 200 and the handler ran; a real repeat
-> 200 ``duplicate``. And: a concurrent repeat while the handler runs -> 409 ``busy``; a
claim left by a crashed process -> 409 until its lease runs out, then handled; the store
down -> 503 and the handler not run; the deprecated ``seen=`` loses the event.
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import ExitStack, contextmanager
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest

from helpscout import HelpScoutWebHook
from helpscout.dedupe import MemoryDedupe, RedisDedupe

from .conftest import MANIFEST, SECRET, fixture_bytes
from .services import post, serve_asgi, serve_wsgi, wait_for

EVENT = "convo.created"


def delivery(event: str = EVENT) -> Tuple[bytes, Dict[str, str]]:
    entry = next(f for f in MANIFEST["fixtures"] if f["event"] == event)
    return fixture_bytes(entry["file"]), {
        "X-HelpScout-Event": event,
        "X-HelpScout-Signature": entry["signature"],
        "Content-Type": "application/json",
    }


# -- one real server per framework ---------------------------------------------------------


@contextmanager
def flask_server(handler: Any, **options: Any) -> Iterator[str]:
    flask = pytest.importorskip("flask")
    from helpscout.integrations.flask import webhook_blueprint

    app = flask.Flask("no_loss")
    app.register_blueprint(
        webhook_blueprint(HelpScoutWebHook(secret_key=SECRET), handler, **options)
    )
    with serve_wsgi(app) as url:
        yield url + "/helpscout"


@contextmanager
def django_server(handler: Any, **options: Any) -> Iterator[str]:
    pytest.importorskip("django")
    import django
    from django.conf import settings

    if not settings.configured:  # the same settings tests/test_frameworks.py uses
        settings.configure(
            DEBUG=False,
            SECRET_KEY="test-only",
            ALLOWED_HOSTS=["testserver", "127.0.0.1"],
            ROOT_URLCONF="django_app",
            MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
        )
        django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings
    from django.urls import path

    from helpscout.integrations.django import webhook_view

    urls = type(sys)("helpscout_no_loss_urls")
    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("helpscout", webhook_view(HelpScoutWebHook(secret_key=SECRET), handler, **options))
    ]
    sys.modules[urls.__name__] = urls
    try:
        with override_settings(ROOT_URLCONF=urls.__name__, ALLOWED_HOSTS=["127.0.0.1"]):
            with serve_wsgi(WSGIHandler()) as url:
                yield url + "/helpscout"
    finally:
        del sys.modules[urls.__name__]


@contextmanager
def fastapi_server(handler: Any, **options: Any) -> Iterator[str]:
    fastapi = pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    from helpscout.integrations.fastapi import webhook_router

    app = fastapi.FastAPI()
    app.include_router(webhook_router(HelpScoutWebHook(secret_key=SECRET), handler, **options))
    with serve_asgi(app) as url:
        yield url + "/helpscout"


SERVERS = {"flask": flask_server, "django": django_server, "fastapi": fastapi_server}


@pytest.fixture(params=sorted(SERVERS))
def serve(request: pytest.FixtureRequest) -> Callable[..., Any]:
    return SERVERS[request.param]


@pytest.fixture(params=["memory", "redis"])
def make_store(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``make_store(lease=...)``: a fresh store of each kind."""
    if request.param == "memory":
        return lambda **kw: MemoryDedupe(**kw)
    client = request.getfixturevalue("redis_client")
    return lambda **kw: RedisDedupe(client, **kw)


class Effects:
    """A handler that records its calls and the effects of the calls that succeeded."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.calls = 0
        self.effects: List[str] = []
        self.lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        with self.lock:
            self.calls += 1
            if self.calls <= self.fail_first:
                raise RuntimeError("the CRM was down")
            self.effects.append(event.dedupe_key)


# -- the scenario of the issue ------------------------------------------------------------------


def test_a_failed_delivery_is_handled_on_retry_then_repeats_are_duplicates(
    serve: Callable[..., Any], make_store: Callable[..., Any]
) -> None:
    handler = Effects(fail_first=1)
    body, headers = delivery()
    with serve(handler, dedupe=make_store()) as url:
        assert post(url, body, headers) == (500, "handler error")
        assert (handler.calls, handler.effects) == (1, [])
        assert post(url, body, headers) == (200, "ok")  # Help Scout's retry
        assert handler.calls == 2 and len(handler.effects) == 1  # the handler ran
        assert post(url, body, headers) == (200, "duplicate")  # a real repeat
        assert post(url, body, headers) == (200, "duplicate")
        other, other_headers = delivery("customer.created")
        assert post(url, other, other_headers) == (200, "ok")  # other deliveries unaffected
    assert handler.calls == 3
    assert len(handler.effects) == 2 and len(set(handler.effects)) == 2


def test_async_handler_on_fastapi_too(make_store: Callable[..., Any]) -> None:
    calls: List[str] = []

    async def handler(event: Any) -> None:
        calls.append(event.event_type)
        if len(calls) == 1:
            raise RuntimeError("the CRM was down")

    body, headers = delivery()
    with fastapi_server(handler, dedupe=make_store()) as url:
        assert [post(url, body, headers) for _ in range(3)] == [
            (500, "handler error"),
            (200, "ok"),
            (200, "duplicate"),
        ]
    assert calls == [EVENT, EVENT]


def test_the_deprecated_seen_loses_the_event(serve: Callable[..., Any]) -> None:
    """Why ``seen=`` is unsafe: it remembers the key before the handler runs, so the
    retry of a failed delivery is answered ``duplicate`` and the event is never handled."""
    remembered: set = set()

    def seen(key: str) -> bool:  # the README's old Redis SET NX pattern, in memory
        if key in remembered:
            return True
        remembered.add(key)
        return False

    handler = Effects(fail_first=1)
    body, headers = delivery()
    with ExitStack() as stack:
        with pytest.warns(DeprecationWarning, match="seen= is deprecated"):
            url = stack.enter_context(serve(handler, seen=seen))
        assert post(url, body, headers) == (500, "handler error")
        assert post(url, body, headers) == (200, "duplicate")  # the retry: lost
    assert handler.effects == []


def test_a_repeat_while_the_handler_runs_is_busy(
    serve: Callable[..., Any], make_store: Callable[..., Any]
) -> None:
    """Two deliveries of one event at once: one runs, the other is answered 409 (Help
    Scout retries it later, and then it is a duplicate). Never 410."""
    entered, release = threading.Event(), threading.Event()
    calls: List[str] = []

    def slow(event: Any) -> None:
        calls.append(event.dedupe_key)
        entered.set()
        release.wait(timeout=20)

    body, headers = delivery()
    answers: List[Tuple[int, str]] = []
    with serve(slow, dedupe=make_store()) as url:
        first = threading.Thread(target=lambda: answers.append(post(url, body, headers)))
        first.start()
        try:
            assert entered.wait(timeout=10)
            assert post(url, body, headers) == (409, "busy")
        finally:
            release.set()
            first.join(timeout=20)
        assert answers == [(200, "ok")]
        assert post(url, body, headers) == (200, "duplicate")
    assert len(calls) == 1


def test_a_crashed_claim_expires_and_the_retry_is_handled(
    serve: Callable[..., Any], make_store: Callable[..., Any]
) -> None:
    """A process that claimed the delivery and died (its ticket never committed nor
    released): 409 until the lease runs out, then the retry runs the handler."""
    store = make_store(lease=1.0)
    body, headers = delivery()
    key = HelpScoutWebHook(secret_key=SECRET).receive_headers(headers, body).dedupe_key
    handler = Effects()
    with serve(handler, dedupe=store) as url:
        # Claimed once the server is up: starting it (the first import of a framework
        # takes a second or two) must not eat the lease.
        crashed = store.claim(key)  # the dead process's claim
        assert crashed.state == "new"
        assert post(url, body, headers) == (409, "busy")
        time.sleep(1.1)
        assert post(url, body, headers) == (200, "ok")
        assert crashed.commit() is False  # the dead process cannot overwrite the new claim
        assert post(url, body, headers) == (200, "duplicate")
    assert handler.calls == 1


def test_the_store_down_answers_503_and_keeps_the_delivery(
    serve: Callable[..., Any], redis_factory: Callable[[], Any]
) -> None:
    """Redis gone: 503 (Help Scout retries) and the handler is not run; Redis back: the
    retry is handled once."""
    server = redis_factory()
    client = server.client()
    store = RedisDedupe(client)
    handler = Effects()
    body, headers = delivery()
    try:
        with serve(handler, dedupe=store) as url:
            server.stop()
            assert post(url, body, headers) == (503, "dedupe store unavailable")
            assert handler.calls == 0
            restarted = redis_factory()
            client.connection_pool.connection_kwargs["port"] = restarted.port
            client.connection_pool.reset()
            assert post(url, body, headers) == (200, "ok")
            assert post(url, body, headers) == (200, "duplicate")
    finally:
        client.close()
    assert handler.calls == 1


def test_bad_signatures_never_claim(
    serve: Callable[..., Any], make_store: Callable[..., Any]
) -> None:
    """A forged delivery is refused before the store is touched: it cannot block or mark
    the real delivery."""
    store = make_store()
    handler = Effects()
    body, headers = delivery()
    forged = dict(headers, **{"X-HelpScout-Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="})
    with serve(handler, dedupe=store) as url:
        assert post(url, body, forged) == (401, "invalid signature")
        assert post(url, body + b" ", headers) == (401, "invalid signature")
        assert post(url, body, headers) == (200, "ok")
    assert handler.calls == 1


def test_wait_for_is_bounded() -> None:
    """The helper every test above leans on fails instead of hanging."""
    started = time.monotonic()
    with pytest.raises(AssertionError, match="timed out"):
        wait_for(lambda: False, 0.2, "nothing")
    assert time.monotonic() - started < 2
