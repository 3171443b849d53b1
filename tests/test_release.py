"""Release-grade details: the client's repr, the examples' failure messages and output, the
license notice that ships with the original's tests."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

from helpscout import HelpScout

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def test_client_repr_is_python_not_rust_debug() -> None:
    app = HelpScout("app-id-123", "app-secret-456", base_url="https://api.helpscout.net/")
    assert repr(app) == "HelpScout(base_url='https://api.helpscout.net', auth='client_credentials')"
    token = HelpScout(access_token="token-789")
    assert repr(token) == "HelpScout(base_url='https://api.helpscout.net', auth='access_token')"
    for text in (repr(app), repr(token)):
        assert "Client {" not in text
        assert not re.search("app-id-123|app-secret-456|token-789", text)


def test_create_webhook_example_says_what_to_set() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPSCOUT_APP_")}
    r = subprocess.run(
        [sys.executable, str(EXAMPLES / "create_webhook.py"), "https://example.com/hs"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "KeyError" not in r.stderr
    assert "set HELPSCOUT_APP_ID and HELPSCOUT_APP_SECRET" in r.stderr
    assert r.stdout == ""

    r = subprocess.run(
        [sys.executable, str(EXAMPLES / "create_webhook.py")],
        env=dict(env, HELPSCOUT_APP_ID="app-id"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "set HELPSCOUT_APP_SECRET first" in r.stderr


def test_demo_prints_the_secrets_it_uses() -> None:
    r = subprocess.run(
        [sys.executable, str(EXAMPLES / "end_to_end.py")],
        env=dict(os.environ, HELPSCOUT_WEBHOOK_SECRET="a-secret-the-demo-must-not-use"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "a-secret-the-demo-must-not-use" not in r.stdout + r.stderr
    shown = re.search(r"^\$ export HELPSCOUT_WEBHOOK_SECRET=(\S+)", r.stdout, re.M)
    assert shown, r.stdout
    source = (EXAMPLES / "end_to_end.py").read_text(encoding="utf-8")
    assert f'SECRET = "{shown.group(1)}"' in source
    forged = re.search(
        r"^\$ helpscout-webhook send convo\.created .* --secret (\S+)$", r.stdout, re.M
    )
    assert forged, r.stdout
    assert f'FORGED = "{forged.group(1)}"' in source
    # the forged delivery really was signed with a secret other than the receiver's
    assert forged.group(1) != shown.group(1)
    assert "rejected 401" in r.stdout


def test_license_keeps_the_original_authors_notice() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright `2017` `LasLabs Inc.`" in text
    assert "tests/test_original_web_hook.py" in text
    for test in sorted((ROOT / "tests").glob("test_original_*.py")):
        assert test.name in text
        assert "LasLabs Inc." in test.read_text(encoding="utf-8")


def test_notebook_is_committed_without_outputs() -> None:
    """scripts/notebook.sh executes it; the repository keeps only its source."""
    import json

    notebook = json.loads((EXAMPLES / "notebook.ipynb").read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code, "the notebook has no code cells"
    for cell in code:
        assert cell["outputs"] == [] and cell["execution_count"] is None
    text = "".join("".join(cell["source"]) for cell in code)
    assert "helpscout.samples" in text or "samples.sample" in text
    assert 'matplotlib.use("Agg")' in text


def test_readme_links_are_absolute() -> None:
    """The README is the package index page too: relative links would dangle there."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert targets, "no links found"
    relative = [t for t in targets if not t.startswith(("https://", "http://", "#"))]
    assert not relative, f"relative links in README.md: {relative}"
    assert "PROTOCOL.md" not in readme
