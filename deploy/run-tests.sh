#!/usr/bin/env bash
# Sets up (packages + build) and runs the whole test suite, what CI runs: formatting, unit and
# integration tests (ctest), the Python client's and the gateway's tests; then every fuzz target
# for 20 s (deploy/run-fuzz.sh) and the suite again under address+undefined and under thread
# sanitizers (deploy/run-sanitizers.sh). Each stage prints its time. Exits non-zero when
# anything fails.
# Usage: deploy/run-tests.sh [--quick]
#   --quick: the plain build's suite only (formatting + ctest), without fuzzing and sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."

full=1
for arg in "$@"; do
  case "$arg" in
    --quick) full=0 ;;
    *) echo "run-tests.sh: unknown option '$arg' (expected --quick)" >&2; exit 2 ;;
  esac
done

stage() {  # stage NAME COMMAND...: runs it and prints how long it took
  local name=$1 start=$SECONDS
  shift
  echo "== $name"
  "$@"
  echo "== $name: $((SECONDS - start)) s"
}

stage setup deploy/setup.sh
stage clang-format deploy/check-format.sh
stage ctest ctest --test-dir build --output-on-failure -j2 --timeout 300

if [ "$full" -eq 1 ]; then
  stage fuzz deploy/run-fuzz.sh 20
  stage sanitizers deploy/run-sanitizers.sh
fi
echo "== total: $SECONDS s"
