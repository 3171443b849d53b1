"""MkDocs hooks for the site (listed under ``hooks:`` in mkdocs.yml).

- Links from a page to repository files outside docs/ (``../BENCHMARKS.md``,
  ``../examples/flask_app.py``) point at that file on GitHub, so the same Markdown works when
  read on GitHub and on the site (where those files are not part of the build).
- The Sphinx roles of the package's docstrings (``:meth:`receive```, ``:class:`Router```)
  render as plain code in the API reference instead of showing the role's name.
"""

from __future__ import annotations

import pathlib
import re
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
_LINK = re.compile(r"\]\(\.\./([^)#\s]+)(#[^)\s]*)?\)")
_ROLE = re.compile(r":(?:py:)?(?:meth|func|class|attr|exc|mod|data|obj):(<code>)")


def on_page_markdown(markdown: str, page: Any, config: Any, **_: Any) -> str:
    """Rewrite ``](../path)`` to the repository URL when ``path`` exists in the repository."""
    base = config["repo_url"].rstrip("/") + "/blob/main/"

    def rewrite(match: re.Match[str]) -> str:
        path, anchor = match.group(1), match.group(2) or ""
        if not (ROOT / path).exists():
            return match.group(0)  # left for MkDocs to report
        return f"]({base}{path}{anchor})"

    return _LINK.sub(rewrite, markdown)


def on_page_content(html: str, page: Any, **_: Any) -> str:
    """Drop the Sphinx role before inline code: ``:meth:<code>x</code>`` -> ``<code>x</code>``."""
    return _ROLE.sub(r"\1", html)
