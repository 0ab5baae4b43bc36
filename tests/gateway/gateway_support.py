"""Shared by the gateway tests: real processes on ephemeral loopback ports, HTTP through urllib,
and waits on conditions with deadlines (never fixed sleeps)."""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("SWEEP_BIN_DIR", os.path.join(ROOT, "build", "bin"))
LIB = os.environ.get("SWEEP_LIB_DIR", os.path.join(ROOT, "build", "lib"))
# Misbehaving strategies (throw_at_bar: a trial that throws, with a stack trace).
TEST_PLUGIN = os.path.join(LIB, "libsweep_test_plugin.so")
DATA = os.path.join(ROOT, "data")
# Sanitized builds run the cluster several times slower (tests/CMakeLists.txt sets the factor):
# every deadline here is a plain-build deadline times this.
SLOW = float(os.environ.get("SWEEP_TEST_TIMEOUT_FACTOR", "1"))
# What deploy/run-sanitizers.sh looks for in a test's output.
SANITIZER_REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer|"
                              r"runtime error:")
UP_READY = "sweep up ready "
GATEWAY_READY = "sweep-gateway ready "
BROKER_READY = "sweep-broker ready "
TERMINAL = {"completed", "failed", "cancelled"}


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    @property
    def error(self):
        return self.json()["error"]

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


def http(base, method, path, body=None, content_type=None, headers=None, timeout=30):
    """One request; a 4xx/5xx is a Reply too, never an exception."""
    data = None
    if body is not None:
        if isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
        else:
            data = json.dumps(body).encode()
            content_type = content_type or "application/json"
    req = urllib.request.Request(base + path, data=data, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout * SLOW) as r:
            return Reply(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, e.headers, e.read())


def wait_until(what, fn, timeout=60, interval=0.05):
    """Calls fn until it returns a truthy value; fails with `what` past the deadline."""
    timeout *= SLOW
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A child process whose stdout is drained by a thread; `wait_line` finds a line by prefix."""

    def __init__(self, args, log_path, cwd=ROOT, env=None):
        self.log = open(log_path, "w+")
        self.lines = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=self.log,
                                     text=True, env=env)
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)
            self.cond.notify_all()

    def wait_line(self, prefix, timeout=40):
        timeout *= SLOW
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    if line is None:
                        break
                    if line.startswith(prefix):
                        return line[len(prefix):]
                if None in self.lines:
                    raise AssertionError(f"{self.proc.args[0]} ended: {self.stderr()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no '{prefix}' line within {timeout} s: {self.stderr()}")
                self.cond.wait(left)

    def stderr(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-4000:]

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def close(self):
        self.stop()
        self.log.flush()
        self.log.seek(0)
        text = self.log.read()
        self.log.close()
        # A child killed by its sanitizer report may have been restarted (sweep up restarts
        # workers) and the test passed anyway: the report fails the test here, whole.
        report = SANITIZER_REPORT.search(text)
        assert report is None, \
            f"{self.proc.args[0]} printed a sanitizer report:\n{text[report.start():][:6000]}"


def fields(line):
    """'a=1 b=2' -> {'a': '1', 'b': '2'}"""
    return dict(kv.split("=", 1) for kv in line.split() if "=" in kv)


def start_up(tmpdir, workers=2, extra=()):
    """`sweep up --http 127.0.0.1:0` with the test plugin; returns (proc, frontend, base_url)."""
    assert os.path.exists(TEST_PLUGIN), f"{TEST_PLUGIN} is missing: build the tests first"
    p = Proc([os.path.join(BIN, "sweep"), "up", "--workers", str(workers), "--db",
              os.path.join(tmpdir, "sweep.db"), "--data-dir", DATA, "--http", "127.0.0.1:0",
              "--plugin", TEST_PLUGIN, *extra], os.path.join(tmpdir, "up.log"))
    f = fields(p.wait_line(UP_READY, timeout=60))
    return p, f["frontend"], f["http"]


def wait_terminal(base, coll, job_id, timeout=90):
    def poll():
        r = http(base, "GET", f"/api/{coll}/{job_id}/status")
        assert r.status == 200, r
        s = r.json()
        return s if s["status"] in TERMINAL else None
    return wait_until(f"job {job_id} to finish", poll, timeout=timeout, interval=0.1)
