#!/usr/bin/env bash
# Portable wheel and sdist, built and tested as a user would install them:
#
# 1. a manylinux2014 (glibc 2.17) x86_64 abi3 wheel, linked with zig, checked by auditwheel
#    (tag, no external libraries) and for its LICENSE;
# 2. that wheel installed into a fresh venv for each CPython 3.9-3.13 found (pyenv, then
#    python3.X on PATH; a missing one is skipped with a message): the whole test suite on
#    3.11, the fast smoke subset on the others;
# 3. the sdist (maturin sdist), installed from source into a fresh 3.11 venv, and the whole
#    test suite run from the unpacked sdist (its tests, fixtures and examples).
#
# Usage: bash scripts/wheels.sh [--smoke-only]   (--smoke-only: the smoke subset everywhere)
# Rust builds take /tmp/rust-build.lock (flock) and use target/wheel, not target/, so they do
# not invalidate the development build's cache. Everything is written under target/wheel.
source "$(dirname "$0")/env.sh"

step() { printf '\n== %s\n' "$*"; }
elapsed() { printf '   (%ss)\n' "$((SECONDS - $1))"; }
FULL=1
[ "${1:-}" = "--smoke-only" ] && FULL=0

command -v flock >/dev/null || missing "flock not found (Debian: apt-get install util-linux)"
if ! cmp -s requirements-release.txt .venv/.requirements-release.txt; then
  python -m pip install -q -r requirements-release.txt
  cp requirements-release.txt .venv/.requirements-release.txt
fi

OUT="$ROOT/target/wheel"
DIST="$OUT/dist"
export CARGO_TARGET_DIR="$OUT"
rm -rf "$DIST" "$OUT/venvs" "$OUT/sdist-src"
mkdir -p "$DIST" "$OUT/venvs"
START=$SECONDS

SMOKE=(tests/test_fixtures.py tests/test_fixtures_copy.py tests/test_signature.py
  tests/test_records.py tests/test_original_web_hook.py tests/test_original_web_hook_event.py)

# -- 1. the manylinux2014 wheel ------------------------------------------------------------
step "maturin build --release --compatibility manylinux2014 --zig"
t=$SECONDS
flock /tmp/rust-build.lock \
  maturin build --release --compatibility manylinux2014 --zig --out "$DIST" 2>&1 |
  grep -v "^Ignoring" || true
shopt -s nullglob
wheels=("$DIST"/*.whl)
[ "${#wheels[@]}" = 1 ] || { echo "error: expected one wheel in $DIST, got ${#wheels[@]}" >&2; exit 1; }
WHEEL="${wheels[0]}"
echo "built $(basename "$WHEEL") ($(du -k "$WHEEL" | cut -f1) KiB)"
case "$(basename "$WHEEL")" in
  *-cp39-abi3-*manylinux_2_17_x86_64*) ;;
  *) echo "error: not a cp39-abi3 manylinux_2_17 x86_64 wheel: $WHEEL" >&2; exit 1 ;;
esac
elapsed "$t"

step "auditwheel show"
auditwheel show "$WHEEL"
auditwheel show --json "$WHEEL" >"$OUT/auditwheel.json"
python - "$OUT/auditwheel.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
tag, libs = report["overall_tag"], report["external_libs"]
assert tag == "manylinux_2_17_x86_64", f"auditwheel: platform tag {tag}"
assert not libs, f"auditwheel: the wheel needs external libraries {libs}"
print(f"auditwheel: {tag}, no external libraries")
EOF
python - "$WHEEL" <<'EOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
licenses = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
assert licenses, "LICENSE missing from the wheel"
text = zipfile.ZipFile(sys.argv[1]).read(licenses[0]).decode()
assert "LasLabs Inc." in text and text.startswith("MIT License"), "LICENSE text"
assert any(n.endswith("_core.pyi") for n in names) and any(n.endswith("py.typed") for n in names)
print(f"wheel: {len(names)} files, {licenses[0]}, stubs and py.typed present")
EOF

# -- 2. the wheel on every CPython 3.9-3.13 found ------------------------------------------
find_python() {  # find_python 3.11 -> the interpreter's path, or nothing
  local minor="$1" dir="${PYENV_ROOT:-$HOME/.pyenv}/versions" candidate
  for candidate in "$dir/$minor".*/bin/python "$dir/$minor"/bin/python; do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  command -v "python$minor" || true
}

fresh_venv() {  # fresh_venv PYTHON NAME -> the new venv's python
  local venv="$OUT/venvs/$2"
  "$1" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
  echo "$venv/bin/python"
}

check_installed() {  # the package imported from the venv, not from the source tree
  "$1" - "$2" <<'EOF'
import pathlib, sys
import helpscout, helpscout._core as core
where = pathlib.Path(helpscout.__file__).resolve()
assert pathlib.Path(sys.argv[1]).resolve() in where.parents, f"imported from {where}"
assert not core.DEBUG_BUILD, "a debug build"
print(f"helpscout {helpscout.__version__} from {where.parent}")
EOF
}

tested=()
skipped=()
for minor in 3.9 3.10 3.11 3.12 3.13; do
  py="$(find_python "$minor")"
  if [ -z "$py" ]; then
    echo "skip: CPython $minor not found (pyenv versions/$minor.* or python$minor on PATH)"
    skipped+=("$minor")
    continue
  fi
  t=$SECONDS
  if [ "$minor" = 3.11 ] && [ "$FULL" = 1 ]; then
    step "wheel on $("$py" --version): the whole test suite"
    vpy="$(fresh_venv "$py" "py$minor")"
    "$vpy" -m pip install -q "$WHEEL" -r requirements-dev.txt
    check_installed "$vpy" "$OUT/venvs/py$minor"
    "$vpy" -m pytest -q -p no:cacheprovider
  else
    step "wheel on $("$py" --version): smoke subset"
    vpy="$(fresh_venv "$py" "py$minor")"
    "$vpy" -m pip install -q "$WHEEL" -r requirements-smoke.txt
    check_installed "$vpy" "$OUT/venvs/py$minor"
    "$vpy" -m pytest -q -p no:cacheprovider "${SMOKE[@]}"
  fi
  tested+=("$minor")
  elapsed "$t"
done
[ "${#tested[@]}" -gt 0 ] || { echo "error: no CPython 3.9-3.13 found" >&2; exit 1; }

# -- 3. the sdist, built from source and tested from its own files --------------------------
step "maturin sdist; pip install it (a release build from source) into a fresh venv"
t=$SECONDS
flock /tmp/rust-build.lock maturin sdist --out "$DIST" 2>&1 | grep -v "^Ignoring" || true
sdists=("$DIST"/*.tar.gz)
[ "${#sdists[@]}" = 1 ] || { echo "error: expected one sdist in $DIST" >&2; exit 1; }
SDIST="${sdists[0]}"
mkdir -p "$OUT/sdist-src"
tar -xzf "$SDIST" -C "$OUT/sdist-src"
SRC="$(echo "$OUT"/sdist-src/*/)"
for need in LICENSE README.md Cargo.lock tests/conftest.py tests/fixtures/manifest.json \
  tests/fixtures/.gitattributes examples/end_to_end.py; do
  [ -e "$SRC/$need" ] || { echo "error: the sdist lacks $need" >&2; exit 1; }
done
py="$(find_python 3.11)"
[ -n "$py" ] || py="$(command -v python3)"
vpy="$(fresh_venv "$py" sdist)"
if [ "$FULL" = 1 ]; then reqs=requirements-dev.txt; else reqs=requirements-smoke.txt; fi
"$vpy" -m pip install -q -r "$reqs"
# This build proves that the sdist builds and passes its tests; speed is the wheel's job, so
# it skips fat LTO and single-unit codegen (the release profile's), which halves the build.
CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  flock /tmp/rust-build.lock "$vpy" -m pip install -q "$SDIST"
check_installed "$vpy" "$OUT/venvs/sdist"
elapsed "$t"
step "tests from the unpacked sdist ($(basename "$SDIST"))"
t=$SECONDS
if [ "$FULL" = 1 ]; then
  (cd "$SRC" && "$vpy" -m pytest -q -p no:cacheprovider)
else
  (cd "$SRC" && "$vpy" -m pytest -q -p no:cacheprovider "${SMOKE[@]}")
fi
elapsed "$t"

printf '\nwheels.sh: %s and %s; wheel tested on CPython %s%s; %ss in all\n' \
  "$(basename "$WHEEL")" "$(basename "$SDIST")" "${tested[*]}" \
  "${skipped[*]:+ (not found: ${skipped[*]})}" "$((SECONDS - START))"
