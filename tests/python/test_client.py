"""End-to-end tests of client/python/sweep_client.py against a real local cluster."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "client", "python"))

from sweep_client import Client, SweepError  # noqa: E402

SWEEP = os.path.join(ROOT, "build", "bin", "sweep")
READY = "sweep up ready frontend="

OPT_SPEC = {
    "dataset": {"path": "GOOG.csv"},
    "strategy": "sma_cross",
    "space": {"fast": {"start": 5, "stop": 30, "step": 5}, "slow": [20, 40, 60, 80]},
    "constraint": "fast < slow",
}


@pytest.fixture(scope="module")
def cluster():
    tmp = tempfile.TemporaryDirectory(prefix="sweep-pytest-")
    log = open(os.path.join(tmp.name, "stderr.log"), "w+")
    proc = subprocess.Popen(
        [SWEEP, "up", "--workers", "2", "--db", os.path.join(tmp.name, "s.db"),
         "--data-dir", os.path.join(ROOT, "data")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
    found = {}
    ready = threading.Event()

    def reader():  # keeps draining stdout so the cluster never blocks on a full pipe
        for line in proc.stdout:
            if not ready.is_set() and line.startswith(READY):
                found["frontend"] = line[len(READY):].strip()
                ready.set()
        ready.set()

    threading.Thread(target=reader, daemon=True).start()
    if not ready.wait(30) or "frontend" not in found:
        proc.kill()
        proc.wait(10)
        log.seek(0)
        pytest.fail(f"sweep up did not become ready (rc={proc.poll()}):\n{log.read()}")
    try:
        yield found["frontend"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
        tmp.cleanup()


@pytest.fixture(scope="module")
def client(cluster):
    c = Client(cluster, timeout_s=5)
    # Wait (with a deadline) for both workers to have joined.
    deadline = time.monotonic() + 30
    while len(c.health()["workers"]) < 2:
        assert time.monotonic() < deadline, "workers did not register"
        time.sleep(0.1)
    yield c
    c.close()


@pytest.fixture(scope="module")
def finished_job(client):
    acc = client.submit("optimization", OPT_SPEC)
    assert acc["total"] == 21
    st = client.wait(acc["id"], timeout_s=90)
    return acc["id"], st


def test_health(client):
    h = client.health()
    assert set(h["endpoints"]) >= {"frontend", "backend", "events", "telemetry"}
    assert isinstance(h["version"], str)


def test_submit_and_wait(finished_job):
    _, st = finished_job
    assert st["status"] == "completed"
    assert st["total"] == 21
    assert st["completed"] == 21
    assert st["failed"] == 0


def test_trials_sorted_by_sharpe(client, finished_job):
    job_id, _ = finished_job
    page = client.trials(job_id, sort="sharpe", order="desc", limit=100)
    assert page["total"] == 21
    trials = page["trials"]
    assert len(trials) == 21
    sharpes = [t["metrics"].get("sharpe") for t in trials]
    defined = [s for s in sharpes if s is not None]
    # nil sorts last; defined values are non-increasing
    assert sharpes[:len(defined)] == defined
    assert defined == sorted(defined, reverse=True)
    for t in trials:
        assert t["params"]["fast"] < t["params"]["slow"]


def test_status_of_finished_job_has_result(client, finished_job):
    job_id, _ = finished_job
    st = client.status(job_id)
    assert st["status"] == "completed"
    assert st["result"] is not None
    assert "best" in st["result"]
    assert st["best"] is not None
    job = client.get(job_id)
    assert job["id"] == job_id and job["status"] == "completed"
    listed = client.list()
    assert job_id in [j["id"] for j in listed["jobs"]]


def test_subscribe(client):
    # ~0.7 s of work on 2 workers: long enough for the SUB socket to join before the end.
    spec = dict(OPT_SPEC, dataset={"synthetic": {"bars": 200000, "seed": 7}})
    acc = client.submit("optimization", spec)
    events = []
    final = client.subscribe(acc["id"], events.append, timeout_s=90)
    assert final["status"] == "completed"
    assert final["completed"] == acc["total"]
    assert len(events) >= 1
    assert all(e["job"] == acc["id"] for e in events)
    assert {e["type"] for e in events} <= {"progress", "trial_event", "state"}
    states = [e["status"] for e in events if e["type"] == "state"]
    if states:  # events are lossy; when the final state event arrived it must agree
        assert states[-1] == "completed"


def test_idempotent_submit(client):
    a = client.submit("optimization", OPT_SPEC, idempotency_key="pytest-idem-1")
    b = client.submit("optimization", OPT_SPEC, idempotency_key="pytest-idem-1")
    assert a["id"] == b["id"]
    client.wait(a["id"], timeout_s=90)


def test_cancel_unknown_raises_not_found(client):
    with pytest.raises(SweepError) as ei:
        client.cancel("no-such-job")
    assert ei.value.code == "not_found"


def test_bad_spec_raises_bad_request(client):
    spec = dict(OPT_SPEC, space={"fast": [5, 10], "slow": [20, 20]})
    with pytest.raises(SweepError) as ei:
        client.submit("optimization", spec)
    assert ei.value.code == "bad_request"
    assert ei.value.field is not None and ei.value.field.startswith("spec.space.slow")
    assert "spec.space.slow" in ei.value.message


def test_cluster_results_equal_the_in_process_optimizer(client):
    """Several hundred trials on 2 workers: each recorded exactly once, and every trial's metrics
    bit-identical to `sweep optimize` in one process (same spec, same numbers)."""
    spec = {
        "dataset": {"path": "GOOG.csv"},
        "strategy": "sma_cross",
        "space": {"fast": {"start": 2, "stop": 40, "step": 1},
                  "slow": {"start": 45, "stop": 100, "step": 5}},
        "top_k": 5,
    }
    acc = client.submit("optimization", spec)
    assert acc["total"] == 39 * 12
    seen_done = 0
    deadline = time.monotonic() + 120
    while True:  # progress never goes backwards and the counts stay consistent
        st = client.status(acc["id"])
        done = st["completed"] + st["failed"]
        assert done >= seen_done
        assert done + st.get("running", 0) + st.get("queued", 0) <= st["total"]
        seen_done = done
        if st["status"] == "completed":
            break
        assert time.monotonic() < deadline, "optimization did not finish"
        time.sleep(0.05)
    assert st["completed"] == 468 and st["failed"] == 0

    page = client.trials(acc["id"], limit=1000)
    cluster = {(t["params"]["fast"], t["params"]["slow"]): t for t in page["trials"]}
    assert len(page["trials"]) == 468 and len(cluster) == 468
    assert sorted(t["index"] for t in page["trials"]) == list(range(468))

    out = subprocess.run(
        [SWEEP, "optimize", "--data", os.path.join(ROOT, "data", "GOOG.csv"), "--strategy",
         "sma_cross", "--param", "fast=2:40:1", "--param", "slow=45:100:5", "--top", "468",
         "--threads", "2", "--json"], capture_output=True, text=True, check=True)
    local = json.loads(out.stdout)
    assert len(local["top"]) == 468
    for t in local["top"]:
        remote = cluster[(t["params"]["fast"], t["params"]["slow"])]
        assert remote["index"] == t["trial"]
        for name, value in t["metrics"].items():
            assert remote["metrics"][name] == value, (t["params"], name)
    assert st["best"]["index"] == local["best"]["trial"]
