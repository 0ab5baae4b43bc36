#!/usr/bin/env bash
# Sets up (packages + build) and runs the main job: a local cluster (broker + 2 workers) on the
# bundled data, an optimization of sma_cross over GOOG submitted to it with a live progress bar,
# the top results, then the cluster is stopped. Extra arguments go to `sweep submit optimize`.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh
bin=build/bin
work=$(mktemp -d)
cleanup() {
  [ -n "${up_pid:-}" ] && kill -INT "$up_pid" 2>/dev/null && wait "$up_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$bin/sweep" up --workers 2 --db "$work/sweep.db" --data-dir data >"$work/up.out" 2>"$work/up.err" &
up_pid=$!
for _ in $(seq 1 100); do
  grep -q "ready frontend=" "$work/up.out" 2>/dev/null && break
  kill -0 "$up_pid" 2>/dev/null || { cat "$work/up.err" >&2; exit 1; }
  sleep 0.1
done
export SWEEP_BROKER=$(grep -o "frontend=[^ ]*" "$work/up.out" | cut -d= -f2)
echo "local cluster up: broker at $SWEEP_BROKER, 2 workers"

id=$("$bin/sweep" submit optimize --data GOOG.csv --strategy sma_cross \
  --param fast=2:100:1 --param slow=5:300:5 --param mode=long_only,long_short \
  --constraint "fast < slow" --objective sharpe --json "$@" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
"$bin/sweep" watch "$id"
echo
"$bin/sweep" trials "$id" --sort sharpe --limit 10
