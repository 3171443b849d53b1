"""The short fuzz run of CI: ``scripts/fuzz.sh`` drives ``HelpScoutWebHook.receive`` and every
record operation with atheris for ~20 s, in a subprocess, so a segfault or a hang is a
failed test rather than a dead test runner; and checks that the runner does report each
kind of failure.

Skip it locally with ``HELPSCOUT_SKIP_FUZZ=1`` (ignored when ``CI`` is set: CI always runs
it). Longer runs by hand: ``bash scripts/fuzz.sh 3600 --instrumented`` (SECURITY.md).
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
IN_CI = bool(os.environ.get("CI"))
SECONDS = int(os.environ.get("HELPSCOUT_FUZZ_SECONDS", "20"))

pytestmark = [
    pytest.mark.skipif(
        os.environ.get("HELPSCOUT_SKIP_FUZZ") == "1" and not IN_CI,
        reason="HELPSCOUT_SKIP_FUZZ=1 (never skipped in CI)",
    ),
    pytest.mark.skipif(
        not (ROOT / "scripts" / "fuzz.sh").exists() or not (ROOT / "fuzz").is_dir(),
        reason="the fuzzing harness is in the repository, not in the sdist",
    ),
]


@pytest.fixture(scope="module", autouse=True)
def atheris_installed() -> None:
    try:
        import atheris  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("atheris is not installed: it is pinned in requirements-dev.txt")
        pytest.skip("atheris is not installed (pip install -r requirements-dev.txt)")


def fuzz(*args: str, timeout: float, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "PYTHON": sys.executable, **env}
    for name in ("HELPSCOUT_FUZZ_SELFTEST", "FUZZ_TIMEOUT", "FUZZ_LOG"):
        if name not in env:
            environ.pop(name, None)
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "fuzz.sh"), *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_a_short_fuzz_run_finds_nothing() -> None:
    run = fuzz(str(SECONDS), timeout=SECONDS + 240)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    assert "== no findings" in output, output[-3000:]
    executions = next(
        int(line.split()[2].rstrip(";"))
        for line in output.splitlines()
        if line.startswith("== executions:")
    )
    assert executions > 0, output[-3000:]


@pytest.mark.parametrize("kind", ["segv", "abort", "exception", "hang"])
def test_the_runner_reports_every_kind_of_failure(kind: str) -> None:
    """A crash kills only the fuzzing subprocess, and is reported as a finding (exit 1)
    with the input kept under fuzz/artifacts/."""
    before = set((ROOT / "fuzz" / "artifacts").glob("*"))
    run = fuzz("30", "--runs", "50", timeout=150, HELPSCOUT_FUZZ_SELFTEST=kind, FUZZ_TIMEOUT="2")
    output = run.stdout + run.stderr
    assert run.returncode == 1, output[-4000:]
    assert "== FINDING" in output, output[-4000:]
    # the self-test inputs are not findings to keep
    for path in set((ROOT / "fuzz" / "artifacts").glob("*")) - before:
        path.unlink()
