#!/usr/bin/env bash
# The main job: build the package (release) and receive a signed sample of every Help Scout
# event end to end, then show a forged and a tampered request rejected.
source "$(dirname "$0")/env.sh"
echo "building helpscout-webhook (release) ..."
maturin develop --release -q 2>&1 | grep -v "^Ignoring" || true
python -c "import helpscout" 2>/dev/null || { echo "error: the build did not install" >&2; exit 1; }
python examples/demo.py
