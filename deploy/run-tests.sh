#!/usr/bin/env bash
# Sets up (packages + build) and runs the whole test suite: formatting, unit and integration
# tests (ctest), the Python client's tests. Exits non-zero when anything fails.
# Usage: deploy/run-tests.sh [--full]
#   --full (what CI runs) adds, after the suite: every fuzz target for 20 s
#   (deploy/run-fuzz.sh) and the suite again under address+undefined and under thread sanitizers
#   (deploy/run-sanitizers.sh). Each stage prints its time.
set -euo pipefail
cd "$(dirname "$0")/.."

full=0
for arg in "$@"; do
  case "$arg" in
    --full) full=1 ;;
    *) echo "run-tests.sh: unknown option '$arg' (expected --full)" >&2; exit 2 ;;
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
  echo "== total: $SECONDS s"
fi
