# Sourced by the other scripts: a project virtualenv (.venv) with the pinned build and test
# tools, activated. Needs Python >= 3.9 and a Rust toolchain (cargo, rustfmt, clippy).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
for tool in cargo rustc; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found; install Rust (https://rustup.rs)" >&2; exit 2; }
done
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
if ! cmp -s requirements-dev.txt .venv/.requirements-dev.txt; then
  python -m pip install -q --upgrade pip
  python -m pip install -q -r requirements-dev.txt
  cp requirements-dev.txt .venv/.requirements-dev.txt
fi
