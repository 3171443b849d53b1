"""Flask, Django and FastAPI endpoints through their real test clients, plus the request
helpers. Bodies are the shared fixtures' exact bytes."""

import asyncio
import importlib
import io
import logging
import os
import pathlib
import sys

import pytest

from helpscout import HelpScoutWebHook
from helpscout.exceptions import (
    HelpScoutPayloadError,
    HelpScoutRequestError,
    HelpScoutSecurityException,
)
from helpscout.web_hook.web_hook import get_header

from .conftest import SECRET, fixture_bytes, signature_of

ROOT = pathlib.Path(__file__).resolve().parent.parent
os.environ["HELPSCOUT_WEBHOOK_SECRET"] = SECRET
sys.path.insert(0, str(ROOT / "examples"))

PRETTY = "convo.status.json"  # Jackson-style pretty print
ESCAPED = "convo.assigned.json"  # \uXXXX escapes, surrogate pairs, \/


def headers(event, signature, lower=False):
    h = {"X-HelpScout-Event": event, "X-HelpScout-Signature": signature}
    if lower:
        h = {k.lower(): v for k, v in h.items()}
    return h


# -- one adapter per framework: post(path, body, headers) and request(method, path) ------


class FlaskClient:
    name = "flask"

    def __init__(self, handler=None, **options):
        from flask import Flask

        from helpscout.integrations.flask import webhook_blueprint

        app = importlib.import_module("flask_app").app if handler is None else Flask("t")
        if handler is not None:
            app.register_blueprint(
                webhook_blueprint(HelpScoutWebHook(secret_key=SECRET), handler, **options)
            )
        self.client = app.test_client()

    def post(self, body, hdrs, content_type="application/json"):
        r = self.client.post("/helpscout", data=body, headers=hdrs, content_type=content_type)
        return r.status_code, r.get_data(as_text=True)

    def request(self, method):
        r = self.client.open("/helpscout", method=method)
        return r.status_code


class DjangoClient:
    name = "django"

    def __init__(self, handler=None, **options):
        import django
        from django.conf import settings

        if not settings.configured:
            settings.configure(
                DEBUG=False,
                SECRET_KEY="test-only",
                ALLOWED_HOSTS=["testserver"],
                ROOT_URLCONF="django_app",
                MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
            )
            django.setup()
        from django.test import Client
        from django.test.utils import override_settings

        self.override = None
        if handler is not None:
            from django.urls import path

            from helpscout.integrations.django import webhook_view

            module = type(sys)("django_test_urls")
            module.urlpatterns = [
                path(
                    "helpscout",
                    webhook_view(HelpScoutWebHook(secret_key=SECRET), handler, **options),
                )
            ]
            sys.modules["django_test_urls"] = module
            self.override = override_settings(ROOT_URLCONF="django_test_urls")
            self.override.enable()
        self.client = Client(enforce_csrf_checks=True)

    def post(self, body, hdrs, content_type="application/json"):
        r = self.client.generic("POST", "/helpscout", body, content_type=content_type, headers=hdrs)
        return r.status_code, r.content.decode()

    def request(self, method):
        return self.client.generic(method, "/helpscout").status_code

    def close(self):
        if self.override:
            self.override.disable()


class FastAPIClient:
    name = "fastapi"

    def __init__(self, handler=None, **options):
        from fastapi import FastAPI
        from fastapi.testclient import TestClient

        from helpscout.integrations.fastapi import webhook_router

        if handler is None:
            app = importlib.import_module("fastapi_app").app
        else:
            app = FastAPI()
            app.include_router(
                webhook_router(HelpScoutWebHook(secret_key=SECRET), handler, **options)
            )
        self.client = TestClient(app)

    def post(self, body, hdrs, content_type="application/json", path="/helpscout"):
        r = self.client.post(path, content=body, headers={**hdrs, "Content-Type": content_type})
        return r.status_code, r.text

    def request(self, method):
        return self.client.request(method, "/helpscout").status_code


CLIENTS = [FlaskClient, DjangoClient, FastAPIClient]


@pytest.fixture(params=CLIENTS, ids=lambda c: c.name)
def make(request):
    made = []

    def factory(handler=None, **options):
        c = request.param(handler, **options)
        made.append(c)
        return c

    yield factory
    for c in made:
        getattr(c, "close", lambda: None)()


# -- the example apps from the README -----------------------------------------------------


@pytest.mark.parametrize("name", ["convo.created.json", PRETTY, ESCAPED, "customer.updated.json"])
def test_example_apps_accept_raw_fixture_bodies(make, name, capsys):
    client = make()
    event = name[: -len(".json")]
    status, text = client.post(fixture_bytes(name), headers(event, signature_of(name)))
    assert (status, text) == (200, "ok")
    if event == "convo.created":
        assert "new conversation: No puedo iniciar sesión" in capsys.readouterr().out


def test_example_apps_reject_forged_and_malformed(make):
    client = make()
    body = fixture_bytes("convo.created.json")
    assert client.post(body, headers("convo.created", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="))[0] == 401
    assert client.post(body, {"X-HelpScout-Event": "convo.created"})[0] == 401
    assert client.request("GET") == 405
    assert client.request("PUT") == 405


def test_fastapi_example_dependency():
    client = FastAPIClient()
    name = "convo.tags.json"
    status, text = client.post(
        fixture_bytes(name), headers("convo.tags", signature_of(name)), path="/helpscout/tags"
    )
    assert status == 200 and "escalated" in text
    assert client.post(b"{}", headers("convo.tags", "bad"), path="/helpscout/tags")[0] == 401


# -- every status code through the ready-made endpoints -------------------------------------


def signed(body):
    return HelpScoutWebHook(secret_key=SECRET).sign(body)


def test_every_status_code(make, caplog):
    seen = []

    def handler(event):
        seen.append(event)
        if event.event_type == "convo.deleted":
            raise RuntimeError("database down")

    client = make(handler, max_body_bytes=64 * 1024)
    good = fixture_bytes(ESCAPED)
    assert client.post(good, headers("convo.assigned", signature_of(ESCAPED), lower=True)) == (
        200,
        "ok",
    )
    assert seen[-1].record.id == 2450311987
    assert (
        client.post(fixture_bytes(PRETTY), headers("convo.status", signature_of(PRETTY)))[0] == 200
    )
    # 401: wrong, missing, malformed signatures
    assert client.post(good, headers("convo.assigned", signature_of(PRETTY))) == (
        401,
        "invalid signature",
    )
    assert client.post(good, {"X-HelpScout-Event": "convo.assigned"})[0] == 401
    assert client.post(good, headers("convo.assigned", "%%%"))[0] == 401
    # 400: malformed payload (signed), missing event header (signed)
    assert client.post(b"[1,2]", headers("convo.created", signed(b"[1,2]"))) == (
        400,
        "bad request: not_object",
    )
    assert client.post(b"{oops", headers("convo.created", signed(b"{oops")))[0] == 400
    assert client.post(good, {"X-HelpScout-Signature": signature_of(ESCAPED)}) == (
        400,
        "bad request: missing_event",
    )
    # 413 before anything is hashed
    big = b'{"x":"' + b"a" * (70 * 1024) + b'"}'
    assert client.post(big, headers("convo.created", signed(big)))[0] == 413
    # 405 for other methods, never 410
    for method in ("GET", "PUT", "DELETE"):
        assert client.request(method) == 405
    # 500 when the handler raises, logged with the traceback
    deleted = fixture_bytes("convo.deleted.json")
    with caplog.at_level(logging.ERROR, logger="helpscout.webhook"):
        status, text = client.post(
            deleted, headers("convo.deleted", signature_of("convo.deleted.json"))
        )
    assert (status, text) == (500, "handler error")
    assert "handler failed for convo.deleted" in caplog.text and "database down" in caplog.text
    # no secret or body in any log line
    assert SECRET not in caplog.text and "2450311987" not in caplog.text
    # a form content type does not make Django parse the body first
    assert (
        client.post(
            good,
            headers("convo.assigned", signature_of(ESCAPED)),
            "application/x-www-form-urlencoded",
        )[0]
        == 200
    )


def test_unknown_event_is_accepted(make):
    seen = []
    client = make(seen.append)
    body = b'{"id": 7}'
    assert client.post(body, headers("brand.new.event", signed(body)))[0] == 200
    assert seen[0].is_known is False and seen[0].record.id == 7


def test_async_handler_in_fastapi():
    seen = []

    async def handler(event):
        await asyncio.sleep(0)
        seen.append(event.event_type)

    client = FastAPIClient(handler)
    name = "tag.created.json"
    assert client.post(fixture_bytes(name), headers("tag.created", signature_of(name)))[0] == 200
    assert seen == ["tag.created"]


# -- the helpers directly ---------------------------------------------------------------------


def test_receive_headers_any_container():
    hook = HelpScoutWebHook(secret_key=SECRET)
    name = "tag.updated.json"
    body, sig = fixture_bytes(name), signature_of(name)
    containers = [
        {"X-HelpScout-Event": "tag.updated", "X-HelpScout-Signature": sig},
        {"x-helpscout-event": "tag.updated", "x-helpscout-signature": sig},
        {"HTTP_X_HELPSCOUT_EVENT": "tag.updated", "HTTP_X_HELPSCOUT_SIGNATURE": sig},
        [(b"x-helpscout-event", b"tag.updated"), (b"x-helpscout-signature", sig.encode())],
    ]
    for h in containers:
        assert hook.receive_headers(h, body).record.id == 14010
    assert get_header({"X-Helpscout-Signature": ["a", "b"]}, "x-helpscout-signature") == "a,b"
    with pytest.raises(HelpScoutSecurityException) as err:
        hook.receive_headers({"X-HelpScout-Event": "tag.updated"}, body)
    assert err.value.reason == "missing_signature"
    with pytest.raises(HelpScoutRequestError) as err:
        hook.receive_headers({"X-HelpScout-Signature": sig}, body)
    assert err.value.reason == "missing_event" and err.value.http_status == 400
    with pytest.raises(HelpScoutSecurityException) as err:
        hook.receive_headers({"X-HelpScout-Signature": "bad"}, body)  # signature checked first
    assert err.value.reason == "malformed_signature"
    with pytest.raises(HelpScoutRequestError) as err:
        hook.receive_headers({}, body, max_body_bytes=10)
    assert err.value.reason == "too_large" and err.value.http_status == 413
    bad = b"[]"
    with pytest.raises(HelpScoutPayloadError):
        hook.receive_headers({"X-HelpScout-Event": "x", "X-HelpScout-Signature": signed(bad)}, bad)


def test_receive_request_rejects_unknown_request_types():
    with pytest.raises(TypeError, match="Flask/Werkzeug or Django request"):
        HelpScoutWebHook(secret_key=SECRET).receive_request(object())


def test_flask_body_stays_readable_after_receive():
    from flask import Flask, request

    hook = HelpScoutWebHook(secret_key=SECRET)
    app = Flask("readable")
    name = "tag.created.json"

    @app.post("/h")
    def view():
        event = hook.receive_request(request)
        return {"id": event.record.id, "raw": len(request.get_data())}

    r = app.test_client().post(
        "/h", data=fixture_bytes(name), headers=headers("tag.created", signature_of(name))
    )
    assert r.json == {"id": 17001, "raw": len(fixture_bytes(name))}


# -- the README shows the example files verbatim -------------------------------------------


@pytest.mark.parametrize("example", ["flask_app.py", "django_app.py", "fastapi_app.py"])
def test_readme_examples_are_the_tested_files(example):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = (ROOT / "examples" / example).read_text(encoding="utf-8")
    marker = f"<!-- examples/{example} -->\n```python\n"
    assert marker in readme, f"README lacks the {example} block"
    block = readme.split(marker, 1)[1].split("```", 1)[0]
    assert block == code


def test_seen_hook_skips_repeated_deliveries(make):
    handled, keys = [], set()

    def seen(key):
        repeat = key in keys
        keys.add(key)
        return repeat

    with pytest.deprecated_call(match="seen= is deprecated"):
        client = make(handled.append, seen=seen)
    name = "convo.note.created.json"
    h = headers("convo.note.created", signature_of(name))
    assert client.post(fixture_bytes(name), h) == (200, "ok")
    assert client.post(fixture_bytes(name), h) == (200, "duplicate")
    assert len(handled) == 1 and len(keys) == 1


# -- the pipeline's options through every framework ------------------------------------------


class _Ticket:
    def __init__(self, store, key, state):
        self.store, self.key, self.state = store, key, state

    def commit(self):
        self.store.states[self.key] = "done"
        return True

    def release(self):
        self.store.states.pop(self.key, None)
        return True


class _Store:
    """A dict-backed store following the dedupe protocol (claim -> new/busy/done)."""

    def __init__(self, down=False):
        self.states = {}
        self.down = down

    def claim(self, key):
        if self.down:
            raise ConnectionError("store down")
        state = self.states.get(key)
        if state is None:
            self.states[key] = "busy"
            return _Ticket(self, key, "new")
        return _Ticket(self, key, state)


class _Log:
    def __init__(self):
        self.entries = []

    def begin(self, *, event_type, signature, body, headers, received_at=None):
        self.entries.append({"event_type": event_type, "body": body, "headers": headers})
        return len(self.entries)

    def finish(self, entry_id, *, verdict, status, error=None, dedupe_key=None):
        self.entries[entry_id - 1].update(verdict=verdict, status=status)


def test_dedupe_and_log_through_every_framework(make):
    store, log, handled = _Store(), _Log(), []
    client = make(handled.append, dedupe=store, log=log)
    name = "convo.note.created.json"
    h = headers("convo.note.created", signature_of(name))
    assert client.post(fixture_bytes(name), h) == (200, "ok")
    assert client.post(fixture_bytes(name), h) == (200, "duplicate")
    key = handled[0].dedupe_key
    store.states[key] = "busy"  # another worker holds it
    assert client.post(fixture_bytes(name), h) == (409, "busy")
    assert client.post(fixture_bytes(name), headers("convo.note.created", "AAAA"))[0] == 401
    assert len(handled) == 1
    assert [e["verdict"] for e in log.entries] == ["accepted", "duplicate", "busy", "bad_signature"]
    assert all(e["body"] == fixture_bytes(name) for e in log.entries)
    assert log.entries[0]["event_type"] == "convo.note.created"


def test_store_down_is_503_through_every_framework(make):
    handled = []
    client = make(handled.append, dedupe=_Store(down=True))
    name = "tag.created.json"
    status, text = client.post(fixture_bytes(name), headers("tag.created", signature_of(name)))
    assert (status, text) == (503, "dedupe store unavailable") and handled == []


def test_require_json_through_every_framework(make):
    client = make(lambda e: None, require_json=True)
    name = "tag.created.json"
    h = headers("tag.created", signature_of(name))
    assert client.post(fixture_bytes(name), h, "text/plain")[0] == 415
    assert client.post(fixture_bytes(name), h, "application/json; charset=utf-8")[0] == 200


def test_seen_and_dedupe_together_is_an_error(make):
    with pytest.raises(TypeError, match="not both"):
        make(print, seen=lambda key: False, dedupe=_Store())


# -- bounded reads in the request helpers ------------------------------------------------------


class _Endless:
    """A request body stream that never ends, counting what was read from it."""

    def __init__(self):
        self.given = 0

    def read(self, n=-1):
        n = 65536 if n is None or n < 0 else n
        self.given += n
        return b"a" * n

    def readline(self, *args):
        return self.read(1)


def _environ(stream, **extra):
    sig = signature_of("tag.created.json")
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/helpscout",
        "SERVER_NAME": "x",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": stream,
        "HTTP_X_HELPSCOUT_EVENT": "tag.created",
        "HTTP_X_HELPSCOUT_SIGNATURE": sig,
        **extra,
    }


def test_werkzeug_chunked_body_is_read_with_a_bound():
    """Issue 7, finding 2: request.get_data() read a chunked body whole before the check."""
    from werkzeug.wrappers import Request

    hook = HelpScoutWebHook(secret_key=SECRET)
    stream = _Endless()
    request = Request(_environ(stream, **{"wsgi.input_terminated": True}))
    with pytest.raises(HelpScoutRequestError) as err:
        hook.receive_request(request, max_body_bytes=100_000)
    assert err.value.http_status == 413 and stream.given == 100_001
    body = fixture_bytes("tag.created.json")
    request = Request(_environ(io.BytesIO(body), **{"wsgi.input_terminated": True}))
    assert hook.receive_request(request).record.id == 17001
    assert request.get_data() == body  # still readable
    # a Content-Length over the limit: nothing is read at all
    stream = _Endless()
    request = Request(_environ(stream, CONTENT_LENGTH=str(10**9)))
    with pytest.raises(HelpScoutRequestError):
        hook.receive_request(request)
    assert stream.given == 0


def test_flask_max_content_length_is_a_413():
    from flask import Flask

    from helpscout.integrations.flask import webhook_blueprint

    app = Flask("limited")
    app.config["MAX_CONTENT_LENGTH"] = 100
    app.register_blueprint(webhook_blueprint(HelpScoutWebHook(secret_key=SECRET), print))
    name = "convo.created.json"
    r = app.test_client().post(
        "/helpscout",
        data=fixture_bytes(name),
        headers=headers("convo.created", signature_of(name)),
    )
    assert (r.status_code, r.get_data(as_text=True)) == (413, "payload too large")


def _django_request(stream, **extra):
    DjangoClient()  # settings configured once
    from django.core.handlers.wsgi import WSGIRequest

    return WSGIRequest(_environ(stream, **extra))


def test_django_body_is_read_with_a_bound_and_stays_readable():
    hook = HelpScoutWebHook(secret_key=SECRET)
    body = fixture_bytes("tag.created.json")
    # announced length over the limit: refused before reading, request.body never touched
    stream = _Endless()
    request = _django_request(stream, CONTENT_LENGTH=str(10**9))
    with pytest.raises(HelpScoutRequestError) as err:
        hook.receive_request(request)
    assert err.value.http_status == 413 and stream.given == 0
    # chunked through a server that terminates the input (no CONTENT_LENGTH): bounded
    stream = _Endless()
    request = _django_request(stream, CONTENT_LENGTH="", **{"wsgi.input_terminated": True})
    with pytest.raises(HelpScoutRequestError):
        hook.receive_request(request, max_body_bytes=50_000)
    assert stream.given == 50_001
    request = _django_request(io.BytesIO(body), **{"wsgi.input_terminated": True})
    assert hook.receive_request(request).record.id == 17001
    assert request.body == body and request.read() == body  # still readable
    # with a Content-Length: exactly that many bytes, and request.body works afterwards
    request = _django_request(io.BytesIO(body + b"junk"), CONTENT_LENGTH=str(len(body)))
    assert hook.receive_request(request).record.id == 17001 and request.body == body
    # a middleware read request.body first: used as it is
    request = _django_request(io.BytesIO(body), CONTENT_LENGTH=str(len(body)))
    assert request.body == body
    assert hook.receive_request(request).record.id == 17001


def test_starlette_stream_is_read_with_a_bound_and_the_body_kept():
    from starlette.requests import Request

    hook = HelpScoutWebHook(secret_key=SECRET)
    body = fixture_bytes("tag.created.json")
    sig = signature_of("tag.created.json").encode()
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/helpscout",
        "headers": [(b"x-helpscout-event", b"tag.created"), (b"x-helpscout-signature", sig)],
    }
    calls = []

    async def endless():
        calls.append(1)
        return {"type": "http.request", "body": b"a" * 1000, "more_body": True}

    with pytest.raises(HelpScoutRequestError) as err:
        asyncio.run(hook.receive_asgi(Request(scope, endless), max_body_bytes=10_000))
    assert err.value.http_status == 413 and len(calls) == 11

    parts = [body[:100], body[100:]]

    async def chunks():
        part = parts.pop(0)
        return {"type": "http.request", "body": part, "more_body": bool(parts)}

    async def receive_then_body():
        request = Request(scope, chunks)
        event = await hook.receive_asgi(request)
        return event, await request.body()

    event, kept = asyncio.run(receive_then_body())
    assert event.record.id == 17001 and kept == body


# -- docs/frameworks.md runs as printed ---------------------------------------------------------


def _python_blocks(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    return [block.split("```", 1)[0] for block in text.split("```python\n")[1:]]


def test_the_frameworks_page_examples_run(tmp_path, monkeypatch, capsys):
    from fastapi.testclient import TestClient

    monkeypatch.chdir(tmp_path)  # the options example writes deliveries.db here
    flask_block, django_block, fastapi_block, dependency, options, wsgi = _python_blocks(
        "docs/frameworks.md"
    )
    name = "convo.created.json"
    body, h = fixture_bytes(name), headers("convo.created", signature_of(name))

    flask_ns = {"__name__": "docs_flask"}
    exec(compile(flask_block, "frameworks.md", "exec"), flask_ns)
    assert flask_ns["app"].test_client().post("/helpscout", data=body, headers=h).status_code == 200
    assert "new conversation: No puedo iniciar sesión" in capsys.readouterr().out

    from flask import Flask

    app = Flask("docs_options")
    flask_ns["app"] = app
    exec(compile(options, "frameworks.md", "exec"), flask_ns)
    client = app.test_client()
    answers = [
        client.post("/helpscout", data=body, headers=h, content_type="application/json")
        for _ in range(2)
    ]
    assert [(a.status_code, a.get_data(as_text=True)) for a in answers] == [
        (200, "ok"),
        (200, "duplicate"),
    ]
    text_plain = client.post("/helpscout", data=body, headers=h, content_type="text/plain")
    assert text_plain.status_code == 415
    assert (tmp_path / "deliveries.db").is_file()

    django_ns = {"__name__": "docs_django_urls"}
    exec(compile(django_block, "frameworks.md", "exec"), django_ns)
    module = type(sys)("docs_django_urls")
    module.urlpatterns = django_ns["urlpatterns"]
    sys.modules["docs_django_urls"] = module
    django_client = DjangoClient()
    from django.test.utils import override_settings

    with override_settings(ROOT_URLCONF="docs_django_urls"):
        assert django_client.post(body, h) == (200, "ok")
    assert capsys.readouterr().out.endswith("\nconvo.created 2450518830\n")

    fastapi_ns = {"__name__": "docs_fastapi"}
    exec(compile(fastapi_block, "frameworks.md", "exec"), fastapi_ns)
    exec(compile(dependency, "frameworks.md", "exec"), fastapi_ns)
    client = TestClient(fastapi_ns["app"])
    assert client.post("/helpscout/tags", content=body, headers=h).status_code == 200
    assert client.post("/helpscout/tags", content=body, headers={}).status_code == 401

    wsgi_ns = {"__name__": "docs_wsgi"}
    exec(compile(wsgi, "frameworks.md", "exec"), wsgi_ns)
    started = []
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_HELPSCOUT_EVENT": "convo.created",
        "HTTP_X_HELPSCOUT_SIGNATURE": signature_of(name),
    }
    answer = wsgi_ns["application"](environ, lambda status, hs: started.append(status))
    assert started == ["200 OK"] and answer == [b"ok"]
    environ.update({"REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO(b"")})
    assert wsgi_ns["application"](environ, lambda s, hs: started.append((s, hs))) == [
        b"method not allowed"
    ]
    assert started[-1][0] == "405 Method Not Allowed" and ("Allow", "POST") in started[-1][1]
