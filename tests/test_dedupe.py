"""Dedupe stores: claim / commit / release, leases, expiry, bounds, atomicity and a Redis
that goes away. ``RedisDedupe`` runs against a real ``redis-server`` (tests/services.py)."""

from __future__ import annotations

import multiprocessing
import threading
import time
from typing import Any, Callable, List

import pytest

from helpscout.dedupe import (
    DedupeStore,
    DedupeStoreError,
    DedupeStoreFull,
    MemoryDedupe,
    RedisDedupe,
    Ticket,
)

from .services import RedisServer, wait_for


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# -- both stores: the lifecycle ---------------------------------------------------------------


@pytest.fixture(params=["memory", "redis", "valkey"])
def make_store(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``make_store(lease=..., keep=...)`` for each store kind (Redis via redis-py and via
    valkey-py, both against the real server)."""
    if request.param == "memory":
        return lambda **kw: MemoryDedupe(**kw)
    server: RedisServer = request.getfixturevalue("redis_server")
    if request.param == "valkey":
        valkey = pytest.importorskip("valkey")
        client = valkey.Valkey(host="127.0.0.1", port=server.port, socket_timeout=5)
    else:
        client = server.client()
    client.flushall()
    request.addfinalizer(client.close)
    request.addfinalizer(client.flushall)
    return lambda **kw: RedisDedupe(client, **kw)


def test_claim_commit_then_repeats_are_done(make_store: Callable[..., Any]) -> None:
    store = make_store()
    assert isinstance(store, DedupeStore)
    ticket = store.claim("k1")
    assert isinstance(ticket, Ticket)
    assert (ticket.key, ticket.state) == ("k1", "new")
    assert store.claim("k1").state == "busy"
    assert ticket.commit() is True
    assert store.claim("k1").state == "done"
    assert store.claim("k2").state == "new"  # keys are independent


def test_release_gives_the_key_back(make_store: Callable[..., Any]) -> None:
    store = make_store()
    first = store.claim("k")
    assert first.release() is True
    again = store.claim("k")
    assert again.state == "new"  # the retry of a failed delivery is handled
    assert first.release() is False  # the old ticket does not own the new claim
    assert first.commit() is False
    assert store.claim("k").state == "busy"
    assert again.commit() is True


def test_a_ticket_commits_or_releases_once(make_store: Callable[..., Any]) -> None:
    store = make_store()
    ticket = store.claim("k")
    assert ticket.commit() is True
    assert ticket.commit() is False
    assert ticket.release() is False  # releasing after commit does not forget the key
    assert store.claim("k").state == "done"


def test_busy_and_done_tickets_change_nothing(make_store: Callable[..., Any]) -> None:
    store = make_store()
    owner = store.claim("k")
    busy = store.claim("k")
    assert busy.state == "busy"
    assert busy.commit() is False
    assert busy.release() is False
    assert store.claim("k").state == "busy"  # still the owner's
    assert owner.commit() is True
    done = store.claim("k")
    assert done.state == "done"
    assert done.release() is False
    assert store.claim("k").state == "done"


def test_lease_expiry_takeover_and_a_stale_ticket(make_store: Callable[..., Any]) -> None:
    """A claim whose process died expires after `lease`; the next claim takes over and
    the stale ticket can neither commit nor release the new owner's claim."""
    store = make_store(lease=0.3)
    stale = store.claim("k")
    assert store.claim("k").state == "busy"
    time.sleep(0.45)
    owner = store.claim("k")
    assert owner.state == "new"
    assert stale.commit() is False
    assert stale.release() is False
    assert store.claim("k").state == "busy"  # the new owner's claim is intact
    assert owner.commit() is True
    assert store.claim("k").state == "done"
    assert stale.release() is False  # nor can it forget the done key


def test_a_late_commit_after_an_unclaimed_expiry_records_done(
    make_store: Callable[..., Any],
) -> None:
    """The handler finished after its lease ran out but nobody took the key over: the
    effect happened, so the key is recorded as done."""
    store = make_store(lease=0.2)
    ticket = store.claim("k")
    time.sleep(0.3)
    assert ticket.commit() is True
    assert store.claim("k").state == "done"


def test_keep_expiry(make_store: Callable[..., Any]) -> None:
    store = make_store(keep=0.3)
    assert store.claim("k").commit() is True
    assert store.claim("k").state == "done"
    time.sleep(0.45)
    assert store.claim("k").state == "new"


@pytest.mark.parametrize("bad", [None, b"k", 1, ["k"]])
def test_a_key_must_be_text(make_store: Callable[..., Any], bad: object) -> None:
    with pytest.raises(TypeError, match="dedupe key is a str"):
        make_store().claim(bad)


@pytest.mark.parametrize("bad", ["", "k" * 1025])
def test_a_key_must_be_short_and_not_empty(make_store: Callable[..., Any], bad: str) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        make_store().claim(bad)


@pytest.mark.parametrize(
    "key", ["*", "k*", "k?", "[k]", "k\nSET x 1", "k\r\n*3\r\n", "\u00e9\U0001f600", "k\x00z"]
)
def test_hostile_keys_are_just_keys(make_store: Callable[..., Any], key: str) -> None:
    """Glob characters, protocol fragments, non-ASCII and NUL neither match other keys
    nor inject anything: each is its own key."""
    store = make_store()
    assert store.claim("k").commit() is True
    ticket = store.claim(key)
    assert ticket.state == "new"
    assert store.claim(key).state == "busy"
    assert ticket.commit() is True
    assert store.claim(key).state == "done"
    assert store.claim("kz").state == "new"


@pytest.mark.parametrize(
    ("name", "bad", "error"),
    [
        ("lease", 0, ValueError),
        ("lease", -1, ValueError),
        ("lease", float("nan"), ValueError),
        ("lease", float("inf"), ValueError),
        ("lease", "300", TypeError),
        ("lease", True, TypeError),
        ("keep", 0.0, ValueError),
        ("keep", None, TypeError),
    ],
)
def test_bad_durations_are_refused(
    make_store: Callable[..., Any], name: str, bad: object, error: type
) -> None:
    with pytest.raises(error, match=name):
        make_store(**{name: bad})


def test_sixteen_threads_one_new(make_store: Callable[..., Any]) -> None:
    """16 threads claim the same keys at the same moment: each key is "new" exactly once."""
    store = make_store()
    keys = [f"key-{i}" for i in range(50)]
    barrier = threading.Barrier(16)
    won: List[List[str]] = [[] for _ in range(16)]
    errors: List[BaseException] = []

    def claim_all(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            for key in keys:
                if store.claim(key).state == "new":
                    won[index].append(key)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=claim_all, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sorted(k for w in won for k in w) == sorted(keys)


# -- MemoryDedupe: the clock, the bound --------------------------------------------------------


def test_memory_lease_and_keep_follow_the_injected_clock() -> None:
    clock = Clock()
    store = MemoryDedupe(lease=10, keep=100, clock=clock)
    stale = store.claim("k")
    clock.advance(9.9)
    assert store.claim("k").state == "busy"
    clock.advance(0.1)  # exactly `lease` later: expired
    owner = store.claim("k")
    assert owner.state == "new"
    assert stale.commit() is False
    assert owner.commit() is True
    clock.advance(99.9)
    assert store.claim("k").state == "done"
    clock.advance(0.1)
    assert store.claim("k").state == "new"


def test_memory_expired_keys_are_purged() -> None:
    clock = Clock()
    store = MemoryDedupe(lease=1, keep=5, clock=clock)
    for i in range(100):
        store.claim(f"lease-{i}")
    for i in range(100):
        store.claim(f"done-{i}").commit()
    assert len(store) == 200
    clock.advance(2)
    store.claim("x")
    assert len(store) == 101  # the leases expired
    clock.advance(10)
    store.claim("y")
    assert len(store) == 1  # and then the done keys and "x"


def test_memory_max_keys_forgets_the_oldest_done_key_first() -> None:
    clock = Clock()
    store = MemoryDedupe(max_keys=3, clock=clock)
    for key in ("a", "b", "c"):
        assert store.claim(key).commit() is True
        clock.advance(1)
    assert store.claim("d").state == "new"  # "a", the oldest done key, is forgotten
    assert len(store) == 3
    assert store.claim("b").state == "done"
    assert store.claim("c").state == "done"
    assert store.claim("d").state == "busy"
    assert store.claim("a").state == "new"  # forgotten: a repeat would run again
    assert len(store) == 3


def test_memory_never_evicts_a_live_lease() -> None:
    store = MemoryDedupe(max_keys=2)
    first, second = store.claim("a"), store.claim("b")
    with pytest.raises(DedupeStoreFull, match="live leases") as raised:
        store.claim("c")
    assert isinstance(raised.value, DedupeStoreError)
    assert raised.value.reason == "full"
    assert store.claim("a").state == "busy"  # both leases are intact
    assert store.claim("b").state == "busy"
    assert first.release() is True
    assert store.claim("c").state == "new"  # room again
    assert second.commit() is True
    assert len(store) == 2


def test_memory_commit_at_the_bound_stays_within_it() -> None:
    store = MemoryDedupe(max_keys=2)
    store.claim("a").commit()
    late = store.claim("b")
    time_ticket = store.claim("c")  # evicts "a"
    assert time_ticket.state == "new"
    assert late.commit() is True
    assert time_ticket.commit() is True
    assert len(store) == 2


def test_memory_hundred_thousand_keys_stay_bounded() -> None:
    store = MemoryDedupe(max_keys=1000)
    started = time.perf_counter()
    for i in range(20_000):
        store.claim(f"k{i}").commit()
    elapsed = time.perf_counter() - started
    assert len(store) == 1000
    assert elapsed < 5  # amortised O(1): no scan of the whole store per claim


@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (1.5, TypeError), (True, TypeError)])
def test_memory_bad_max_keys(value: object, error: type) -> None:
    with pytest.raises(error, match="max_keys"):
        MemoryDedupe(max_keys=value)  # type: ignore[arg-type]


def test_memory_repr_and_clear() -> None:
    store = MemoryDedupe(lease=5, keep=6, max_keys=7)
    ticket = store.claim("k")
    assert repr(store) == "MemoryDedupe(lease=5.0, keep=6.0, max_keys=7, keys=1)"
    assert repr(ticket) == "MemoryTicket(key='k', state='new')"
    store.clear()
    assert len(store) == 0
    assert store.claim("k").state == "new"


# -- RedisDedupe: what is stored, clients, processes, a server that goes away ---------------


def test_redis_keys_values_and_expiries(redis_client: Any) -> None:
    store = RedisDedupe(redis_client, prefix="p:", lease=30, keep=3600)
    ticket = store.claim("abc")
    assert redis_client.keys("*") == [b"p:abc"]
    token = redis_client.get("p:abc")
    assert len(token) == 32 and token != b"done"  # a random token per claim
    assert 29_000 < redis_client.pttl("p:abc") <= 30_000
    assert ticket.commit() is True
    assert redis_client.get("p:abc") == b"done"
    assert 3_599_000 < redis_client.pttl("p:abc") <= 3_600_000
    other = RedisDedupe(redis_client, prefix="q:")
    assert other.claim("abc").state == "new"  # prefixes are separate namespaces


def test_redis_tokens_differ_per_claim(redis_client: Any) -> None:
    store = RedisDedupe(redis_client)
    tokens = set()
    for _ in range(20):
        ticket = store.claim("k")
        tokens.add(redis_client.get("helpscout:webhook:k"))
        assert ticket.release() is True
    assert len(tokens) == 20


def test_redis_with_decode_responses(redis_server: RedisServer) -> None:
    client = redis_server.client(decode_responses=True)
    try:
        client.flushall()
        store = RedisDedupe(client)
        ticket = store.claim("k")
        assert ticket.state == "new"
        assert store.claim("k").state == "busy"
        assert ticket.commit() is True
        assert store.claim("k").state == "done"
    finally:
        client.flushall()
        client.close()


def test_redis_survives_a_script_flush(redis_client: Any) -> None:
    """A server restart or SCRIPT FLUSH forgets the cached scripts; they are loaded again."""
    store = RedisDedupe(redis_client)
    store.claim("a").commit()
    redis_client.script_flush()
    ticket = store.claim("b")
    assert ticket.state == "new"
    redis_client.script_flush()
    assert ticket.commit() is True
    assert store.claim("b").state == "done"


def test_redis_needs_a_client() -> None:
    with pytest.raises(TypeError, match="redis-py or valkey-py"):
        RedisDedupe("redis://127.0.0.1:6379")
    with pytest.raises(TypeError, match="redis-py or valkey-py"):
        RedisDedupe(None)


def test_redis_bad_prefix(redis_client: Any) -> None:
    with pytest.raises(TypeError, match="prefix"):
        RedisDedupe(redis_client, prefix=b"x")  # type: ignore[arg-type]


def test_redis_repr_shows_no_client_details(redis_client: Any) -> None:
    store = RedisDedupe(redis_client, lease=1, keep=2)
    assert repr(store) == "RedisDedupe(prefix='helpscout:webhook:', lease=1.0, keep=2.0)"
    assert repr(store.claim("k")) == "RedisTicket(key='k', state='new')"


def _claim_in_process(url: str, seed: int, barrier: Any, results: Any) -> None:
    """Runs in a child process: 20 rounds in which every process claims one key at the
    same moment, then 1000 keys in an order of its own; reports the keys it won."""
    import random

    import redis

    from helpscout.dedupe import RedisDedupe

    client = redis.Redis.from_url(url, socket_timeout=10)
    store = RedisDedupe(client)
    won = []
    for round_ in range(20):
        barrier.wait(timeout=60)
        if store.claim(f"race-{round_}").state == "new":
            won.append(f"race-{round_}")
    keys = [f"key-{i}" for i in range(1000)]
    random.Random(seed).shuffle(keys)
    won += [key for key in keys if store.claim(key).state == "new"]
    results.put(won)
    client.close()


def test_redis_claims_are_atomic_across_processes(redis_client: Any, redis_server: Any) -> None:
    """8 processes (spawned, so nothing is shared but Redis) claim the same keys, at the
    same moment and in different orders: every key is "new" in exactly one process."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(8)
    results = context.Queue()
    processes = [
        context.Process(target=_claim_in_process, args=(redis_server.url, i, barrier, results))
        for i in range(8)
    ]
    for process in processes:
        process.start()
    try:
        won = [results.get(timeout=60) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():  # pragma: no cover - only on a hang
                process.kill()
    assert [p.exitcode for p in processes] == [0] * 8
    expected = [f"race-{r}" for r in range(20)] + [f"key-{i}" for i in range(1000)]
    assert sorted(k for w in won for k in w) == sorted(expected)
    assert sum(1 for w in won if w) >= 2  # several processes won keys: they really raced


def test_redis_down_claim_raises_a_clear_error(redis_factory: Callable[[], RedisServer]) -> None:
    """The endpoints answer 503 on this error, so Help Scout retries later."""
    server = redis_factory()
    client = server.client()
    store = RedisDedupe(client)
    ticket = store.claim("k")
    assert ticket.state == "new"
    server.kill()
    started = time.monotonic()
    with pytest.raises(DedupeStoreError, match="Redis dedupe store failed: ConnectionError") as e:
        store.claim("other")
    assert time.monotonic() - started < 5
    assert e.value.reason == "unavailable"
    assert e.value.__cause__ is not None
    with pytest.raises(DedupeStoreError):
        ticket.commit()
    with pytest.raises(DedupeStoreError):
        ticket.release()


def test_redis_down_with_a_default_client(redis_factory: Callable[[], RedisServer]) -> None:
    """redis-py's own default retries still end in the same clear error, promptly."""
    redis = pytest.importorskip("redis")
    server = redis_factory()
    client = redis.Redis.from_url(server.url)
    store = RedisDedupe(client)
    assert store.claim("k").state == "new"
    server.kill()
    started = time.monotonic()
    with pytest.raises(DedupeStoreError, match="ConnectionError"):
        store.claim("k2")
    assert time.monotonic() - started < 15


def test_redis_back_after_an_outage(redis_factory: Callable[[], RedisServer]) -> None:
    """A restarted (empty) Redis works again with the same store object."""
    server = redis_factory()
    client = server.client()
    store = RedisDedupe(client)
    assert store.claim("k").state == "new"
    server.stop()
    with pytest.raises(DedupeStoreError):
        store.claim("k")
    restarted = redis_factory()
    client.connection_pool.connection_kwargs["port"] = restarted.port
    client.connection_pool.reset()
    assert wait_for(lambda: store.claim("k").state == "new", 5, "the store to work again")
