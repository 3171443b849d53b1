"""Every shared fixture verifies, parses into its class and round-trips losslessly."""

import json
import re

import pytest

from helpscout import HelpScoutWebHook, models
from helpscout.exceptions import HelpScoutSecurityException

from .conftest import FIXTURES, MANIFEST, SECRET, fixture_bytes

OBJECT_CLASS = {
    "conversation": models.Conversation,
    "customer": models.Customer,
    "rating": models.Rating,
    "chat": models.BeaconChat,
    "tag": models.Tag,
    "organization": models.Organization,
    "user_status": models.UserStatus,
    "survey_response": models.SurveyResponse,
    "deleted": models.Deleted,
    "test": models.Ping,
}

ENTRIES = MANIFEST["fixtures"]


def test_manifest_covers_every_object_kind():
    assert {f["object"] for f in ENTRIES} == set(OBJECT_CLASS)
    assert len(ENTRIES) == 35


@pytest.mark.parametrize("entry", ENTRIES, ids=[f["file"] for f in ENTRIES])
def test_fixture_verifies_parses_and_round_trips(entry):
    hook = HelpScoutWebHook(secret_key=SECRET)
    body = fixture_bytes(entry["file"])
    assert len(body) == entry["bytes"]
    assert hook.validate_signature(entry["signature"], body) is True
    event = hook.receive(entry["event"], entry["signature"], body)
    assert event.event_type == entry["event"]
    assert type(event.record) is OBJECT_CLASS[entry["object"]]
    assert event.record.to_api() == json.loads(body)
    assert event.is_test == (entry["event"] == "helpscout.test")
    assert event.is_known is True
    assert event.secret_index == 0


@pytest.mark.parametrize("entry", ENTRIES, ids=[f["file"] for f in ENTRIES])
def test_fixture_rejected_with_another_secret(entry):
    hook = HelpScoutWebHook(secret_key="not-" + SECRET)
    with pytest.raises(HelpScoutSecurityException) as err:
        hook.receive(entry["event"], entry["signature"], fixture_bytes(entry["file"]))
    assert err.value.reason == "signature_mismatch"


def _negative_vectors():
    text = (FIXTURES / "SIGNATURES.md").read_text(encoding="utf-8")
    section = text.split("## Negative / variant vectors", 1)[1].split("## External", 1)[0]
    rows = re.findall(r"^\| (.+?) \| `([^`]+)` \|$", section, flags=re.M)
    assert len(rows) == 8, rows
    return rows


@pytest.mark.parametrize("label,value", _negative_vectors())
def test_negative_vectors_from_signatures_md_fail(label, value):
    hook = HelpScoutWebHook(secret_key=SECRET)
    body = fixture_bytes("convo.created.json")
    assert hook.validate_signature(value, body) is False
    with pytest.raises(HelpScoutSecurityException):
        hook.receive("convo.created", value, body)


def test_negative_vectors_describe_real_mistakes():
    """Each negative vector is what a buggy verifier would compute from the same body."""
    import base64
    import hashlib
    import hmac

    body = fixture_bytes("convo.created.json")
    key = SECRET.encode()
    vectors = dict((label.split(" (")[0], value) for label, value in _negative_vectors())
    assert (
        vectors["body + `\\n` appended"]
        == base64.b64encode(hmac.new(key, body + b"\n", hashlib.sha1).digest()).decode()
    )
    assert hmac.new(key, body, hashlib.sha1).hexdigest() in vectors.values()
    reserialized = json.dumps(json.loads(body), separators=(",", ":")).encode()
    assert (
        base64.b64encode(hmac.new(key, reserialized, hashlib.sha1).digest()).decode()
        in vectors.values()
    )


def test_external_known_answer_vector():
    body = (
        b'{"ticket":{"id":"1","number":"2"},"customer":{"id":"1","fname":"Jackie",'
        b'"lname":"Chan","email":"jackie.chan@somewhere.com",'
        b'"emails":["jackie.chan@somewhere.com"]}}'
    )
    hook = HelpScoutWebHook(secret_key="your secret key")
    assert hook.sign(body) == "I1KlvGppYqvFTJgJ9jezdQMDiyI="
    assert hook.validate_signature("I1KlvGppYqvFTJgJ9jezdQMDiyI=", body)
    assert not hook.validate_signature("uUZaT9uFFWnZ87cTlU3G8JzJLio=", body)
    assert hook.validate_signature("uUZaT9uFFWnZ87cTlU3G8JzJLio=", body + b"\n")


def test_payload_version_markers():
    """v1 fixtures carry the legacy keys; the same classes read both shapes."""
    hook = HelpScoutWebHook(secret_key=SECRET)
    for entry in ENTRIES:
        if entry["object"] not in ("conversation", "customer", "rating"):
            continue
        event = hook.receive(entry["event"], entry["signature"], fixture_bytes(entry["file"]))
        assert event.payload_version == entry["payload_version"], entry["file"]
