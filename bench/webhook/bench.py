#!/usr/bin/env python3
"""bench/webhook: `driftless run`, from a webhook's arrival to the change in the cluster,
next to `kubectl apply --server-side -k` of the same change; and the idle daemon.

    bench/webhook/bench.py [--apps 1000] [--runs 20] [--kubectl-runs 1] [--idle 60]
                           [--namespaces 4] [--keep] [--json FILE] [--driftless PATH]

It generates the repository of bench/kube (--apps apps, per app a Deployment, a Service, a
ConfigMap from a generator and a PodDisruptionBudget, over --namespaces namespaces
bench-webhook-0, 1, ...), pushes it to the test environment's HTTPS git server and starts
`driftless run` on it (source.interval 1m, webhook on a loopback port). Once the first
sync has created every object:

  idle     for --idle seconds (60) nothing changes: the daemon's resident memory (VmRSS,
           sampled every 0.5 s; the peak and the last) and the CPU time it used (utime +
           stime of /proc/PID/stat, its threads and the fetch helpers it waited for). The
           minute includes the interval's poll: a fetch and a sync that finds no drift.
  webhook  --runs times (20): one app's image tag changes in git (one line), the commit is
           pushed (untimed), then a GitHub push delivery, signed, is POSTed to
           /hooks/github. Timed from the POST to the moment the Deployment in the API
           server has the new image (polled every 5 ms with GET over one keep-alive
           connection). Median and worst.
  kubectl  --kubectl-runs times (1): the same one-line change, then `kubectl apply
           --server-side --field-manager=driftless -k DIR` of the whole repository, timed
           (the field manager is driftless's so that the daemon and kubectl own the same
           fields and neither conflicts with the other).

It prints the figures and the ratio of kubectl's median to driftless's, and exits 1 when a
change did not land or the daemon died. The test environment is DRIFTLESS_TESTENV_DIR (or
${TMPDIR:-/tmp}/driftless-testenv) when that one works, else one is started and taken down
at the end. The namespaces are deleted at the end unless --keep.
"""

import argparse
import hashlib
import hmac
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import benchenv  # noqa: E402

REPO = benchenv.REPO
NS_PREFIX = "bench-webhook-"
SECRET = "bench-webhook-secret"


def load_kube_bench():
    """bench/kube/bench.py, for its generator."""
    spec = importlib.util.spec_from_file_location("kube_bench",
                                                  os.path.join(REPO, "bench", "kube", "bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.NS_PREFIX = NS_PREFIX
    return mod


def log(msg):
    print("bench-webhook: %s" % msg, file=sys.stderr, flush=True)


def git(*args, cwd=None):
    e = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
             GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com",
             GIT_CONFIG_NOSYSTEM="1")
    p = subprocess.run(["git", *args], cwd=cwd, env=e, capture_output=True, text=True)
    if p.returncode:
        sys.exit("bench-webhook: git %s: %s" % (" ".join(args), p.stderr))
    return p.stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    """GETs against the test kube-apiserver with its token."""

    def __init__(self, tenv):
        self.server = tenv["KUBE_APISERVER_URL"]
        with open(tenv["KUBE_TOKEN_FILE"]) as f:
            token = f.read().strip()
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + token
        self.ca_file = tenv["KUBE_CA_FILE"]

    def image(self, ns, name):
        r = self.session.get("%s/apis/apps/v1/namespaces/%s/deployments/%s"
                             % (self.server, ns, name), timeout=10, verify=self.ca_file)
        if r.status_code != 200:
            return None
        return r.json()["spec"]["template"]["spec"]["containers"][0]["image"]


def proc_stat(pid):
    """(RSS KiB, CPU seconds of the process, its threads and its waited-for children)."""
    with open("/proc/%d/status" % pid) as f:
        rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return rss, ticks / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--apps", type=int, default=1000)
    ap.add_argument("--namespaces", type=int, default=4)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--kubectl-runs", type=int, default=1)
    ap.add_argument("--idle", type=float, default=60.0, help="seconds of the idle phase")
    ap.add_argument("--setup", choices=("kubectl", "driftless"), default="kubectl",
                    help="who creates the objects: kubectl apply before the daemon starts "
                         "(default; its first sync then adopts them), or the daemon's first "
                         "sync")
    ap.add_argument("--driftless", default=os.environ.get("DRIFTLESS_BIN") or
                    os.path.join(REPO, "build", "driftless"))
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--keep", action="store_true", help="leave the namespaces and work dir")
    args = ap.parse_args()
    if min(args.apps, args.runs, args.namespaces) < 1 or args.apps < args.runs:
        sys.exit("bench-webhook: --apps, --runs, --namespaces must be positive, --apps >= --runs")
    if not os.access(args.driftless, os.X_OK):
        sys.exit("bench-webhook: %s is missing: build it first (make)" % args.driftless)
    kb = load_kube_bench()

    tenv, own_testenv = benchenv.testenv_start(
        "bench-webhook", log,
        os.path.join(os.environ.get("TMPDIR") or "/tmp", "driftless-testenv"))
    kubectl = tenv.get("KUBECTL") or shutil.which("kubectl")
    env = dict(os.environ, **tenv, NO_COLOR="1")
    env.pop("DRIFTLESS_CONFIG", None)
    work = tempfile.mkdtemp(prefix="driftless-bench-webhook-")
    api = Api(tenv)
    daemon = None
    results = {"apps": args.apps, "objects": args.apps * 4 + args.namespaces,
               "setup": args.setup}
    failed = False
    nss = [NS_PREFIX + str(k) for k in range(args.namespaces)]
    try:
        # namespaces left by an earlier run that are still being deleted would swallow the
        # objects created in them
        deadline = time.monotonic() + 300
        while subprocess.run([kubectl, "get", "namespace", *nss], env=env,
                             capture_output=True, text=True).stdout.strip():
            if time.monotonic() > deadline:
                sys.exit("bench-webhook: namespaces %s are still there" % " ".join(nss))
            log("waiting for the namespaces of an earlier run to go")
            time.sleep(2)

        # the repository
        name = "bench-webhook-%s" % uuid.uuid4().hex[:8]
        bare = os.path.join(tenv["GIT_REPOS_DIR"], name + ".git")
        tree = os.path.join(work, "config")
        git("init", "-q", "--bare", "-b", "main", bare)
        git("init", "-q", "-b", "main", tree)
        root = os.path.join(tree, "env")
        kb.generate(root, args.apps, args.namespaces, False)
        git("add", "-A", cwd=tree)
        git("commit", "-q", "-m", "bench", cwd=tree)
        git("push", "-q", bare, "main", cwd=tree)
        url = tenv["GIT_HTTPS_URL"].replace("127.0.0.1", "localhost") + "/" + name + ".git"

        port = free_port()
        with open(os.path.join(work, "secret"), "w") as f:
            f.write(SECRET)
        config = os.path.join(work, "driftless.yaml")
        with open(config, "w") as f:
            f.write("""source:
  url: %s
  branch: main
  interval: 1m
  auth: { username: %s, token_file: %s, ca_file: %s }
environments:
  bench:
    path: env
    cluster: { kubeconfig: %s }
    inventory: { namespace: default, name: driftless-bench-webhook }
    health_timeout: 10m
webhook: { listen: "127.0.0.1:%d", secret_file: %s }
daemon: { jitter: 0s }
state_dir: %s
""" % (url, tenv["GIT_HTTPS_USER"], tenv["GIT_HTTPS_TOKEN_FILE"], tenv["GIT_CA_FILE"],
                tenv["KUBECONFIG"], port, os.path.join(work, "secret"),
                os.path.join(work, "state")))

        if args.setup == "kubectl":
            # the objects exist before the daemon starts: its first sync adopts them
            all_yaml = os.path.join(work, "all.yaml")
            with open(all_yaml, "w") as f:
                subprocess.run([args.driftless, "render", root], stdout=f, check=True)
            log("kubectl apply --server-side of %d objects (setup, untimed)" % results["objects"])
            subprocess.run([kubectl, "apply", "--server-side", "--field-manager=driftless",
                            "-f", all_yaml], env=env, stdout=subprocess.DEVNULL, check=True)

        log_path = os.path.join(work, "driftless.log")
        log("first sync of %d objects (driftless run; log in %s)" % (results["objects"], log_path))
        t0 = time.monotonic()
        daemon = subprocess.Popen([args.driftless, "run", "-c", config], env=env,
                                  stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
        state_path = os.path.join(work, "state", "envs", "bench", "state.json")
        head = git("rev-parse", "HEAD", cwd=tree)
        while True:
            if daemon.poll() is not None:
                sys.exit("bench-webhook: the daemon died:\n" + open(log_path).read()[-4000:])
            try:
                with open(state_path) as f:
                    st = json.load(f)
            except (FileNotFoundError, json.JSONDecodeError):
                st = {}
            if st.get("revision") == head:
                break
            if st.get("last_sync", {}).get("result") in ("failed", "rolled-back", "error"):
                sys.exit("bench-webhook: the first sync failed: %s" % st["last_sync"].get("message"))
            time.sleep(0.5)
        results["first_sync_seconds"] = time.monotonic() - t0
        log("first sync done in %.1f s" % results["first_sync_seconds"])

        # idle
        rss0, cpu0 = proc_stat(daemon.pid)
        peak, t_end = rss0, time.monotonic() + args.idle
        while time.monotonic() < t_end:
            peak = max(peak, proc_stat(daemon.pid)[0])
            time.sleep(0.5)
        rss1, cpu1 = proc_stat(daemon.pid)
        results["idle"] = {"seconds": args.idle, "rss_start_kib": rss0, "rss_end_kib": rss1,
                           "rss_peak_kib": peak, "cpu_seconds": cpu1 - cpu0}
        log("idle %.0f s: RSS %d KiB at the start, %d at the end, %d at the peak; CPU %.2f s"
            % (args.idle, rss0, rss1, peak, cpu1 - cpu0))

        # webhook runs
        times = []
        for i in range(args.runs):
            n = (i * 37) % args.apps
            app, ns = kb.app_name(n), kb.app_namespace(n, args.namespaces)
            image = kb.set_changed(root, n, True)
            git("commit", "-q", "-am", "change %s" % app, cwd=tree)
            git("push", "-q", bare, "main", cwd=tree)
            body = json.dumps({"ref": "refs/heads/main", "after": git("rev-parse", "HEAD", cwd=tree),
                               "repository": {"clone_url": url}}).encode()
            headers = {"Content-Type": "application/json", "X-GitHub-Event": "push",
                       "X-GitHub-Delivery": str(uuid.uuid4()),
                       "X-Hub-Signature-256": "sha256=" + hmac.new(
                           SECRET.encode(), body, hashlib.sha256).hexdigest()}
            t0 = time.monotonic()
            r = requests.post("http://127.0.0.1:%d/hooks/github" % port, data=body,
                              headers=headers, timeout=10)
            if r.status_code != 202:
                sys.exit("bench-webhook: webhook answered %d %s" % (r.status_code, r.text))
            while api.image(ns, app) != image:
                if time.monotonic() - t0 > 120:
                    failed = True
                    log("run %d: %s/%s never got %s" % (i, ns, app, image))
                    break
                time.sleep(0.005)
            times.append(time.monotonic() - t0)
            log("run %d: %s/%s applied %.3f s after the webhook" % (i, ns, app, times[-1]))
        results["webhook"] = {"runs": len(times), "median_seconds": statistics.median(times),
                              "worst_seconds": max(times), "best_seconds": min(times),
                              "seconds": times}
        # the sync of the last change ends before the kubectl run starts
        time.sleep(2)

        # kubectl
        ktimes = []
        for i in range(args.kubectl_runs):
            n = (args.runs * 37 + i * 41) % args.apps
            kb.set_changed(root, n, True)
            t0 = time.monotonic()
            p = subprocess.run([kubectl, "apply", "--server-side", "--field-manager=driftless",
                                "-k", root], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
            ktimes.append(time.monotonic() - t0)
            if p.returncode:
                failed = True
                log("kubectl apply failed: %s" % p.stderr[-2000:])
            log("kubectl run %d: %.2f s" % (i, ktimes[-1]))
        if ktimes:
            results["kubectl"] = {"runs": len(ktimes), "median_seconds": statistics.median(ktimes),
                                  "seconds": ktimes}
        if daemon.poll() is not None:
            failed = True
            log("the daemon died:\n" + open(log_path).read()[-4000:])
    finally:
        if daemon and daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=120)
        if not args.keep:
            subprocess.run([kubectl, "delete", "namespace", "--wait=false", "--ignore-not-found",
                            *nss], env=env, capture_output=True)
            shutil.rmtree(work, ignore_errors=True)
        if own_testenv:
            benchenv.testenv("down", "--dir", own_testenv)

    w = results["webhook"]
    print("\nbench/webhook: %d apps (%d objects), first sync %.1f s (%s)"
          % (args.apps, results["objects"], results["first_sync_seconds"],
             "creating every object" if args.setup == "driftless" else
             "adopting the objects kubectl applied, waiting until healthy"))
    print("%-44s %10s %10s" % ("", "median", "worst"))
    print("%-44s %9.3fs %9.3fs" % ("driftless run: webhook -> object applied", w["median_seconds"],
                                   w["worst_seconds"]))
    if "kubectl" in results:
        k = results["kubectl"]
        print("%-44s %9.3fs %10s" % ("kubectl apply --server-side -k", k["median_seconds"], ""))
        print("ratio (kubectl / driftless, medians): %.1fx"
              % (k["median_seconds"] / w["median_seconds"]))
    i = results["idle"]
    print("idle daemon over %.0f s: RSS %.1f MiB (peak %.1f MiB), CPU %.2f s (%.2f%% of a core)"
          % (i["seconds"], i["rss_end_kib"] / 1024, i["rss_peak_kib"] / 1024, i["cpu_seconds"],
             100 * i["cpu_seconds"] / i["seconds"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
