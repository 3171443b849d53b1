"""Random and mutated input: never a crash, never an exception that is not the library's
(SECURITY-CHECKLIST K1, H1)."""

import random

import pytest

from helpscout import HelpScoutWebHook
from helpscout.exceptions import HelpScoutException, HelpScoutPayloadError
from helpscout.models import Record

from .conftest import MANIFEST, SECRET, fixture_bytes


def read_everything(value, depth=0):
    """Touch every field of a record tree the ways users do."""
    if depth > 40:
        return
    if isinstance(value, Record):
        repr(value)
        value.to_api()
        value.serialize()
        for name in value.keys():
            read_everything(getattr(value, name), depth + 1)
    elif isinstance(value, list):
        for item in value:
            read_everything(item, depth + 1)


def test_random_signatures_and_bodies_only_give_library_outcomes():
    rng = random.Random(1)
    hook = HelpScoutWebHook(secret_key=SECRET)
    for _ in range(2000):
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64)))
        length = rng.choice([0, 1, 27, 28, 29, 40])
        signature = "".join(rng.choice("AZaz09+/=_- \n\t\u00e9") for _ in range(length))
        assert hook.validate_signature(signature, body) in (True, False)
        try:
            hook.receive("convo.created", signature, body)
        except HelpScoutException:
            pass


@pytest.mark.parametrize(
    "name", ["convo.merged.json", "customer.updated.json", "beacon.chat.customer.replied.json"]
)
def test_mutated_signed_bodies_parse_or_raise_payload_errors(name):
    rng = random.Random(name)
    hook = HelpScoutWebHook(secret_key=SECRET)
    original = fixture_bytes(name)
    outcomes = {"parsed": 0, "rejected": 0}
    for _ in range(400):
        body = bytearray(original)
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(len(body))
            body[at : at + rng.randrange(0, 3)] = bytes(
                rng.choice(b'{}[]",:\\0e.-\xff\xc3 ') for _ in range(rng.randrange(0, 3))
            )
        body = bytes(body)
        try:
            event = hook.receive(name[:-5], hook.sign(body), body)
        except HelpScoutPayloadError:
            outcomes["rejected"] += 1
            continue
        outcomes["parsed"] += 1
        try:
            read_everything(event.record)
        except HelpScoutPayloadError:  # e.g. a lone surrogate escape, reported when read
            pass
    assert outcomes["parsed"] > 0 and outcomes["rejected"] > 0, outcomes


def test_every_fixture_reads_completely():
    hook = HelpScoutWebHook(secret_key=SECRET)
    for entry in MANIFEST["fixtures"]:
        event = hook.receive(entry["event"], entry["signature"], fixture_bytes(entry["file"]))
        read_everything(event.record)
