"""The in-repo fixtures (tests/fixtures/) are a byte-exact copy of the shared Help Scout set.

The repository owns its test data so a fresh clone (or the sdist) needs nothing beside it.
When the shared folder is present (``../shared/helpscout/fixtures`` next to the checkout, or
``$HELPSCOUT_SHARED/helpscout/fixtures``), this test keeps the two identical, file by file and
byte for byte; without it the comparison is skipped with the reason.
"""

from __future__ import annotations

import os
import pathlib

import pytest

from .conftest import FIXTURES, ROOT


def _shared_fixtures() -> pathlib.Path:
    shared = pathlib.Path(os.environ.get("HELPSCOUT_SHARED", ROOT.parent / "shared"))
    return shared / "helpscout" / "fixtures"


SHARED_FIXTURES = _shared_fixtures()


def _files(folder: pathlib.Path) -> dict[str, bytes]:
    """Every regular file under ``folder`` (dotfiles included), keyed by relative POSIX path."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_in_repo_fixtures_present() -> None:
    files = _files(FIXTURES)
    assert "manifest.json" in files
    assert "SIGNATURES.md" in files
    assert ".gitattributes" in files
    # 31 v2 events + 4 legacy v1 bodies + manifest, SIGNATURES.md, .gitattributes
    assert len([name for name in files if name.endswith(".json")]) == 36


@pytest.mark.skipif(
    not SHARED_FIXTURES.is_dir(),
    reason=f"shared fixtures not present at {SHARED_FIXTURES} (fresh clone): nothing to compare",
)
def test_in_repo_fixtures_identical_to_shared() -> None:
    ours = _files(FIXTURES)
    theirs = _files(SHARED_FIXTURES)
    assert sorted(ours) == sorted(theirs), "file sets differ"
    different = [name for name in theirs if ours[name] != theirs[name]]
    assert not different, f"bytes differ from {SHARED_FIXTURES}: {different}"
