# Sourced by the other scripts: a project virtualenv (.venv) with the pinned build and test
# tools, activated. Needs Python >= 3.9 (with venv) and a Rust toolchain >= 1.85 (cargo, rustc;
# `source env.sh --lint` also requires rustfmt and clippy). Every prerequisite is checked here,
# before any slow step, and a missing one stops with a message saying what to install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

missing() { echo "error: $*" >&2; exit 2; }

# Rust: cargo and rustc >= 1.85 (Cargo.toml's rust-version); rustfmt and clippy for --lint.
for tool in cargo rustc; do
  command -v "$tool" >/dev/null ||
    missing "$tool not found; install Rust >= 1.85 with rustup (https://rustup.rs)"
done
rust_version="$(rustc --version | awk '{print $2}')"
if [ "$(printf '%s\n' 1.85.0 "${rust_version%%-*}" | sort -V | head -1)" != 1.85.0 ]; then
  missing "rustc $rust_version is too old: this crate needs Rust >= 1.85 (rustup update stable)"
fi
if [ "${1:-}" = "--lint" ]; then
  cargo fmt --version >/dev/null 2>&1 ||
    missing "rustfmt not found; install it with: rustup component add rustfmt"
  cargo clippy --version >/dev/null 2>&1 ||
    missing "clippy not found; install it with: rustup component add clippy"
fi

# Python >= 3.9 with the venv module (and ensurepip, which Debian ships in python3-venv).
PYTHON="${PYTHON:-python3}"
if [ -x .venv/bin/python ]; then
  PYTHON=.venv/bin/python
else
  command -v "$PYTHON" >/dev/null ||
    missing "$PYTHON not found; install Python >= 3.9 (or set PYTHON=/path/to/python3.X)"
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
  missing "$("$PYTHON" --version 2>&1) is too old: Python >= 3.9 is needed (set PYTHON=...)"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null ||
    missing "$PYTHON has no working venv module; on Debian/Ubuntu: apt-get install python3-venv"
  echo "creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi

# shellcheck disable=SC1091
source .venv/bin/activate
if ! cmp -s requirements-dev.txt .venv/.requirements-dev.txt; then
  python -m pip install -q --upgrade pip
  python -m pip install -q -r requirements-dev.txt
  cp requirements-dev.txt .venv/.requirements-dev.txt
fi
