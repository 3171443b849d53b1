#!/usr/bin/env bash
# The documentation site, built strictly (any warning fails) into target/site:
# mkdocs-material + mkdocstrings (griffe reads python/helpscout and the _core.pyi stub);
# docs/gen_events.py fills the events tables from the installed package.
# Needs the package built into .venv first (scripts/test.sh or scripts/demo.sh do that).
# The docs tools (requirements-docs.txt) go into .venv here, not in scripts/env.sh, so the
# test environment stays lean. Usage: bash scripts/docs.sh [extra mkdocs build options]
source "$(dirname "$0")/env.sh"
if ! cmp -s requirements-docs.txt .venv/.requirements-docs.txt; then
  python -m pip install -q -r requirements-docs.txt
  cp requirements-docs.txt .venv/.requirements-docs.txt
fi
python -c "import helpscout._core" 2>/dev/null ||
  missing "helpscout is not built into .venv: run bash scripts/test.sh (or scripts/demo.sh) first"
start=$SECONDS
NO_MKDOCS_2_WARNING=1 mkdocs build --strict --site-dir target/site "$@"
echo "docs: target/site/index.html ($((SECONDS - start))s)"
