"""client/python/sweep_client.py with CURVE against a real sweep-broker and sweep-worker
(docs/SECURITY.md): keys from `sweep keygen`, the broker with --curve-key and allow-lists."""

import os
import select
import subprocess
import sys
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "client", "python"))

from sweep_client import Client, SweepError  # noqa: E402

BIN = os.path.join(ROOT, "build", "bin")
EPHEMERAL = "tcp://127.0.0.1:*"


def keygen(prefix):
    subprocess.run([os.path.join(BIN, "sweep"), "keygen", "--out", prefix], check=True,
                   stdout=subprocess.DEVNULL, timeout=30)
    with open(prefix + ".pub") as f:
        return next(line for line in f if "public-key" in line)


@pytest.fixture(scope="module")
def secured():
    tmp = tempfile.TemporaryDirectory(prefix="sweep-pycurve-")
    d = tmp.name
    for name in ("broker", "worker", "client", "stranger"):
        keygen(os.path.join(d, name))
    # Allow-lists take `public-key = "..."` lines as they are in the .pub files.
    with open(os.path.join(d, "clients.allow"), "w") as f:
        f.write("# the Python client\n" + keygen(os.path.join(d, "py")))
    with open(os.path.join(d, "workers.allow"), "w") as f:
        with open(os.path.join(d, "worker.pub")) as pub:
            f.write(next(line for line in pub if "public-key" in line))
    log = open(os.path.join(d, "broker.err"), "w+")
    broker = subprocess.Popen(
        [os.path.join(BIN, "sweep-broker"), "--db", os.path.join(d, "s.db"),
         "--frontend", EPHEMERAL, "--backend", EPHEMERAL, "--events", EPHEMERAL,
         "--telemetry", EPHEMERAL, "--curve-key", os.path.join(d, "broker.key"),
         "--allow-clients", os.path.join(d, "clients.allow"),
         "--allow-workers", os.path.join(d, "workers.allow")],
        stdout=subprocess.PIPE, stderr=log, text=True)
    ready, _, _ = select.select([broker.stdout], [], [], 30)  # a deadline, not a sleep
    line = broker.stdout.readline() if ready else ""
    if not line.startswith("sweep-broker ready "):
        broker.kill()
        log.seek(0)
        pytest.fail(f"sweep-broker did not start: {line}{log.read()}")
    eps = dict(w.split("=", 1) for w in line.split()[2:])
    worker = subprocess.Popen(
        [os.path.join(BIN, "sweep-worker"), "--broker", eps["backend"], "--slots", "2",
         "--curve-server-key", os.path.join(d, "broker.pub"),
         "--curve-key", os.path.join(d, "worker.key")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield d, eps["frontend"], log
    finally:
        for p in (worker, broker):
            p.kill()
            p.wait(10)
        log.close()
        tmp.cleanup()


def test_an_allowed_python_client_runs_a_job(secured):
    d, frontend, _ = secured
    c = Client(frontend, timeout_s=2, curve_server_key=os.path.join(d, "broker.pub"),
               curve_key=os.path.join(d, "py.key"))
    deadline = time.monotonic() + 30
    while len(c.health()["workers"]) < 1:
        assert time.monotonic() < deadline, "the worker did not register"
        time.sleep(0.1)
    acc = c.submit("optimization", {
        "dataset": {"synthetic": {"bars": 2000, "seed": 1}}, "strategy": "sma_cross",
        "space": {"fast": [5, 10], "slow": [20, 40]}})
    final = c.subscribe(acc["id"], lambda _event: None, timeout_s=60)
    assert final["status"] == "completed"
    assert final["completed"] == 4
    c.close()


def test_a_python_client_not_on_the_list_is_refused(secured):
    d, frontend, log = secured
    c = Client(frontend, timeout_s=0.3, retries=1,
               curve_server_key=os.path.join(d, "broker.pub"),
               curve_key=os.path.join(d, "stranger.key"))
    with pytest.raises(SweepError) as e:
        c.health()
    assert e.value.code == "unavailable"
    c.close()
    with open(os.path.join(d, "stranger.pub")) as f:
        key = next(line for line in f if "public-key" in line).split('"')[1]
    deadline = time.monotonic() + 10
    while True:
        log.seek(0)
        if f"refused CURVE key {key} on frontend" in log.read():
            break
        assert time.monotonic() < deadline, "the broker did not log the refusal"
        time.sleep(0.05)


def test_a_plaintext_python_client_gets_no_reply(secured):
    _, frontend, _ = secured
    c = Client(frontend, timeout_s=0.3, retries=1)
    with pytest.raises(SweepError) as e:
        c.health()
    assert e.value.code == "unavailable"
    c.close()


def test_half_the_keys_is_an_error(secured):
    d, frontend, _ = secured
    with pytest.raises(ValueError, match="curve_key"):
        Client(frontend, curve_server_key=os.path.join(d, "broker.pub"))
