#!/usr/bin/env bash
# Fuzz HelpScoutWebHook.receive and every record operation with atheris for a bounded time
# (fuzz/fuzz_receive.py says what is checked). Exits 0 when nothing was found, 1 on a
# finding (a crash, a hang, a non-library exception or a broken promise; the input is
# kept under fuzz/artifacts/ and printed in hex), 2 on a usage or setup error. A SIGINT to
# the fuzzer (kill -INT <pid of fuzz_receive.py>) ends a long run early with its figures.
#
#   scripts/fuzz.sh [SECONDS] [--instrumented] [--corpus DIR] [--runs N]
#
# SECONDS       how long to fuzz (default 60)
# --instrumented  fuzz a copy of the extension built with coverage instrumentation
#                 (sancov, stable rustc) so libFuzzer is guided through the Rust code; built
#                 into fuzz/target/py (takes a few minutes the first time). Without it the
#                 installed extension in .venv is fuzzed, guided by Python coverage only,
#                 starting from the committed corpus fuzz/corpus/receive.
# --corpus DIR  keep the grown corpus in DIR (default: a temporary directory)
# --runs N      stop after N executions instead of (or before) SECONDS
#
# Environment: PYTHON (default .venv/bin/python); FUZZ_TIMEOUT (seconds one input may take,
# default 10); FUZZ_LOG=FILE keeps libFuzzer's whole log
# (watch it with tail -f). One process, one core, on purpose.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

seconds=60
instrumented=0
corpus=""
runs=-1
while [ $# -gt 0 ]; do
  case "$1" in
    --instrumented) instrumented=1 ;;
    --corpus) corpus="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *[!0-9]*) echo "fuzz.sh: unknown argument $1" >&2; exit 2 ;;
    *) seconds="$1" ;;
  esac
  shift
done

PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || { echo "fuzz.sh: $PY not found; run scripts/test.sh (or scripts/env.sh) first" >&2; exit 2; }
"$PY" -c 'import atheris' 2>/dev/null || {
  echo "fuzz.sh: atheris is not installed in $PY (pip install -r requirements-dev.txt)" >&2
  exit 2
}
# The extension may be being rebuilt by someone else for a moment: wait for it.
for attempt in 1 2 3 4; do
  "$PY" -c 'import helpscout._core' 2>/dev/null && break
  [ "$attempt" = 4 ] && { echo "fuzz.sh: helpscout._core does not import" >&2; exit 2; }
  sleep 30
done

work="$(mktemp -d "${TMPDIR:-/tmp}/helpscout-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/seeds" "$work/artifacts"
"$PY" fuzz/fuzz_receive.py --seeds "$work/seeds"
if [ -z "$corpus" ]; then
  corpus="$work/corpus"
fi
mkdir -p "$corpus"
dirs=("$corpus" "$work/seeds")
[ -d fuzz/corpus/receive ] && dirs+=(fuzz/corpus/receive)

overlay=""
if [ "$instrumented" = 1 ]; then
  overlay="$ROOT/fuzz/target/py/overlay"
  echo "== building the extension with coverage instrumentation (fuzz/target/py)"
  # Only this crate is instrumented (cargo rustc passes the flags to the final crate alone).
  PYO3_PYTHON="$PY" PYO3_BUILD_EXTENSION_MODULE=1 \
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true CARGO_PROFILE_RELEASE_STRIP=false \
    flock /tmp/rust-build.lock cargo rustc -q --release --features python --lib \
    --crate-type cdylib --target-dir fuzz/target/py -- \
    -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=3 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares
  rm -rf "$overlay"
  mkdir -p "$overlay"
  cp -r python/helpscout "$overlay/"
  find "$overlay" \( -name '__pycache__' -o -name '_core*.so' \) -prune -exec rm -rf {} +
  cp fuzz/target/py/release/libhelpscout_webhook.so "$overlay/helpscout/_core.abi3.so"
fi

echo "== fuzzing for ${seconds}s ($([ -n "$overlay" ] && echo instrumented || echo installed) extension; corpus $corpus)"
log="${FUZZ_LOG:-$work/fuzz.log}"  # FUZZ_LOG=FILE keeps the full libFuzzer log
status=0
# A subprocess with its own deadline: a crash, a hang or a stuck run is a failure here,
# never a dead caller. libFuzzer's -timeout catches a single slow input.
HELPSCOUT_FUZZ_OVERLAY="$overlay" timeout --kill-after=10 "$((seconds + 120))" \
  "$PY" fuzz/fuzz_receive.py -max_total_time="$seconds" -runs="$runs" -timeout="${FUZZ_TIMEOUT:-10}" \
  -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 -dict=fuzz/json.dict \
  -artifact_prefix="$work/artifacts/" "${dirs[@]}" >"$log" 2>&1 || status=$?

grep -v -E -e '^INFO: Instrumenting' -e ' (NEW|REDUCE|pulse) ' -e 'Uses: ' "$log" | tail -n 40
executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
# interrupted runs print no final stats: the last progress line says how far it got
[ -n "$executions" ] || executions="$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' "$log" | tail -1)"
echo "== executions: ${executions:-?}; corpus: $(find "$corpus" -type f | wc -l) files; exit status $status"
if { [ "$status" = 72 ] || [ "$status" = 130 ]; } && [ -z "$(ls -A "$work/artifacts")" ]; then
  echo "== interrupted (SIGINT to the fuzzer): no findings up to here"
  exit 0
fi
if [ "$status" != 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
  mkdir -p fuzz/artifacts
  for f in "$work"/artifacts/*; do
    [ -e "$f" ] || continue
    cp "$f" fuzz/artifacts/
    echo "== FINDING: fuzz/artifacts/$(basename "$f") ($(wc -c <"$f") bytes), hex:"
    od -An -tx1 -v "$f" | tr -d ' \n' | head -c 4000
    echo
    echo "   reproduce: $PY fuzz/fuzz_receive.py fuzz/artifacts/$(basename "$f")"
  done
  [ "$status" = 124 ] || [ "$status" = 137 ] && echo "== FINDING: the run did not stop in time (hang)"
  exit 1
fi
echo "== no findings"
