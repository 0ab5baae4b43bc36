#!/usr/bin/env bash
# Sets up (packages + build) and runs the main job: an optimization of sma_cross over the bundled
# GOOG data with a live progress bar, then the top results.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/setup.sh
exec build/bin/sweep optimize --data data/GOOG.csv --strategy sma_cross \
  --param fast=2:100:1 --param slow=5:300:1 --param mode=long_only,long_short \
  --constraint "fast < slow" --objective sharpe --top 10 "$@"
