import json
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = pathlib.Path(os.environ.get("HELPSCOUT_SHARED", ROOT.parent / "shared"))
FIXTURES = SHARED / "helpscout" / "fixtures"

if not (FIXTURES / "manifest.json").is_file():
    raise RuntimeError(
        f"Help Scout fixtures not found at {FIXTURES}; set HELPSCOUT_SHARED to the shared/ folder"
    )

MANIFEST = json.loads((FIXTURES / "manifest.json").read_bytes())
SECRET = MANIFEST["secret"]


def fixture_bytes(name: str) -> bytes:
    """The exact bytes of a signed fixture (never re-encoded)."""
    return (FIXTURES / name).read_bytes()


def signature_of(name: str) -> str:
    return next(f["signature"] for f in MANIFEST["fixtures"] if f["file"] == name)


@pytest.fixture
def hook():
    from helpscout import HelpScoutWebHook

    return HelpScoutWebHook(secret_key=SECRET)


def receive(hook, name: str, event: str = ""):
    entry = next(f for f in MANIFEST["fixtures"] if f["file"] == name)
    return hook.receive(event or entry["event"], entry["signature"], fixture_bytes(name))
