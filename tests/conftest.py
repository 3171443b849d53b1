import json
import pathlib
import threading
import time

import pytest

from .services import *  # noqa: F403 - real service fixtures (redis_server, celery_workers, ...)

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The signed Help Scout fixtures live in the repository (and the sdist), byte-exact copies of
# the shared set; tests/test_fixtures_copy.py keeps them identical when ../shared exists.
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"

if not (FIXTURES / "manifest.json").is_file():
    raise RuntimeError(
        f"Help Scout fixtures not found at {FIXTURES}: the checkout or sdist is incomplete "
        "(tests/fixtures/ must ship with the tests)"
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


def ticks_during(call, interval=0.001):
    """Run `call()` while another thread ticks every `interval` seconds; returns the call's
    result, how long it took and how many ticks happened meanwhile. If the call holds the
    GIL from start to end, the ticker cannot tick inside the window at all."""
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(interval)

    thread = threading.Thread(target=ticker)
    thread.start()
    time.sleep(0.01)
    start = time.perf_counter()
    try:
        result = call()
    finally:
        end = time.perf_counter()
        stop.set()
        thread.join()
    return result, end - start, sum(start < t < end for t in ticks)
