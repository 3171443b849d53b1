"""The Mailbox API 2.0 client against a fake Help Scout on 127.0.0.1 over real HTTP."""

import base64
import json
import pickle
import re
import time
import urllib.parse

import pytest

from helpscout import HelpScout, HelpScoutWebHook
from helpscout.client import WebHookApi
from helpscout.exceptions import (
    HelpScoutConnectionException,
    HelpScoutRateLimitException,
    HelpScoutRemoteException,
    HelpScoutTimeoutException,
    HelpScoutValidationException,
)

from .conftest import ticks_during
from .fake_helpscout import APP_ID, APP_SECRET, FakeHelpScout

HOOK_SECRET = "hook-secret-0123456789"


@pytest.fixture
def fake():
    server = FakeHelpScout(page_size=2)
    yield server
    server.close()


@pytest.fixture
def hs(fake):
    return HelpScout(APP_ID, APP_SECRET, base_url=fake.base_url, timeout=5)


def new_hook(n=0, **kwargs):
    values = dict(
        url=f"https://example.com/helpscout/{n}",
        events=["convo.created", "convo.customer.reply.created"],
        secret_key=HOOK_SECRET,
        label=f"hook {n}",
    )
    values.update(kwargs)
    return HelpScoutWebHook(**values)


def test_create_sends_the_documented_request(fake, hs):
    hook = new_hook(mailbox_ids=[210001], payload_version="V2", notification=False)
    new_id = hs.WebHook.create(hook)
    assert new_id == hook.id == 1000
    token_request, create = fake.requests
    assert token_request.path == "/v2/oauth2/token"
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert token_request.form == {
        "grant_type": "client_credentials",
        "client_id": APP_ID,
        "client_secret": APP_SECRET,
    }
    assert (create.method, create.path) == ("POST", "/v2/webhooks")
    assert create.headers["authorization"] == "Bearer token-1"
    assert create.headers["content-type"].startswith("application/json")
    assert create.json == {
        "url": "https://example.com/helpscout/0",
        "events": ["convo.created", "convo.customer.reply.created"],
        "secret": HOOK_SECRET,
        "label": "hook 0",
        "notification": False,
        "payloadVersion": "V2",
        "mailboxIds": [210001],
    }


def test_hook_create_uses_its_helpscout_client(fake, hs):
    hook = new_hook(helpscout=hs)
    assert hook.create() == hook.id == 1000
    assert fake.webhooks[1000]["url"] == hook.url


def test_list_follows_three_pages_then_get_update_delete(fake, hs):
    ids = [hs.WebHook.create(new_hook(n)) for n in range(5)]
    listed = hs.WebHook.list()
    assert [h.id for h in listed] == ids
    assert [h.url for h in listed] == [f"https://example.com/helpscout/{n}" for n in range(5)]
    pages = [r.query["page"] for r in fake.of("GET") if r.path == "/v2/webhooks"]
    assert pages == [["1"], ["2"], ["3"]]
    assert all(isinstance(h, HelpScoutWebHook) for h in listed)
    assert listed[0].state == "enabled" and listed[0].payload_version == "V2"
    assert listed[0].api_data["_links"]["self"]["href"].endswith("/v2/webhooks/1000")

    got = hs.WebHook.get(ids[2])
    assert got.id == ids[2] and got.label == "hook 2" and got.events == new_hook().events
    assert got.secret_key is None  # the API does not return the secret

    got.secret_key = HOOK_SECRET
    got.events = ["customer.created"]
    hs.WebHook.update(got)
    put = fake.of("PUT")[-1]
    assert put.path == f"/v2/webhooks/{ids[2]}"
    assert put.json["events"] == ["customer.created"] and put.json["secret"] == HOOK_SECRET
    assert "id" not in put.json
    assert hs.WebHook.get(ids[2]).events == ["customer.created"]

    hs.WebHook.delete(ids[0])
    hs.WebHook.delete(got)
    assert sorted(fake.webhooks) == [ids[1], ids[3], ids[4]]
    assert [r.path for r in fake.of("DELETE")] == [
        f"/v2/webhooks/{ids[0]}",
        f"/v2/webhooks/{ids[2]}",
    ]


def test_list_without_webhooks(fake, hs):
    assert hs.WebHook.list() == []


def test_expired_token_is_refreshed_once(fake, hs):
    hs.WebHook.create(new_hook())
    fake.expire_tokens()
    assert hs.WebHook.get(1000).id == 1000
    gets = fake.of("GET")
    assert [g.headers["authorization"] for g in gets] == ["Bearer token-1", "Bearer token-2"]
    assert len(fake.of("POST", "/v2/oauth2/token")) == 2
    # the token is cached: no new token request while it is valid
    hs.WebHook.get(1000)
    assert len(fake.of("POST", "/v2/oauth2/token")) == 2


def test_a_persistent_401_is_reported_not_looped(fake):
    hs = HelpScout(access_token="not-a-valid-token", base_url=fake.base_url)
    with pytest.raises(HelpScoutRemoteException) as err:
        hs.WebHook.list()
    assert err.value.status_code == 401
    assert len(fake.requests) == 1


def test_bad_app_credentials(fake):
    hs = HelpScout(APP_ID, "wrong-secret", base_url=fake.base_url)
    with pytest.raises(HelpScoutRemoteException) as err:
        hs.WebHook.list()
    assert err.value.status_code == 401
    assert "getting an access token failed" in str(err.value)
    assert "Bad client credentials" in str(err.value)


def test_rate_limit_waits_retry_after_then_succeeds(fake, hs):
    fake.then(
        "GET",
        "/v2/webhooks",
        429,
        {"X-RateLimit-Retry-After": "1"},
        {"message": "Too many requests"},
    )
    start = time.monotonic()
    assert hs.WebHook.list() == []
    assert time.monotonic() - start >= 0.9
    assert len([r for r in fake.of("GET") if r.path == "/v2/webhooks"]) == 2


def test_rate_limit_gives_up_after_the_allowed_waits(fake):
    hs = HelpScout(APP_ID, APP_SECRET, base_url=fake.base_url, rate_limit_retries=1)
    for _ in range(2):
        fake.then("DELETE", "/v2/webhooks/5", 429, {"X-RateLimit-Retry-After": "0"})
    with pytest.raises(HelpScoutRateLimitException) as err:
        hs.WebHook.delete(5)
    assert err.value.status_code == 429 and err.value.retry_after == 0
    assert len(fake.of("DELETE")) == 2
    fake.then("DELETE", "/v2/webhooks/5", 429, {"X-RateLimit-Retry-After": "120"})
    with pytest.raises(HelpScoutRateLimitException, match="retry after 120"):
        hs.WebHook.delete(5)  # longer than max_retry_wait: no wait at all
    assert isinstance(pickle.loads(pickle.dumps(err.value)), HelpScoutRateLimitException)


def test_server_error_then_success_on_get(fake, hs):
    hs.WebHook.create(new_hook())
    fake.then("GET", "/v2/webhooks/1000", 500, {}, b"oops")
    assert hs.WebHook.get(1000).id == 1000
    assert len(fake.of("GET")) == 2


def test_server_error_on_post_is_never_resent(fake, hs):
    fake.then(
        "POST",
        "/v2/webhooks",
        500,
        {"Content-Type": "application/json"},
        {"message": "Internal error", "logRef": "boom-1"},
    )
    hook = new_hook()
    with pytest.raises(HelpScoutRemoteException) as err:
        hs.WebHook.create(hook)
    assert err.value.status_code == 500
    assert "Internal error" in str(err.value) and "logRef boom-1" in str(err.value)
    assert len(fake.of("POST", "/v2/webhooks")) == 1
    assert hook.id is None


@pytest.mark.parametrize(
    "changes,message",
    [
        (dict(url=None), "url is required"),
        (dict(url="/relative"), "absolute http(s) URL"),
        (dict(events=[]), "events is empty"),
        (dict(events=["convo.create"]), "unknown event(s) convo.create; known events:"),
        (dict(secret_key=None), "secret_key is required"),
        (dict(secret_key="s" * 41), "at most 40"),
    ],
)
def test_validation_errors_send_nothing(fake, hs, changes, message):
    with pytest.raises(HelpScoutValidationException) as err:
        hs.WebHook.create(new_hook(**changes))
    assert message in str(err.value)
    assert fake.requests == []


def test_unknown_events_allowed_on_request(fake, hs):
    hs.WebHook.create(new_hook(events=["convo.future-thing"]), allow_unknown_events=True)
    assert fake.of("POST", "/v2/webhooks")[0].json["events"] == ["convo.future-thing"]


def test_vnd_error_body_becomes_a_readable_message(fake, hs):
    fake.then(
        "POST",
        "/v2/webhooks",
        400,
        {"Content-Type": "application/vnd.error+json"},
        {
            "logRef": "7d9a-1",
            "message": "Validation error",
            "_embedded": {
                "errors": [
                    {
                        "path": "url",
                        "message": "must be a valid URL",
                        "rejectedValue": "x",
                        "source": "JSON",
                    },
                    {"path": "secret", "message": "invalid", "rejectedValue": HOOK_SECRET},
                ]
            },
        },
    )
    with pytest.raises(HelpScoutRemoteException) as err:
        hs.WebHook.create(new_hook())
    text = str(err.value)
    assert text.startswith(
        "(400) POST /v2/webhooks: Bad Request: Validation error "
        "(url: must be a valid URL; secret: invalid)"
    )
    assert text.endswith("[logRef 7d9a-1]")
    assert HOOK_SECRET not in text and APP_SECRET not in text and "token-1" not in text


def test_not_found(fake, hs):
    with pytest.raises(HelpScoutRemoteException) as err:
        hs.WebHook.get(424242)
    assert err.value.status_code == 404 and "Webhook 424242 not found" in str(err.value)


@pytest.mark.parametrize(
    "url", ["http://example.com", "http://10.1.2.3:8080", "ftp://x", "example.com"]
)
def test_plain_http_to_another_host_is_refused(url):
    with pytest.raises(HelpScoutValidationException):
        HelpScout(APP_ID, APP_SECRET, base_url=url)


def test_retired_v1_api_key_gets_a_clear_message():
    with pytest.raises(HelpScoutValidationException, match="retired API keys"):
        HelpScout("an-old-v1-api-key")


def test_connection_refused_and_timeout(fake):
    closed = FakeHelpScout()
    url = closed.base_url
    closed.close()
    hs = HelpScout(access_token="t", base_url=url, retries=0)
    with pytest.raises(HelpScoutConnectionException, match="could not reach"):
        hs.WebHook.list()
    slow = HelpScout(APP_ID, APP_SECRET, base_url=fake.base_url, timeout=0.3, retries=0)
    fake.slow("GET", "/v2/webhooks", 2.0)
    with pytest.raises(HelpScoutTimeoutException, match=r"did not answer within 0\.3 s"):
        slow.WebHook.list()


def test_secrets_never_in_repr_or_errors(fake, hs):
    hook = new_hook()
    assert HOOK_SECRET not in repr(hook)
    assert APP_SECRET not in repr(hs)
    hs.WebHook.create(hook)
    assert "token-1" not in repr(hs)


def test_gil_released_during_a_slow_response(fake, hs):
    hs.WebHook.create(new_hook())
    fake.slow("GET", "/v2/webhooks/1000", 1.0)
    hook, took, ticks = ticks_during(lambda: hs.WebHook.get(1000), interval=0.01)
    assert hook.id == 1000 and took >= 0.9
    assert ticks >= 20


def test_readme_example_runs_against_the_fake(fake):
    import os
    import pathlib
    import subprocess
    import sys

    script = pathlib.Path(__file__).resolve().parent.parent / "examples" / "create_webhook.py"
    env = dict(
        os.environ,
        HELPSCOUT_APP_ID=APP_ID,
        HELPSCOUT_APP_SECRET=APP_SECRET,
        HELPSCOUT_BASE_URL=fake.base_url,
    )
    out = subprocess.run(
        [sys.executable, str(script), "https://example.com/hooks/hs"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "created webhook 1000 -> https://example.com/hooks/hs" in out
    assert "deleted webhook 1000" in out
    assert fake.webhooks == {}
    created = fake.of("POST", "/v2/webhooks")[0].json
    assert len(created["secret"]) <= 40 and created["events"][0] == "convo.created"


# -- issue 7, finding 8: secrets echoed in any encoding; answers of odd shapes ------------

ODD_SECRET = 'Ab+/c d=é&"\\ü😀~!x'


def _lower_hex(body: bytes) -> bytes:
    return re.sub(rb"%[0-9A-F]{2}", lambda m: m.group(0).lower(), body)


def _b64(text: str, urlsafe: bool = False) -> bytes:
    if urlsafe:
        return base64.urlsafe_b64encode(text.encode()).rstrip(b"=")
    return base64.b64encode(text.encode())


ECHOES = {
    "url-encoded as sent": lambda r: r.body,
    "url-encoded, lower hex": lambda r: _lower_hex(r.body),
    "form-encoded again (+ for space)": lambda r: urllib.parse.urlencode(r.form).encode(),
    "partly encoded": lambda r: urllib.parse.quote(r.form["client_secret"], safe="/+&=").encode(),
    "JSON, ASCII escapes": lambda r: json.dumps(r.form).encode(),
    "JSON, raw UTF-8": lambda r: json.dumps(r.form, ensure_ascii=False).encode(),
    "base64 Basic credential": lambda r: b"Basic " + _b64(f"{APP_ID}:{r.form['client_secret']}"),
    "base64 URL-safe, no padding": lambda r: _b64(r.form["client_secret"], urlsafe=True),
}


@pytest.mark.parametrize("container", ["json", "text"])
@pytest.mark.parametrize("encoding", sorted(ECHOES))
def test_client_secret_echoed_by_the_token_endpoint_is_scrubbed(fake, encoding, container):
    echo = ECHOES[encoding]

    def render(r):
        text = b"could not parse the request: " + echo(r)
        if container == "json":
            return json.dumps(
                {"error": "invalid_request", "error_description": text.decode()}
            ).encode()
        return text

    fake.then_echo("POST", "/v2/oauth2/token", 400, render)
    hs = HelpScout(APP_ID, ODD_SECRET, base_url=fake.base_url)
    with pytest.raises(HelpScoutRemoteException) as err:
        hs.WebHook.list()
    text = str(err.value)
    assert err.value.status_code == 400
    assert text.startswith("(400) getting an access token failed: Bad Request: could not parse")
    assert "[REDACTED]" in text
    sent = fake.requests[0]
    assert sent.form["client_secret"] == ODD_SECRET
    for leak in [ODD_SECRET, "Ab+/c", "Ab%2B", "Ab%2b", "\\u00e9&", "ü😀", "QWIrL2Mg"]:
        assert leak not in text, (leak, text)
    if encoding.startswith("base64 Basic"):
        assert "Basic [REDACTED]" in text  # the whole credential, app id included


def test_webhook_secret_echoed_by_the_api_is_scrubbed(fake, hs):
    secret = "hook secret/0123+é"
    fake.then_echo(
        "POST",
        "/v2/webhooks",
        400,
        lambda r: json.dumps(
            {
                "message": "rejected: "
                + urllib.parse.quote(r.json["secret"])
                + " / "
                + urllib.parse.quote_plus(r.json["secret"])
                + " / "
                + json.dumps(r.json["secret"])
                + " / "
                + base64.b64encode(r.json["secret"].encode()).decode(),
            }
        ).encode(),
        {"Content-Type": "application/vnd.error+json"},
    )
    with pytest.raises(HelpScoutRemoteException) as err:
        hs.WebHook.create(new_hook(secret_key=secret))
    text = str(err.value)
    assert text.count("[REDACTED]") == 4, text
    for leak in ("hook secret", "hook%20", "hook+", "0123", "aG9vay"):
        assert leak not in text, text


def test_a_short_token_is_scrubbed_where_it_stands_alone(fake):
    hs = HelpScout(access_token="t1", base_url=fake.base_url)
    fake.then_echo(
        "GET",
        "/v2/webhooks",
        401,
        lambda r: json.dumps(
            {"message": f"token {r.headers['authorization'][len('Bearer ') :]} is unknown (t10)"}
        ).encode(),
    )
    with pytest.raises(HelpScoutRemoteException) as err:
        hs.WebHook.list()
    assert str(err.value).endswith("invalid: token [REDACTED] is unknown (t10)")


ODD_WEBHOOKS = [
    ([1, 2], "expected a webhook object, got an array"),
    ("x", "expected a webhook object, got a string"),
    (5, "expected a webhook object, got a number"),
    (None, "expected a webhook object, got null"),
    ({"url": "https://example.com/h"}, "the webhook has no `id`"),
    ({"id": "5"}, "`id` must be an integer, got a string"),
    ({"id": 5, "events": 5}, "`events` must be an array of strings, got a number"),
    ({"id": 5, "events": "convo.created"}, "`events` must be an array of strings, got a string"),
    ({"id": 5, "mailboxIds": ["a"]}, "`mailboxIds` must be an array of integers, item 1"),
    ({"id": 5, "notification": "no"}, "`notification` must be a boolean"),
]


@pytest.mark.parametrize("value,message", ODD_WEBHOOKS)
def test_odd_webhook_answers_are_remote_errors(fake, hs, value, message):
    fake.then_json("GET", "/v2/webhooks/5", value)
    with pytest.raises(HelpScoutRemoteException) as err:
        hs.WebHook.get(5)
    assert err.value.status_code == 200
    assert str(err.value).startswith("(200) GET /v2/webhooks/5: unexpected answer: ")
    assert message in str(err.value)


ODD_PAGES = [
    ([1, 2], "expected a page object (`_embedded.webhooks`, `page`), got an array"),
    ("x", "expected a page object (`_embedded.webhooks`, `page`), got a string"),
    (5, "got a number"),
    (None, "got null"),
    ({"_embedded": {"webhooks": "x"}}, "`_embedded.webhooks` must be an array of webhooks"),
    ({"_embedded": [1]}, "`_embedded` must be an object, got an array"),
    ({"_embedded": {"webhooks": [1, 2]}}, "webhook 1 of the page: expected a webhook object"),
    ({"_embedded": {"webhooks": [{"url": "x"}]}}, "webhook 1 of the page: the webhook has no"),
    ({"_embedded": {"webhooks": [{"id": 1, "events": 5}]}}, "`events` must be an array"),
    ({"page": {"totalPages": "2"}}, "`page.totalPages` must be a non-negative integer"),
]


@pytest.mark.parametrize("value,message", ODD_PAGES)
def test_odd_list_answers_are_remote_errors(fake, hs, value, message):
    for call in (hs.WebHook.list, hs.WebHook.health, lambda: hs.WebHook.ensure("u", ["x"])):
        fake.then_json("GET", "/v2/webhooks", value)
        with pytest.raises(HelpScoutRemoteException) as err:
            call()
        assert err.value.status_code == 200
        assert str(err.value).startswith("(200) GET /v2/webhooks?page=1: unexpected answer: ")
        assert message in str(err.value)


def test_unknown_keys_in_a_list_answer_are_ignored(fake, hs):
    fake.then_json("GET", "/v2/webhooks", {"events": 5})
    assert hs.WebHook.list() == []


ODD_TOKENS = [
    ([1, 2], "expected an object with an access_token, got an array"),
    ("x", "got a string"),
    (5, "got a number"),
    (None, "got null"),
    ({"token_type": "bearer"}, "it has no access_token"),
    ({"access_token": 5}, "its access_token must be a string, got a number"),
    ({"access_token": ""}, "its access_token is empty"),
    ({"access_token": "a\nb"}, "cannot be sent in a header"),
    ({"access_token": "tok", "expires_in": "60"}, "its expires_in must be a number of seconds"),
]


@pytest.mark.parametrize("value,message", ODD_TOKENS)
def test_odd_token_answers_are_remote_errors(fake, hs, value, message):
    fake.then_json("POST", "/v2/oauth2/token", value)
    with pytest.raises(HelpScoutRemoteException) as err:
        hs.WebHook.list()
    assert err.value.status_code == 200
    assert str(err.value).startswith("(200) the token endpoint's answer cannot be used: ")
    assert message in str(err.value)
    assert [r.path for r in fake.requests] == ["/v2/oauth2/token"]


def test_a_webhook_python_cannot_read_is_a_remote_error(fake, hs):
    # valid for the Rust checks (the secret is a string), refused by HelpScoutWebHook
    fake.then_json("GET", "/v2/webhooks/5", {"id": 5, "secret": "   "})
    with pytest.raises(HelpScoutRemoteException, match="webhook 5 cannot be read"):
        hs.WebHook.get(5)


class _Answers:
    """Stands in for `_core.ApiClient`: answers with fixed JSON text (the Python guard alone)."""

    def __init__(self, text):
        self.text = text

    def list_webhooks(self):
        return self.text

    def get_webhook(self, id):
        return self.text


@pytest.mark.parametrize(
    "text,message",
    [
        ('"x"', "expected a list of webhooks, got str"),
        ("{}", "expected a list of webhooks, got dict"),
        ("[1]", "expected a webhook object, got int"),
        ("[null]", "expected a webhook object, got null"),
        ('[{"id": true}]', "`id` must be an integer, got bool"),
        ('[{"id": 1, "events": 5}]', "webhook 1 cannot be read"),
    ],
)
def test_the_python_layer_never_lets_an_odd_shape_through(text, message):
    api = WebHookApi(_Answers(text))
    with pytest.raises(HelpScoutRemoteException, match=re.escape(message)):
        api.list()
    if text.startswith("[") and text != "[]":
        with pytest.raises(HelpScoutRemoteException):
            WebHookApi(_Answers(text[1:-1])).get(1)
