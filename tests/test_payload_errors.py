"""Bodies that verify but are not a JSON object: typed, located, ValueError-compatible."""

import json
import pickle

import pytest

from helpscout import HelpScoutWebHook
from helpscout.exceptions import (
    HelpScoutPayloadError,
    HelpScoutSecurityException,
    HelpScoutValidationException,
)

from .conftest import ticks_during

SECRET = "payload-secret"


def receive(body, event="convo.created"):
    hook = HelpScoutWebHook(secret_key=SECRET)
    return hook.receive(event, hook.sign(body), body)


@pytest.mark.parametrize(
    "body,reason,line,column,words",
    [
        (b'{"id": 1,\n "subject": }', "syntax", 2, 13, "not valid JSON"),
        (b'{"id": 1', "syntax", 1, 9, "ends too early"),
        (b'{"id": 1} trailing', "syntax", 1, 11, "trailing characters"),
        (b"", "empty", 1, 1, "empty"),
        (b"   \n", "empty", 1, 1, "empty"),
        (b"[1, 2]", "not_object", 1, 1, "an array"),
        (b'"just a string"', "not_object", 1, 1, "a string"),
        (b"42", "not_object", 1, 1, "a number"),
        (b"null", "not_object", 1, 1, "null"),
        (b'{"subject": "caf\xe9"}', "utf8", 1, 17, "not valid UTF-8"),
        (b'{"a": [' + b"[" * 200 + b"]" * 200 + b"]}", "too_deep", 1, 134, "more than 128 levels"),
        (b'{"n": ' + b"7" * 4301 + b"}", "number", 1, 7, "more than 4300 digits"),
    ],
)
def test_payload_errors_say_what_and_where(body, reason, line, column, words):
    with pytest.raises(HelpScoutPayloadError) as err:
        receive(body)
    e = err.value
    assert e.reason == reason
    assert (e.line, e.column) == (line, column)
    assert words in str(e)
    assert isinstance(e, HelpScoutValidationException)
    assert isinstance(e, ValueError)


def test_code_catching_json_decode_errors_as_value_error_keeps_working():
    try:
        receive(b"{broken")
    except ValueError as e:  # the original raised json.JSONDecodeError (a ValueError)
        assert "line 1" in str(e)
    else:
        raise AssertionError("expected a ValueError")


def test_payload_error_pickles():
    with pytest.raises(HelpScoutPayloadError) as err:
        receive(b"[1]")
    again = pickle.loads(pickle.dumps(err.value))
    assert (again.reason, again.line, again.column, str(again)) == (
        "not_object",
        1,
        1,
        str(err.value),
    )


def test_bad_signature_wins_over_a_bad_body():
    hook = HelpScoutWebHook(secret_key=SECRET)
    with pytest.raises(HelpScoutSecurityException):
        hook.receive("convo.created", hook.sign(b"{}"), b"[not json")


def test_lone_surrogate_reads_as_json_loads_gives_it():
    body = b'{"id": 1, "subject": "a\\ud800b"}'
    record = receive(body).record
    assert record.id == 1
    assert record.subject == json.loads(body)["subject"] == "a\ud800b"
    assert record.to_api() == json.loads(body)


def test_bodies_json_loads_accepts_as_bytes_are_accepted():
    """A UTF-8 byte-order mark and UTF-16/32 bodies, as ``json.loads(bytes)`` reads them;
    the signature covers the bytes as sent."""
    text = '{"id": 7, "subject": "Zoë 🎉"}'
    for body in (
        b"\xef\xbb\xbf" + text.encode(),
        text.encode("utf-16"),
        text.encode("utf-16-le"),
        text.encode("utf-16-be"),
        text.encode("utf-32"),
        text.encode("utf-32-be"),
    ):
        record = receive(body).record
        assert record.to_api() == json.loads(body), body[:8]
        assert record.subject == "Zoë 🎉"


def test_payload_error_is_a_json_decode_error():
    body = b'{"id": 1,\n "subject": }'
    with pytest.raises(json.JSONDecodeError) as err:
        receive(body)
    e = err.value
    expected = None
    try:
        json.loads(body)
    except json.JSONDecodeError as j:
        expected = j
    assert expected is not None
    assert (e.lineno, e.colno, e.pos) == (expected.lineno, expected.colno, expected.pos)
    assert e.doc == body.decode() and e.msg == str(e)


def test_message_contains_no_body_or_secret():
    body = b'{"password": "hunter2", "x": }'
    with pytest.raises(HelpScoutPayloadError) as err:
        receive(body)
    assert "hunter2" not in str(err.value) and SECRET not in str(err.value)


def test_large_body_releases_the_gil():
    """While one thread verifies and parses a large body, another keeps running."""
    hook = HelpScoutWebHook(secret_key=SECRET)
    body = json.dumps({"id": 1, "blob": "x" * 40_000_000}).encode()
    sig = hook.sign(body)
    event, took, ticks = ticks_during(lambda: hook.receive("convo.created", sig, body))
    assert event.record.id == 1
    # One call that hashes and scans 40 MB: with the GIL held for the whole call the
    # ticker could not record a single tick inside the window.
    assert ticks >= 3, (ticks, took)
