"""Webhooks that keep themselves healthy: ensure, health, enable and rotate_secret, against
the fake Help Scout API over real HTTP on 127.0.0.1."""

import pytest

from helpscout import HelpScout, HelpScoutWebHook
from helpscout.client import WebHookHealth
from helpscout.exceptions import HelpScoutRemoteException, HelpScoutValidationException

from .conftest import fixture_bytes
from .fake_helpscout import APP_ID, APP_SECRET, FakeHelpScout

URL = "https://example.com/helpscout"
EVENTS = ["convo.created", "convo.customer.reply.created"]
SECRET = "hook-secret-0123456789"
NEW_SECRET = "hook-secret-new-987654"


@pytest.fixture
def fake():
    server = FakeHelpScout(page_size=2)
    yield server
    server.close()


@pytest.fixture
def hs(fake):
    return HelpScout(APP_ID, APP_SECRET, base_url=fake.base_url, timeout=5)


def hook_writes(fake):
    """The requests that changed a webhook (POST, PUT, DELETE on /v2/webhooks)."""
    return [
        (r.method, r.path)
        for r in fake.requests
        if r.method in ("POST", "PUT", "DELETE") and r.path.startswith("/v2/webhooks")
    ]


def test_ensure_creates_once_then_does_nothing(fake, hs):
    hook = hs.WebHook.ensure(URL, EVENTS, label="prod", mailbox_ids=[7], secret=SECRET)
    assert hook.id == 1000 and hook.state == "enabled" and hook.secret_key == SECRET
    assert fake.secrets[1000] == SECRET
    create = fake.of("POST")[-1]
    assert create.json == {
        "url": URL,
        "events": EVENTS,
        "secret": SECRET,
        "label": "prod",
        "notification": False,
        "payloadVersion": "V2",
        "mailboxIds": [7],
        "state": "enabled",
    }
    before = hook_writes(fake)
    again = hs.WebHook.ensure(URL, list(reversed(EVENTS)), label="prod", mailbox_ids=[7])
    assert again.id == 1000 and again.secret_key is None  # no secret given, none needed
    assert hook_writes(fake) == before  # same settings (events in any order): nothing sent
    assert len(fake.webhooks) == 1


def test_ensure_updates_what_differs_and_keeps_the_id(fake, hs):
    hs.WebHook.ensure(URL, EVENTS, label="prod", secret=SECRET)
    hook = hs.WebHook.ensure(
        URL, ["customer.created"], label="prod", payload_version="V2", secret=SECRET
    )
    assert hook.id == 1000 and hook.events == ["customer.created"]
    put = fake.of("PUT")[-1]
    assert put.path == "/v2/webhooks/1000"
    assert put.json["events"] == ["customer.created"] and put.json["secret"] == SECRET
    assert put.json["state"] == "enabled" and put.json["label"] == "prod"
    assert list(fake.webhooks) == [1000]


def test_ensure_without_a_label_matches_by_url_and_keeps_the_label(fake, hs):
    hs.WebHook.ensure(URL, EVENTS, label="prod", secret=SECRET)
    hook = hs.WebHook.ensure(URL, ["convo.created"], secret=SECRET)
    assert hook.id == 1000 and hook.label == "prod"
    assert fake.of("PUT")[-1].json["label"] == "prod"


def test_ensure_a_second_label_creates_a_second_webhook_then_url_alone_is_ambiguous(fake, hs):
    hs.WebHook.ensure(URL, EVENTS, label="prod", secret=SECRET)
    second = hs.WebHook.ensure(URL, EVENTS, label="staging", secret=SECRET)
    assert second.id == 1001 and sorted(fake.webhooks) == [1000, 1001]
    before = hook_writes(fake)
    with pytest.raises(HelpScoutValidationException) as info:
        hs.WebHook.ensure(URL, ["convo.created"], secret=SECRET)
    assert info.value.reason == "ambiguous" and "1000, 1001" in str(info.value)
    assert hook_writes(fake) == before


def test_ensure_needs_the_secret_only_to_change_something(fake, hs):
    with pytest.raises(HelpScoutValidationException) as info:
        hs.WebHook.ensure(URL, EVENTS)
    assert info.value.reason == "secret_required" and "create" in str(info.value)
    assert hook_writes(fake) == [] and fake.webhooks == {}
    hs.WebHook.ensure(URL, EVENTS, secret=SECRET)
    with pytest.raises(HelpScoutValidationException) as info:
        hs.WebHook.ensure(URL, ["convo.created"])
    assert info.value.reason == "secret_required" and "update" in str(info.value)
    assert fake.webhooks[1000]["events"] == EVENTS


def test_ensure_re_enables_a_disabled_webhook(fake, hs):
    hs.WebHook.ensure(URL, EVENTS, secret=SECRET)
    fake.disable(1000)
    hook = hs.WebHook.ensure(URL, EVENTS, secret=SECRET)
    assert hook.state == "enabled" and fake.webhooks[1000]["state"] == "enabled"
    assert fake.of("PUT")[-1].json["state"] == "enabled"


@pytest.mark.parametrize(
    "url, events, message",
    [
        ("", EVENTS, "url"),
        (None, EVENTS, "url"),
        (URL, "convo.created", "list of event names"),
        (URL, [], "at least one event"),
        (URL, ["convo.created", 3], "list of event names"),
    ],
)
def test_ensure_refuses_bad_arguments_before_sending(fake, hs, url, events, message):
    with pytest.raises(HelpScoutValidationException, match=message):
        hs.WebHook.ensure(url, events, secret=SECRET)
    assert fake.requests == []


def test_ensure_refuses_a_bad_mailbox_id_and_unknown_events(fake, hs):
    with pytest.raises(TypeError):
        hs.WebHook.ensure(URL, EVENTS, mailbox_ids=["7"], secret=SECRET)
    with pytest.raises(HelpScoutValidationException):
        hs.WebHook.ensure(URL, ["convo.nonsense"], secret=SECRET)
    assert fake.webhooks == {}
    hook = hs.WebHook.ensure(URL, ["convo.nonsense"], secret=SECRET, allow_unknown_events=True)
    assert hook.events == ["convo.nonsense"]


def test_ensure_reports_help_scouts_refusal(fake, hs):
    fake.then(
        "POST",
        "/v2/webhooks",
        400,
        {"Content-Type": "application/vnd.error+json"},
        {"message": "Validation error", "logRef": "r1"},
    )
    with pytest.raises(HelpScoutRemoteException) as info:
        hs.WebHook.ensure(URL, EVENTS, secret=SECRET)
    assert info.value.status_code == 400
    assert fake.webhooks == {}


def test_health_flags_disabled_webhooks(fake, hs):
    for n in range(3):
        hs.WebHook.ensure(f"{URL}/{n}", EVENTS, secret=SECRET)
    fake.disable(1001)
    fake.webhooks[1002]["state"] = "paused"  # something Help Scout may add one day
    health = hs.WebHook.health()
    assert [h.id for h in health] == [1000, 1001, 1002]  # all pages (page size 2)
    assert all(isinstance(h, WebHookHealth) for h in health)
    assert [h.state for h in health] == ["enabled", "disabled", "paused"]
    assert [h.ok for h in health] == [True, False, False]
    assert [h.disabled for h in health] == [False, True, False]
    assert health[0].problem is None
    assert "disabled" in health[1].problem and "re-enable" in health[1].problem
    assert "paused" in health[2].problem
    assert health[1].url == f"{URL}/1" and health[1].label is None


def test_enable_keeps_every_other_setting(fake, hs):
    hs.WebHook.ensure(URL, EVENTS, label="prod", mailbox_ids=[7, 9], secret=SECRET)
    fake.disable(1000)
    before = dict(fake.webhooks[1000])
    hook = hs.WebHook.enable(1000, secret=SECRET)
    assert hook.state == "enabled" and hook.secret_key == SECRET
    after = fake.webhooks[1000]
    assert after["state"] == "enabled"
    assert {k: v for k, v in after.items() if k != "state"} == {
        k: v for k, v in before.items() if k != "state"
    }
    assert fake.secrets[1000] == SECRET


def test_enable_takes_the_secret_from_a_hook_and_does_nothing_when_enabled(fake, hs):
    created = hs.WebHook.ensure(URL, EVENTS, secret=SECRET)
    fake.disable(1000)
    assert hs.WebHook.enable(created).state == "enabled"
    puts = len(fake.of("PUT"))
    assert hs.WebHook.enable(1000, secret=SECRET).state == "enabled"
    assert len(fake.of("PUT")) == puts


def test_enable_without_a_secret_sends_nothing(fake, hs):
    hs.WebHook.ensure(URL, EVENTS, secret=SECRET)
    fake.disable(1000)
    before = hook_writes(fake)
    with pytest.raises(HelpScoutValidationException) as info:
        hs.WebHook.enable(1000)
    assert info.value.reason == "secret_required"
    assert hook_writes(fake) == before and fake.webhooks[1000]["state"] == "disabled"
    with pytest.raises(TypeError):
        hs.WebHook.enable("1000", secret=SECRET)


def test_rotate_secret_accepts_both_secrets_during_the_switch(fake, hs):
    created = hs.WebHook.ensure(URL, EVENTS, label="prod", secret=SECRET)
    rotated = hs.WebHook.rotate_secret(created, NEW_SECRET)
    assert fake.secrets[1000] == NEW_SECRET
    put = fake.of("PUT")[-1]
    assert put.json["secret"] == NEW_SECRET and put.json["events"] == EVENTS
    assert put.json["label"] == "prod"
    assert rotated.id == 1000 and rotated.secret_key == NEW_SECRET
    assert rotated.secret_keys == [SECRET] and rotated.events == EVENTS
    assert SECRET not in repr(rotated) and NEW_SECRET not in repr(rotated)

    body = fixture_bytes("convo.created.json")
    signed_new = HelpScoutWebHook(secret_key=NEW_SECRET).sign(body)
    signed_old = HelpScoutWebHook(secret_key=SECRET).sign(body)
    assert rotated.receive("convo.created", signed_new, body).secret_index == 0
    assert rotated.receive("convo.created", signed_old, body).secret_index == 1
    # After the switch window: drop the old secret.
    rotated.secret_keys = []
    assert rotated.verify(signed_old, body) is None


def test_rotate_secret_refusals_send_nothing(fake, hs):
    created = hs.WebHook.ensure(URL, EVENTS, secret=SECRET)
    before = hook_writes(fake)
    without_secret = hs.WebHook.get(1000)
    with pytest.raises(HelpScoutValidationException) as info:
        hs.WebHook.rotate_secret(without_secret, NEW_SECRET)
    assert info.value.reason == "secret_required"
    with pytest.raises(HelpScoutValidationException) as info:
        hs.WebHook.rotate_secret(created, SECRET)
    assert info.value.reason == "same_secret"
    for bad in ("", "   ", None, 42):
        with pytest.raises(HelpScoutValidationException):
            hs.WebHook.rotate_secret(created, bad)
    with pytest.raises(TypeError):
        hs.WebHook.rotate_secret(1000, NEW_SECRET)
    assert hook_writes(fake) == before and fake.secrets[1000] == SECRET


def test_rotate_secret_to_a_secret_longer_than_help_scout_allows(fake, hs):
    created = hs.WebHook.ensure(URL, EVENTS, secret=SECRET)
    with pytest.raises(HelpScoutValidationException, match="40"):
        hs.WebHook.rotate_secret(created, "x" * 41)
    assert fake.secrets[1000] == SECRET and len(fake.of("PUT")) == 0


def test_rotate_secret_of_a_deleted_webhook(fake, hs):
    created = hs.WebHook.ensure(URL, EVENTS, secret=SECRET)
    hs.WebHook.delete(1000)
    with pytest.raises(HelpScoutRemoteException) as info:
        hs.WebHook.rotate_secret(created, NEW_SECRET)
    assert info.value.status_code == 404
