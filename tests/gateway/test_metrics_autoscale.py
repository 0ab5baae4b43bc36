"""/metrics for autoscalers, checked against a running job on real processes: trials queued and
running (total and per job), workers connected and ready (a draining worker is connected, not
ready), trials per second; a job leaves the per-job families once it is terminal."""

import os
import signal
import tempfile

import pytest

from gateway_support import (BIN, BROKER_READY, DATA, GATEWAY_READY, TEST_PLUGIN, Proc, free_port,
                             http, wait_terminal, wait_until)

# Four trials of about 1.5 s (the test plugin's `slow`: 5000 bars at 300 us): one runs at a time
# on the one-slot worker, so the others are queued at the broker.
SPEC = {
    "dataset": {"synthetic": {"bars": 5000, "seed": 3}},
    "strategy": "slow",
    "space": {"n": {"start": 0, "stop": 3, "step": 1}, "us_per_bar": [300]},
}


@pytest.fixture()
def rig():
    tmp = tempfile.TemporaryDirectory(prefix="sweep-gw-metrics-")
    eps = {k: f"tcp://127.0.0.1:{free_port()}" for k in ("frontend", "backend", "events", "telemetry")}
    args = [os.path.join(BIN, "sweep-broker"), "--db", os.path.join(tmp.name, "s.db"), "--data-dir",
            DATA, "--heartbeat-ms", "200", "--plugin", TEST_PLUGIN]
    for k, v in eps.items():
        args += [f"--{k}", v]
    procs = {"broker": Proc(args, os.path.join(tmp.name, "broker.log"))}
    procs["broker"].wait_line(BROKER_READY)
    procs["gateway"] = Proc([os.path.join(BIN, "sweep-gateway"), "--listen", "127.0.0.1:0",
                             "--broker", eps["frontend"]], os.path.join(tmp.name, "gateway.log"))
    base = procs["gateway"].wait_line(GATEWAY_READY).strip()

    def add_worker(name):
        procs[name] = Proc([os.path.join(BIN, "sweep-worker"), "--broker", eps["backend"],
                            "--slots", "1", "--name", name, "--plugin", TEST_PLUGIN,
                            "--drain-timeout", "20"], os.path.join(tmp.name, f"{name}.log"))
        return procs[name]

    try:
        yield base, add_worker
    finally:
        for p in procs.values():
            p.close()
        tmp.cleanup()


def metrics(base):
    r = http(base, "GET", "/metrics")
    assert r.status == 200, r
    out = {}
    for line in r.body.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_autoscaling_metrics_follow_a_running_job_and_a_draining_worker(rig):
    base, add_worker = rig
    w1 = add_worker("w1")
    wait_until("the worker to register", lambda: metrics(base).get("sweep_workers_ready") == 1,
               timeout=30)
    r = http(base, "POST", "/api/optimizations", SPEC)
    assert r.status == 202, r
    job = r.json()["id"]
    lbl = lambda state: f'sweep_job_trials{{job="{job}",state="{state}"}}'

    # One trial running on the one slot, three queued; then one completed, at a rate over 0.
    def running_one():
        m = metrics(base)
        return m.get(lbl("running")) == 1 and m.get("sweep_trials_running") == 1 and m
    m = wait_until("a trial running", running_one, timeout=30)
    assert m[lbl("queued")] + m[lbl("completed")] == 3, m
    assert m["sweep_queue_depth"] == m[lbl("queued")], m
    assert m[lbl("failed")] == 0

    def one_done():
        m = metrics(base)
        return (m.get(lbl("completed"), 0) >= 1 and m[f'sweep_job_trials_per_second{{job="{job}"}}'] > 0
                and m["sweep_trials_per_second"] > 0 and m)
    m = wait_until("a trial completed and counted in the rate", one_done, timeout=30)
    assert m["sweep_trials_per_second"] >= m[f'sweep_job_trials_per_second{{job="{job}"}}'], m

    # Draining (its 1.5 s trial goes on): connected, not ready.
    w1.proc.send_signal(signal.SIGTERM)
    wait_until("the worker draining",
               lambda: (lambda m: m["sweep_workers"] == 1 and m["sweep_workers_ready"] == 0)(
                   metrics(base)), timeout=10)
    assert w1.proc.wait(timeout=20) == 0
    wait_until("the worker gone", lambda: metrics(base)["sweep_workers"] == 0, timeout=10)

    # Another worker finishes the job: it leaves the per-job families.
    add_worker("w2")
    assert wait_terminal(base, "optimizations", job)["status"] == "completed"
    m = metrics(base)
    assert lbl("queued") not in m and f'sweep_job_trials_per_second{{job="{job}"}}' not in m, m
    assert m["sweep_trials_running"] == 0 and m["sweep_workers_ready"] == 1
