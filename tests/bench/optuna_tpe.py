#!/usr/bin/python3
"""Optuna's TPE on the EURUSD sma_cross grid, for the side-by-side figure of docs/PERFORMANCE.md.

Reads the grid that `build/bin/tpe_bench --grid-csv grid.csv` wrote (fast,slow,sharpe: Sweep's
own results for every admissible point), runs Optuna's TPESampler with its default settings,
sequentially, n trials per seed, and prints the trials needed to reach the grid's best Sharpe:
median and worst over the seeds, and the mean time per suggestion.

    /usr/bin/python3 tests/bench/optuna_tpe.py grid.csv [--n 200] [--seeds 20]

A benchmark, not a test: exits 0 with a note when optuna (Debian: python3-optuna) is missing.
Points outside the constraint (fast >= slow) score as the worst, as in Sweep; Optuna may suggest
a point again, and every suggestion counts as a trial.
"""
import argparse
import csv
import math
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("grid")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seeds", type=int, default=20)
    args = ap.parse_args()
    try:
        import optuna
    except ImportError:
        print("optuna is not installed (apt-get install python3-optuna): skipped")
        return 0
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    value = {}
    with open(args.grid) as f:
        for row in csv.DictReader(f):
            v = float(row["sharpe"])
            value[(int(row["fast"]), int(row["slow"]))] = v
    numbers = [v for v in value.values() if not math.isnan(v)]
    best, worst = max(numbers), min(numbers) - 1.0

    found, seconds, suggestions = [], 0.0, 0
    for seed in range(args.seeds):
        sampler = optuna.samplers.TPESampler(seed=seed)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        hit = args.n + 1
        for i in range(args.n):
            t0 = time.perf_counter()
            trial = study.ask()
            fast = trial.suggest_int("fast", 5, 50)
            slow = trial.suggest_int("slow", 20, 200, step=5)
            seconds += time.perf_counter() - t0
            suggestions += 1
            v = value.get((fast, slow), worst)
            if math.isnan(v):
                v = worst
            study.tell(trial, v)
            if v == best:
                hit = i + 1
                break
        found.append(hit)

    found.sort()
    n = args.n
    show = lambda x: f">{n}" if x > n else f"{x:g}"
    median = statistics.median(found)
    print(f"optuna {optuna.__version__} TPE (sequential, defaults), seeds 0..{args.seeds - 1}:")
    print(f"optuna tpe, n {n:<6}   median {show(median):>7}  worst {show(found[-1]):>7}  "
          f"found within {n}: {sum(x <= n for x in found)} of {len(found)} seeds")
    print(f"mean time per suggestion: {1000 * seconds / suggestions:.2f} ms over {suggestions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
