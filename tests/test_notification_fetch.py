"""Notification webhooks (``notification: true``): the body carries only the resource's URL;
``event.fetch(hs)`` (or ``hs.fetch(event)``) gets the full resource through the API client and
returns the typed record. The fake Help Scout API answers over real HTTP on loopback."""

import json

import pytest

from helpscout import HelpScout, HelpScoutWebHook
from helpscout.exceptions import HelpScoutRemoteException, HelpScoutValidationException
from helpscout.models import Conversation, Customer, Record

from .conftest import SECRET, fixture_bytes
from .fake_helpscout import APP_ID, APP_SECRET, FakeHelpScout


@pytest.fixture
def fake():
    server = FakeHelpScout()
    yield server
    server.close()


@pytest.fixture
def hs(fake):
    return HelpScout(APP_ID, APP_SECRET, base_url=fake.base_url, timeout=5, retries=0)


def notification(event_type, url):
    hook = HelpScoutWebHook(secret_key=SECRET)
    body = json.dumps({"url": url}).encode()
    return hook.receive(event_type, hook.sign(body), body)


def test_fetch_gets_the_full_resource_as_the_events_record(fake, hs):
    conversation = json.loads(fixture_bytes("convo.created.json"))
    fake.then_json("GET", "/v2/conversations/501", conversation)
    event = notification("convo.created", f"{fake.base_url}/v2/conversations/501")
    record = event.fetch(hs)
    assert isinstance(record, Conversation)
    assert record.to_api() == conversation
    assert record.subject == conversation["subject"]
    [seen] = fake.of("GET", "/v2/conversations")
    assert seen.headers["authorization"].startswith("Bearer ")
    # the same through the client, and by path
    fake.then_json("GET", "/v2/customers/7", {"id": 7, "firstName": "Ann"})
    customer = hs.fetch(notification("customer.created", "/v2/customers/7"))
    assert isinstance(customer, Customer) and customer.first_name == "Ann"
    fake.then_json("GET", "/v2/tags/3", {"id": 3, "name": "vip"})
    assert type(hs.fetch("/v2/tags/3")) is Record


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/v2/conversations/1",
        "http://127.0.0.1:1/v2/conversations/1",
        "{base}.evil.example/v2/conversations/1",
        "{base}@evil.example/v2/conversations/1",
        "//evil.example/v2/x",
        "/v2/../oauth2/token",
        "/v1/conversations/1",
        "/v2/x\r\nHost: evil",
    ],
)
def test_the_token_never_leaves_the_api(fake, hs, url):
    event = notification("convo.created", url.format(base=fake.base_url))
    with pytest.raises(HelpScoutValidationException, match="cannot fetch"):
        event.fetch(hs)
    assert fake.of("GET", "/") == []  # nothing was sent anywhere with the token


def test_a_full_delivery_has_no_url_to_fetch(hs):
    hook = HelpScoutWebHook(secret_key=SECRET)
    body = fixture_bytes("tag.created.json")
    event = hook.receive("tag.created", hook.sign(body), body)
    with pytest.raises(HelpScoutValidationException, match="no resource URL"):
        event.fetch(hs)


@pytest.mark.parametrize("answer", [[1, 2], "x", 5, None])
def test_an_odd_answer_is_a_remote_exception(fake, hs, answer):
    fake.then_json("GET", "/v2/conversations/9", answer)
    event = notification("convo.created", "/v2/conversations/9")
    with pytest.raises(HelpScoutRemoteException, match="expected a JSON object"):
        event.fetch(hs)


def test_an_api_error_is_answered_with_its_status(fake, hs):
    fake.then("GET", "/v2/conversations/404", 404, body={"message": "not found"})
    with pytest.raises(HelpScoutRemoteException) as err:
        hs.fetch("/v2/conversations/404")
    assert err.value.status_code == 404
