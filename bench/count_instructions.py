#!/usr/bin/env python3
"""Instruction counts of the receive path, for before/after comparisons that a busy machine
cannot disturb (callgrind counts instructions, not time).

    python bench/count_instructions.py [PYTHON ...]

For each interpreter given (default: this one), each payload in ``bench/payloads/`` and each
mode (``verify``: ``validate_signature``; ``receive``: ``receive`` alone; ``touch``: receive
and three reads), runs ``--worker`` under ``valgrind --tool=callgrind`` for ``N`` calls and
prints thousands of instructions per call beyond ``verify`` (the interpreter's start-up, the
``none`` mode, subtracted). Each interpreter must have a helpscout-webhook build installed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import pathlib
import re
import shutil
import subprocess
import sys

PAYLOADS = pathlib.Path(__file__).resolve().parent / "payloads"
SECRET = "bench-secret-0123456789"
CALLS = 400
MODES = ("none", "verify", "receive", "touch")


def worker(name: str, calls: int, mode: str) -> None:
    from helpscout import HelpScoutWebHook

    hook = HelpScoutWebHook(secret_key=SECRET)
    body = (PAYLOADS / f"{name}.json").read_bytes()
    sig = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha1).digest()).decode()
    if name.startswith("customer"):
        event = "customer.created"

        def touch(r):
            return r.first_name, r.last_name, r.emails[0].value
    elif name.startswith("rating"):
        event = "satisfaction.ratings"

        def touch(r):
            return r.rating, r.comments, r.customer.emails[0].value
    else:
        event = "convo.created"

        def touch(r):
            return r.subject, r.threads[0].body, r.customer.email

    for _ in range(calls):
        if mode == "touch":
            touch(hook.receive(event, sig, body).record)
        elif mode == "receive":
            hook.receive(event, sig, body)
        elif mode == "verify":
            hook.validate_signature(sig, body)


def count(python: str, name: str, mode: str) -> int:
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    # A fixed hash seed: str hashes (and so dict probing) otherwise change from run to run,
    # by a thousand instructions or more per call.
    out = subprocess.run(
        [*valgrind, python, __file__, "--worker", name, str(CALLS), mode],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    found = re.search(r"refs:\s+([\d,]+)", out.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from callgrind:\n{out.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed (Debian: apt-get install valgrind)")
    pythons = sys.argv[1:] or [sys.executable]
    names = sorted(p.stem for p in PAYLOADS.glob("*.json"))
    print("thousands of instructions per call beyond validate_signature")
    print(f"{'python':<40}{'payload':<22}{'verify':>9}{'receive':>10}{'receive+3':>11}")
    for python in pythons:
        for name in names:
            c = {mode: count(python, name, mode) for mode in MODES}
            per = {m: (c[m] - c["none"]) / CALLS / 1000 for m in MODES}
            print(
                f"{python[-39:]:<40}{name:<22}{per['verify']:>9.1f}"
                f"{per['receive'] - per['verify']:>10.1f}{per['touch'] - per['verify']:>11.1f}"
            )


if __name__ == "__main__":
    main()
