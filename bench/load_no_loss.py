#!/usr/bin/env python3
"""Load check: no delivery lost, none handled twice (issue #8). Not a timed test.

On loopback, with real processes: a ``redis-server`` (dedupe store and Celery broker),
gunicorn serving a Flask endpoint (``webhook_blueprint(hook, task.handoff, dedupe=store)``)
with N web worker processes x T threads, and 2 Celery workers (``--pool=solo``) running the
handler under ``webhook_task(..., dedupe=store)``. A client sends D deliveries from C
threads: 80% unique, 20% repeats of an earlier one (half of them of a recent one, so some
arrive while the first is still in flight); a non-2xx answer (409 busy, 5xx) is retried
like Help Scout does. The handler fails once on about 5% of the unique deliveries (Celery
retries them), and one delivery makes its worker block until it is killed with SIGKILL
mid-task; a replacement worker is started and the message is delivered again once the
broker's visibility timeout has passed and the dead worker's lease has run out.

At the end every unique delivery's effect (a Redis counter the handler increments last)
must be exactly 1. Prints deliveries/s, endpoint latency (p50, p99, max), answers by
status, effects counted (lost and doubled), retries, and the kill.

Usage: python bench/load_no_loss.py [--deliveries 10000] [--web-workers 2] [--threads 8]
       [--clients 16] [--seed 1]

Needs redis-server (Debian package), and redis, celery, flask, gunicorn in the venv.
The same file is the gunicorn app (``load_no_loss:web_app``) and the Celery app
(``celery -A load_no_loss``) when ``LOAD_NO_LOSS_REDIS_URL`` is set.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import pathlib
import random
import sys
import tempfile
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
SECRET = "load-no-loss-secret"
QUEUE = "load-no-loss"
LEASE = 5.0
VISIBILITY = 8.0

# -- the web app and the Celery app (in gunicorn and celery worker processes) ------------------


def _fails_once(key: str) -> bool:
    """About 5% of the deliveries: the handler raises on the first attempt."""
    return int(key[:8], 16) % 20 == 0


def build(redis_url: str, slow_key: str) -> Tuple[Any, Any, Any]:
    """The Celery app, its webhook task and the Flask app whose endpoint hands off to it."""
    import redis
    from celery import Celery
    from flask import Flask

    from helpscout import HelpScoutWebHook
    from helpscout.dedupe import RedisDedupe
    from helpscout.integrations.celery import webhook_task
    from helpscout.integrations.flask import webhook_blueprint

    hook = HelpScoutWebHook(secret_key=SECRET)
    client = redis.Redis.from_url(redis_url, socket_timeout=10)

    celery_app = Celery("load_no_loss", broker=redis_url)
    celery_app.conf.update(
        broker_transport_options={
            "visibility_timeout": VISIBILITY,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
    )

    def handle(event: Any) -> None:
        key = event.dedupe_key
        attempt = client.incr(f"bench:attempts:{key}")
        if key == slow_key and attempt == 1:
            client.set("bench:slow-started", os.getpid())
            time.sleep(60)  # killed here
        if _fails_once(key) and attempt == 1:
            raise RuntimeError("injected failure (succeeds on retry)")
        client.incr(f"bench:effects:{key}")

    task = webhook_task(
        celery_app,
        hook,
        handle,
        dedupe=RedisDedupe(client, prefix="bench:worker:", lease=LEASE),
        max_retries=20,
        default_retry_delay=0.2,
    )
    web = Flask("load_no_loss")
    web.register_blueprint(
        webhook_blueprint(hook, task.handoff, dedupe=RedisDedupe(client, prefix="bench:web:"))
    )
    return celery_app, task, web


if "LOAD_NO_LOSS_REDIS_URL" in os.environ:
    app, task, web_app = build(
        os.environ["LOAD_NO_LOSS_REDIS_URL"], os.environ.get("LOAD_NO_LOSS_SLOW_KEY", "")
    )


# -- the run --------------------------------------------------------------------------------------


def deliveries(count: int, seed: int) -> Tuple[List[Tuple[bytes, str]], List[int], List[str]]:
    """Signed unique bodies, the order to send them in (indexes into the bodies, with 20%
    repeats), and each body's dedupe key."""
    from helpscout import HelpScoutWebHook

    hook = HelpScoutWebHook(secret_key=SECRET)
    template = json.loads((ROOT / "tests" / "fixtures" / "convo.created.json").read_bytes())
    rng = random.Random(seed)
    unique = count - count // 5
    bodies: List[Tuple[bytes, str]] = []
    keys: List[str] = []
    for i in range(unique):
        template["id"] = 4_000_000_000 + i
        template["number"] = 10_000 + i
        body = json.dumps(template, separators=(",", ":")).encode()
        bodies.append((body, hook.sign(body)))
        keys.append(hook.receive("convo.created", bodies[-1][1], body).dedupe_key)
    repeat_slots = set(rng.sample(range(1, count), count - unique))
    order: List[int] = []
    sent = 0
    for slot in range(count):
        if slot in repeat_slots:
            recent = rng.random() < 0.5
            low = max(0, sent - 20) if recent else 0
            order.append(rng.randrange(low, sent))
        else:
            order.append(sent)
            sent += 1
    return bodies, order, keys


class Client:
    """C threads posting the deliveries in order; each non-2xx answer is retried after
    0.2 s (at most 20 times), as Help Scout would."""

    def __init__(self, port: int, bodies: List[Tuple[bytes, str]], order: List[int]) -> None:
        self.port = port
        self.bodies = bodies
        self.order = order
        self.next = 0
        self.lock = threading.Lock()
        self.latencies: List[float] = []
        self.answers: Dict[str, int] = {}
        self.given_up: List[int] = []

    def _take(self) -> Optional[int]:
        with self.lock:
            if self.next >= len(self.order):
                return None
            self.next += 1
            return self.order[self.next - 1]

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        latencies: List[float] = []
        answers: Dict[str, int] = {}
        while True:
            index = self._take()
            if index is None:
                break
            body, signature = self.bodies[index]
            headers = {
                "X-HelpScout-Event": "convo.created",
                "X-HelpScout-Signature": signature,
                "Content-Type": "application/json",
            }
            for _ in range(20):
                started = time.perf_counter()
                try:
                    connection.request("POST", "/helpscout", body, headers)
                    answer = connection.getresponse()
                    text = answer.read().decode()
                    status = answer.status
                except (OSError, http.client.HTTPException):
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                    status, text = 0, "connection error"
                latencies.append(time.perf_counter() - started)
                label = f"{status} {text}"
                answers[label] = answers.get(label, 0) + 1
                if 200 <= status < 300:
                    break
                time.sleep(0.2)
            else:
                with self.lock:
                    self.given_up.append(index)
        connection.close()
        with self.lock:
            self.latencies += latencies
            for label, n in answers.items():
                self.answers[label] = self.answers.get(label, 0) + n


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from tests.services import CeleryWorker, Service, free_port, start_redis, wait_for

    class Gunicorn(Service):
        name = "gunicorn"

        def __init__(self, directory: pathlib.Path, env: Dict[str, str], port: int) -> None:
            self.port = port
            argv = [
                sys.executable,
                "-m",
                "gunicorn",
                "--chdir",
                str(HERE),
                "-w",
                str(args.web_workers),
                "-k",
                "gthread",
                "--threads",
                str(args.threads),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "load_no_loss:web_app",
            ]
            super().__init__(argv, directory, {**os.environ, **env})

        def ready(self) -> bool:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                connection.request("GET", "/helpscout")
                return connection.getresponse().status == 405
            except OSError:
                return False

    print("building and signing the deliveries ...", flush=True)
    bodies, order, keys = deliveries(args.deliveries, args.seed)
    slow_key = keys[len(keys) * 3 // 10]
    failing = sum(1 for k in keys if _fails_once(k))
    services: List[Any] = []
    with tempfile.TemporaryDirectory(prefix="load-no-loss-") as tmp:
        directory = pathlib.Path(tmp)
        try:
            redis_server = start_redis(directory)
            services.append(redis_server)
            env = {
                "LOAD_NO_LOSS_REDIS_URL": redis_server.url,
                "LOAD_NO_LOSS_SLOW_KEY": slow_key,
                "PYTHONPATH": str(HERE),
            }
            os.environ.update(env)
            workers = []
            for name in ("worker-a", "worker-b"):
                (directory / name).mkdir()
                workers.append(CeleryWorker("load_no_loss", directory / name, env, name))
                services.append(workers[-1])
            port = free_port()
            (directory / "web").mkdir()
            services.append(Gunicorn(directory / "web", env, port))
            redis = redis_server.client()
            print(
                f"{args.deliveries} deliveries ({len(keys)} unique, "
                f"{args.deliveries - len(keys)} repeats, {failing} failing once), "
                f"gunicorn {args.web_workers} workers x {args.threads} threads, "
                f"2 celery workers, {args.clients} client threads",
                flush=True,
            )

            kill: Dict[str, Any] = {}

            def killer() -> None:
                pid = int(wait_for(lambda: redis.get("bench:slow-started"), 300, "the slow task"))
                victim = next(w for w in workers if w.process.pid == pid)
                victim.kill()
                kill["at"] = time.monotonic()
                kill["worker"] = victim.name
                (directory / "worker-c").mkdir()
                workers.append(
                    CeleryWorker("load_no_loss", directory / "worker-c", env, "worker-c")
                )
                services.append(workers[-1])

            kill_thread = threading.Thread(target=killer, daemon=True)
            kill_thread.start()
            client = Client(port, bodies, order)
            threads = [threading.Thread(target=client.run) for _ in range(args.clients)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            sent = time.monotonic() - started

            def effects() -> List[int]:
                values = redis.mget([f"bench:effects:{k}" for k in keys])
                return [int(v or 0) for v in values]

            try:
                wait_for(lambda: all(effects()), 120, "every effect", interval=0.5)
            except AssertionError as error:
                print(f"!! {error}")
            drained = time.monotonic() - started
            kill_thread.join(timeout=10)
            time.sleep(2 * LEASE)  # anything still in flight would double an effect now
            counted = effects()
            attempts = [int(v or 0) for v in redis.mget([f"bench:attempts:{k}" for k in keys])]
            lost = sum(1 for n in counted if n == 0)
            doubled = sum(1 for n in counted if n > 1)
            latencies = client.latencies
            print(f"sent in            {sent:.1f} s: {args.deliveries / sent:.0f} deliveries/s")
            print(f"all effects after  {drained:.1f} s")
            print(
                f"endpoint latency   p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
                f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
                f"max {max(latencies) * 1000:.1f} ms ({len(latencies)} requests)"
            )
            for label, n in sorted(client.answers.items()):
                print(f"answers            {n:6d} x {label}")
            print(f"given up           {len(client.given_up)}")
            print(
                f"handler attempts   {sum(attempts)} ({sum(1 for a in attempts if a > 1)} "
                f"deliveries needed more than one)"
            )
            print(
                f"killed             {kill.get('worker', 'nobody')} mid-task (SIGKILL); "
                f"slow delivery's effect {counted[keys.index(slow_key)]}, "
                f"attempts {attempts[keys.index(slow_key)]}"
            )
            print(
                f"effects counted    {sum(counted)} for {len(keys)} unique deliveries: "
                f"{lost} lost, {doubled} doubled"
            )
            ok = lost == 0 and doubled == 0 and not client.given_up and "worker" in kill
            print("RESULT", "exactly once" if ok else "FAILED")
            return 0 if ok else 1
        finally:
            for service in reversed(services):
                service.stop(grace=10)


if __name__ == "__main__":
    sys.exit(main())
