"""Offline checks of the deployment files (no Kubernetes cluster runs here, docs/DEPLOY.md):
every manifest in deploy/k8s parses, and what it says agrees with the binaries and with itself —
every flag a manifest, systemd unit or sbatch script passes exists in that binary's --help; the
Services' ports and selectors meet the pods' named ports and labels; endpoint flags use the
ports the pods declare; the worker's probes use its --health-file and its grace period is above
its --drain-timeout; every file path a flag names lies under a mounted volume (CURVE keys under
a Secret); the Dockerfile ships what the manifests use; the autoscaler's metric is one the
gateway exports."""

import glob
import os
import re
import shlex
import shutil
import subprocess

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("SWEEP_BIN_DIR", os.path.join(ROOT, "build", "bin"))
K8S = os.path.join(ROOT, "deploy", "k8s")
SYSTEMD = os.path.join(ROOT, "deploy", "systemd")
SLURM = os.path.join(ROOT, "deploy", "slurm")
BINARIES = ("sweep-broker", "sweep-worker", "sweep-gateway", "sweep")

def help_flags(binary):
    out = subprocess.run([os.path.join(BIN, binary), "--help"], capture_output=True, text=True,
                         check=True).stdout
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", out))


FLAGS = {}


def unknown_flags(binary, args):
    """The flags in args that `binary --help` does not list."""
    if binary not in FLAGS:
        FLAGS[binary] = help_flags(binary)
    used = {a.split("=", 1)[0] for a in args if a.startswith("--")}
    return used - FLAGS[binary]


def flag_values(args):
    """{--flag: value} from `--flag=value` and `--flag value` forms."""
    out = {}
    for i, a in enumerate(args):
        if not a.startswith("--"):
            continue
        if "=" in a:
            k, v = a.split("=", 1)
        else:
            k, v = a, args[i + 1] if i + 1 < len(args) and not args[i + 1].startswith("--") else ""
        out[k] = v
    return out


def load_docs():
    docs = []
    for path in sorted(glob.glob(os.path.join(K8S, "*.yaml"))):
        with open(path) as f:
            for d in yaml.safe_load_all(f):
                if d is not None:
                    docs.append((os.path.basename(path), d))
    return docs


DOCS = load_docs()
WORKLOADS = [(f, d) for f, d in DOCS if d["kind"] in ("Deployment", "StatefulSet")]


def containers(doc):
    return doc["spec"]["template"]["spec"]["containers"]


def workload(name):
    return next(d for _, d in WORKLOADS if d["metadata"]["name"] == name)


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


def test_every_manifest_parses_and_names_itself():
    assert len(DOCS) >= 7, [d["kind"] for _, d in DOCS]
    for f, d in DOCS:
        assert d.get("apiVersion") and d.get("kind") and d["metadata"].get("name"), (f, d)
    kinds = {d["kind"] for _, d in DOCS}
    assert {"StatefulSet", "Deployment", "Service", "PodDisruptionBudget",
            "ScaledObject"} <= kinds, kinds


def test_every_flag_a_manifest_uses_exists():
    for f, d in WORKLOADS:
        for c in containers(d):
            binary = c["command"][0]
            assert binary in BINARIES, (f, binary)
            bad = unknown_flags(binary, c.get("args", []))
            assert not bad, f"{f}: {binary} has no {sorted(bad)} (see {binary} --help)"


def test_the_flag_check_catches_an_unknown_flag():
    assert unknown_flags("sweep-worker", ["--broker=tcp://x:1", "--no-such-flag=1"]) == \
        {"--no-such-flag"}
    assert unknown_flags("sweep-broker", ["--drain-timeout=5"]) == {"--drain-timeout"}


def test_services_reach_named_ports_of_their_pods():
    for f, svc in [(f, d) for f, d in DOCS if d["kind"] == "Service"]:
        sel = svc["spec"]["selector"]
        pods = [d for _, d in WORKLOADS if matches(sel, d["spec"]["template"]["metadata"]["labels"])]
        assert pods, f"{f}: Service {svc['metadata']['name']} selects no pod"
        declared = {p["name"]: p["containerPort"] for c in containers(pods[0])
                    for p in c.get("ports", [])}
        for p in svc["spec"]["ports"]:
            assert p["targetPort"] in declared, (f, p, declared)
            assert p["port"] == declared[p["targetPort"]], (f, p, declared)


def test_workloads_select_their_own_pods():
    for f, d in WORKLOADS:
        assert matches(d["spec"]["selector"]["matchLabels"],
                       d["spec"]["template"]["metadata"]["labels"]), f
    sts = workload("sweep-broker")
    governing = [d for _, d in DOCS if d["kind"] == "Service"
                 and d["metadata"]["name"] == sts["spec"]["serviceName"]]
    assert governing and governing[0]["spec"].get("clusterIP") == "None", governing


def test_broker_binds_the_ports_it_declares():
    c = containers(workload("sweep-broker"))[0]
    args = flag_values(c["args"])
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    for name in ("frontend", "backend", "events", "telemetry"):
        assert args[f"--{name}"] == f"tcp://$(POD_IP):{ports[name]}", (name, args)
    env = {e["name"]: e for e in c["env"]}
    assert env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.podIP"
    claims = {t["metadata"]["name"] for t in workload("sweep-broker")["spec"]["volumeClaimTemplates"]}
    db_mount = next(m for m in c["volumeMounts"] if args["--db"].startswith(m["mountPath"] + "/"))
    assert db_mount["name"] in claims, "the SQLite file must be on the persistent volume"


def service_port(name, port_name):
    svc = next(d for _, d in DOCS if d["kind"] == "Service" and d["metadata"]["name"] == name)
    return next(p["port"] for p in svc["spec"]["ports"] if p["name"] == port_name)


def test_clients_reach_the_broker_through_its_service():
    worker = flag_values(containers(workload("sweep-worker"))[0]["args"])
    assert worker["--broker"] == f"tcp://sweep-broker:{service_port('sweep-broker', 'backend')}"
    gateway = flag_values(containers(workload("sweep-gateway"))[0]["args"])
    assert gateway["--broker"] == f"tcp://sweep-broker:{service_port('sweep-broker', 'frontend')}"
    listen_port = int(gateway["--listen"].rsplit(":", 1)[1])
    assert listen_port == service_port("sweep-gateway", "http")


def liveness_window_s():
    """The worker's heartbeat liveness window by default, as docs/PROTOCOL.md states it."""
    with open(os.path.join(ROOT, "docs", "PROTOCOL.md")) as f:
        m = re.search(r"heartbeat_liveness × heartbeat_ms` \((\d+) s by default\)", f.read())
    assert m, "docs/PROTOCOL.md no longer states the default liveness window"
    return int(m.group(1))


def test_worker_drains_within_its_grace_period_and_probes_its_health_file():
    d = workload("sweep-worker")
    c = containers(d)[0]
    args = flag_values(c["args"])
    grace = d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > int(args["--drain-timeout"]) + 5, (grace, args["--drain-timeout"])
    health = args["--health-file"]
    assert c["readinessProbe"]["exec"]["command"] == ["test", "-e", health]
    live = " ".join(c["livenessProbe"]["exec"]["command"])
    assert f"f={health};" in live, live
    stale_after = int(re.search(r"-lt (\d+)", live).group(1))
    # Three heartbeats at least, or a healthy worker between two heartbeats is restarted.
    assert stale_after >= liveness_window_s(), live
    mount = next(m for m in c["volumeMounts"] if health.startswith(m["mountPath"] + "/"))
    assert mount["name"] in {v["name"] for v in d["spec"]["template"]["spec"]["volumes"]}
    assert int(args["--slots"]) == int(c["resources"]["requests"]["cpu"])


def test_every_path_a_flag_names_is_mounted_and_keys_come_from_secrets():
    for f, d in WORKLOADS:
        volumes = {v["name"]: v for v in d["spec"]["template"]["spec"].get("volumes", [])}
        claims = {t["metadata"]["name"] for t in d["spec"].get("volumeClaimTemplates", [])}
        for c in containers(d):
            mounts = c.get("volumeMounts", [])
            for flag, value in flag_values(c["args"]).items():
                if not value.startswith("/") or value.startswith("/usr/share/sweep/"):
                    continue
                m = [m for m in mounts if value.startswith(m["mountPath"] + "/")]
                assert m, f"{f}: {flag}={value} is on no mounted volume"
                name = m[0]["name"]
                assert name in volumes or name in claims, (f, flag, name)
                if flag.startswith("--curve") or flag.startswith("--allow-"):
                    assert "secret" in volumes[name], f"{f}: {flag} must come from a Secret"


def test_disruption_budget_and_autoscaler_target_the_workers():
    labels = workload("sweep-worker")["spec"]["template"]["metadata"]["labels"]
    pdb = next(d for _, d in DOCS if d["kind"] == "PodDisruptionBudget")
    assert matches(pdb["spec"]["selector"]["matchLabels"], labels)
    so = next(d for _, d in DOCS if d["kind"] == "ScaledObject")
    assert so["spec"]["scaleTargetRef"]["name"] == "sweep-worker"
    assert so["spec"]["scaleTargetRef"]["kind"] == "Deployment"
    query = so["spec"]["triggers"][0]["metadata"]["query"]
    metric = re.search(r"(sweep_[a-z_]+)", query).group(1)
    with open(os.path.join(ROOT, "client", "gateway", "metrics_route.cpp")) as f:
        assert f'"{metric}"' in f.read(), f"the gateway exports no {metric}"


def test_the_image_has_what_the_manifests_run():
    with open(os.path.join(K8S, "Dockerfile")) as f:
        dockerfile = f.read()
    assert "FROM debian:bookworm AS build" in dockerfile and "FROM debian:bookworm-slim" in dockerfile
    assert "COPY --from=build /build/bin/ /usr/local/bin/" in dockerfile
    images = {c["image"] for _, d in WORKLOADS for c in containers(d)}
    assert len(images) == 1, images
    web = flag_values(containers(workload("sweep-gateway"))[0]["args"])["--web-dir"]
    assert f"/src/client/gateway/web/ {web}/" in dockerfile, web
    assert os.path.isdir(os.path.join(ROOT, "client", "gateway", "web"))
    # The runtime user owns no file it must write outside its volumes: runAsUser = the image's.
    uid = re.search(r"--uid (\d+)", dockerfile).group(1)
    for f, d in WORKLOADS:
        assert str(d["spec"]["template"]["spec"]["securityContext"]["runAsUser"]) == uid, f


def unit(path):
    """A systemd unit's [Service] keys (continuation lines joined)."""
    with open(path) as f:
        text = f.read().replace("\\\n", " ")
    keys = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            keys[k.strip()] = v.strip()
    return keys


@pytest.mark.parametrize("name", ["sweep-broker", "sweep-worker", "sweep-gateway"])
def test_systemd_units(name):
    keys = unit(os.path.join(SYSTEMD, f"{name}.service"))
    argv = shlex.split(keys["ExecStart"])
    assert os.path.basename(argv[0]) == name
    bad = unknown_flags(name, argv[1:])
    assert not bad, f"{name}.service: {name} has no {sorted(bad)}"
    assert keys["KillSignal"] == "SIGTERM" and keys["Restart"] == "on-failure", keys
    env_file = os.path.join(SYSTEMD, os.path.basename(keys["EnvironmentFile"]))
    with open(env_file) as f:
        defined = {line.split("=", 1)[0] for line in f if "=" in line and line[0] != "#"}
    used = set(re.findall(r"\$\{(\w+)\}", keys["ExecStart"]))
    assert used <= defined, f"{env_file} lacks {sorted(used - defined)}"
    if name == "sweep-worker":
        drain = int(flag_values(argv)["--drain-timeout"])
        assert int(keys["TimeoutStopSec"]) > drain + 5, keys
        assert flag_values(argv)["--health-file"].startswith("/run/" + keys["RuntimeDirectory"])


@pytest.mark.parametrize("script,arrays", [
    ("sweep-workers.sbatch", {"args": "sweep-worker"}),
    ("sweep-broker.sbatch", {"broker_args": "sweep-broker", "gateway_args": "sweep-gateway"}),
])
def test_sbatch_scripts_pass_known_flags(script, arrays):
    with open(os.path.join(SLURM, script)) as f:
        text = f.read()
    for array, binary in arrays.items():
        used = re.findall(rf"\b{array}\+?=\(([^)]*)\)", text)
        flags = [t for chunk in used for t in re.findall(r"(--[a-z][a-z-]*)", chunk)]
        assert flags, f"{script}: no flags found in {array}"
        bad = unknown_flags(binary, flags)
        assert not bad, f"{script}: {binary} has no {sorted(bad)}"


def test_systemd_accepts_the_units(tmp_path):
    """systemd's own parser (systemd-analyze verify), where this machine has it: it only warns
    on a bad value, so any output fails. The binaries' paths point at this build."""
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed (Debian: systemd)")
    for path in sorted(glob.glob(os.path.join(SYSTEMD, "*.service"))):
        with open(path) as f:
            text = f.read().replace("/usr/local/bin/", BIN + "/")
        copy = tmp_path / os.path.basename(path)
        copy.write_text(text)
        r = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), \
            f"{os.path.basename(path)}: {r.stdout}{r.stderr}"
