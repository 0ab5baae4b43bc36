"""Sweep on a real Slurm (docs/DEPLOY.md): a single-node cluster on this machine
(deploy/slurm/local-cluster.sh), the broker and gateway as one job (sweep-broker.sbatch), an array
of two workers (sweep-workers.sbatch), an optimization on them, one array task scancel'ed while
trials run. Checks in the SQLite file: every trial recorded exactly once, completed, none with
an extra attempt, and the job completed. Then the other task's time limit is cut inside the
script's --signal lead: the worker must leave ahead of it and the task end COMPLETED. Prints the
timings docs/PERFORMANCE.md reports.

Exits 77 (ctest: skipped) with the reason when it cannot run: not root, no slurm-wlm/munge, or
the cluster does not start. The cluster is stopped afterwards, on failure too."""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "gateway"))
sys.path.insert(0, os.path.join(ROOT, "client", "python"))
from gateway_support import BIN, DATA, TEST_PLUGIN, http, wait_until  # noqa: E402
from sweep_client import Client  # noqa: E402

SKIP = 77
SLURM = os.path.join(ROOT, "deploy", "slurm")
TRIALS = 60
# 2148 bars x 100 us: about 0.2 s a trial, so 60 trials on two one-slot workers take 6 s or so.
SPEC = {
    "dataset": {"path": "GOOG.csv"},
    "strategy": "slow",
    "space": {"n": list(range(TRIALS)), "us_per_bar": [100]},
}


def run(args, env, **kw):
    return subprocess.run(args, env=env, capture_output=True, text=True, check=True, **kw).stdout


def sbatch(env, cwd, *args):
    out = run(["sbatch", "--parsable", *args], env, cwd=cwd).strip()
    return out.split(";")[0]


def squeue_states(env):
    out = run(["squeue", "-h", "-o", "%i %T"], env)
    return dict(line.split() for line in out.splitlines())


def ended(env, job):
    """(JobState, ExitCode) once `job` has ended, else None (scontrol keeps it MinJobAge s)."""
    out = run(["scontrol", "show", "job", job], env)
    state = re.search(r"JobState=(\S+)", out).group(1)
    if state in ("PENDING", "RUNNING", "COMPLETING", "CONFIGURING"):
        return None
    return state, re.search(r"ExitCode=(\S+)", out).group(1)


def read_endpoints(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line)


def workers(client):
    return [w["id"] for w in client.health()["workers"]]


def busy(client, worker):
    """How many trials the broker has leased to `worker` now."""
    return sum(w["busy"] for w in client.health()["workers"] if w["id"] == worker)


def skip(reason):
    print(f"SKIPPED: {reason}")
    sys.exit(SKIP)


def main():
    if os.geteuid() != 0:
        skip("the Slurm test needs root (slurmd starts jobs as their users)")
    missing = [b for b in ("sbatch", "slurmctld", "slurmd", "munged") if not shutil.which(b)]
    if missing:
        skip(f"{', '.join(missing)} missing: deploy/setup.sh installs slurm-wlm and munge")
    if not os.path.exists(TEST_PLUGIN):
        raise AssertionError(f"{TEST_PLUGIN} is missing: build the tests first")
    tmp = tempfile.mkdtemp(prefix="sweep-slurm-")
    os.chmod(tmp, 0o755)
    slurm_dir = os.path.join(tmp, "slurm")
    started = subprocess.run([os.path.join(SLURM, "local-cluster.sh"), "start", slurm_dir],
                             capture_output=True, text=True)
    try:
        if started.returncode != 0:
            skip(f"Slurm did not start: {started.stderr.strip()}")
        run_cluster(tmp, slurm_dir)
    finally:
        subprocess.run([os.path.join(SLURM, "local-cluster.sh"), "stop", slurm_dir])
        for name in sorted(os.listdir(tmp)):
            if name.endswith(".out"):
                with open(os.path.join(tmp, name)) as f:
                    print(f"---- {name}\n{f.read()[-3000:]}")
        shutil.rmtree(tmp, ignore_errors=True)


def run_cluster(tmp, slurm_dir):
    cluster = os.path.join(tmp, "cluster")
    db = os.path.join(tmp, "sweep.db")
    env = dict(os.environ, SLURM_CONF=os.path.join(slurm_dir, "slurm.conf"),
               SWEEP_CLUSTER_DIR=cluster, SWEEP_BIN=BIN, SWEEP_DB=db, SWEEP_DATA_DIR=DATA,
               SWEEP_HOST="127.0.0.1")
    env["SWEEP_DRAIN_TIMEOUT"] = "20"
    plugin = ["--plugin", TEST_PLUGIN]
    broker_job = sbatch(env, tmp, "--time=10", os.path.join(SLURM, "sweep-broker.sbatch"),
                        "--heartbeat-ms", "200", *plugin)
    eps = wait_until("the broker job's endpoints file",
                     lambda: read_endpoints(os.path.join(cluster, "endpoints")), timeout=60)
    assert eps["SWEEP_BROKER_JOB"] == broker_job, eps
    health = http(eps["SWEEP_HTTP"], "GET", "/api/health")
    assert health.status == 200, health

    client = Client(eps["SWEEP_BROKER"], timeout_s=5)
    # Submitted before there is any worker: it waits in the queue for the array.
    job = client.submit("optimization", SPEC)
    assert job["total"] == TRIALS, job
    t_array = time.monotonic()
    array_job = sbatch(env, tmp, "--array=0-1", "--cpus-per-task=1", "--time=10",
                       os.path.join(SLURM, "sweep-workers.sbatch"), *plugin)
    wait_until("the first result", lambda: client.status(job["id"])["completed"] >= 1,
               timeout=60)
    t_first = time.monotonic()
    names = {f"{array_job}_0", f"{array_job}_1"}
    wait_until("both array tasks to join the broker", lambda: set(workers(client)) == names,
               timeout=60)
    wait_until("array task 1 to run a trial", lambda: busy(client, f"{array_job}_1"), timeout=30)
    st = client.status(job["id"])
    assert st["completed"] < TRIALS - 10, \
        f"the job ran too fast to scancel mid-job: {st['completed']} of {TRIALS} done"

    run(["scancel", f"{array_job}_1"], env)
    t_cancel, t_cancel_wall = time.monotonic(), time.time()
    wait_until("the scancel'ed worker to leave the broker",
               lambda: workers(client) == [f"{array_job}_0"], timeout=40)
    t_left = time.monotonic()
    final = client.wait(job["id"], timeout_s=90)
    t_done = time.monotonic()
    counts = {k: final[k] for k in ("status", "completed", "failed")}
    assert counts == {"status": "completed", "completed": TRIALS, "failed": 0}, counts
    wait_until("array task 1 to end in Slurm",
               lambda: f"{array_job}_1" not in squeue_states(env), timeout=40)

    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT trial_index, attempt, status, worker, started_at "
                            "FROM backtest_runs "
                            "WHERE job_id = ? ORDER BY trial_index", (job["id"],)).fetchall()
        (job_status,) = conn.execute("SELECT status FROM jobs WHERE id = ?",
                                     (job["id"],)).fetchone()
    assert job_status == "completed", job_status
    assert [r[0] for r in rows] == list(range(TRIALS)), f"not every trial exactly once: {rows}"
    assert all(r[2] == "completed" for r in rows), rows
    extra = [r for r in rows if r[1] != 1]
    assert not extra, f"trials with an extra attempt after a drain: {extra}"

    # The time limit's early signal (--signal=B:TERM@120 in the script): with 2 minutes as its
    # limit, task 0 is already inside the lead; slurmctld signals it on its next time-limit
    # check (every 30 s), and a worker that drains ends the task COMPLETED, exit 0, not TIMEOUT.
    run(["scontrol", "update", f"JobId={array_job}_0", "TimeLimit=2"], env)
    t_limit = time.monotonic()
    wait_until("the worker to leave ahead of its time limit", lambda: not workers(client),
               timeout=60)
    t_signalled = time.monotonic()
    state = wait_until("array task 0 to end", lambda: ended(env, f"{array_job}_0"), timeout=30)
    assert state == ("COMPLETED", "0:0"), f"array task 0 ended {state}"

    run(["scancel", broker_job], env)
    wait_until("the broker job to end in Slurm", lambda: not squeue_states(env), timeout=60)
    assert not os.path.exists(os.path.join(cluster, "endpoints")), "stale endpoints file"
    # A trial run again elsewhere (a second attempt) shows when it was re-dispatched.
    rerun = [f"{r[4] / 1000 - t_cancel_wall:.2f} s" for r in extra]
    print(f"slurm timings: array submitted -> first result {t_first - t_array:.2f} s; "
          f"scancel -> worker left the broker (its trials re-queued) {t_left - t_cancel:.2f} s; "
          f"scancel -> a trial run again started {', '.join(rerun) or 'none run again'}; "
          f"scancel -> job completed {t_done - t_cancel:.2f} s ({TRIALS} trials); time limit "
          f"inside the --signal lead -> worker left {t_signalled - t_limit:.2f} s")


if __name__ == "__main__":
    main()
