"""The package's own samples: one per catalogued event, realistic, signed and parsed."""

import json
import pathlib
import subprocess
import sys

import pytest

from helpscout import HelpScoutWebHook, _core
from helpscout.events import EVENT_CHOICES, EVENTS, record_class
from helpscout.samples import sample, sample_dict

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_every_event_has_a_sample_that_receives(event):
    hook = HelpScoutWebHook(secret_key="samples")
    body = sample(event)
    # serialized like Help Scout's PHP backend: ASCII only, every "/" escaped
    assert body.isascii()
    assert b"/" not in body.replace(b"\\/", b"")
    received = hook.receive(event, hook.sign(body), body)
    assert type(received.record) is record_class(event)
    assert type(received.record).__name__ == EVENTS[event].record_class
    assert received.record.to_api() == sample_dict(event) == json.loads(body)


def test_unknown_event_has_no_sample():
    with pytest.raises(ValueError, match="unknown event 'nope'"):
        sample("nope")


def test_catalogue():
    assert len(EVENTS) == 31
    assert EVENT_CHOICES["convo.assigned"] == "Conversation was assigned."
    assert {e[0] for e in _core.events()} == set(EVENTS)
    assert EVENTS["convo.ai-answers.created"].subscribable is False
    assert record_class("convo.brand-new") is _core.Conversation


def test_demo_runs_end_to_end():
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "receive_samples.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.count("  ok  ") == 31
    assert "forged request rejected" in out and "tampered body rejected" in out
