"""The gateway outlives its broker: while the broker is down, API requests get 503 `unavailable`
with a clear message (and /metrics says sweep_up 0); once the broker is back on the same
endpoints and database, the same gateway serves again, old jobs included. A broker whose database
file was deleted answers, but /api/health is 503 with the broker's `store_error`."""

import os
import signal
import tempfile

import pytest

from gateway_support import (BIN, BROKER_READY, DATA, GATEWAY_READY, Proc, free_port, http,
                             wait_terminal, wait_until)

SPEC = {
    "dataset": {"path": "GOOG.csv"},
    "strategy": "sma_cross",
    "space": {"fast": [5, 10, 15], "slow": [20, 40]},
}


@pytest.fixture()
def rig():
    tmp = tempfile.TemporaryDirectory(prefix="sweep-gw-restart-")
    eps = {k: f"tcp://127.0.0.1:{free_port()}" for k in ("frontend", "backend", "events", "telemetry")}
    broker_args = [os.path.join(BIN, "sweep-broker"), "--db", os.path.join(tmp.name, "s.db"),
                   "--data-dir", DATA, "--heartbeat-ms", "200"]
    for k, v in eps.items():
        broker_args += [f"--{k}", v]
    procs = {}

    def start_broker(n):
        procs["broker"] = Proc(broker_args, os.path.join(tmp.name, f"broker{n}.log"))
        procs["broker"].wait_line(BROKER_READY)

    start_broker(1)
    procs["worker"] = Proc([os.path.join(BIN, "sweep-worker"), "--broker", eps["backend"],
                            "--slots", "2"], os.path.join(tmp.name, "worker.log"))
    procs["gateway"] = Proc([os.path.join(BIN, "sweep-gateway"), "--listen", "127.0.0.1:0",
                             "--broker", eps["frontend"], "--timeout-ms", "400"],
                            os.path.join(tmp.name, "gateway.log"))
    base = procs["gateway"].wait_line(GATEWAY_READY).strip()
    try:
        yield base, procs, start_broker, os.path.join(tmp.name, "s.db")
    finally:
        for p in procs.values():
            p.close()
        tmp.cleanup()


def has_worker(base):
    r = http(base, "GET", "/api/health")
    return r.status == 200 and len(r.json()["broker"]["workers"]) == 1


def test_gateway_survives_a_broker_restart(rig):
    base, procs, start_broker, _ = rig
    wait_until("the worker to register", lambda: has_worker(base), timeout=30)
    r = http(base, "POST", "/api/optimizations", SPEC)
    assert r.status == 202, r
    old = r.json()["id"]
    assert wait_terminal(base, "optimizations", old)["status"] == "completed"

    procs["broker"].stop(signal.SIGTERM)
    for method, path, body in [("GET", "/api/health", None), ("GET", "/api/jobs", None),
                               ("GET", f"/api/optimizations/{old}/status", None),
                               ("POST", "/api/optimizations", SPEC)]:
        r = http(base, method, path, body)
        assert r.status == 503, (path, r)
        e = r.json()["error"]
        assert e["code"] == "unavailable" and "broker unavailable" in e["message"], e
    m = http(base, "GET", "/metrics")
    assert m.status == 200 and "\nsweep_up 0\n" in m.body.decode()
    # The dashboard's files do not need the broker.
    assert http(base, "GET", "/").status == 200

    start_broker(2)
    wait_until("the gateway to reach the new broker",
               lambda: http(base, "GET", "/api/health").status == 200, timeout=30)
    st = http(base, "GET", f"/api/optimizations/{old}/status")
    assert st.status == 200 and st.json()["status"] == "completed"
    wait_until("the worker to register again", lambda: has_worker(base), timeout=30)
    r = http(base, "POST", "/api/optimizations", SPEC)
    assert r.status == 202, r
    assert wait_terminal(base, "optimizations", r.json()["id"])["status"] == "completed"
    m = http(base, "GET", "/metrics")
    assert m.status == 200 and "\nsweep_up 1\n" in m.body.decode()


def test_health_is_503_with_the_store_error_once_the_database_is_deleted(rig):
    base, _, _, db = rig
    assert http(base, "GET", "/api/health").status == 200
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    reason = f"database file {db} was deleted while the broker ran"
    wait_until("the broker to notice", lambda: http(base, "GET", "/api/health").status == 503,
               timeout=30)
    h = http(base, "GET", "/api/health").json()
    assert h["status"] == "unavailable" and h["broker"]["store_error"] == reason, h
    assert h["error"]["code"] == "unavailable" and reason in h["error"]["message"], h
    r = http(base, "POST", "/api/optimizations", SPEC)
    assert r.status == 503, r
    assert r.json()["error"]["code"] == "unavailable" and reason in r.json()["error"]["message"]
