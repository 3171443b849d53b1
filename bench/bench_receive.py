#!/usr/bin/env python3
"""Receive-path benchmark: the original helpscout 0.1.3, a plain-stdlib floor, and ours.

Prints, side by side in one run, calls per second and ratios for
``validate_signature`` and for ``receive`` + reading three attributes, on a ~0.6 KB
customer, a ~5 KB conversation and a ~80 KB conversation.

The original runs in its own virtualenv (``bench/.venv-original``, created on first use
with ``pip install helpscout==0.1.3``), because both packages are called ``helpscout``.
The payloads use the legacy v1 shape: the original raises on every v2 conversation
(``threads`` is an int there), so v1 is the only shape all three can be timed on.

Usage: python bench/bench_receive.py [--quick]
Ours must be installed in the running interpreter as a release build
(``maturin develop --release``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import pathlib
import subprocess
import sys
import time
import venv

HERE = pathlib.Path(__file__).resolve().parent
FIXTURES = HERE.parent / "tests" / "fixtures"
SECRET = "bench-secret-0123456789"


def payloads() -> dict:
    """The three bodies, built from the v1 fixtures in tests/fixtures and signed here."""
    customer = json.loads((FIXTURES / "v1" / "customer.created.json").read_bytes())
    small = {
        k: customer[k]
        for k in (
            "id",
            "firstName",
            "lastName",
            "photoType",
            "gender",
            "age",
            "location",
            "photoUrl",
            "organization",
            "jobTitle",
            "createdAt",
            "modifiedAt",
            "emails",
            "phones",
        )
    }
    convo = json.loads((FIXTURES / "v1" / "convo.created.json").read_bytes())
    thread = convo["threads"][0]

    def conversation(target: int) -> bytes:
        c = dict(convo)
        threads = []
        i = 0
        while True:
            t = dict(thread, id=thread["id"] + i, body=thread["body"] + (" extra" * (i % 7)))
            threads.append(t)
            c["threads"] = threads
            c["threadCount"] = len(threads)
            body = json.dumps(c, separators=(",", ":")).encode()
            if len(body) >= target:
                return body
            i += 1

    return {
        "customer": json.dumps(small, separators=(",", ":")).encode(),
        "conversation-5k": conversation(5_000),
        "conversation-80k": conversation(80_000),
    }


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha1).digest()).decode()


def touch_fn(name: str, library: str):
    """Read three attributes (or keys) the way a handler would."""
    if name == "customer":
        if library == "floor":
            return lambda d: (d["firstName"], d["lastName"], d["emails"][0]["value"])
        return lambda r: (r.first_name, r.last_name, r.emails[0].value)
    if library == "floor":
        return lambda d: (d["subject"], d["threads"][0]["body"], d["customer"]["email"])
    return lambda r: (r.subject, r.threads[0].body, r.customer.email)


def best_rate(fn, budget: float) -> float:
    """Calls per second: the best of 5 timed batches, each about budget/5 seconds."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        took = time.perf_counter() - start
        if took > budget / 25:
            break
        n *= 2
    per_batch = max(1, int(n * (budget / 5) / max(took, 1e-9)))
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(per_batch):
            fn()
        best = min(best, (time.perf_counter() - start) / per_batch)
    return 1.0 / best


def measure(library: str, budget: float) -> dict:
    out = {}
    for name, body in payloads().items():
        sig = sign(body)
        touch = touch_fn(name, library)
        if library == "floor":
            key = SECRET.encode()

            def validate(body=body, sig=sig, key=key):
                digest = base64.b64encode(hmac.new(key, body, hashlib.sha1).digest())
                return hmac.compare_digest(digest, sig.strip().encode())

            def receive(body=body, sig=sig, touch=touch):
                if not validate(body, sig):
                    raise ValueError("bad signature")
                return touch(json.loads(body))
        else:
            from helpscout.web_hook import HelpScoutWebHook

            hook = HelpScoutWebHook(secret_key=SECRET)
            # the original only takes str bodies on receive (json.loads of bytes works,
            # hmac of str does not); ours is fastest with the raw bytes
            data = body.decode() if library == "original" else body
            assert hook.validate_signature(sig, data)

            def validate(hook=hook, data=data, sig=sig):
                return hook.validate_signature(sig, data)

            event = "customer.created" if name == "customer" else "convo.created"

            def receive(hook=hook, data=data, sig=sig, touch=touch, event=event):
                return touch(hook.receive(event, sig, data).record)

        expected = touch(json.loads(body)) if library == "floor" else None
        result = receive()
        if expected is not None:
            assert result == expected
        out[name] = {
            "bytes": len(body),
            "validate": best_rate(validate, budget),
            "receive": best_rate(receive, budget),
            "touched": list(map(str, result)),
        }
    return out


def original_python() -> pathlib.Path:
    env = HERE / ".venv-original"
    python = env / "bin" / "python"
    if not python.exists():
        print("creating", env, "with helpscout==0.1.3 ...", file=sys.stderr)
        venv.create(env, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "helpscout==0.1.3"], check=True)
    return python


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        print(json.dumps(measure(sys.argv[2], float(sys.argv[3]))))
        return
    budget = 0.5 if "--quick" in sys.argv else 2.0
    from helpscout import _core

    if _core.DEBUG_BUILD:
        sys.exit("ours is a debug build: run `maturin develop --release` first")
    results = {
        "original": json.loads(
            subprocess.run(
                [str(original_python()), __file__, "--worker", "original", str(budget)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        ),
        "floor": measure("floor", budget),
        "ours": measure("ours", budget),
    }
    for name in results["ours"]:
        touched = {lib: results[lib][name]["touched"] for lib in results}
        assert len({json.dumps(v) for v in touched.values()}) == 1, touched
    print(
        f"Python {sys.version.split()[0]}, helpscout-webhook {_core.__version__}, "
        f"{os.cpu_count()} CPUs; calls per second (best of 5), higher is better\n"
    )
    header = (
        f"{'payload':<26}{'operation':<20}{'original':>12}{'floor':>12}{'ours':>12}"
        f"{'ours/original':>15}{'ours/floor':>12}"
    )
    print(header)
    print("-" * len(header))
    for name in results["ours"]:
        size = results["ours"][name]["bytes"]
        for op, label in (("validate", "validate_signature"), ("receive", "receive+3 reads")):
            o, f, u = (results[lib][name][op] for lib in ("original", "floor", "ours"))
            print(
                f"{name + f' ({size / 1000:.1f}KB)':<26}{label:<20}"
                f"{o:>12,.0f}{f:>12,.0f}{u:>12,.0f}"
                f"{u / o:>14.1f}x{u / f:>11.2f}x"
            )


if __name__ == "__main__":
    main()
