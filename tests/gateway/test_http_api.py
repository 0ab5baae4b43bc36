"""Contract tests of every route of docs/HTTP.md and its status codes, against a real
`sweep up --http` (broker, two workers, gateway) on ephemeral loopback ports, plus a second
gateway with --token against the same broker."""

from http.client import HTTPConnection
import json
import os
import signal
import tempfile
import urllib.parse

import pytest

from gateway_support import (BIN, TERMINAL, Proc, GATEWAY_READY, http, start_up, wait_terminal,
                             wait_until)

GOOG_OPT = {
    "dataset": {"path": "GOOG.csv"},
    "strategy": "sma_cross",
    "space": {"fast": {"start": 5, "stop": 30, "step": 5}, "slow": [20, 40, 60, 80]},
    "constraint": "fast < slow",
}
GOOG_BACKTEST = {
    "dataset": {"path": "GOOG.csv"},
    "strategy": "sma_cross",
    "params": {"fast": 10, "slow": 30, "mode": "long_short"},
}
# Enough work to be cancelled while it runs: 2000 trials over 200k bars.
LONG_OPT = {
    "dataset": {"synthetic": {"bars": 200000, "seed": 3}},
    "strategy": "sma_cross",
    "space": {"fast": {"start": 2, "stop": 101, "step": 1}, "slow": {"start": 110, "stop": 300, "step": 10}},
}
CSV = "Date,Open,High,Low,Close,Volume\n" + "".join(
    f"2024-01-{d:02d},{100 + d},{102 + d},{99 + d},{101 + d},{1000 + d}\n" for d in range(1, 29))


@pytest.fixture(scope="module")
def cluster():
    tmp = tempfile.TemporaryDirectory(prefix="sweep-gw-")
    proc, frontend, base = start_up(tmp.name)
    up_pid = proc.proc.pid
    wait_until("two workers", lambda: (lambda r: r.status == 200 and
                                       len(r.json()["broker"]["workers"]) == 2)(
        http(base, "GET", "/api/health")), timeout=30)
    try:
        yield {"base": base, "frontend": frontend, "tmp": tmp.name, "up_pid": up_pid}
    finally:
        proc.close()
        tmp.cleanup()


@pytest.fixture(scope="module")
def base(cluster):
    return cluster["base"]


@pytest.fixture(scope="module")
def finished_opt(base):
    r = http(base, "POST", "/api/optimizations", GOOG_OPT)
    assert r.status == 202, r
    job = r.json()
    return job["id"], wait_terminal(base, "optimizations", job["id"])


def job_count(base):
    r = http(base, "GET", "/api/jobs?limit=1")
    assert r.status == 200, r
    return r.json()["total"]


def assert_error(r, status, code, field=None):
    assert r.status == status, r
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    e = r.error
    assert e["code"] == code, e
    assert isinstance(e["message"], str) and e["message"], e
    if field is not None:
        assert e["field"] == field, e
    return e


# --- health, strategies, static files -------------------------------------------------------

def test_health(base, cluster):
    r = http(base, "GET", "/api/health")
    assert r.status == 200, r
    h = r.json()
    assert h["status"] == "ok"
    assert h["broker"]["endpoints"]["frontend"] == cluster["frontend"]
    assert len(h["broker"]["workers"]) == 2
    assert {"version", "uptime_s", "broker"} <= set(h["gateway"])


def test_strategies_with_schemas(base):
    r = http(base, "GET", "/api/strategies")
    assert r.status == 200, r
    body = r.json()
    sma = next(s for s in body["strategies"] if s["name"] == "sma_cross")
    params = {p["name"]: p for p in sma["params"]}
    assert params["fast"]["type"] == "int" and params["fast"]["min"] >= 1
    assert params["mode"]["choices"] == ["long_only", "long_short"]
    assert "sharpe" in body["metrics"] and len(body["metrics"]) == 24


def test_dashboard_and_chartjs_are_served(base):
    r = http(base, "GET", "/")
    assert r.status == 200 and b"Sweep" in r.body and r.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    r = http(base, "GET", "/app.js")
    assert r.status == 200 and "javascript" in r.headers["Content-Type"]
    # The module app.js imports for the walk-forward and holdout views.
    r = http(base, "GET", "/walk_forward.js")
    assert r.status == 200 and "javascript" in r.headers["Content-Type"] and b"walkForwardPanel" in r.body
    r = http(base, "GET", "/vendor/chart.min.js")
    assert r.status == 200 and len(r.body) > 100_000 and b"Chart" in r.body


def test_unknown_route_is_json_404(base):
    assert_error(http(base, "GET", "/api/nothing-here"), 404, "not_found")


# --- submit, status, result ---------------------------------------------------------------

def test_submit_optimization_is_202_and_status_until_terminal(base):
    r = http(base, "POST", "/api/optimizations", GOOG_OPT)
    assert r.status == 202, r
    acc = r.json()
    assert set(acc) == {"id", "total", "status"}
    assert acc["total"] == 21 and acc["status"] in ("queued", "running")
    assert r.headers["Location"] == f"/api/optimizations/{acc['id']}"
    first = http(base, "GET", f"/api/optimizations/{acc['id']}/status").json()
    if first["status"] not in TERMINAL:
        assert first["result"] is None
    for key in ("id", "kind", "status", "total", "completed", "failed", "progress", "running",
                "queued", "elapsed_s", "eta_s", "best", "result"):
        assert key in first, key
    st = wait_terminal(base, "optimizations", acc["id"])
    assert st["status"] == "completed" and st["completed"] == 21 and st["failed"] == 0
    assert st["progress"] == 1
    res = st["result"]
    assert res["best"]["metrics"]["sharpe"] is not None
    assert len(res["top"]) == 10 and len(res["top"][0]["equity"]) > 10
    assert res["heatmap"]["x"] in ("fast", "slow") and res["heatmap"]["metric"] == "sharpe"


def test_backtest_result_has_metrics_equity_and_trades(base):
    r = http(base, "POST", "/api/backtests", GOOG_BACKTEST)
    assert r.status == 202, r
    acc = r.json()
    assert acc["total"] == 2148
    st = wait_terminal(base, "backtests", acc["id"])
    assert st["status"] == "completed", st
    res = st["result"]
    assert res["metrics"]["trades"] == 66
    assert abs(res["metrics"]["final_equity"] - 51422.99) < 0.01
    assert len(res["equity"]) > 100
    assert isinstance(res["trades"], list)
    rec = http(base, "GET", f"/api/backtests/{acc['id']}")
    assert rec.status == 200 and rec.json()["spec"]["strategy"] == "sma_cross"


def test_record_and_trials_sorted_and_paged(base, finished_opt):
    job_id, _ = finished_opt
    rec = http(base, "GET", f"/api/optimizations/{job_id}")
    assert rec.status == 200, rec
    j = rec.json()
    assert j["id"] == job_id and j["kind"] == "optimization" and j["status"] == "completed"
    assert j["spec"]["constraint"] == "fast < slow" and j["result"]["best"] is not None

    page1 = http(base, "GET", f"/api/optimizations/{job_id}/trials?sort=sharpe&order=desc&limit=8")
    assert page1.status == 200, page1
    p1 = page1.json()
    assert p1["total"] == 21 and p1["offset"] == 0 and p1["limit"] == 8 and len(p1["trials"]) == 8
    page2 = http(base, "GET",
                 f"/api/optimizations/{job_id}/trials?sort=sharpe&order=desc&limit=8&offset=8").json()
    page3 = http(base, "GET",
                 f"/api/optimizations/{job_id}/trials?sort=sharpe&order=desc&limit=8&offset=16").json()
    trials = p1["trials"] + page2["trials"] + page3["trials"]
    assert len(trials) == 21 and len({t["index"] for t in trials}) == 21
    sharpes = [t["metrics"]["sharpe"] for t in trials if t["metrics"]["sharpe"] is not None]
    assert sharpes == sorted(sharpes, reverse=True)
    by_index = http(base, "GET", f"/api/optimizations/{job_id}/trials?sort=index&limit=1000").json()
    assert [t["index"] for t in by_index["trials"]] == list(range(21))
    asc = http(base, "GET", f"/api/optimizations/{job_id}/trials?sort=return_pct&order=asc").json()
    rets = [t["metrics"]["return_pct"] for t in asc["trials"]]
    assert rets == sorted(rets)


def test_lists(base, finished_opt):
    job_id, _ = finished_opt
    all_jobs = http(base, "GET", "/api/jobs")
    assert all_jobs.status == 200
    assert job_id in [j["id"] for j in all_jobs.json()["jobs"]]
    opts = http(base, "GET", "/api/optimizations?status=completed&limit=1000").json()
    assert all(j["kind"] == "optimization" and j["status"] == "completed" for j in opts["jobs"])
    assert job_id in [j["id"] for j in opts["jobs"]]
    bts = http(base, "GET", "/api/backtests").json()
    assert all(j["kind"] == "backtest" for j in bts["jobs"])


def test_failed_trials_are_recorded_with_their_error(base):
    spec = dict(GOOG_OPT)
    del spec["constraint"]  # sma_cross rejects fast >= slow when a trial starts
    spec["space"] = {"fast": [10, 50], "slow": [20, 40]}
    r = http(base, "POST", "/api/optimizations", spec)
    assert r.status == 202, r
    st = wait_terminal(base, "optimizations", r.json()["id"])
    assert st["status"] == "completed" and st["failed"] == 2 and st["completed"] == 2
    trials = http(base, "GET", f"/api/optimizations/{st['id']}/trials?sort=index").json()["trials"]
    failed = [t for t in trials if t["status"] == "failed"]
    assert len(failed) == 2
    assert all("fast" in t["error_message"] for t in failed)


def test_a_trial_that_throws_is_recorded_with_its_stack_trace(base):
    assert "throw_at_bar" in [s["name"] for s in http(base, "GET", "/api/strategies").json()["strategies"]]
    spec = {"dataset": {"path": "GOOG.csv"}, "strategy": "throw_at_bar",
            "space": {"bar": [-1, 100, 200]}}
    r = http(base, "POST", "/api/optimizations", spec)
    assert r.status == 202, r
    st = wait_terminal(base, "optimizations", r.json()["id"])
    assert st["status"] == "completed" and st["failed"] == 2 and st["completed"] == 1
    page = http(base, "GET", f"/api/optimizations/{st['id']}/trials?sort=index").json()
    failed = [t for t in page["trials"] if t["status"] == "failed"]
    assert ["boom at bar 100" in failed[0]["error_message"],
            "boom at bar 200" in failed[1]["error_message"]] == [True, True], failed
    assert all(t["error_stack_trace"] for t in failed), failed


# --- cancel -------------------------------------------------------------------------------

def test_cancel_running_job_is_202_then_cancelled(base):
    r = http(base, "POST", "/api/optimizations", LONG_OPT)
    assert r.status == 202, r
    job_id = r.json()["id"]
    c = http(base, "POST", f"/api/optimizations/{job_id}/cancel")
    assert c.status == 202, c
    assert c.json()["status"] in ("cancelling", "cancelled")
    st = wait_terminal(base, "optimizations", job_id, timeout=60)
    assert st["status"] == "cancelled"
    assert st["completed"] + st["failed"] < st["total"]
    # Terminal now: a second cancel conflicts.
    assert_error(http(base, "POST", f"/api/optimizations/{job_id}/cancel"), 409, "conflict")


def test_cancel_terminal_job_is_409(base, finished_opt):
    job_id, _ = finished_opt
    assert_error(http(base, "POST", f"/api/optimizations/{job_id}/cancel"), 409, "conflict")


@pytest.mark.parametrize("method,suffix", [("GET", "/status"), ("GET", ""), ("GET", "/trials"),
                                           ("POST", "/cancel")])
def test_unknown_id_is_404(base, method, suffix):
    for coll in ("backtests", "optimizations"):
        assert_error(http(base, method, f"/api/{coll}/no-such-job{suffix}"), 404, "not_found")


def test_wrong_kind_is_404(base, finished_opt):
    job_id, _ = finished_opt
    for suffix in ("/status", "", "/trials"):
        e = assert_error(http(base, "GET", f"/api/backtests/{job_id}{suffix}"), 404, "not_found")
        assert "optimization" in e["message"]
    assert_error(http(base, "POST", f"/api/backtests/{job_id}/cancel"), 404, "not_found")


# --- bad requests -------------------------------------------------------------------------

def with_(spec, **changes):
    s = dict(spec)
    s.update(changes)
    return s


BAD_SPECS = [
    ("unknown strategy", "optimizations", with_(GOOG_OPT, strategy="nope"), 400, "not_found",
     "spec.strategy"),
    ("unknown parameter", "backtests",
     with_(GOOG_BACKTEST, params={"fast": 10, "slow": 30, "speed": 3}), 400, "bad_request", None),
    ("out of range", "backtests", with_(GOOG_BACKTEST, params={"fast": 0, "slow": 30}), 400,
     "bad_request", None),
    ("bad choice", "backtests", with_(GOOG_BACKTEST, params={"fast": 5, "slow": 30, "mode": "x"}),
     400, "bad_request", None),
    ("empty space", "optimizations",
     with_(GOOG_OPT, space={"fast": [50], "slow": [20]}, constraint="fast < slow"), 400,
     "bad_request", None),
    ("huge space", "optimizations",
     with_(GOOG_OPT, space={"fast": {"start": 1, "stop": 5000, "step": 1},
                            "slow": {"start": 2, "stop": 5001, "step": 1}}, constraint=None),
     413, "too_large", "spec.space"),
    ("duplicate value", "optimizations", with_(GOOG_OPT, space={"fast": [5, 5], "slow": [20]}),
     400, "bad_request", "spec.space.fast[1]"),
    ("missing dataset", "optimizations", {"strategy": "sma_cross", "space": {"fast": [5]}}, 400,
     "bad_request", None),
    ("unknown dataset file", "backtests", with_(GOOG_BACKTEST, dataset={"path": "nope.csv"}), 400,
     "not_found", None),
    ("path out of the data folder", "backtests",
     with_(GOOG_BACKTEST, dataset={"path": "../etc/passwd"}), 400, "bad_request", None),
    ("space on a backtest", "backtests", with_(GOOG_BACKTEST, space={"fast": [5]}), 400,
     "bad_request", None),
]


@pytest.mark.parametrize("name,coll,spec,status,code,field", BAD_SPECS, ids=[b[0] for b in BAD_SPECS])
def test_bad_spec_is_4xx_naming_the_field_and_stores_nothing(base, name, coll, spec, status, code,
                                                             field):
    spec = {k: v for k, v in spec.items() if v is not None}
    before = job_count(base)
    r = http(base, "POST", f"/api/{coll}", spec)
    assert 400 <= r.status < 500, r
    if status is not None:
        assert r.status == status, r
    e = r.error
    if code is not None:
        assert e["code"] == code, e
    assert e["field"] and e["field"].startswith("spec"), e
    if field is not None:
        assert e["field"] == field, e
    assert e["message"].startswith(e["field"].split("[")[0]) or e["field"] in e["message"], e
    assert job_count(base) == before


def test_invalid_json_is_400(base):
    before = job_count(base)
    e = assert_error(http(base, "POST", "/api/optimizations", b'{"strategy": ', "application/json"),
                     400, "bad_request", "body")
    assert "JSON" in e["message"]
    assert_error(http(base, "POST", "/api/backtests", b"[1, 2]", "application/json"), 400,
                 "bad_request", "body")
    assert_error(http(base, "POST", "/api/backtests", b"", "application/json"), 400,
                 "bad_request", "body")
    assert job_count(base) == before


def test_wrong_content_type_is_415(base):
    assert_error(http(base, "POST", "/api/backtests", b"{}", "text/plain"), 415,
                 "unsupported_media_type", "body")
    assert_error(http(base, "POST", "/api/backtests", b"{}"), 415, "unsupported_media_type")


def test_oversized_spec_is_413(base):
    before = job_count(base)
    big = with_(GOOG_OPT, space={"fast": list(range(1, 200_000))})
    assert_error(http(base, "POST", "/api/optimizations", big), 413, "too_large", "body")
    assert job_count(base) == before


def test_body_over_the_server_limit_is_413_without_reading_it(cluster):
    u = urllib.parse.urlparse(cluster["base"])
    conn = HTTPConnection(u.hostname, u.port, timeout=20)
    conn.putrequest("POST", "/api/datasets")
    conn.putheader("Content-Type", "text/csv")
    conn.putheader("Content-Length", str(10 << 30))
    conn.endheaders()
    r = conn.getresponse()
    assert r.status == 413
    conn.close()


@pytest.mark.parametrize("query,field", [("limit=0", "limit"), ("limit=1001", "limit"),
                                         ("limit=ten", "limit"), ("offset=-1", "offset"),
                                         ("order=sideways", "order"), ("sort=bogus", "sort")])
def test_bad_trials_query_is_400(base, finished_opt, query, field):
    job_id, _ = finished_opt
    assert_error(http(base, "GET", f"/api/optimizations/{job_id}/trials?{query}"), 400,
                 "bad_request", field)


@pytest.mark.parametrize("query,field", [("status=sleeping", "status"), ("kind=both", "kind"),
                                         ("limit=0", "limit")])
def test_bad_list_query_is_400(base, query, field):
    assert_error(http(base, "GET", f"/api/jobs?{query}"), 400, "bad_request", field)


def test_gateway_still_serves_after_bad_input(base):
    assert http(base, "GET", "/api/health").status == 200


# --- datasets -----------------------------------------------------------------------------

def stored_ids(base):
    r = http(base, "GET", "/api/datasets")
    assert r.status == 200, r
    return [d["id"] for d in r.json()["stored"]]


def test_datasets_list_has_the_data_folder(base):
    files = http(base, "GET", "/api/datasets").json()["files"]
    assert {"path": "GOOG.csv"} in [f["source"] for f in files]


def test_upload_csv_then_backtest_it_by_id(base):
    r = http(base, "POST", "/api/datasets?name=tiny.csv", CSV, "text/csv")
    assert r.status == 201, r
    d = r.json()
    assert len(d["id"]) == 64 and d["bars"] == 28 and d["name"] == "tiny.csv"
    assert d["source"] == {"id": d["id"]}
    again = http(base, "POST", "/api/datasets?name=other.csv", CSV, "text/csv")
    assert again.status == 200 and again.json()["id"] == d["id"]
    assert d["id"] in stored_ids(base)
    bt = http(base, "POST", "/api/backtests",
              {"dataset": {"id": d["id"]}, "strategy": "sma_cross", "params": {"fast": 2, "slow": 5}})
    assert bt.status == 202, bt
    st = wait_terminal(base, "backtests", bt.json()["id"])
    assert st["status"] == "completed" and st["total"] == 28


@pytest.mark.parametrize("body,ctype,query,status,code,field,needle", [
    ("Date,Open,High,Low,Close\n2024-01-01,1,2,0.5,abc\n", "text/csv", "", 400, "bad_request",
     "body", ":2"),
    ("", "text/csv", "", 400, "bad_request", "body", "empty"),
    ("Date,Open,High,Low,Close\n", "text/csv", "", 400, "bad_request", "body", "no data rows"),
    ("Date,Open\n2024-01-01,1\n", "text/csv", "", 400, "bad_request", "body", "missing column"),
    (CSV, "application/json", "", 415, "unsupported_media_type", "body", "text/csv"),
    (CSV, "text/csv", "?name=../../x.csv", 400, "bad_request", "name", "name"),
])
def test_bad_upload_is_4xx_and_stores_nothing(base, body, ctype, query, status, code, field, needle):
    before = stored_ids(base)
    e = assert_error(http(base, "POST", f"/api/datasets{query}", body, ctype), status, code, field)
    assert needle in e["message"], e
    assert stored_ids(base) == before


# --- metrics ------------------------------------------------------------------------------

def metric_values(base):
    r = http(base, "GET", "/metrics")
    assert r.status == 200, r
    assert r.headers["Content-Type"].startswith("text/plain")
    out = {}
    for line in r.body.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_metrics(base, finished_opt):
    m = metric_values(base)
    assert m["sweep_up"] == 1
    assert m['sweep_jobs{state="completed"}'] >= 1
    for s in ("queued", "running", "cancelling", "failed", "cancelled"):
        assert f'sweep_jobs{{state="{s}"}}' in m
    assert m['sweep_trials_total{status="completed"}'] >= 21
    assert 'sweep_trials_total{status="failed"}' in m
    assert m["sweep_workers"] == 2 and m["sweep_worker_slots"] >= 2
    assert "sweep_queue_depth" in m
    # The histogram counts the trials this gateway saw finish (events); wait for it.
    wait_until("trial durations in the histogram",
               lambda: metric_values(base)["sweep_trial_duration_seconds_count"] > 0, timeout=30)
    m = metric_values(base)
    assert m['sweep_trial_duration_seconds_bucket{le="+Inf"}'] == m["sweep_trial_duration_seconds_count"]


# --- bearer token (a second gateway on the same broker) ------------------------------------

@pytest.fixture(scope="module")
def token_gateway(cluster):
    p = Proc([os.path.join(BIN, "sweep-gateway"), "--listen", "127.0.0.1:0", "--broker",
              cluster["frontend"], "--token", "s3cret"],
             os.path.join(cluster["tmp"], "gw-token.log"))
    try:
        yield p.wait_line(GATEWAY_READY).strip()
    finally:
        p.close()


def test_token_is_required_on_every_api_route(token_gateway):
    base = token_gateway
    for method, path in [("GET", "/api/health"), ("GET", "/api/strategies"), ("GET", "/api/jobs"),
                         ("GET", "/api/datasets"), ("POST", "/api/optimizations"),
                         ("GET", "/api/optimizations/x/status"), ("POST", "/api/backtests/x/cancel"),
                         ("GET", "/metrics")]:
        r = http(base, method, path, b"{}" if method == "POST" else None,
                 "application/json" if method == "POST" else None)
        assert_error(r, 401, "unauthorized")
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        r = http(base, method, path, b"{}" if method == "POST" else None,
                 "application/json" if method == "POST" else None,
                 headers={"Authorization": "Bearer wrong"})
        assert_error(r, 401, "unauthorized")
    ok = http(base, "GET", "/api/health", headers={"Authorization": "Bearer s3cret"})
    assert ok.status == 200, ok
    # The dashboard's files are not API routes: they load, then ask for the token.
    assert http(base, "GET", "/").status == 200


# --- idempotent submits ---------------------------------------------------------------------

def test_idempotency_key(base):
    key = {"Idempotency-Key": "gw-test-key-1"}
    a = http(base, "POST", "/api/backtests", GOOG_BACKTEST, headers=key)
    b = http(base, "POST", "/api/backtests", GOOG_BACKTEST, headers=key)
    assert a.status == 202 and b.status == 202, (a, b)
    assert a.json()["id"] == b.json()["id"]
    other = with_(GOOG_BACKTEST, params={"fast": 12, "slow": 30})
    assert_error(http(base, "POST", "/api/backtests", other, headers=key), 409, "conflict")
    assert_error(http(base, "POST", "/api/backtests", GOOG_BACKTEST,
                      headers={"Idempotency-Key": "k" * 129}), 400, "bad_request",
                 "Idempotency-Key")


def test_post_without_content_length_is_400_saying_so(cluster, finished_opt):
    job_id, _ = finished_opt
    u = urllib.parse.urlparse(cluster["base"])
    conn = HTTPConnection(u.hostname, u.port, timeout=20)
    conn.putrequest("POST", f"/api/optimizations/{job_id}/cancel")
    conn.endheaders()
    r = conn.getresponse()
    body = json.loads(r.read())
    conn.close()
    assert r.status == 400 and "Content-Length" in body["error"]["message"], body


# --- sweep up supervises the gateway (last: it restarts the module's gateway) ---------------

def child_pids(pid):
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out += [int(p) for p in f.read().split()]
    return out


def test_sweep_up_restarts_a_dead_gateway_on_the_same_port(cluster, base):
    gateways = [p for p in child_pids(cluster["up_pid"])
                if "sweep-gateway" in open(f"/proc/{p}/cmdline").read()]
    assert len(gateways) == 1, gateways
    os.kill(gateways[0], signal.SIGKILL)

    def serving():
        try:
            return http(base, "GET", "/api/health", timeout=2).status == 200
        except OSError:  # refused while it is down
            return False
    wait_until("the gateway to be back on the same port", serving, timeout=30)
    again = [p for p in child_pids(cluster["up_pid"])
             if "sweep-gateway" in open(f"/proc/{p}/cmdline").read()]
    assert len(again) == 1 and again != gateways, (gateways, again)
