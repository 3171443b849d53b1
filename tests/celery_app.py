"""The Celery application the tests run in a real worker (``celery -A tests.celery_app``).

Configured from the environment, set by the test that starts the worker:

- ``HELPSCOUT_TEST_REDIS_URL``: the broker, and the Redis that records effects;
- ``HELPSCOUT_TEST_SECRET``: the webhook secret the worker verifies with;
- ``HELPSCOUT_TEST_LEASE``: the dedupe lease in seconds;
- ``HELPSCOUT_TEST_TASK_OPTIONS``: JSON of extra task options (``max_retries``, ...);
- ``HELPSCOUT_TEST_VISIBILITY``: seconds before the broker delivers an unacknowledged
  message again (a killed worker's; Celery's default is an hour).

The handler's behaviour per delivery is set in Redis by the test, under
``test:mode:<dedupe_key>``: ``fail:N`` raises on the first N attempts; ``block:N`` (on the
first N attempts) writes ``test:started:<dedupe_key>`` and sleeps (at most 60 s, or until
``test:unblock:<dedupe_key>`` is set) so the test can kill the worker.
Every attempt is appended to ``test:attempts:<dedupe_key>`` (``<worker pid> <time>``) and
every success increments ``test:effects:<dedupe_key>``.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Dict, Optional

from celery import Celery

from helpscout import HelpScoutWebHook
from helpscout.dedupe import RedisDedupe
from helpscout.integrations.celery import webhook_task


def make_app(
    redis_url: str,
    secret: str,
    lease: float = 300.0,
    task_options: Optional[Dict[str, Any]] = None,
    visibility: float = 3600.0,
) -> Any:
    """The Celery app and its webhook task (the same in the worker and in the test)."""
    import redis

    app = Celery("helpscout_tests", broker=redis_url)
    app.conf.update(
        broker_transport_options={
            "visibility_timeout": visibility,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        worker_prefetch_multiplier=1,
        task_default_queue="helpscout-tests",
    )
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    store = RedisDedupe(client, prefix="test:dedupe:", lease=lease)

    def handle(event: Any) -> None:
        key = event.dedupe_key
        client.rpush(f"test:attempts:{key}", f"{os.getpid()} {time.time():.3f}")
        mode = (client.get(f"test:mode:{key}") or b"").decode()
        if mode.startswith("fail:"):
            if client.llen(f"test:attempts:{key}") <= int(mode[5:]):
                raise RuntimeError("a failure the test asked for")
        elif mode.startswith("block:"):
            if client.llen(f"test:attempts:{key}") > int(mode[6:]):
                client.incr(f"test:effects:{key}")
                return
            client.set(f"test:started:{key}", os.getpid())
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not client.get(f"test:unblock:{key}"):
                time.sleep(0.05)
        client.incr(f"test:effects:{key}")

    task = webhook_task(
        app, HelpScoutWebHook(secret_key=secret), handle, dedupe=store, **(task_options or {})
    )
    return app, task


if "HELPSCOUT_TEST_REDIS_URL" in os.environ:
    app, task = make_app(
        os.environ["HELPSCOUT_TEST_REDIS_URL"],
        os.environ["HELPSCOUT_TEST_SECRET"],
        float(os.environ.get("HELPSCOUT_TEST_LEASE", "300")),
        json.loads(os.environ.get("HELPSCOUT_TEST_TASK_OPTIONS", "{}")),
        float(os.environ.get("HELPSCOUT_TEST_VISIBILITY", "3600")),
    )
