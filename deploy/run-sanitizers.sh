#!/usr/bin/env bash
# Builds Sweep with sanitizers and runs the whole ctest suite under each: build-asan/
# (AddressSanitizer + LeakSanitizer + UndefinedBehaviorSanitizer) and build-tsan/
# (ThreadSanitizer). Fails when a test fails or when any process, child processes included,
# printed a sanitizer report.
# Usage: deploy/run-sanitizers.sh [address|thread ...]   (default: both)
#   environment: SWEEP_JOBS (build parallelism, default: nproc)
set -euo pipefail
cd "$(dirname "$0")/.."

kinds=(address thread)
[ $# -gt 0 ] && kinds=("$@")
jobs=${SWEEP_JOBS:-$(nproc)}

# Not run under sanitizers, each for a reason:
#   python_client: drives build/bin/sweep, the plain build's binaries, not the sanitized ones;
#                  it adds no sanitizer coverage (the same broker paths run in the C++ tests).
#   deploy_*:      the deployment files (Slurm scripts, manifests) test deployment, not memory.
exclude='^(python_client|deploy_.*)$'

# halt_on_error: the first report ends the process (a test then fails).
# UBSan: -fno-sanitize-recover=undefined is in the build; print the stack of each report.
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1:halt_on_error=1
# deploy/tsan.supp: third-party (libzmq) false positives only, each explained there.
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/deploy/tsan.supp

status=0
for kind in "${kinds[@]}"; do
  case "$kind" in
    address) dir=build-asan ;;
    thread) dir=build-tsan ;;
    *) echo "run-sanitizers.sh: unknown sanitizer '$kind' (address or thread)" >&2; exit 2 ;;
  esac
  echo "== $kind: build ($dir)"
  # -O1 -g1 (Debug + -O1, line tables only): stacks with files and lines, assert()s on, half
  # the build time of -O3; -g1 compiles a quarter faster than -g (no variable or type info).
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-O1" \
    -DCMAKE_CXX_FLAGS_DEBUG="-g1" \
    -DSWEEP_SANITIZE="$kind" -DSWEEP_BUILD_BENCH=OFF >/dev/null
  ninja -C "$dir" -j"$jobs"

  echo "== $kind: ctest"
  log=$dir/ctest-sanitizers.log
  # Verbose into a log: a report from a child process (broker, worker) reaches the test's output
  # even when the test itself passes; grep finds it below.
  if ! ctest --test-dir "$dir" -V -j2 --timeout 600 -E "$exclude" >"$log" 2>&1; then
    status=1
  fi
  sed -n '/tests passed\|tests failed/,$p' "$log"
  # The log stays on the CI machine: print the end of each failed test's own output (ctest -V -j
  # prefixes every line with the test's number) so the cause is in what CI shows.
  for n in $(sed -n '/^The following tests FAILED:/,$s/^[[:space:]]*\([0-9]\+\) - .*/\1/p' "$log"); do
    echo "---- $kind: end of test $n's output"
    grep "^$n: " "$log" | tail -60
  done
  # "SEGV on unknown address" inside a death test's captured stderr is expected (PluginTest
  # SegvOnCrashes): gtest prints a child's stderr only when the death test fails.
  if grep -nE 'ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|runtime error:' \
      "$log" >"$dir/sanitizer-reports.txt"; then
    echo "$kind: sanitizer reports (all in $log):" >&2
    head -20 "$dir/sanitizer-reports.txt" >&2
    status=1
  fi
done
exit $status
