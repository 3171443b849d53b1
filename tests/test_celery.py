"""Celery hand-off with a real ``redis-server`` broker and real ``celery worker --pool=solo``
subprocesses (tests/celery_app.py), fed through a real Flask endpoint over HTTP."""

from __future__ import annotations

import base64
import json
import time
from typing import Any, Dict, List, Tuple

import pytest

from helpscout import HelpScoutWebHook

from .conftest import MANIFEST, SECRET, fixture_bytes, receive
from .services import post, serve_wsgi, wait_for

pytest.importorskip("celery")
flask = pytest.importorskip("flask")

QUEUE = "helpscout-tests"


def signed(event: str) -> Tuple[bytes, Dict[str, str]]:
    entry = next(f for f in MANIFEST["fixtures"] if f["event"] == event)
    return fixture_bytes(entry["file"]), {
        "X-HelpScout-Event": event,
        "X-HelpScout-Signature": entry["signature"],
        "Content-Type": "application/json",
    }


def dedupe_key(event: str) -> str:
    entry = next(f for f in MANIFEST["fixtures"] if f["event"] == event)
    return receive(HelpScoutWebHook(secret_key=SECRET), entry["file"]).dedupe_key


class Celery:
    """The test's side: a producer app with the same task, a Flask endpoint whose handler
    is ``task.handoff``, and the Redis where the worker's handler records attempts."""

    def __init__(self, redis_server: Any, redis_client: Any, workers: Any) -> None:
        from .celery_app import make_app

        self.server = redis_server
        self.redis = redis_client
        self.workers = workers
        self.make_app = make_app
        self.apps: List[Any] = []

    def producer(self, **options: Any) -> Any:
        app, task = self.make_app(self.server.url, SECRET, **options)
        self.apps.append(app)
        return task

    def worker(
        self, name: str, lease: float = 300, visibility: float = 3600, **options: Any
    ) -> Any:
        return self.workers.start(
            "tests.celery_app",
            env={
                "HELPSCOUT_TEST_REDIS_URL": self.server.url,
                "HELPSCOUT_TEST_SECRET": SECRET,
                "HELPSCOUT_TEST_LEASE": str(lease),
                "HELPSCOUT_TEST_VISIBILITY": str(visibility),
                "HELPSCOUT_TEST_TASK_OPTIONS": json.dumps(options),
            },
            name=name,
        )

    def endpoint(self, task: Any, **options: Any) -> Any:
        from helpscout.integrations.flask import webhook_blueprint

        app = flask.Flask(__name__)
        hook = HelpScoutWebHook(secret_key=SECRET)
        app.register_blueprint(webhook_blueprint(hook, task.handoff, **options))
        return serve_wsgi(app)

    def attempts(self, key: str) -> List[Tuple[int, float]]:
        raw = self.redis.lrange(f"test:attempts:{key}", 0, -1)
        return [(int(pid), float(at)) for pid, at in (item.split() for item in raw)]

    def effects(self, key: str) -> int:
        return int(self.redis.get(f"test:effects:{key}") or 0)

    def idle(self) -> bool:
        """Nothing waiting in the queue and nothing held unacknowledged by a worker."""
        return self.redis.llen(QUEUE) == 0 and self.redis.hlen("unacked") == 0

    def close(self) -> None:
        for app in self.apps:
            app.close()


@pytest.fixture
def celery(redis_server: Any, redis_client: Any, celery_workers: Any) -> Any:
    harness = Celery(redis_server, redis_client, celery_workers)
    yield harness
    harness.close()


def test_handoff_enqueues_the_exact_body_and_a_valid_signature(celery: Celery) -> None:
    """The message is JSON (no pickle), carries the exact signed text, verifies under the
    secret, and contains no secret."""
    task = celery.producer()
    hook = HelpScoutWebHook(secret_key=SECRET)
    body, headers = signed("convo.created")
    event = hook.receive_headers(headers, body)
    task.handoff(event)
    (raw,) = celery.redis.lrange(QUEUE, 0, -1)
    message = json.loads(raw)
    assert message["content-type"] == "application/json"
    assert message["headers"]["task"] == "helpscout.webhook"
    assert message["properties"]["body_encoding"] == "base64"
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    (envelope,) = args
    assert kwargs == {}
    assert envelope["event_type"] == "convo.created"
    assert envelope["body"].encode("utf-8") == body  # byte for byte, \\/ and \\u escapes kept
    assert envelope["dedupe_key"] == event.dedupe_key
    assert hook.verify(envelope["signature"], envelope["body"]) == 0
    assert SECRET not in raw.decode("utf-8")


def test_endpoint_to_worker_runs_once_and_skips_repeats(celery: Celery) -> None:
    """Help Scout's delivery is answered at once; the worker runs the handler; a repeated
    delivery (answered 200 again by the endpoint) is skipped by the worker's claim."""
    celery.worker("once")
    task = celery.producer()
    key = dedupe_key("convo.created")
    with celery.endpoint(task) as url:
        body, headers = signed("convo.created")
        started = time.monotonic()
        assert post(url + "/helpscout", body, headers) == (200, "ok")
        assert time.monotonic() - started < 2  # only enqueued
        wait_for(lambda: celery.effects(key) == 1, 20, "the worker to handle the delivery")
        assert post(url + "/helpscout", body, headers) == (200, "ok")  # a repeat
        wait_for(celery.idle, 20, "the repeat to be consumed")
        time.sleep(0.3)
    assert celery.effects(key) == 1
    assert len(celery.attempts(key)) == 1


def test_endpoint_and_worker_share_one_store(celery: Celery) -> None:
    """With ``dedupe=`` on the endpoint too, a repeat is answered ``duplicate`` and not
    even enqueued; the task's claims live in their own namespace of the same store."""
    import redis

    from helpscout.dedupe import RedisDedupe

    celery.worker("shared")
    task = celery.producer()
    client = redis.Redis.from_url(celery.server.url)
    store = RedisDedupe(client, prefix="test:dedupe:")
    key = dedupe_key("customer.created")
    try:
        with celery.endpoint(task, dedupe=store) as url:
            body, headers = signed("customer.created")
            assert post(url + "/helpscout", body, headers) == (200, "ok")
            wait_for(lambda: celery.effects(key) == 1, 20, "the worker to handle the delivery")
            assert post(url + "/helpscout", body, headers) == (200, "duplicate")
            assert celery.redis.llen(QUEUE) == 0
        assert celery.redis.get(f"test:dedupe:{key}") == b"done"
        assert celery.redis.get(f"test:dedupe:helpscout.webhook:{key}") == b"done"
    finally:
        client.close()
    assert len(celery.attempts(key)) == 1


def test_handler_errors_retry_with_backoff_then_succeed_or_give_up(celery: Celery) -> None:
    """Celery's own retry, honouring ``max_retries`` and ``retry_backoff`` (no jitter:
    waits of 1 s then 2 s). A handler that keeps failing stops after ``max_retries``."""
    worker = celery.worker("retry", max_retries=2, retry_backoff=True, retry_jitter=False)
    task = celery.producer()
    flaky, broken = dedupe_key("convo.assigned"), dedupe_key("convo.status")
    celery.redis.set(f"test:mode:{flaky}", "fail:2")
    celery.redis.set(f"test:mode:{broken}", "fail:100")
    with celery.endpoint(task) as url:
        for event in ("convo.assigned", "convo.status"):
            body, headers = signed(event)
            assert post(url + "/helpscout", body, headers) == (200, "ok")
        wait_for(lambda: celery.effects(flaky) == 1, 30, "the flaky delivery to succeed")
        wait_for(lambda: len(celery.attempts(broken)) == 3, 30, "the broken one to give up")
        wait_for(celery.idle, 20, "the queue to drain")
    times = [at for _, at in celery.attempts(flaky)]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.9
    assert times[2] - times[1] >= 1.9
    time.sleep(0.5)
    assert len(celery.attempts(broken)) == 3  # 1 + max_retries, then no more
    assert celery.effects(broken) == 0
    assert celery.redis.get(f"test:dedupe:helpscout.webhook:{broken}") is None  # released
    log = worker.log(tail=10**6)
    assert "Retry in 1s" in log and "Retry in 2s" in log


def test_forged_or_malformed_messages_never_reach_the_handler(celery: Celery) -> None:
    """The queue is another trust boundary: the worker verifies again, and refuses a bad
    message at once (no retry) without calling the handler."""
    worker = celery.worker("forged")
    task = celery.producer()
    raw, headers = signed("convo.created")
    body, signature = raw.decode("utf-8"), headers["X-HelpScout-Signature"]
    bad: List[Any] = [
        {"event_type": "convo.created", "body": body, "signature": "AAAA"},
        {"event_type": "convo.created", "body": " " + body, "signature": signature},
        {"event_type": "convo.created", "body": body, "signature": ""},
        {"event_type": "convo.created", "body": body},
        {"event_type": 1, "body": body, "signature": signature},
        {"event_type": "convo.created", "body": raw.hex(), "signature": signature},
        "not an envelope",
        ["convo.created", body, signature],
        None,
    ]
    for message in bad:
        task.apply_async(args=(message,))
    wait_for(
        lambda: worker.log(tail=10**6).count("rejected a queued Help Scout delivery") == len(bad),
        20,
        "every bad message to be rejected",
    )
    wait_for(celery.idle, 20, "the messages to be consumed")
    log = worker.log(tail=10**6)
    assert celery.redis.keys("test:attempts:*") == []
    assert "Retry in" not in log
    assert SECRET not in log
    key = dedupe_key("convo.created")
    task.handoff(HelpScoutWebHook(secret_key=SECRET).receive_headers(headers, raw))
    wait_for(lambda: celery.effects(key) == 1, 20, "a good message after the bad ones")


def test_a_worker_killed_mid_task_is_redelivered_and_handled_once(celery: Celery) -> None:
    """``acks_late``: SIGKILL a worker inside the handler; the broker delivers the message
    again (visibility timeout 2 s); the second worker finds the dead worker's lease busy,
    retries until it runs out (3 s), then handles the delivery: one effect."""
    first = celery.worker("doomed", lease=3, visibility=2, max_retries=50, default_retry_delay=0.3)
    task = celery.producer()
    key = dedupe_key("convo.created")
    celery.redis.set(f"test:mode:{key}", "block:1")
    with celery.endpoint(task) as url:
        body, headers = signed("convo.created")
        assert post(url + "/helpscout", body, headers) == (200, "ok")
        wait_for(lambda: celery.redis.get(f"test:started:{key}"), 20, "the handler to start")
        first.kill()
        assert first.process.returncode == -9
        assert celery.effects(key) == 0
        second = celery.worker(
            "heir", lease=3, visibility=2, max_retries=50, default_retry_delay=0.3
        )
        wait_for(lambda: celery.effects(key) == 1, 30, "the second worker to take over")
        wait_for(celery.idle, 20, "the queue to drain")
        time.sleep(0.5)
    attempts = celery.attempts(key)
    assert celery.effects(key) == 1
    assert [pid for pid, _ in attempts] == [first.process.pid, second.process.pid]
    assert celery.redis.get(f"test:dedupe:helpscout.webhook:{key}") == b"done"


def test_a_broker_that_is_down_makes_the_endpoint_answer_500(
    redis_factory: Any, celery_workers: Any
) -> None:
    """Nothing is enqueued, so the endpoint answers 500 and Help Scout retries."""
    from .celery_app import make_app

    server = redis_factory()
    app, task = make_app(server.url, SECRET)
    app.conf.broker_connection_max_retries = 1
    app.conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0}
    server.kill()
    try:
        with Celery.endpoint(None, task) as url:  # type: ignore[arg-type]
            body, headers = signed("convo.created")
            started = time.monotonic()
            assert post(url + "/helpscout", body, headers, timeout=30) == (500, "handler error")
            assert time.monotonic() - started < 20
    finally:
        app.close()


def test_async_handlers_and_routers_run_in_the_task(celery: Celery) -> None:
    """The task runs a coroutine handler (or a Router with async handlers) to completion;
    Celery's ``apply`` executes the real task body in this process."""
    from helpscout import Router
    from helpscout.dedupe import MemoryDedupe
    from helpscout.integrations.celery import envelope_of, webhook_task

    app, _ = celery.make_app(celery.server.url, SECRET)
    celery.apps.append(app)
    hook = HelpScoutWebHook(secret_key=SECRET)
    calls: List[str] = []
    router = Router()
    router.on("convo.*")(lambda event: calls.append("sync"))

    @router.on("convo.created")
    async def later(event: Any) -> None:
        calls.append("async")

    task = webhook_task(app, hook, router, dedupe=MemoryDedupe(), name="test.router")
    body, headers = signed("convo.created")
    envelope = envelope_of(hook, hook.receive_headers(headers, body))
    assert json.loads(json.dumps(envelope)) == envelope  # JSON-safe
    assert task.apply(args=(envelope,)).get() == "ok"
    assert calls == ["sync", "async"]
    assert task.apply(args=(envelope,)).get() == "duplicate"
    assert calls == ["sync", "async"]


def _code_blocks(text: str) -> List[str]:
    blocks, inside, current = [], False, []
    for line in text.splitlines():
        if line.startswith("```"):
            if inside:
                blocks.append("\n".join(current))
            inside, current = (not inside and line == "```python"), []
        elif inside:
            current.append(line)
    return blocks


def test_the_production_docs_examples_run(celery: Celery, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/production.md: the MemoryDedupe app and the complete Redis + Celery app work
    as printed (the Celery app's task is run in-process with ``apply``)."""
    import pathlib

    text = (pathlib.Path(__file__).parent.parent / "docs" / "production.md").read_text()
    blocks = _code_blocks(text)
    memory_app = next(b for b in blocks if "MemoryDedupe()))" in b)
    celery_app = next(b for b in blocks if "celery_app = Celery(" in b)
    monkeypatch.setenv("HELPSCOUT_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("REDIS_URL", celery.server.url)
    body, headers = signed("convo.created")

    namespace: Dict[str, Any] = {"__name__": "docs_memory_app"}
    exec(compile(memory_app, "production.md", "exec"), namespace)
    client = namespace["app"].test_client()
    answers = [client.post("/helpscout", data=body, headers=headers) for _ in range(2)]
    assert [(a.status_code, a.get_data(as_text=True)) for a in answers] == [
        (200, "ok"),
        (200, "duplicate"),
    ]

    namespace = {"__name__": "docs_celery_app"}
    exec(compile(celery_app, "production.md", "exec"), namespace)
    celery.apps.append(namespace["celery_app"])
    client = namespace["app"].test_client()
    answer = client.post("/helpscout", data=body, headers=headers)
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "ok")
    (raw,) = celery.redis.lrange("celery", 0, -1)  # enqueued on Celery's default queue
    (envelope,), _, _ = json.loads(base64.b64decode(json.loads(raw)["body"]))
    assert namespace["task"].apply(args=(envelope,)).get() == "ok"
    assert namespace["task"].apply(args=(envelope,)).get() == "duplicate"
    answer = client.post("/helpscout", data=body, headers=headers)
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "duplicate")
