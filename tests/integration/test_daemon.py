"""driftless run, the real binary as systemd runs it: notify messages on a real
NOTIFY_SOCKET, socket activation through systemd-socket-activate, webhooks from the test git
server's repository to the test cluster, SIGHUP and SIGTERM."""

import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid

import pytest
import requests

from gitutil import Repo
from kubeutil import env, names  # noqa: F401 (fixtures)
from kubeutil import commit_overlay, image_of, kubectl, run, state, wait_for, write_config

SECRET = "webhook-s3cret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def can_connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return True
    except OSError:
        return False


class Daemon:
    """driftless run with its stderr in a file and a NOTIFY_SOCKET of the test's own."""

    def __init__(self, spawn, bin_, env, config, tmp_path, port, argv_prefix=(),
                 watchdog_usec=None, name="daemon"):
        self.port = port
        self.log_path = tmp_path / ("%s.log" % name)
        self.notify_path = str(tmp_path / ("%s.notify" % name))
        self.messages = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.notify_path)
        self.sock.settimeout(0.2)
        self.stop_reading = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        e = dict(env)
        e["NOTIFY_SOCKET"] = self.notify_path
        e.pop("JOURNAL_STREAM", None)
        if watchdog_usec:
            e["WATCHDOG_USEC"] = str(watchdog_usec)
        self.log_file = open(self.log_path, "w")
        self.proc = spawn([*argv_prefix, bin_, "run", "-c", config], env=e,
                          stdout=self.log_file, stderr=subprocess.STDOUT)

    def _read(self):
        while not self.stop_reading:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.messages.extend(data.decode().split("\n"))

    def notified(self, prefix):
        with self.lock:
            return [m for m in self.messages if m.startswith(prefix)]

    def wait_notified(self, prefix, timeout=60):
        wait_for("%s on the notify socket (log: %s)" % (prefix, self.log()),
                 lambda: self.notified(prefix), timeout=timeout)
        return self.notified(prefix)

    def log(self):
        return self.log_path.read_text()

    def wait_log(self, pattern, timeout=60, count=1):
        deadline = time.monotonic() + timeout
        while len(re.findall(pattern, self.log(), re.M)) < count:
            if time.monotonic() > deadline:
                raise AssertionError("timed out after %ss waiting for %r (exit status %s) in:\n%s"
                                     % (timeout, pattern, self.proc.poll(), self.log()))
            time.sleep(0.1)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def metric(self, name, **labels):
        """The value of one series of /metrics (0 when absent)."""
        text = requests.get(self.url("/metrics"), timeout=10).text
        want = ",".join('%s="%s"' % kv for kv in labels.items())
        for line in text.splitlines():
            if line.startswith("#"):
                continue
            series, value = line.rsplit(" ", 1)
            if series == (name + ("{%s}" % want if want else "")):
                return float(value)
        return 0.0

    def stop(self, timeout=60):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        self.close()
        return code

    def close(self):
        self.stop_reading = True
        self.reader.join()
        self.sock.close()
        self.log_file.close()


def github(daemon, body, secret=SECRET, ref="refs/heads/main", delivery=None, event="push",
           signature=True):
    """POST a GitHub push delivery; the response."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "X-GitHub-Event": event,
               "X-GitHub-Delivery": delivery or str(uuid.uuid4())}
    if signature:
        mac = hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()
        headers["X-Hub-Signature-256"] = "sha256=" + mac
    return requests.post(daemon.url("/hooks/github"), data=data, headers=headers, timeout=10)


def push_body(repo, ref="refs/heads/main"):
    return {"ref": ref, "after": "0" * 40,
            "repository": {"clone_url": repo.https_url, "html_url": repo.https_url}}


def daemon_config(tmp_path, testenv, repo, ns, port, interval="1h", health_timeout="60s",
                  listen=True):
    secret = tmp_path / "webhook-secret"
    secret.write_text(SECRET + "\n")
    extra = "webhook:\n  secret_file: %s\n  max_body_bytes: 4096\n" % secret
    if listen:
        extra += "  listen: 127.0.0.1:%d\n" % port
    extra += "daemon:\n  ready_grace: 30s\n  jitter: 0s\n"
    return write_config(tmp_path, testenv, repo, ns, interval=interval,
                        health_timeout=health_timeout, extra=extra)


def last_sync(tmp_path):
    try:
        return state(tmp_path)["last_sync"]
    except FileNotFoundError:
        return {}


def started(driftless_bin, env, testenv, names, tmp_path, spawn, health_timeout="60s",
            watchdog_usec=None):
    """A repository with a first commit, and the daemon on it once its first sync is done:
    (repo, port, config, daemon); the first commit is repo.head()."""
    ns, group = names
    repo = Repo(testenv, tmp_path, "daemon")
    commit_overlay(repo, "first", ns, group)
    port = free_port()
    config = daemon_config(tmp_path, testenv, repo, ns, port, health_timeout=health_timeout)
    d = Daemon(spawn, driftless_bin, env, config, tmp_path, port, watchdog_usec=watchdog_usec)
    d.wait_notified("READY=1")
    # the first sync lands without any trigger but the start
    wait_for("the first sync", lambda: last_sync(tmp_path).get("result") == "success")
    return repo, port, config, d


def test_notify_ready_status_watchdog_and_stop(driftless_bin, env, testenv, names, tmp_path,
                                               spawn):
    ns, group = names
    repo, port, config, d = started(driftless_bin, env, testenv, names, tmp_path, spawn,
                                    watchdog_usec=1000000)
    good = repo.head()
    assert state(tmp_path)["revision"] == good
    assert image_of(env, ns, "backend") == "nginx:1.27"
    d.wait_notified("STATUS=git at %s; dev: success, at %s" % (good[:12], good[:12]))
    # the loop pings the watchdog at half of WATCHDOG_USEC
    n = len(d.notified("WATCHDOG=1"))
    wait_for("more watchdog pings", lambda: len(d.notified("WATCHDOG=1")) >= n + 2,
             timeout=5)

    assert requests.get(d.url("/healthz"), timeout=10).status_code == 200
    assert requests.get(d.url("/readyz"), timeout=10).status_code == 200
    assert d.metric("driftless_syncs_total", environment="dev", result="success") == 1
    assert d.metric("driftless_applied_revision_info", environment="dev", revision=good) == 1
    assert d.metric("driftless_syncs_in_flight", environment="dev") == 0
    assert d.metric("driftless_git_fetches_total", result="success") == 1
    text = requests.get(d.url("/metrics"), timeout=10).text
    promtool = shutil.which("promtool")
    assert promtool, "promtool (installed by scripts/deps.sh) is missing"
    p = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stdout + p.stderr

    # driftless status asks the daemon at webhook.listen what it is doing now
    code, out, err = run(driftless_bin, env, "status", "-c", config)
    assert code == 0, out + err
    assert re.search(r"^daemon: pid %d, ready, since \S+; git at %s$" % (d.proc.pid, good[:12]),
                     out, re.M), out
    code, out, err = run(driftless_bin, env, "status", "-c", config, "-o", "json")
    doc = json.loads(out)["daemon"]
    assert doc["pid"] == d.proc.pid and doc["ready"] is True
    assert doc["environments"]["dev"] == {"running": False, "queued": False, "since": None,
                                          "status": "success, at %s" % good[:12]}

    assert d.stop() == 0
    assert d.notified("STOPPING=1")
    assert "stopped" in d.log()
    code, out, err = run(driftless_bin, env, "status", "-c", config)
    assert code == 0, out + err
    assert re.search(r"^daemon: not running \(.*127\.0\.0\.1:%d" % port, out, re.M), out
    code, out, err = run(driftless_bin, env, "status", "-c", config, "-o", "json")
    assert json.loads(out)["daemon"] is None


def test_webhooks_trigger_a_sync_and_bad_ones_do_not(driftless_bin, env, testenv, names,
                                                      tmp_path, spawn):
    ns, group = names
    repo, port, config, d = started(driftless_bin, env, testenv, names, tmp_path, spawn)

    new = commit_overlay(repo, "new backend", ns, group, backend_image="nginx:1.28")
    body = push_body(repo)
    fetches = d.metric("driftless_git_fetches_total", result="success")

    # forged, unsigned, oversized, wrong branch, another repository, not a push
    assert github(d, body, secret="wrong").status_code == 401
    assert github(d, body, signature=False).status_code == 401
    big = dict(body, padding="x" * 8192)
    assert github(d, big).status_code == 413
    r = github(d, push_body(repo, ref="refs/heads/dev"))
    assert r.status_code == 202 and "ignored" in r.text
    other = dict(body, repository={"clone_url": "https://localhost/other.git"})
    assert "ignored" in github(d, other).text
    assert "not a push" in github(d, body, event="issues").text
    assert requests.get(d.url("/hooks/github"), timeout=10).status_code == 405
    time.sleep(2)
    assert d.metric("driftless_git_fetches_total", result="success") == fetches
    assert image_of(env, ns, "backend") == "nginx:1.27"
    assert d.metric("driftless_webhook_requests_total", provider="github",
                    result="unauthorized") == 2
    assert d.metric("driftless_webhook_requests_total", provider="github",
                    result="too-big") == 1
    assert d.metric("driftless_webhook_requests_total", provider="github",
                    result="ignored") == 3

    # a good delivery: answered at once, synced within moments
    r = github(d, body, delivery="delivery-1")
    assert r.status_code == 202 and "accepted" in r.text
    wait_for("the new image", lambda: image_of(env, ns, "backend") == "nginx:1.28", timeout=30)
    wait_for("the state", lambda: state(tmp_path).get("revision") == new)
    assert d.metric("driftless_git_fetches_total", result="success") == fetches + 1
    # the same delivery again is not a second sync
    syncs = d.metric("driftless_syncs_total", environment="dev", result="success")
    r = github(d, body, delivery="delivery-1")
    assert r.status_code == 202 and "seen before" in r.text
    time.sleep(1)
    assert d.metric("driftless_git_fetches_total", result="success") == fetches + 1
    assert d.metric("driftless_syncs_total", environment="dev", result="success") == syncs
    assert re.search(r"environment dev: sync success at %s" % new[:12], d.log())
    assert re.search(r"environment dev: applied Deployment %s/backend" % ns, d.log())
    # the journal's fields (DRIFTLESS_ENV, _REVISION, _OBJECT, _RESULT), as logfmt shows them
    assert re.search(r'env=dev revision=%s object="Deployment %s/backend" result=applied'
                     % (new, ns), d.log()), d.log()
    assert d.stop() == 0


def test_burst_of_webhooks_coalesces(driftless_bin, env, testenv, names, tmp_path, spawn):
    ns, group = names
    repo, port, config, d = started(driftless_bin, env, testenv, names, tmp_path, spawn)
    fetches = d.metric("driftless_git_fetches_total", result="success")
    syncs = sum(d.metric("driftless_syncs_total", environment="dev", result=r)
                for r in ("success", "unchanged"))

    new = commit_overlay(repo, "new config", ns, group, config_value="burst")
    in_flight = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            in_flight.append(d.metric("driftless_syncs_in_flight", environment="dev"))

    sampler = threading.Thread(target=sample)
    sampler.start()
    threads = [threading.Thread(target=github, args=(d, push_body(repo)))
               for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_for("the new revision", lambda: state(tmp_path).get("revision") == new)
    wait_for("quiet", lambda: d.metric("driftless_syncs_in_flight", environment="dev") == 0)
    time.sleep(1)
    stop.set()
    sampler.join()
    assert max(in_flight) <= 1
    # 50 pushes: a fetch in flight and one queued, a sync in flight and one queued, at most
    # a few rounds of it; never one per push
    fetched = d.metric("driftless_git_fetches_total", result="success") - fetches
    synced = sum(d.metric("driftless_syncs_total", environment="dev", result=r)
                 for r in ("success", "unchanged")) - syncs
    assert 1 <= fetched <= 10, fetched
    assert 1 <= synced <= 10, synced
    assert d.metric("driftless_webhook_requests_total", provider="github",
                    result="accepted") == 50
    assert d.stop() == 0


def test_socket_activation(driftless_bin, env, testenv, names, tmp_path, spawn):
    ns, group = names
    activate = shutil.which("systemd-socket-activate")
    assert activate, "systemd-socket-activate (Debian's systemd package) is missing"
    repo = Repo(testenv, tmp_path, "daemon")
    commit_overlay(repo, "first", ns, group)
    port = free_port()
    config = daemon_config(tmp_path, testenv, repo, ns, port, listen=False)
    # it passes on only the environment it is told to (-E), and starts the daemon at the
    # first connection, which the daemon then answers
    prefix = [activate, "-l", "127.0.0.1:%d" % port]
    for k, v in env.items():
        prefix += ["-E", "%s=%s" % (k, v)]
    prefix += ["-E", "NOTIFY_SOCKET=%s" % (tmp_path / "daemon.notify")]
    d = Daemon(spawn, driftless_bin, env, config, tmp_path, port, argv_prefix=prefix)
    wait_for("the socket", lambda: can_connect(port))
    assert requests.get(d.url("/healthz"), timeout=30).status_code == 200
    d.wait_notified("READY=1")
    assert "serving webhooks and /metrics on the socket from systemd" in d.log()
    assert d.metric("driftless_build_info", version=re.search(
        r"driftless (\S+):", d.log()).group(1)) == 1
    wait_for("the first sync", lambda: last_sync(tmp_path).get("result") == "success")
    r = github(d, push_body(repo))
    assert r.status_code == 202 and "accepted" in r.text
    assert d.stop() == 0


def test_sighup_reloads_a_good_config_and_refuses_a_bad_one(driftless_bin, env, testenv, names,
                                                             tmp_path, spawn):
    ns, group = names
    repo, port, config, d = started(driftless_bin, env, testenv, names, tmp_path, spawn)

    # a bad config: refused, named by file, line and field; the running one is kept
    good_text = open(config).read()
    with open(config, "w") as f:
        f.write(good_text.replace("  branch: main\n", "  branch: main\n  bogus: 1\n"))
    d.proc.send_signal(signal.SIGHUP)
    d.wait_log(r"Failed to reload the config, keeping the running one: .*driftless\.yaml:4:\d+: "
               r"source\.bogus")
    assert d.proc.poll() is None
    r = github(d, push_body(repo))
    assert r.status_code == 202 and "accepted" in r.text

    # a good config with another webhook secret: the old secret no longer signs
    with open(config, "w") as f:
        f.write(good_text)
    (tmp_path / "webhook-secret").write_text("another-secret\n")
    d.proc.send_signal(signal.SIGHUP)
    d.wait_log(r"reloaded .*driftless\.yaml: 1 environment")
    assert github(d, push_body(repo)).status_code == 401
    assert github(d, push_body(repo), secret="another-secret").status_code == 202
    assert d.stop() == 0


def test_sigterm_mid_sync_stops_at_a_safe_point(driftless_bin, env, testenv, names, tmp_path,
                                                spawn):
    ns, group = names
    repo, port, config, d = started(driftless_bin, env, testenv, names, tmp_path, spawn,
                                    health_timeout="20s")
    good = repo.head()

    # an image that never becomes ready: the sync waits for health until SIGTERM comes
    bad = commit_overlay(repo, "bad image", ns, group,
                         backend_image="registry.invalid/backend:does-not-exist")
    assert github(d, push_body(repo)).status_code == 202
    wait_for("the apply", lambda: "does-not-exist" in image_of(env, ns, "backend"), timeout=30)
    code, out, err = run(driftless_bin, env, "status", "-c", config)
    assert re.search(r"^  dev: syncing since \S+Z$", out, re.M), out + err
    t = time.monotonic()
    assert d.stop(timeout=30) == 0
    assert time.monotonic() - t < 10
    st = state(tmp_path)
    assert st["last_sync"]["result"] == "interrupted", st
    assert st["last_sync"]["revision"] == bad
    # nothing is claimed: the next start sees the revision healthy before it is claimed
    assert st["revision"] is None and st["last_good_revision"] == good

    d = Daemon(spawn, driftless_bin, env, config, tmp_path, port, name="restarted")
    wait_for("the restart's sync", lambda: last_sync(tmp_path).get("result") == "rolled-back",
             timeout=90)
    st = state(tmp_path)
    assert st["failed_revision"] == bad and st["revision"] == good
    assert image_of(env, ns, "backend") == "nginx:1.27"
    assert d.stop() == 0


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


WRK_SCRIPT = """
local n = 0
request = function()
  n = n + 1
  wrk.headers["X-GitHub-Delivery"] = "wrk-" .. n .. "-" .. math.random(1e9)
  return wrk.format("POST", "/hooks/github", nil, wrk.body)
end
"""


def test_wrk_load_keeps_memory_bounded_and_one_sync_in_flight(driftless_bin, env, testenv,
                                                               names, tmp_path, spawn):
    ns, group = names
    wrk = shutil.which("wrk")
    assert wrk, "wrk (installed by scripts/deps.sh) is missing"
    repo = Repo(testenv, tmp_path, "daemon")
    commit_overlay(repo, "first", ns, group)
    port = free_port()
    config = daemon_config(tmp_path, testenv, repo, ns, port)
    d = Daemon(spawn, driftless_bin, env, config, tmp_path, port)
    d.wait_notified("READY=1")
    wait_for("the first sync", lambda: last_sync(tmp_path).get("result") == "success")
    before = rss_kib(d.proc.pid)

    body = json.dumps(push_body(repo))
    mac = hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
    script = tmp_path / "push.lua"
    script.write_text("wrk.body = %s\n%s" % (json.dumps(body), WRK_SCRIPT))
    load = subprocess.Popen(
        [wrk, "-t2", "-c16", "-d10s", "-s", str(script),
         "-H", "Content-Type: application/json", "-H", "X-GitHub-Event: push",
         "-H", "X-Hub-Signature-256: sha256=" + mac, d.url("")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak, in_flight = before, []
    while load.poll() is None:
        peak = max(peak, rss_kib(d.proc.pid))
        in_flight.append(d.metric("driftless_syncs_in_flight", environment="dev"))
        time.sleep(0.2)
    out = load.stdout.read()
    assert load.returncode == 0, out
    requests_done = int(re.search(r"(\d+) requests in", out).group(1))
    accepted = d.metric("driftless_webhook_requests_total", provider="github", result="accepted")
    assert requests_done > 1000 and accepted >= requests_done * 0.9, (accepted, out)
    assert max(in_flight) <= 1
    # thousands of pushes: a few fetches and syncs, not one per push
    wait_for("quiet", lambda: d.metric("driftless_syncs_in_flight", environment="dev") == 0)
    syncs = sum(d.metric("driftless_syncs_total", environment="dev", result=r)
                for r in ("success", "unchanged"))
    assert syncs < accepted / 10, (syncs, accepted)
    print("wrk: %d requests, %d accepted, %d syncs; RSS %d KiB before, %d KiB at peak"
          % (requests_done, accepted, syncs, before, peak))
    # bounded: the replay ring, one queued fetch, no per-push state
    assert peak - before < 32 * 1024, (before, peak)
    assert d.stop() == 0


def test_sync_loop_under_valgrind_leaks_nothing(driftless_bin, env, testenv, names, tmp_path,
                                               spawn):
    """The daemon's loop through several webhook-triggered syncs, a reload and a stop, under
    valgrind: no invalid access, nothing definitely lost. The overlay holds an RDSInstance
    too (in moto), whose drift each sync closes."""
    import boto3

    ns, group = names
    valgrind = shutil.which("valgrind")
    assert valgrind, "valgrind (installed by scripts/deps.sh) is missing"
    rds = boto3.client("rds", endpoint_url=testenv["AWS_ENDPOINT_URL"], region_name="eu-west-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    ident = "vg-%s" % uuid.uuid4().hex[:6]
    rds.create_db_instance(DBInstanceIdentifier=ident, Engine="postgres", EngineVersion="16.4",
                           DBInstanceClass="db.t4g.micro", AllocatedStorage=20,
                           MasterUsername="app", ManageMasterUserPassword=True)
    repo = Repo(testenv, tmp_path, "daemon")
    os.makedirs(os.path.join(repo.work, "env"), exist_ok=True)
    with open(os.path.join(repo.work, "env", "db.yaml"), "w") as f:
        json.dump({"apiVersion": "driftless.dev/v1alpha1", "kind": "RDSInstance",
                   "metadata": {"name": "db"},
                   "spec": {"region": "eu-west-1", "dbInstanceIdentifier": ident,
                            "dbInstanceClass": "db.t4g.small", "applyImmediately": True,
                            "tags": {"team": "platform"}}}, f)
    commit_overlay(repo, "first", ns, group, extra_resources=["db.yaml"])
    port = free_port()
    config = daemon_config(tmp_path, testenv, repo, ns, port)
    report = tmp_path / "valgrind.txt"
    d = Daemon(spawn, driftless_bin, env, config, tmp_path, port,
               argv_prefix=(valgrind, "--quiet", "--leak-check=full",
                            "--errors-for-leak-kinds=definite", "--error-exitcode=99",
                            "--log-file=%s" % report))
    d.wait_notified("READY=1", timeout=180)
    wait_for("the first sync", lambda: last_sync(tmp_path).get("result") == "success",
             timeout=180)
    db = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
    assert db["DBInstanceClass"] == "db.t4g.small"
    for i, image in enumerate(("nginx:1.28", "nginx:1.29")):
        rds.modify_db_instance(DBInstanceIdentifier=ident, DBInstanceClass="db.t4g.micro",
                               ApplyImmediately=True)
        new = commit_overlay(repo, "image %d" % i, ns, group, backend_image=image,
                             extra_resources=["db.yaml"])
        assert github(d, push_body(repo)).status_code == 202
        wait_for("revision %d" % i, lambda: state(tmp_path).get("revision") == new, timeout=180)
        db = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
        assert db["DBInstanceClass"] == "db.t4g.small"
    d.proc.send_signal(signal.SIGHUP)
    d.wait_log(r"reloaded .*driftless\.yaml", timeout=120)
    kubectl(env, "-n", ns, "set", "image", "deployment/frontend", "main=nginx:edited")
    assert github(d, push_body(repo)).status_code == 202
    wait_for("the drift healed", lambda: image_of(env, ns, "frontend") == "nginx:1.27",
             timeout=180)
    code = d.stop(timeout=180)
    assert report.exists()
    assert code == 0, report.read_text()
    assert "definitely lost" not in report.read_text(), report.read_text()


def test_sigterm_during_a_fetch_that_hangs(driftless_bin, env, tmp_path, spawn):
    """A git server that accepts and never answers: the stop does not wait for
    source.timeout, the fetch helper is killed."""
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(8)
    port = free_port()
    config = tmp_path / "driftless.yaml"
    config.write_text("source:\n  url: https://localhost:%d/repo.git\n  timeout: 10m\n"
                      "  retries: 0\nstate_dir: %s\nwebhook:\n  listen: 127.0.0.1:%d\n"
                      % (blackhole.getsockname()[1], tmp_path / "state", port))
    d = Daemon(spawn, driftless_bin, env, str(config), tmp_path, port)
    wait_for("the fetch", lambda: d.notified("STATUS=fetching"))
    time.sleep(1)
    t = time.monotonic()
    assert d.stop(timeout=60) == 0
    assert time.monotonic() - t < 10
    assert re.search(r"Failed to fetch the source: .*shutting down", d.log()), d.log()
    blackhole.close()


def test_every_provider_triggers_a_sync(driftless_bin, env, testenv, names, tmp_path, spawn):
    """GitLab, Gitea, Bitbucket (Data Center and Cloud) and the generic form, each with its
    own signature or token and payload, end to end: a push each, a sync each."""
    ns, group = names
    repo, port, config, d = started(driftless_bin, env, testenv, names, tmp_path, spawn)
    url = repo.https_url

    def mac(body, prefix=""):
        return prefix + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()

    deliveries = {
        "gitlab": ({"ref": "refs/heads/main", "project": {"git_http_url": url}},
                   {"X-Gitlab-Token": SECRET, "X-Gitlab-Event": "Push Hook"}),
        "gitea": ({"ref": "refs/heads/main", "repository": {"clone_url": url}},
                  {"X-Gitea-Event": "push"}),
        "bitbucket": ({"changes": [{"ref": {"id": "refs/heads/main"}}],
                       "repository": {"links": {"clone": [{"href": url}]}}},
                      {"X-Event-Key": "repo:refs_changed"}),
        "generic": ({"ref": "refs/heads/main", "repository": {"url": url}}, {}),
    }
    signature_header = {"gitea": ("X-Gitea-Signature", ""),
                        "bitbucket": ("X-Hub-Signature", "sha256="),
                        "generic": ("X-Driftless-Signature", "sha256=")}
    for i, (provider, (payload, headers)) in enumerate(deliveries.items()):
        new = commit_overlay(repo, "change %d" % i, ns, group, config_value="p%d" % i)
        body = json.dumps(payload).encode()
        headers = dict(headers, **{"Content-Type": "application/json"})
        if provider in signature_header:
            name, prefix = signature_header[provider]
            headers[name] = mac(body, prefix)
        r = requests.post(d.url("/hooks/" + provider), data=body, headers=headers, timeout=10)
        assert r.status_code == 202 and "accepted" in r.text, (provider, r.status_code, r.text)
        wait_for("%s's revision" % provider, lambda: state(tmp_path).get("revision") == new,
                 timeout=30)
        # the same delivery with a wrong secret: refused
        bad = dict(headers)
        for h in ("X-Gitlab-Token", "X-Gitea-Signature", "X-Hub-Signature",
                  "X-Driftless-Signature"):
            if h in bad:
                bad[h] = bad[h][:-4] + "0000"
        r = requests.post(d.url("/hooks/" + provider), data=body, headers=bad, timeout=10)
        assert r.status_code == 401, (provider, r.status_code, r.text)
        assert d.metric("driftless_webhook_requests_total", provider=provider,
                        result="accepted") == 1
    assert d.stop() == 0
