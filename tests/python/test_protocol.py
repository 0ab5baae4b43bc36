"""docs/PROTOCOL.md from another language: a sweep-broker process spoken to with pyzmq and msgpack
only, as a third party would, for the behaviour issue 13 corrected: the `ready` line and ephemeral
endpoints, broker-owned trial timeouts (a worker that heartbeats but never answers), one session
per worker id, nothing after a job's terminal `state` event, the names of a conflicting
idempotency key and of an unreadable request's `req`, and the `waiting_for` reason of a job no
connected worker can run. Every wait has a deadline."""

import os
import subprocess
import tempfile
import time

import msgpack
import pytest
import zmq

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BROKER = os.path.join(ROOT, "build", "bin", "sweep-broker")
DEADLINE_S = 20


def pack(obj):
    return msgpack.packb({"v": 1, **obj}, use_bin_type=True)


def unpack(data):
    return msgpack.unpackb(data, raw=False)


@pytest.fixture()
def broker():
    tmp = tempfile.TemporaryDirectory(prefix="sweep-protocol-")
    any_port = "tcp://127.0.0.1:*"
    proc = subprocess.Popen(
        [BROKER, "--db", os.path.join(tmp.name, "s.db"), "--heartbeat-ms", "200",
         "--frontend", any_port, "--backend", any_port, "--events", any_port,
         "--telemetry", any_port],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()  # §1: one line once every socket is bound
    assert line.startswith("sweep-broker ready "), line
    endpoints = dict(kv.split("=", 1) for kv in line.split()[2:])
    for name in ("frontend", "backend", "events", "telemetry"):
        assert endpoints[name].startswith("tcp://127.0.0.1:") and not endpoints[name].endswith("*")
    ctx = zmq.Context()
    try:
        yield ctx, endpoints
    finally:
        ctx.destroy(linger=0)
        proc.terminate()
        proc.wait(20)
        tmp.cleanup()


def dealer(ctx, endpoint):
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(endpoint)
    return s


def recv(sock, timeout_s=DEADLINE_S):
    if not sock.poll(int(timeout_s * 1000)):
        return None
    return unpack(sock.recv())


class ClientPeer:
    def __init__(self, ctx, endpoint):
        self.s = dealer(ctx, endpoint)
        self.n = 0

    def call(self, msg):
        self.n += 1
        self.s.send(pack({"req": f"r{self.n}", **msg}))
        reply = recv(self.s)
        assert reply is not None, f"no reply to {msg['type']}"
        return reply

    def status(self, job):
        return self.call({"type": "status", "id": job})


class WorkerPeer:
    def __init__(self, ctx, endpoint, name, strategies=()):
        self.s = dealer(ctx, endpoint)
        self.s.send(pack({"type": "hello", "worker": name, "pid": 1, "host": "py", "slots": 1,
                          "version": "py", "strategies": list(strategies)}))
        welcome = self.next()
        assert welcome and welcome["type"] == "welcome", welcome

    def send(self, msg):
        self.s.send(pack(msg))

    def next(self, timeout_s=DEADLINE_S):
        """The next message that is not a heartbeat (None after timeout_s)."""
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            m = recv(self.s, max(0.0, end - time.monotonic()))
            if m is None:
                return None
            if m["type"] != "heartbeat":
                return m
        return None

    def complete(self, job, trial):
        self.send({"type": "result", "job": job, "index": trial["index"],
                   "attempt": trial["attempt"], "status": "completed", "metrics": {"sharpe": 1.0},
                   "trades": 0, "equity": [10000.0, 10100.0], "started_at": 1, "finished_at": 2,
                   "bars": 500})


def optimization(fast_values, **extra):
    return {"type": "submit_optimization",
            "spec": {"dataset": {"synthetic": {"bars": 500, "seed": 7}}, "strategy": "sma_cross",
                     "space": {"fast": list(range(5, 5 + fast_values)), "slow": [30]}, **extra}}


def wait_for(cond, what):
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        value = cond()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_job_no_connected_worker_runs_says_why_until_one_connects(broker):
    ctx, ep = broker
    client = ClientPeer(ctx, ep["frontend"])
    job = client.call(optimization(1))["id"]
    assert client.status(job)["waiting_for"] == "no worker is connected"
    other = WorkerPeer(ctx, ep["backend"], "py-ema", strategies=["ema_cross"])
    other.send({"type": "credit", "credit": 10})
    why = "no connected worker runs strategy 'sma_cross' (1 connected)"
    wait_for(lambda: client.status(job).get("waiting_for") == why, why)
    health = client.call({"type": "health"})
    assert health["waiting"] == [{"job": job, "reason": why}]
    assert "store_error" not in health
    runs = WorkerPeer(ctx, ep["backend"], "py-sma", strategies=["sma_cross"])
    runs.send({"type": "credit", "credit": 10})
    batch = runs.next()
    assert batch["type"] == "batch" and batch["job"] == job
    assert "waiting_for" not in client.status(job)  # absent, not "", once it can run
    for t in batch["trials"]:
        runs.complete(job, t)
    wait_for(lambda: client.status(job)["status"] == "completed", "completed")
    assert "waiting" not in client.call({"type": "health"})


def test_a_worker_that_never_answers_loses_its_trials_to_another(broker):
    ctx, ep = broker
    client = ClientPeer(ctx, ep["frontend"])
    job = client.call(optimization(2, trial_timeout_s=1))["id"]
    hung = WorkerPeer(ctx, ep["backend"], "py-hung")
    hung.send({"type": "credit", "credit": 100})
    held = hung.next()
    assert held["type"] == "batch"
    held_index = held["trials"][0]["index"]
    good = WorkerPeer(ctx, ep["backend"], "py-good")
    good.send({"type": "credit", "credit": 100})
    end = time.monotonic() + DEADLINE_S
    attempts = {}
    while time.monotonic() < end and client.status(job)["status"] != "completed":
        hung.send({"type": "heartbeat"})
        good.send({"type": "heartbeat"})
        m = good.next(0.05)
        if m and m["type"] == "batch":
            for t in m["trials"]:
                attempts[t["index"]] = t["attempt"]
                good.complete(job, t)
    assert client.status(job)["status"] == "completed"
    assert attempts[held_index] == 2  # the broker took it back: the next attempt, elsewhere
    page = client.call({"type": "trials", "id": job})
    for t in page["trials"]:
        assert t["status"] == "completed" and t["worker"] == "py-good"
        assert set(t["params"]) == {"fast", "slow"}


def test_a_second_hello_with_a_live_worker_id_replaces_the_first(broker):
    ctx, ep = broker
    client = ClientPeer(ctx, ep["frontend"])
    job = client.call(optimization(1))["id"]
    first = WorkerPeer(ctx, ep["backend"], "py-twin")
    first.send({"type": "credit", "credit": 1})
    taken = first.next()["trials"][0]
    second = WorkerPeer(ctx, ep["backend"], "py-twin")
    health = client.call({"type": "health"})
    assert [w["id"] for w in health["workers"]] == ["py-twin"]
    second.send({"type": "credit", "credit": 1})
    again = second.next()
    assert again["type"] == "batch"
    assert again["trials"][0]["index"] == taken["index"]
    assert again["trials"][0]["attempt"] == 1  # not the trial's fault: the same attempt
    second.complete(job, again["trials"][0])


def test_nothing_follows_a_jobs_terminal_state_event(broker):
    ctx, ep = broker
    events = ctx.socket(zmq.SUB)
    events.setsockopt(zmq.LINGER, 0)
    events.setsockopt(zmq.SUBSCRIBE, b"job.")  # before the submit: §6
    events.connect(ep["events"])
    client = ClientPeer(ctx, ep["frontend"])
    a = client.call(optimization(3))["id"]
    # A subscription takes effect asynchronously; a live job's progress comes at least once a
    # second, so its first one says the subscription is in place. No worker runs it before.
    seen = []
    end = time.monotonic() + DEADLINE_S
    while not seen and time.monotonic() < end:
        if events.poll(100):
            ev = unpack(events.recv_multipart()[1])
            if ev["job"] == a:
                seen.append(ev)
    assert seen, "no progress event for a live job"
    worker = WorkerPeer(ctx, ep["backend"], "py-w")
    worker.send({"type": "credit", "credit": 10})
    b = None
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        m = worker.next(0.01)
        if m and m["type"] == "batch":
            for t in m["trials"]:
                worker.complete(m["job"], t)
            worker.send({"type": "credit", "credit": len(m["trials"])})
        if events.poll(10):
            topic, payload = events.recv_multipart()
            ev = unpack(payload)
            if ev["job"] == a:
                seen.append(ev)
            elif ev["job"] == b:
                break  # PUB keeps order: whatever a could still get came before this
        if b is None and any(e["type"] == "state" and e["status"] == "completed" for e in seen):
            b = client.call(optimization(1))["id"]
    terminal = [i for i, e in enumerate(seen) if e["type"] == "state" and e["status"] == "completed"]
    assert terminal, seen
    assert terminal[0] == len(seen) - 1, seen[terminal[0]:]
    last_progress = [e for e in seen if e["type"] == "progress"][-1]
    assert last_progress["status"] == "completed"
    assert last_progress["completed"] == 3


def test_error_names(broker):
    ctx, ep = broker
    client = ClientPeer(ctx, ep["frontend"])
    first = optimization(1)
    first["idempotency_key"] = "py-key"
    assert client.call(first)["type"] == "accepted"
    other = optimization(2)
    other["idempotency_key"] = "py-key"
    err = client.call(other)
    assert err["type"] == "error" and err["code"] == "conflict"
    assert err["field"] == "submit_optimization.idempotency_key"
    # Unreadable: no req could be read, so the reply's req is "" (§4.2).
    client.s.send(b"\xc1 not msgpack")
    err = recv(client.s)
    assert err["type"] == "error" and err["code"] == "bad_request" and err["req"] == ""


def test_strategies_and_datasets(broker):
    ctx, ep = broker
    client = ClientPeer(ctx, ep["frontend"])
    s = client.call({"type": "strategies"})
    assert s["type"] == "strategies"
    sma = [x for x in s["strategies"] if x["name"] == "sma_cross"][0]
    assert [p["name"] for p in sma["params"]][:2] == ["fast", "slow"]
    assert "sharpe" in s["metrics"]
    d = client.call({"type": "datasets"})
    assert d["type"] == "datasets" and d["files"] == [] and d["stored"] == []  # no --data-dir
    assert client.call(optimization(1))["type"] == "accepted"
    d = client.call({"type": "datasets"})
    assert len(d["stored"]) == 1 and d["stored"][0]["bars"] == 500
    assert d["stored"][0]["source"] == {"id": d["stored"][0]["id"]}
