#!/usr/bin/env bash
# Every test: Rust formatting, lints and unit tests (the Python-free core), then the Python
# package built and checked (ruff, stubs) and its pytest suite. CI runs exactly this.
source "$(dirname "$0")/env.sh" --lint  # checks every prerequisite first
step() { printf '\n== %s\n' "$*"; }
step "cargo fmt --check"
cargo fmt --check
step "cargo clippy (core, and with the Python bindings)"
cargo clippy -q --all-targets -- -D warnings
cargo clippy -q --all-targets --all-features -- -D warnings
step "the cargo-fuzz targets compile (a project of their own, not built by the steps above)"
cargo check -q --manifest-path fuzz/Cargo.toml --bins
step "cargo test (Rust core, no Python)"
cargo test -q
step "cargo test: the scanner's portable path (what targets without SSE2 run)"
cargo test -q --features portable-scan --lib payload
cargo test -q --features portable-scan --test proptest_core
step "build the extension (release)"
maturin develop --release -q 2>&1 | grep -v "^Ignoring" || true
python -c "import helpscout._core as c; assert not c.DEBUG_BUILD"
step "ruff"
ruff check python tests bench examples
ruff format --check python tests bench examples
step "stubs match the extension (mypy stubtest)"
python -m mypy.stubtest helpscout._core
step "pytest"
python -m pytest -q "$@"
