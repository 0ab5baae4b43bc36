#!/usr/bin/env bash
# Sets up (packages + build) and runs the whole test suite: formatting, unit and integration
# tests (ctest), the Python client's tests. Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh

echo "== clang-format"
deploy/check-format.sh

echo "== ctest"
ctest --test-dir build --output-on-failure -j2 --timeout 300
