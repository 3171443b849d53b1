"""The one receive pipeline (helpscout.delivery): every verdict, the order of the steps,
the dedupe protocol (with small in-test stores, one of them down), the delivery log
protocol, handler errors, async handlers and the bounded body readers."""

import asyncio
import io
import logging
import threading
import time

import pytest

from helpscout import HelpScoutWebHook, Router
from helpscout.delivery import (
    Outcome,
    is_json_content_type,
    process,
    process_async,
    read_body,
    read_body_async,
)
from helpscout.exceptions import HelpScoutRequestError

from .conftest import SECRET, fixture_bytes, signature_of

NAME = "convo.assigned.json"
EVENT = "convo.assigned"
BODY = fixture_bytes(NAME)
GOOD = {"X-HelpScout-Event": EVENT, "X-HelpScout-Signature": signature_of(NAME)}


@pytest.fixture
def hook():
    return HelpScoutWebHook(secret_key=SECRET)


def signed(body, event=EVENT):
    return {
        "X-HelpScout-Event": event,
        "X-HelpScout-Signature": HelpScoutWebHook(secret_key=SECRET).sign(body),
    }


# -- small stores that follow the protocols ---------------------------------------------------


class Ticket:
    def __init__(self, store, key, state):
        self.store, self.key, self.state = store, key, state

    def commit(self):
        self.store.steps.append("commit")
        if self.store.fail_commit:
            raise ConnectionError("store went away")
        owned = self.state == "new" and self.store.states.get(self.key) == "busy"
        if owned:
            self.store.states[self.key] = "done"
        return owned

    def release(self):
        self.store.steps.append("release")
        if self.store.fail_release:
            raise ConnectionError("store went away")
        owned = self.state == "new" and self.store.states.get(self.key) == "busy"
        if owned:
            del self.store.states[self.key]
        return owned


class Store:
    """A dict-backed dedupe store: claim -> new/busy/done, commit, release."""

    def __init__(self, steps=None, fail_commit=False, fail_release=False):
        self.states = {}
        self.steps = steps if steps is not None else []
        self.fail_commit = fail_commit
        self.fail_release = fail_release
        self.threads = []

    def claim(self, key):
        self.steps.append("claim")
        self.threads.append(threading.get_ident())
        state = self.states.get(key)
        if state is None:
            self.states[key] = "busy"
            return Ticket(self, key, "new")
        return Ticket(self, key, state)


class DownStore:
    def __init__(self):
        self.claims = 0

    def claim(self, key):
        self.claims += 1
        raise ConnectionError("redis is down")


class OddStore:
    def claim(self, key):
        return Ticket(Store(), key, "maybe")


class Log:
    """An in-memory delivery log (begin before verification, finish with the verdict)."""

    def __init__(self, steps=None, fail_begin=False, fail_finish=False):
        self.entries = {}
        self.steps = steps if steps is not None else []
        self.fail_begin = fail_begin
        self.fail_finish = fail_finish

    def begin(self, *, event_type, signature, body, headers, received_at=None):
        self.steps.append("begin")
        if self.fail_begin:
            raise OSError("disk full")
        entry = len(self.entries) + 1
        self.entries[entry] = dict(
            event_type=event_type,
            signature=signature,
            body=body,
            headers=headers,
            received_at=received_at,
            verdict="pending",
        )
        return entry

    def finish(self, entry_id, *, verdict, status, error=None, dedupe_key=None):
        self.steps.append("finish")
        if self.fail_finish:
            raise OSError("disk full")
        self.entries[entry_id].update(
            verdict=verdict, status=status, error=error, dedupe_key=dedupe_key
        )


# -- every verdict ------------------------------------------------------------------------------


def test_accepted_runs_the_handler_once_with_the_verified_event(hook):
    seen = []
    outcome = process(hook, GOOD, BODY, seen.append)
    assert isinstance(outcome, Outcome)
    assert (outcome.status, outcome.text, outcome.verdict) == (200, "ok", "accepted")
    assert outcome.ok and outcome.error is None and outcome.headers == ()
    assert seen == [outcome.event] and outcome.event.record.id == 2450311987


def test_the_order_of_the_steps(hook):
    steps = []
    store, log = Store(steps), Log(steps)
    outcome = process(hook, GOOD, BODY, lambda e: steps.append("handler"), dedupe=store, log=log)
    assert outcome.verdict == "accepted"
    assert steps == ["begin", "claim", "handler", "commit", "finish"]
    entry = log.entries[1]
    assert entry["body"] == BODY and entry["verdict"] == "accepted" and entry["status"] == 200
    assert entry["event_type"] == EVENT and entry["signature"] == signature_of(NAME)
    assert entry["dedupe_key"] == outcome.event.dedupe_key
    assert isinstance(entry["received_at"], float)


@pytest.mark.parametrize(
    "headers, body, status, text, verdict",
    [
        ({"X-HelpScout-Event": EVENT}, BODY, 401, "invalid signature", "bad_signature"),
        (
            {**GOOD, "X-HelpScout-Signature": signature_of("convo.status.json")},
            BODY,
            401,
            "invalid signature",
            "bad_signature",
        ),
        (signed(b"[1,2]"), b"[1,2]", 400, "bad request: not_object", "bad_payload"),
        (signed(b"{oops"), b"{oops", 400, None, "bad_payload"),
        (
            {"X-HelpScout-Signature": signature_of(NAME)},
            BODY,
            400,
            "bad request: missing_event",
            "bad_request",
        ),
    ],
    ids=["missing-signature", "wrong-signature", "array", "broken-json", "no-event"],
)
def test_rejections_are_logged_and_never_reach_the_handler(
    hook, headers, body, status, text, verdict, caplog
):
    called, log = [], Log()
    with caplog.at_level(logging.WARNING, logger="helpscout.webhook"):
        outcome = process(hook, headers, body, called.append, dedupe=Store(), log=log)
    assert (outcome.status, outcome.verdict) == (status, verdict)
    if text is not None:
        assert outcome.text == text
    assert called == [] and outcome.event is None and outcome.error is not None
    # persisted first, even though it was refused
    assert log.entries[1]["body"] == body and log.entries[1]["verdict"] == verdict
    assert "rejected a Help Scout webhook" in caplog.text
    assert SECRET not in caplog.text


def test_too_large_is_refused_before_the_log_and_before_hashing(hook):
    log, called = Log(), []
    big = b'{"x":"' + b"a" * 2000 + b'"}'
    outcome = process(hook, signed(big), big, called.append, log=log, max_body_bytes=1000)
    assert (outcome.status, outcome.text, outcome.verdict) == (
        413,
        "payload too large",
        "too_large",
    )
    assert log.steps == [] and called == []
    # announced by Content-Length: the body is never read
    reads = []
    outcome = process(
        hook,
        {**signed(big), "Content-Length": str(len(big))},
        lambda: reads.append(1) or big,
        called.append,
        max_body_bytes=1000,
    )
    assert outcome.verdict == "too_large" and reads == []
    # not announced (chunked): the bounded reader gives up after limit + 1 bytes
    stream = CountingStream(10**9)
    outcome = process(
        hook, GOOD, lambda: read_body(stream, 1000), called.append, max_body_bytes=1000
    )
    assert outcome.status == 413 and stream.given == 1001
    # None: no limit
    assert process(hook, signed(big), big, called.append, max_body_bytes=None).ok


def test_method_not_allowed_with_allow_header(hook):
    for method in ("GET", "PUT", "DELETE", "PATCH", "HEAD", "BREW"):
        outcome = process(hook, GOOD, lambda: pytest.fail("read"), print, method=method)
        assert (outcome.status, outcome.verdict) == (405, "method_not_allowed")
        assert outcome.headers == (("Allow", "POST"),) and outcome.text == "method not allowed"
    assert process(hook, GOOD, BODY, lambda e: None, method="post").ok
    assert process(hook, GOOD, BODY, lambda e: None, method=None).ok  # not given: POST


def test_require_json_answers_415_for_other_content_types(hook):
    accepted = [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/vnd.helpscout+json",
    ]
    refused = [None, "", "text/plain", "application/x-www-form-urlencoded", "json", "text/json"]
    for value in accepted + refused:
        headers = dict(GOOD) if value is None else {**GOOD, "Content-Type": value}
        outcome = process(hook, headers, BODY, lambda e: None, require_json=True)
        if value in accepted:
            assert outcome.ok, value
        else:
            assert (outcome.status, outcome.verdict) == (415, "bad_request"), value
    # off by default: any content type is taken (Help Scout sends application/json)
    assert process(hook, {**GOOD, "Content-Type": "text/plain"}, BODY, lambda e: None).ok
    assert is_json_content_type("application/problem+json") is True
    assert is_json_content_type("text/plain+json") is False


class _Mismatched:
    """A real event, seen through an object whose shape check fails (the extension adds
    ``WebHookEvent.shape_matches``; this stands for it where it is missing)."""

    shape_matches = False

    def __init__(self, event):
        self._event = event

    def __getattr__(self, name):
        return getattr(self._event, name)


class MismatchHook(HelpScoutWebHook):
    def receive_headers(self, headers, body, max_body_bytes=None):
        return _Mismatched(super().receive_headers(headers, body, max_body_bytes))


def test_refuse_mismatch_answers_400_event_mismatch():
    hook = MismatchHook(secret_key=SECRET)
    called, store = [], Store()
    outcome = process(hook, GOOD, BODY, called.append, refuse_mismatch=True, dedupe=store)
    assert (outcome.status, outcome.text, outcome.verdict) == (
        400,
        "bad request: event_mismatch",
        "bad_request",
    )
    assert called == [] and store.steps == []  # refused before the claim
    # off by default
    assert process(hook, GOOD, BODY, called.append).ok and len(called) == 1


def test_refuse_mismatch_on_a_real_header_swap(hook):
    from helpscout import WebHookEvent

    if not hasattr(WebHookEvent, "shape_matches"):
        pytest.skip("this build of the extension has no WebHookEvent.shape_matches yet")
    swapped = {**GOOD, "X-HelpScout-Event": "customer.created"}  # a conversation body
    assert process(hook, swapped, BODY, print, refuse_mismatch=True).text == (
        "bad request: event_mismatch"
    )
    assert process(hook, GOOD, BODY, lambda e: None, refuse_mismatch=True).ok


# -- dedupe ----------------------------------------------------------------------------------


def test_dedupe_new_then_duplicate(hook, caplog):
    store, handled = Store(), []
    first = process(hook, GOOD, BODY, handled.append, dedupe=store)
    with caplog.at_level(logging.INFO, logger="helpscout.webhook"):
        second = process(hook, GOOD, BODY, handled.append, dedupe=store)
    assert first.verdict == "accepted"
    assert (second.status, second.text, second.verdict) == (200, "duplicate", "duplicate")
    assert second.event.dedupe_key == first.event.dedupe_key and len(handled) == 1
    assert store.steps == ["claim", "commit", "claim"]
    assert "skipped a repeated Help Scout delivery" in caplog.text


def test_busy_is_409_and_retriable(hook):
    store = Store()
    key = process(hook, GOOD, BODY, lambda e: None).event.dedupe_key
    store.states[key] = "busy"  # another worker holds the claim
    handled = []
    outcome = process(hook, GOOD, BODY, handled.append, dedupe=store)
    assert (outcome.status, outcome.text, outcome.verdict) == (409, "busy", "busy")
    assert handled == [] and not outcome.ok
    # the other worker gives the claim back: the retry is handled
    del store.states[key]
    assert process(hook, GOOD, BODY, handled.append, dedupe=store).verdict == "accepted"
    assert len(handled) == 1


def test_handler_error_is_500_releases_the_claim_and_the_retry_is_handled(hook, caplog):
    store, log, calls = Store(), Log(), []

    def flaky(event):
        calls.append(event)
        if len(calls) == 1:
            raise RuntimeError("database down")

    with caplog.at_level(logging.ERROR, logger="helpscout.webhook"):
        outcome = process(hook, GOOD, BODY, flaky, dedupe=store, log=log)
    assert (outcome.status, outcome.text, outcome.verdict) == (
        500,
        "handler error",
        "handler_error",
    )
    assert isinstance(outcome.error, RuntimeError) and outcome.event is not None
    assert store.steps == ["claim", "release"] and store.states == {}
    assert "handler failed for convo.assigned" in caplog.text and "database down" in caplog.text
    assert log.entries[1]["verdict"] == "handler_error"
    assert log.entries[1]["error"] == "RuntimeError: database down"
    # Help Scout retries: handled this time, then a duplicate
    assert process(hook, GOOD, BODY, flaky, dedupe=store).verdict == "accepted"
    assert process(hook, GOOD, BODY, flaky, dedupe=store).verdict == "duplicate"
    assert len(calls) == 2
    assert SECRET not in caplog.text and "2450311987" not in caplog.text


def test_store_down_is_503_and_the_handler_is_not_run(hook, caplog):
    store, log, handled = DownStore(), Log(), []
    with caplog.at_level(logging.ERROR, logger="helpscout.webhook"):
        outcome = process(hook, GOOD, BODY, handled.append, dedupe=store, log=log)
    assert (outcome.status, outcome.text, outcome.verdict) == (
        503,
        "dedupe store unavailable",
        "store_error",
    )
    assert handled == [] and store.claims == 1 and isinstance(outcome.error, ConnectionError)
    assert log.entries[1]["verdict"] == "store_error" and log.entries[1]["status"] == 503
    assert "dedupe store is unavailable" in caplog.text
    assert process(hook, GOOD, BODY, handled.append, dedupe=OddStore()).status == 503


def test_commit_failure_after_success_is_still_200_but_logged(hook, caplog):
    store, handled = Store(fail_commit=True), []
    with caplog.at_level(logging.ERROR, logger="helpscout.webhook"):
        outcome = process(hook, GOOD, BODY, handled.append, dedupe=store)
    assert (outcome.status, outcome.verdict) == (200, "accepted") and len(handled) == 1
    assert "failed to commit" in caplog.text and "store went away" in caplog.text


def test_lost_claim_at_commit_is_logged(hook, caplog):
    store = Store()

    def handler(event):
        store.states.clear()  # the lease ran out and the key was taken over

    with caplog.at_level(logging.ERROR, logger="helpscout.webhook"):
        assert process(hook, GOOD, BODY, handler, dedupe=store).ok
    assert "claim on a delivery of convo.assigned was lost" in caplog.text


def test_release_failure_keeps_the_500(hook, caplog):
    store = Store(fail_release=True)
    with caplog.at_level(logging.ERROR, logger="helpscout.webhook"):
        outcome = process(hook, GOOD, BODY, lambda e: 1 / 0, dedupe=store)
    assert outcome.status == 500 and isinstance(outcome.error, ZeroDivisionError)
    assert "failed to release" in caplog.text


def test_keyboard_interrupt_in_the_handler_releases_and_propagates(hook):
    store, log = Store(), Log()

    def interrupted(event):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        process(hook, GOOD, BODY, interrupted, dedupe=store, log=log)
    assert store.steps == ["claim", "release"] and store.states == {}
    assert log.entries[1]["verdict"] == "handler_error"


def test_with_the_real_memory_store(hook):
    from helpscout.dedupe import MemoryDedupe

    store, handled = MemoryDedupe(), []
    assert process(hook, GOOD, BODY, lambda e: 1 / 0, dedupe=store).status == 500
    assert process(hook, GOOD, BODY, handled.append, dedupe=store).verdict == "accepted"
    assert process(hook, GOOD, BODY, handled.append, dedupe=store).verdict == "duplicate"
    assert len(handled) == 1


# -- the deprecated seen= -----------------------------------------------------------------------


def test_seen_still_works_but_warns(hook):
    keys, handled = set(), []

    def seen(key):
        repeat = key in keys
        keys.add(key)
        return repeat

    with pytest.deprecated_call(match="seen= is deprecated"):
        first = process(hook, GOOD, BODY, handled.append, seen=seen)
    with pytest.deprecated_call():
        second = process(hook, GOOD, BODY, handled.append, seen=seen)
    assert (first.verdict, second.verdict, second.text) == ("accepted", "duplicate", "duplicate")
    assert len(handled) == 1
    with pytest.raises(TypeError, match="not both"):
        process(hook, GOOD, BODY, print, seen=seen, dedupe=Store())


def test_seen_that_raises_is_a_store_error(hook):
    def seen(key):
        raise ConnectionError("down")

    with pytest.deprecated_call():
        outcome = process(hook, GOOD, BODY, print, seen=seen)
    assert (outcome.status, outcome.verdict) == (503, "store_error")


# -- the delivery log -------------------------------------------------------------------------


def test_log_down_at_begin_is_503_and_nothing_runs(hook):
    steps, handled = [], []
    outcome = process(
        hook, GOOD, BODY, handled.append, dedupe=Store(steps), log=Log(steps, fail_begin=True)
    )
    assert (outcome.status, outcome.text, outcome.verdict) == (
        503,
        "delivery log unavailable",
        "store_error",
    )
    assert handled == [] and steps == ["begin"]


def test_log_failing_at_finish_keeps_the_answer(hook, caplog):
    handled = []
    with caplog.at_level(logging.ERROR, logger="helpscout.webhook"):
        outcome = process(hook, GOOD, BODY, handled.append, log=Log(fail_finish=True))
    assert outcome.verdict == "accepted" and len(handled) == 1
    assert "failed to record a verdict" in caplog.text


def test_log_gets_plain_headers_without_credentials(hook):
    log = Log()
    headers = [
        (b"x-helpscout-event", EVENT.encode()),
        (b"x-helpscout-signature", signature_of(NAME).encode()),
        (b"content-type", b"application/json"),
        (b"authorization", b"Bearer sekrit"),
        (b"cookie", b"session=sekrit"),
        (b"x-odd", b"\xff\x00"),
    ]
    assert process(hook, headers, BODY, lambda e: None, log=log).ok
    got = log.entries[1]["headers"]
    assert got["content-type"] == "application/json" and got["x-odd"] == "\xff\x00"
    assert "authorization" not in got and "cookie" not in got
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in got.items())
    # a WSGI environ: only its HTTP_* and content keys
    log = Log()
    environ = {
        "HTTP_X_HELPSCOUT_EVENT": EVENT,
        "HTTP_X_HELPSCOUT_SIGNATURE": signature_of(NAME),
        "HTTP_AUTHORIZATION": "Basic x",
        "CONTENT_TYPE": "application/json",
        "REQUEST_METHOD": "POST",
        "wsgi.input": io.BytesIO(),
    }
    assert process(hook, environ, BODY, lambda e: None, log=log).ok
    assert log.entries[1]["headers"] == {
        "X-Helpscout-Event": EVENT,
        "X-Helpscout-Signature": signature_of(NAME),
        "Content-Type": "application/json",
    }


# -- handlers: routers, async, threads --------------------------------------------------------


def test_a_router_is_a_handler(hook):
    router, got = Router(), []

    @router.on("convo.*")
    def convo(event):
        got.append(("sync", event.event_type))

    @router.on(EVENT)
    async def assigned(event):
        got.append(("async", event.event_type))

    assert process(hook, GOOD, BODY, router).verdict == "accepted"
    assert asyncio.run(process_async(hook, GOOD, BODY, router)).verdict == "accepted"
    assert got == [("sync", EVENT), ("async", EVENT)] * 2


def test_a_failing_async_handler_behind_a_sync_call_is_500(hook):
    async def boom(event):
        raise ValueError("nope")

    store = Store()
    outcome = process(hook, GOOD, BODY, lambda e: boom(e), dedupe=store)
    assert outcome.status == 500 and isinstance(outcome.error, ValueError)
    assert store.steps == ["claim", "release"]


def test_process_async_awaits_async_handlers_on_the_loop(hook):
    where = []

    async def handler(event):
        await asyncio.sleep(0)
        where.append(threading.get_ident())

    async def main():
        store = Store()
        outcome = await process_async(hook, GOOD, BODY, handler, dedupe=store)
        return outcome, store, threading.get_ident()

    outcome, store, loop_thread = asyncio.run(main())
    assert outcome.verdict == "accepted" and where == [loop_thread]
    assert store.threads and store.threads[0] != loop_thread  # the store call was off-loop


def test_process_async_runs_sync_handlers_in_a_thread(hook):
    where = []

    async def main():
        outcome = await process_async(
            hook, GOOD, BODY, lambda e: where.append(threading.get_ident())
        )
        return outcome, threading.get_ident()

    outcome, loop_thread = asyncio.run(main())
    assert outcome.ok and where and where[0] != loop_thread


def test_process_async_every_failure_branch(hook):
    async def failing(event):
        raise RuntimeError("x")

    async def main():
        store, log = Store(), Log()
        results = [
            await process_async(hook, GOOD, BODY, failing, dedupe=store, log=log),
            await process_async(hook, GOOD, BODY, lambda e: 1 / 0),
            await process_async(hook, GOOD, BODY, failing, dedupe=DownStore()),
            await process_async(hook, {"X-HelpScout-Event": EVENT}, BODY, failing),
            await process_async(hook, GOOD, BODY, failing, method="GET"),
        ]
        return results, store, log

    results, store, log = asyncio.run(main())
    assert [r.status for r in results] == [500, 500, 503, 401, 405]
    assert store.steps == ["claim", "release"] and log.entries[1]["verdict"] == "handler_error"


def test_process_async_reads_the_body_with_a_bound(hook):
    given = []

    async def endless():
        for _ in range(10**6):
            given.append(1)
            yield b"x" * 1000

    async def main():
        return await process_async(
            hook, GOOD, lambda: read_body_async(endless(), 5000), print, max_body_bytes=5000
        )

    outcome = asyncio.run(main())
    assert outcome.status == 413 and len(given) == 6


def test_cancelled_async_handler_releases_the_claim(hook):
    store = Store()

    async def slow(event):
        await asyncio.sleep(30)

    async def main():
        task = asyncio.ensure_future(process_async(hook, GOOD, BODY, slow, dedupe=store))
        for _ in range(200):
            await asyncio.sleep(0.01)
            if "claim" in store.steps:
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(asyncio.wait_for(main(), 10))
    assert store.steps[-1] == "release" and store.states == {}


class SlowClaimStore(Store):
    """A store whose claim takes `delay` seconds (a slow Redis), so that a cancellation can
    land while the claim is being taken in its worker thread."""

    def __init__(self, delay=0.3, **kwargs):
        super().__init__(**kwargs)
        self.delay = delay

    def claim(self, key):
        time.sleep(self.delay)
        return super().claim(key)


@pytest.mark.parametrize("kind", ["async", "async behind a sync router"])
def test_a_cancel_while_the_claim_is_taken_gives_the_claim_back(hook, kind):
    # uvicorn's shutdown timeout, a client disconnect or `asyncio.wait_for` cancels the
    # task while the store call runs in its thread. Threads cannot be stopped: the claim
    # was taken after the task had gone, and held the key `busy` for the whole lease (Help
    # Scout's retries answered 409), the log entry left `pending`. The claim must be given
    # back and the entry finished once the thread is done.
    store, log = SlowClaimStore(), Log()
    ran = []

    async def handler(event):
        ran.append(event)

    if kind == "async":
        chosen = handler
    else:

        def chosen(event):  # a sync callable returning an awaitable
            return handler(event)

    async def main():
        task = asyncio.ensure_future(process_async(hook, GOOD, BODY, chosen, dedupe=store, log=log))
        await asyncio.sleep(0.1)  # inside the 0.3 s claim
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for _ in range(300):  # the thread finishes the claim, then gives it back
            if store.steps[-1:] == ["release"]:
                break
            await asyncio.sleep(0.01)

    asyncio.run(asyncio.wait_for(main(), 10))
    assert store.steps == ["claim", "release"] and store.states == {}
    assert ran == []
    (entry,) = log.entries.values()
    assert entry["verdict"] == "handler_error" and "CancelledError" in (entry["error"] or "")


# -- the bounded readers ------------------------------------------------------------------------


class CountingStream:
    """A file-like body of `size` bytes that counts what was read from it."""

    def __init__(self, size):
        self.size = size
        self.given = 0

    def read(self, n=-1):
        n = self.size - self.given if n is None or n < 0 else min(n, self.size - self.given)
        self.given += n
        return b"a" * n


def test_read_body_reads_at_most_limit_plus_one():
    stream = CountingStream(64 * 1024 * 1024)
    with pytest.raises(HelpScoutRequestError) as err:
        read_body(stream, 100_000)
    assert err.value.reason == "too_large" and err.value.http_status == 413
    assert stream.given == 100_001
    assert read_body(CountingStream(100_000), 100_000) == b"a" * 100_000
    assert read_body(io.BytesIO(b"abc"), 3) == b"abc"
    assert read_body(io.BytesIO(b"abc"), None) == b"abc"
    assert read_body(io.BytesIO(b""), 0) == b""
    with pytest.raises(HelpScoutRequestError):
        read_body(io.BytesIO(b"a"), 0)


def test_read_body_from_chunks_stops_at_the_first_chunk_past_the_limit():
    pulled = []

    def chunks():
        for i in range(10**6):
            pulled.append(i)
            yield b"" if i == 0 else b"x" * 10

    with pytest.raises(HelpScoutRequestError):
        read_body(chunks(), 95)
    assert len(pulled) == 11
    assert read_body([b"ab", bytearray(b"c"), memoryview(b"d")], 4) == b"abcd"


def test_read_body_async_closes_the_stream():
    closed = []

    async def chunks():
        try:
            for _ in range(10**6):
                yield b"x" * 10
        finally:
            closed.append(True)

    async def main():
        with pytest.raises(HelpScoutRequestError):
            await read_body_async(chunks(), 25)
        return await read_body_async(_from([b"a", b"", b"b"]), 2)

    assert asyncio.run(main()) == b"ab" and closed == [True]


async def _from(items):
    for item in items:
        yield item


def test_str_bodies_are_measured_in_utf8_bytes(hook):
    text = BODY.decode("utf-8")
    assert process(hook, GOOD, text, lambda e: None).ok
    snowman = '{"a":"' + "\u2603" * 400 + '"}'  # 400 characters, 1200 bytes
    outcome = process(hook, signed(snowman.encode()), snowman, print, max_body_bytes=1000)
    assert outcome.status == 413


def test_a_missing_secret_is_an_answer_not_an_exception(caplog):
    with caplog.at_level(logging.ERROR, logger="helpscout.webhook"):
        outcome = process(HelpScoutWebHook(), GOOD, BODY, print)
    assert (outcome.status, outcome.text) == (500, "internal error")
    assert "receiving a Help Scout webhook failed" in caplog.text


def test_log_lines_escape_unauthenticated_values(hook, caplog):
    body = b'{"id": 1}'
    headers = signed(body, event="convo.created\x1b[2J\nFORGED accepted")
    with caplog.at_level(logging.INFO, logger="helpscout.webhook"):
        outcome = process(hook, headers, body, lambda e: 1 / 0)
    assert outcome.status == 500
    assert "\x1b" not in caplog.text and "\nFORGED" not in caplog.text
    assert "convo.created\\x1b[2J\\nFORGED accepted" in caplog.text


@pytest.mark.parametrize("value", ["\u00b2", "\u0661", "-1", "1e3", " 12 ", "0x10", ""])
def test_odd_content_length_values_never_raise(hook, value):
    outcome = process(hook, {**GOOD, "Content-Length": value}, BODY, lambda e: None)
    assert outcome.ok  # the body itself is measured; an unreadable header is ignored


def test_escape_never_raises():
    from helpscout.delivery import _escape

    class Unprintable:
        def __str__(self):
            raise ValueError("no")

    assert _escape(Unprintable()) == "<Unprintable>"
    assert _escape("a\u202eb\x00\\") == "a\\u202eb\\x00\\\\"
    assert _escape("x" * 100, 10) == "xxxxxxxxxx..."
