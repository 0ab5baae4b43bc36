#!/usr/bin/env bash
# Installs every Debian package Sweep needs (idempotent) and builds it into build/.
# Usage: deploy/setup.sh [--build-dir DIR] [--build-type TYPE] [--sanitize address|thread]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
build_type=RelWithDebInfo
sanitize=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --build-type) build_type=$2; shift 2 ;;
    --sanitize) sanitize=$2; shift 2 ;;
    *) echo "setup.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake ninja-build pkg-config clang-format
  libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libsqlite3-dev sqlite3
  nlohmann-json3-dev libcli11-dev libspdlog-dev libssl-dev libcpp-httplib-dev libjs-chart.js
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev
  python3 python3-zmq python3-msgpack python3-pytest
  chromium chromium-driver fonts-dejavu-core
  iproute2  # `ip netns` for the network-cut test (runs as root, skips otherwise)
  slurm-wlm munge  # the Slurm test's single-node cluster (runs as root, skips otherwise)
  python3-yaml  # the deployment manifests' check
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The dashboard's browser test runs on node + npm (Debian's, unless a node with npm is there).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# -g1 (line tables, no variable or type info) instead of RelWithDebInfo's -g: stacks in gdb and
# perf still have files and lines, and a file compiles a third faster (broker/backend.cpp:
# 15.6 s against 22.3 s), which is most of a fresh machine's set-up.
cmake_args=(-S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type"
            -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
[ -n "$sanitize" ] && cmake_args+=(-DSWEEP_SANITIZE="$sanitize")
cmake "${cmake_args[@]}" >/dev/null
ninja -C "$build_dir" -j"$(nproc)"

# playwright-core (drives Debian's /usr/bin/chromium in tests/gateway), pinned by the committed
# package-lock.json, into the gitignored tests/gateway/node_modules.
if [ ! -f tests/gateway/node_modules/playwright-core/package.json ] ||
   [ tests/gateway/package-lock.json -nt tests/gateway/node_modules/.package-lock.json ]; then
  (cd tests/gateway && npm ci --no-audit --no-fund --loglevel=error)
fi
