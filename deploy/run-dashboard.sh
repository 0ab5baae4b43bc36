#!/usr/bin/env bash
# Sets up (packages + build) and runs a local cluster (broker + 2 workers) with the HTTP API and
# the web dashboard on http://127.0.0.1:8080 (SWEEP_HTTP=HOST:PORT to change it) until Ctrl-C.
# Jobs are kept in build/dashboard.db; the data folder is data/. Extra arguments go to `sweep up`
# (e.g. --token SECRET, --workers 4).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh
http=${SWEEP_HTTP:-127.0.0.1:8080}
echo "dashboard: http://$http/  (Ctrl-C to stop)"
exec build/bin/sweep up --workers 2 --db build/dashboard.db --data-dir data --http "$http" "$@"
