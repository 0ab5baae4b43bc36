#!/usr/bin/env bash
# Builds and runs every benchmark, printing figures measured side by side in one run.
# The machine may be shared: compare ratios within a run, and read CPU time where wall time is
# disturbed by other load.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh >/dev/null
for b in engine_bench strategies_bench csv_bench optimizer_bench store_bench msgpack_bench; do
  [ -x "build/bin/$b" ] || continue
  echo "== $b"
  "build/bin/$b" --benchmark_counters_tabular=true "$@"
done
# The cluster against the in-process optimizer: real broker and worker processes.
echo "== cluster_bench"
build/bin/cluster_bench
