#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang++ (address + undefined sanitizers) into
# build-fuzz/ and runs each for a bounded time from its committed seeds, as many side by side as
# there are cores. Fails on any crash, leak, sanitizer report, broken property or timeout; the
# input that did it is kept in build-fuzz/artifacts/ and the command to replay it is printed.
# Usage: deploy/run-fuzz.sh [SECONDS_PER_TARGET (default 20)] [TARGET...]
#   environment: SWEEP_JOBS (build parallelism and fuzzers at a time, default: nproc)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
njobs=${SWEEP_JOBS:-$(nproc)}  # build parallelism, and fuzzers at a time
shift || true
build_dir=build-fuzz
targets=(protocol_frontend_request protocol_frontend_reply protocol_worker_message
         protocol_broker_message protocol_event protocol_tick job_spec constraint csv)
[ $# -gt 0 ] && targets=("$@")

# -O1: what libFuzzer recommends; Debug so that assert()s are on too; -g1: line tables, enough
# for the stack of a crash.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="-O1" -DCMAKE_CXX_FLAGS_DEBUG="-g1" -DSWEEP_FUZZ=ON -DSWEEP_BUILD_TESTS=OFF \
  -DSWEEP_BUILD_BENCH=OFF >/dev/null
ninja -C "$build_dir" -j"$njobs" sweep_fuzzers

mkdir -p "$build_dir/artifacts"
# One target on one core for its full time: run as many side by side as there are cores
# (libFuzzer is single-threaded), then report them in order.
fuzz_one() {
  local t=$1
  local seeds=tests/fuzz/corpus/$t
  local work=$build_dir/corpus/$t  # new inputs go here, not into the committed seeds
  mkdir -p "$work"
  # -timeout: one input slower than 10 s is a bug (every parser bounds its work);
  # -rss_limit_mb: one input must not take more than 2 GiB.
  local rc=0
  "$build_dir/bin/fuzz_$t" "$work" "$seeds" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build_dir/artifacts/$t-" >"$build_dir/fuzz_$t.log" 2>&1 || rc=$?
  echo "$rc" >"$build_dir/fuzz_$t.status"
}
echo "== fuzz: ${#targets[@]} targets, ${seconds}s each, $njobs at a time"
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$njobs" ]; do wait -n || true; done
  rm -f "$build_dir/fuzz_$t.status"
  fuzz_one "$t" &
done
wait

failed=()
for t in "${targets[@]}"; do
  log=$build_dir/fuzz_$t.log
  echo "== fuzz $t"
  if [ "$(cat "$build_dir/fuzz_$t.status" 2>/dev/null)" = 0 ]; then
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$log" | tail -2 | sed 's/^/   /'
  else
    echo "   CRASH: see $log; replay: $build_dir/bin/fuzz_$t $build_dir/artifacts/$t-*" >&2
    grep -E 'ERROR|fuzz property|runtime error|SUMMARY' "$log" | head -5 | sed 's/^/   /' >&2 || true
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
