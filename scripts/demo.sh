#!/usr/bin/env bash
# The main job: build the package (release), then end to end over real HTTP on this machine:
# a local receiver (`helpscout-webhook listen`) gets a signed sample of every Help Scout event
# from `helpscout-webhook send all`, and a forged request is rejected with 401.
source "$(dirname "$0")/env.sh"
echo "building helpscout-webhook (release) ..."
maturin develop --release -q 2>&1 | grep -v "^Ignoring" || true
python -c "import helpscout" 2>/dev/null || { echo "error: the build did not install" >&2; exit 1; }
python examples/end_to_end.py
