#!/usr/bin/env python3
"""bench/kube: `driftless diff`/`sync --path` against `kubectl diff`/`apply --server-side`.

    bench/kube/bench.py [--apps 1000] [--runs 3] [--kubectl-runs N] [--namespaces 4]
                        [--hpa] [--keep] [--json FILE] [--driftless PATH]

It generates a kustomization of --apps apps (per app: a Deployment with one replica, a
Service, a ConfigMap from a configMapGenerator and a PodDisruptionBudget, or an HPA with
--hpa), spread over --namespaces namespaces bench-kube-0, bench-kube-1, ... whose Namespace
objects are part of it, renders it once with `driftless render DIR > all.yaml`, applies
that with `kubectl apply --server-side --field-manager=driftless` (so both tools start from
the same live state, owned by the field manager driftless) and waits until every Deployment
is Available. Then, against the test environment's kube-apiserver:

  no-drift diff  `kubectl diff --server-side --field-manager=driftless -f all.yaml` against
                 `driftless diff --path DIR`; both must exit 0 (no drift)
  one change     one Deployment's image changes in DIR (one line of its kustomization);
                 `kubectl apply --server-side --field-manager=driftless -f all2.yaml` (all2
                 rendered from the changed DIR, untimed), the same followed by `kubectl
                 rollout status` of that Deployment (`driftless sync` waits until what it
                 applied is healthy, `kubectl apply` does not), and `driftless sync --path
                 DIR`. After each run the change is undone on the cluster (untimed) and the
                 rollouts are waited for, so every run makes the same one-object change.

For each it prints the median wall time, the peak RSS (ru_maxrss of the tool's process and
the processes it waited for, from wait4(): what GNU time prints as %M) and the requests the
tool sent to the API server by verb, with the ratios.

Requests are counted in separate, untimed runs (--count-runs, 1) of each tool through a
TLS proxy in this script, which names each request as kube-apiserver's metric does (a
server-side apply is APPLY, ?dryRun=All a dry run, ?watch=true a WATCH, a GET of a
collection a LIST, non-resource GETs `discovery`). kube-apiserver's
`apiserver_request_total` cannot tell the tools from the controllers (no client label, the
same admin credentials, no audit log) or from other users of the shared test environment,
so its deltas over the timed runs (only the bench's own kinds and reads, less what a quiet
interval of --quiet seconds shows) are printed as a cross-check only.

It exits 1 when a check fails: a diff that should find no drift did not exit 0, a change did
not reach the cluster, or driftless wrote anything other than the one changed Deployment.
`driftless diff --path` or `sync --path` that does not work (an older build) is reported
as unavailable and the kubectl half still runs.

The test environment is DRIFTLESS_TESTENV_DIR (or ${TMPDIR:-/tmp}/driftless-testenv) when
that one works, else this script starts one (`scripts/testenv up`) and takes it down at the
end. The bench namespaces are deleted at the end (without waiting) unless --keep.
"""

import argparse
import http.client
import http.server
import json
import os
import re
import shlex
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "bench"))
import benchenv  # noqa: E402 (bench/benchenv.py, found through the line above)
CONTEXT = "driftless-testenv"
MANAGER = "driftless"
NS_PREFIX = "bench-kube-"
PART_OF = "driftless-bench-kube"
TAG = "1.0.%d"
CHANGED_SUFFIX = "-changed"

# ---------------------------------------------------------------------------------------
# the environment

ROOT_KUSTOMIZATION_HEAD = """\
labels:
- pairs:
    app.kubernetes.io/part-of: %s
resources:
- namespaces.yaml
""" % PART_OF

NAMESPACE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
"""

NS_KUSTOMIZATION_HEAD = """\
namespace: {ns}
resources:
"""

APP_KUSTOMIZATION = """\
resources:
- deployment.yaml
- service.yaml
- {fourth}.yaml
configMapGenerator:
- name: {app}-config
  literals:
  - APP={app}
  - LOG_LEVEL=info
  - PORT=8080
labels:
- pairs:
    app.kubernetes.io/name: {app}
images:
- name: registry.example.com/apps/{app}
  newTag: "{tag}"
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  labels:
    app: {app}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {app}
  template:
    metadata:
      labels:
        app: {app}
    spec:
      containers:
      - name: {app}
        image: registry.example.com/apps/{app}:1.0.0
        ports:
        - name: http
          containerPort: 8080
        envFrom:
        - configMapRef:
            name: {app}-config
        resources:
          requests:
            cpu: 10m
            memory: 16Mi
          limits:
            memory: 64Mi
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {app}
spec:
  selector:
    app: {app}
  ports:
  - name: http
    port: 80
    targetPort: http
"""

PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {app}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app: {app}
"""

# minReplicas = replicas: without a metrics server the HPA controller cannot compute a
# recommendation and leaves the Deployment's replicas alone (it only enforces the bounds)
HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {app}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {app}
  minReplicas: 1
  maxReplicas: 5
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 70
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def app_name(n):
    return "app%04d" % n


def app_namespace(n, namespaces):
    return NS_PREFIX + str(n % namespaces)


def generate(root, apps, namespaces, hpa):
    """The kustomization in root: namespaces.yaml and one kustomization per namespace over
    its apps (app n goes to namespace n % namespaces)."""
    fourth = "hpa" if hpa else "pdb"
    nss = [NS_PREFIX + str(k) for k in range(namespaces)]
    write(os.path.join(root, "namespaces.yaml"),
          "---\n".join(NAMESPACE.format(ns=ns) for ns in nss))
    write(os.path.join(root, "kustomization.yaml"),
          ROOT_KUSTOMIZATION_HEAD + "".join("- %s\n" % ns for ns in nss))
    for k, ns in enumerate(nss):
        write(os.path.join(root, ns, "kustomization.yaml"),
              NS_KUSTOMIZATION_HEAD.format(ns=ns) +
              "".join("- ../apps/%s\n" % app_name(n) for n in range(k, apps, namespaces)))
    for n in range(apps):
        app = app_name(n)
        d = os.path.join(root, "apps", app)
        write(os.path.join(d, "kustomization.yaml"),
              APP_KUSTOMIZATION.format(app=app, fourth=fourth, tag=TAG % n))
        write(os.path.join(d, "deployment.yaml"), DEPLOYMENT.format(app=app))
        write(os.path.join(d, "service.yaml"), SERVICE.format(app=app))
        write(os.path.join(d, fourth + ".yaml"), (HPA if hpa else PDB).format(app=app))
    return nss


def set_changed(root, n, changed):
    """Change (or restore) the image tag of app n: one line of its kustomization."""
    path = os.path.join(root, "apps", app_name(n), "kustomization.yaml")
    with open(path) as f:
        text = f.read()
    old, new = TAG % n, TAG % n + CHANGED_SUFFIX
    if changed:
        text = text.replace('newTag: "%s"' % old, 'newTag: "%s"' % new)
    else:
        text = text.replace('newTag: "%s"' % new, 'newTag: "%s"' % old)
    with open(path, "w") as f:
        f.write(text)
    return "registry.example.com/apps/%s:%s" % (app_name(n), new if changed else old)


def one_document(all_yaml, kind, name):
    """The YAML document of one object of the rendered output."""
    with open(all_yaml) as f:
        docs = f.read().split("\n---\n")
    for d in docs:
        if re.search(r"^kind: %s$" % kind, d, re.M) and \
                re.search(r"^  name: %s$" % name, d, re.M):
            return d.strip("-\n") + "\n"
    raise SystemExit("bench-kube: no %s %s in %s" % (kind, name, all_yaml))


# ---------------------------------------------------------------------------------------
# running the tools


def log(msg):
    sys.stderr.write("bench-kube: %s\n" % msg)
    sys.stderr.flush()


class Run:
    def __init__(self, elapsed, rss, rc, out, err):
        self.elapsed, self.rss, self.rc, self.out, self.err = elapsed, rss, rc, out, err


def run_one(argv, env, out_path=os.devnull):
    """Wall time, peak RSS (KiB; ru_maxrss from wait4, so the tool's largest process
    including those it waited for, as GNU time's %M) and exit status of one run. Output
    goes to a file, stderr to a temporary file (no pipe to this script in the times)."""
    with open(out_path, "wb") as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=env)
        _, status, rusage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        errtext = err.read().decode(errors="replace")
    outtext = ""
    if out_path != os.devnull:
        with open(out_path, "rb") as f:
            outtext = f.read(200000).decode(errors="replace")
    return Run(elapsed, rusage.ru_maxrss, proc.returncode, outtext, errtext)


def check(argv, env, what, **kw):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, env=env, **kw)
    if p.returncode:
        raise SystemExit("bench-kube: %s failed (%d): %s\n%s"
                         % (what, p.returncode, " ".join(map(shlex.quote, argv)),
                            p.stdout[-3000:]))
    return p.stdout


# ---------------------------------------------------------------------------------------
# counting requests: apiserver_request_total

SAMPLE = re.compile(r'^apiserver_request_total\{(.*)\} ([0-9.e+]+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
IGNORED_PATHS = ("/metrics", "/healthz", "/readyz", "/livez")
IGNORED_RESOURCES = ("leases", "events")
READS = ("GET", "LIST", "WATCH", "WATCHLIST")


class Metrics:
    def __init__(self, tenv, kubectl, env):
        self.kubectl, self.env = kubectl, env
        self.url = tenv.get("KUBE_APISERVER_URL")
        self.ctx = None
        if self.url and tenv.get("KUBE_CLIENT_CERT_FILE"):
            self.ctx = ssl.create_default_context(cafile=tenv.get("KUBE_CA_FILE"))
            self.ctx.load_cert_chain(tenv["KUBE_CLIENT_CERT_FILE"],
                                     tenv["KUBE_CLIENT_KEY_FILE"])

    def text(self):
        if self.ctx:
            with urllib.request.urlopen(self.url + "/metrics", context=self.ctx,
                                        timeout=30) as r:
                return r.read().decode()
        return check([self.kubectl, "--context", CONTEXT, "get", "--raw", "/metrics"],
                     self.env, "reading /metrics")

    def snapshot(self):
        snap = {}
        for line in self.text().splitlines():
            m = SAMPLE.match(line)
            if m:
                labels = tuple(sorted(LABEL.findall(m.group(1))))
                snap[labels] = snap.get(labels, 0) + float(m.group(2))
        return snap


def bucket(labels, resources):
    """(verb bucket, resource) for a counted request, or None."""
    lab = dict(labels)
    verb, res, sub = lab.get("verb", ""), lab.get("resource", ""), lab.get("subresource", "")
    if not res:
        if sub.startswith(IGNORED_PATHS):
            return None
        return ("discovery", sub or "?")
    if res in IGNORED_RESOURCES or sub:
        return None
    if res not in resources and verb not in READS:
        return None
    if lab.get("dry_run"):
        verb += " (dry run)"
    return (verb, res)


def delta(before, after, resources):
    """Counter of (verb bucket, resource) -> requests, or None when a counter went down."""
    d = Counter()
    for key, v in after.items():
        n = v - before.get(key, 0)
        if n < 0:
            return None
        b = bucket(key, resources)
        if b and n:
            d[b] += int(round(n))
    for key in before:
        if key not in after:
            return None
    return d


def by_verb(c):
    v = Counter()
    for (verb, _), n in c.items():
        v[verb] += n
    return v


def subtract_background(c, rate, seconds):
    out = Counter()
    for k, n in c.items():
        n -= int(round(rate.get(k, 0.0) * seconds))
        if n > 0:
            out[k] = n
    return out


def is_write(verb):
    return verb.split(" ")[0] in ("POST", "PUT", "PATCH", "APPLY", "DELETE",
                                  "DELETECOLLECTION") and "(dry run)" not in verb


# ---------------------------------------------------------------------------------------
# counting requests exactly: a TLS proxy in front of the apiserver, for separate runs


def request_bucket(method, target, content_type):
    """(verb as apiserver_request_total names it, resource) of one request."""
    url = urllib.parse.urlsplit(target)
    query = urllib.parse.parse_qs(url.query)
    parts = [p for p in url.path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) > 2:
        rest = parts[2:]
    elif parts[:1] == ["apis"] and len(parts) > 3:
        rest = parts[3:]
    else:
        return ("discovery", url.path)
    if rest[0] == "namespaces" and len(rest) >= 3:
        rest = rest[2:]
    res, name, sub = (rest + [None, None])[:3]
    if sub:
        res += "/" + sub
    if method == "GET":
        verb = "WATCH" if query.get("watch", [""])[0] in ("true", "1") else \
            "GET" if name else "LIST"
    elif method == "PATCH":
        verb = "APPLY" if content_type.startswith("application/apply-patch") else "PATCH"
    elif method == "DELETE" and not name:
        verb = "DELETECOLLECTION"
    else:
        verb = method
    if query.get("dryRun"):
        verb += " (dry run)"
    return (verb, res)


HOP_BY_HOP = ("connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-connection", "authorization")


class CountingProxy:
    """HTTPS on 127.0.0.1 (HTTP/1.1 only), forwarding each request to the apiserver with
    the admin client certificate and counting it by verb and resource."""

    def __init__(self, tenv, work):
        self.upstream = urllib.parse.urlsplit(tenv["KUBE_APISERVER_URL"])
        self.up_ctx = ssl.create_default_context(cafile=tenv["KUBE_CA_FILE"])
        self.up_ctx.load_cert_chain(tenv["KUBE_CLIENT_CERT_FILE"], tenv["KUBE_CLIENT_KEY_FILE"])
        self.up_ctx.set_alpn_protocols(["http/1.1"])
        d = os.path.join(work, "proxy")
        os.makedirs(d)
        ca, key, crt = (os.path.join(d, n) for n in ("ca.crt", "server.key", "server.crt"))
        ossl = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]
        subprocess.run(ossl + ["-keyout", os.path.join(d, "ca.key"), "-out", ca,
                               "-subj", "/CN=bench-kube proxy CA"],
                       check=True, capture_output=True)
        subprocess.run(ossl + ["-keyout", key, "-out", crt, "-subj", "/CN=127.0.0.1",
                               "-CA", ca, "-CAkey", os.path.join(d, "ca.key"),
                               "-addext", "subjectAltName=IP:127.0.0.1",
                               "-addext", "basicConstraints=critical,CA:FALSE"],
                       check=True, capture_output=True)
        self.counts = Counter()
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            up = None

            def log_message(self, *a):
                pass

            def handle_any(self):
                ctype = self.headers.get("Content-Type", "")
                with proxy.lock:
                    proxy.counts[request_bucket(self.command, self.path, ctype)] += 1
                body = None
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    body = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        chunk = self.rfile.read(size + 2)[:size]
                        if not size:
                            break
                        body += chunk
                elif self.headers.get("Content-Length"):
                    body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in HOP_BY_HOP and k.lower() != "host"}
                if body is not None:
                    headers["Content-Length"] = str(len(body))
                for attempt in (0, 1):
                    if self.up is None:
                        self.up = http.client.HTTPSConnection(
                            proxy.upstream.hostname, proxy.upstream.port,
                            context=proxy.up_ctx, timeout=600)
                    try:
                        self.up.request(self.command, self.path, body=body, headers=headers)
                        resp = self.up.getresponse()
                        break
                    except (http.client.HTTPException, OSError):
                        self.up.close()
                        self.up = None
                        if attempt:
                            raise
                self.send_response_only(resp.status, resp.reason)
                for k, v in resp.getheaders():
                    if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                        self.send_header(k, v)
                length = resp.getheader("Content-Length")
                if length is not None:
                    data = resp.read()
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                else:
                    # streamed (a watch, a large list): pass it on as it comes
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    while True:
                        data = resp.read1(65536)
                        if not data:
                            break
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client that hung up on a watch

        self.server = Server(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        ctx.set_alpn_protocols(["http/1.1"])
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        # a kubeconfig with the same context name, to the proxy, with a dummy token (the
        # proxy authenticates upstream with the admin certificate)
        self.kubeconfig = os.path.join(d, "kubeconfig")
        write(self.kubeconfig, """\
apiVersion: v1
kind: Config
clusters:
- name: bench-kube-proxy
  cluster:
    server: https://127.0.0.1:%d
    certificate-authority: %s
users:
- name: bench
  user:
    token: bench-kube-proxy
contexts:
- name: %s
  context:
    cluster: bench-kube-proxy
    user: bench
current-context: %s
""" % (self.server.server_address[1], ca, CONTEXT, CONTEXT))

    def take(self):
        with self.lock:
            c, self.counts = self.counts, Counter()
        return c

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------
# the bench


class Bench:
    def __init__(self, args, tenv, work):
        self.args, self.tenv, self.work = args, tenv, work
        self.kubectl = args.kubectl
        self.kubeconfig = tenv["KUBECONFIG"]
        self.env = dict(os.environ, KUBECONFIG=self.kubeconfig)
        self.env.pop("KUBECTL_EXTERNAL_DIFF", None)
        self.cache = os.path.join(work, "kubectl-cache")
        self.dir = os.path.join(work, "env")
        self.all = os.path.join(work, "all.yaml")
        self.all2 = os.path.join(work, "all2.yaml")
        self.resources = {"namespaces", "deployments", "services", "configmaps",
                          "horizontalpodautoscalers" if args.hpa else "poddisruptionbudgets"}
        self.metrics = Metrics(tenv, self.kubectl, self.env)
        self.rate = {}
        self.failures = []
        self.unavailable = {}

    def kc(self, *args, kubeconfig=None):
        return [self.kubectl, "--kubeconfig", kubeconfig or self.kubeconfig, "--context",
                CONTEXT, "--cache-dir", self.cache, *args]

    def dl(self, *args, kubeconfig=None):
        return [self.args.driftless, *args, "--path", self.dir, "--kubeconfig",
                kubeconfig or self.kubeconfig, "--context", CONTEXT]

    # --- setup ---------------------------------------------------------------------------

    def render(self, dest):
        with open(dest, "wb") as f:
            p = subprocess.run([self.args.driftless, "render", self.dir], stdout=f,
                               stderr=subprocess.PIPE)
        if p.returncode:
            raise SystemExit("bench-kube: driftless render failed: %s" % p.stderr.decode())

    def setup(self):
        self.nss = generate(self.dir, self.args.apps, self.args.namespaces, self.args.hpa)
        self.render(self.all)
        with open(self.all) as f:
            objects = sum(1 for line in f if line.startswith("kind: "))
        log("%d apps: %d objects in %s" % (self.args.apps, objects, self.all))
        self.objects = objects
        self.wait_namespaces_gone()
        # the discovery cache of kubectl's runs, filled before anything is timed (as a
        # user's ~/.kube/cache is)
        check(self.kc("api-resources"), self.env, "kubectl api-resources")
        self.proxy = CountingProxy(self.tenv, self.work)
        check(self.kc("api-resources", kubeconfig=self.proxy.kubeconfig), self.env,
              "kubectl api-resources through the counting proxy")
        start = time.monotonic()
        check(self.kc("apply", "--server-side", "--field-manager=" + MANAGER, "-f",
                      self.all), self.env, "initial kubectl apply", timeout=3600)
        log("applied in %.1f s; waiting for the Deployments" % (time.monotonic() - start))
        for ns in self.nss:
            check(self.kc("wait", "--for=condition=Available", "--timeout=900s",
                          "deployment", "--all", "-n", ns), self.env,
                  "waiting for the Deployments of " + ns, timeout=1000)
        log("all Deployments Available after %.1f s" % (time.monotonic() - start))

    def wait_namespaces_gone(self):
        """Namespaces of an earlier run that are still terminating."""
        deadline = time.monotonic() + 600
        while True:
            out = check(self.kc("get", "ns", "-o",
                                "jsonpath={range .items[*]}{.metadata.name} "
                                "{.status.phase}{\"\\n\"}{end}"), self.env, "kubectl get ns")
            terminating = [line.split()[0] for line in out.splitlines()
                           if line.split()[0] in self.nss and line.endswith("Terminating")]
            if not terminating:
                return
            if time.monotonic() > deadline:
                raise SystemExit("bench-kube: namespaces still terminating: %s" % terminating)
            log("waiting for %s (terminating) to go" % " ".join(terminating))
            time.sleep(5)

    def quiet(self):
        """The background requests per second that the rules of bucket() let through."""
        time.sleep(2)
        before = self.metrics.snapshot()
        start = time.monotonic()
        time.sleep(self.args.quiet)
        after = self.metrics.snapshot()
        seconds = time.monotonic() - start
        d = delta(before, after, self.resources)
        if d is None:
            raise SystemExit("bench-kube: the apiserver restarted during the quiet interval")
        self.rate = {k: n / seconds for k, n in d.items()}
        self.quiet_counts = (d, seconds)
        log("quiet %.1f s: %s" % (seconds, fmt_counter(by_verb(d)) or "nothing"))

    # --- measuring -------------------------------------------------------------------------

    def measured(self, argv, out_path=os.devnull):
        """A timed run, straight to the apiserver, with the apiserver_request_total delta
        of the run (all clients' requests of the kinds bucket() keeps)."""
        before = self.metrics.snapshot()
        r = run_one(argv, self.env, out_path)
        time.sleep(self.args.settle)  # a watch is counted when the server sees it end
        after = self.metrics.snapshot()
        d = delta(before, after, self.resources)
        if d is None:
            log("the apiserver restarted during a run of %s: apiserver_request_total not "
                "counted" % argv[0])
        else:
            d = subtract_background(d, self.rate, r.elapsed + self.args.settle)
        r.metric_requests = d
        return r

    def counted(self, argv, out_path=os.devnull):
        """A run through the counting proxy: the requests this tool sent."""
        self.proxy.take()
        r = run_one(argv, self.env, out_path)
        time.sleep(0.1)
        r.requests = self.proxy.take()
        return r

    def series(self, op, tool, runs, argv_fn, expect_rc, before_fn=None, after_fn=None):
        """runs timed runs, then --count-runs runs through the counting proxy. argv_fn
        (kubeconfig) gives the command and where its output goes."""
        timed, counted = [], []
        for i in range(runs + self.args.count_runs):
            count = i >= runs
            argv, out_path = argv_fn(self.proxy.kubeconfig if count else None)
            if before_fn:
                before_fn()
            r = self.counted(argv, out_path) if count else self.measured(argv, out_path)
            if count:
                log("%s, %s, counted run %d: exit %d, %s" % (
                    op, tool, i - runs + 1, r.rc, fmt_counter(by_verb(r.requests))))
            else:
                log("%s, %s, run %d: %.3f s, %.1f MiB, exit %d; apiserver_request_total "
                    "(all clients): %s" % (
                        op, tool, i + 1, r.elapsed, r.rss / 1024, r.rc,
                        fmt_counter(by_verb(r.metric_requests))
                        if r.metric_requests is not None else "not counted"))
            if r.rc not in expect_rc:
                self.failures.append("%s: %s exited %d (expected %s)%s: %s" % (
                    op, tool, r.rc, "/".join(map(str, expect_rc)),
                    " through the counting proxy" if count else "",
                    (r.err.strip() or r.out.strip())[-1500:]))
            if after_fn:
                after_fn(r)
            (counted if count else timed).append(r)
        return timed, counted

    def probe(self, tool, argv, ok):
        """Does this driftless have the command? (an untimed run; None when it works)"""
        r = run_one(argv, self.env, os.path.join(self.work, "probe.out"))
        if r.rc in ok:
            return None
        msg = (r.err.strip() or r.out.strip() or "no output").splitlines()
        why = "exit %d: %s" % (r.rc, " / ".join(msg[-3:])[:500])
        log("%s is unavailable (%s)" % (tool, why))
        self.unavailable[tool] = why
        return why

    def no_drift(self, k_runs):
        res = {}
        out = os.path.join(self.work, "diff.out")
        res["kubectl diff"] = self.series(
            "no-drift diff", "kubectl diff", k_runs,
            lambda kcfg: (self.kc("diff", "--server-side", "--field-manager=" + MANAGER,
                                  "-f", self.all, kubeconfig=kcfg), out), (0,))
        if not self.probe("driftless diff", self.dl("diff"), (0, 1)):
            res["driftless diff"] = self.series(
                "no-drift diff", "driftless diff", self.args.runs,
                lambda kcfg: (self.dl("diff", kubeconfig=kcfg), out), (0,))
        return res

    def one_change(self, k_runs):
        n = 0
        app, ns = app_name(n), app_namespace(n, self.args.namespaces)
        original = one_document(self.all, "Deployment", app)
        orig_path = os.path.join(self.work, "original.yaml")
        write(orig_path, original)
        res = {}

        def rollout():
            check(self.kc("rollout", "status", "deployment/" + app, "-n", ns,
                          "--timeout=300s"), self.env, "rollout status", timeout=330)

        def live_image():
            return check(self.kc("get", "deployment", app, "-n", ns, "-o",
                                 "jsonpath={.spec.template.spec.containers[0].image}"),
                         self.env, "kubectl get deployment").strip()

        def change():
            set_changed(self.dir, n, True)

        def undo(tool):
            def f(r):
                image = live_image()
                if image != changed_image:
                    self.failures.append("one change: after %s the Deployment's image is %s, "
                                         "not %s" % (tool, image, changed_image))
                set_changed(self.dir, n, False)
                rollout()
                check(self.kc("apply", "--server-side", "--field-manager=" + MANAGER, "-f",
                              orig_path), self.env, "undoing the change")
                rollout()
            return f

        changed_image = set_changed(self.dir, n, True)
        self.render(self.all2)
        set_changed(self.dir, n, False)
        def apply2(kcfg):
            return self.kc("apply", "--server-side", "--field-manager=" + MANAGER, "-f",
                           self.all2, kubeconfig=kcfg)

        def both(kcfg):
            return ["/bin/sh", "-c", "%s && %s" % (
                " ".join(map(shlex.quote, apply2(kcfg))),
                " ".join(map(shlex.quote, self.kc("rollout", "status", "deployment/" + app,
                                                  "-n", ns, "--timeout=300s",
                                                  kubeconfig=kcfg))))]

        res["kubectl apply"] = self.series(
            "one change", "kubectl apply", k_runs, lambda kcfg: (apply2(kcfg), os.devnull),
            (0,), change, undo("kubectl apply"))
        res["kubectl apply + rollout status"] = self.series(
            "one change", "kubectl apply + rollout status", k_runs,
            lambda kcfg: (both(kcfg), os.devnull), (0,), change,
            undo("kubectl apply + rollout status"))
        # probe with --dry-run on the unchanged tree: changes nothing
        if not self.probe("driftless sync", self.dl("sync", "--dry-run"), (0,)):
            res["driftless sync"] = timed, counted = self.series(
                "one change", "driftless sync", self.args.runs,
                lambda kcfg: (self.dl("sync", kubeconfig=kcfg),
                              os.path.join(self.work, "sync.out")), (0,),
                change, undo("driftless sync"))
            for r in counted:
                writes = {k: v for k, v in r.requests.items() if is_write(k[0])}
                if writes != {("APPLY", "deployments"): 1}:
                    self.failures.append(
                        "one change: driftless sync wrote %s (expected one APPLY, a "
                        "server-side apply PATCH, of a Deployment)"
                        % (fmt_counter(writes, True) or "nothing"))

        self.change_target = "%s/%s" % (ns, app)
        return res

    def cleanup(self):
        p = subprocess.run(self.kc("delete", "ns", "--wait=false", "--ignore-not-found",
                                   *self.nss), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, env=self.env)
        log("deleting the bench namespaces: %s" % " ".join(p.stdout.split()))


# ---------------------------------------------------------------------------------------
# report

VERB_ORDER = ("GET", "LIST", "WATCH", "PATCH (dry run)", "PATCH", "POST", "PUT", "DELETE",
              "discovery")


def fmt_counter(c, keys=False):
    if keys:
        return ", ".join("%s %s %d" % (k[0], k[1], v) for k, v in sorted(c.items()))
    items = sorted(c.items(), key=lambda kv: (VERB_ORDER.index(kv[0])
                                              if kv[0] in VERB_ORDER else 99, kv[0]))
    return ", ".join("%s %d" % (k, v) for k, v in items if v)


def fmt_time(s):
    return "%.1f ms" % (s * 1000) if s < 1 else "%.2f s" % s


def summarize(series):
    timed, counted = series
    verbs = [by_verb(r.requests) for r in counted]
    distinct = {tuple(sorted(v.items())) for v in verbs}
    metric = [by_verb(r.metric_requests) for r in timed if r.metric_requests is not None]
    return {
        "runs": len(timed),
        "times": [r.elapsed for r in timed],
        "median": statistics.median(r.elapsed for r in timed),
        "rss_kib": max(r.rss for r in timed),
        "exit": sorted({r.rc for r in timed}),
        # the counts of the first counted run; "varied" when the counted runs did not agree
        "count_runs": len(counted),
        "requests": dict(verbs[0]) if verbs else None,
        "requests_varied": len(distinct) > 1,
        "requests_all_runs": [dict(v) for v in verbs],
        "requests_by_resource": {"%s %s" % k: v for k, v in counted[0].requests.items()}
        if counted else None,
        "total": sum(verbs[0].values()) if verbs else None,
        "writes": sum(v for k, v in verbs[0].items() if is_write(k)) if verbs else None,
        # apiserver_request_total deltas of the timed runs, other clients included
        "apiserver_request_total": [dict(m) for m in metric],
    }


def print_table(results, unavailable):
    print("| operation | tool | median time | peak RSS | requests by verb | total | writes "
          "| kubectl / driftless: time | memory | requests |")
    print("|---|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for op, tools in results.items():
        base = tools.get("kubectl diff") or tools.get("kubectl apply")
        for tool, s in tools.items():
            ratio = ("", "", "")
            if tool.startswith("driftless") and base:
                ratio = ("%.1fx" % (base["median"] / s["median"]),
                         "%.1f%%" % (100.0 * s["rss_kib"] / base["rss_kib"]),
                         "%.1fx" % (base["total"] / s["total"])
                         if base["total"] and s["total"] else "")
            print("| %s | %s | %s (%d run%s) | %.1f MiB | %s%s | %s | %s | %s | %s | %s |" % (
                op, tool, fmt_time(s["median"]), s["runs"], "" if s["runs"] == 1 else "s",
                s["rss_kib"] / 1024,
                fmt_counter(s["requests"]) if s["requests"] is not None else "not counted",
                " (runs differed)" if s["requests_varied"] else "",
                s["total"] if s["total"] is not None else "-",
                s["writes"] if s["writes"] is not None else "-", *ratio))
        for tool, why in unavailable.items():
            if tool.split()[1] == {"no-drift diff": "diff", "one change": "sync"}[op]:
                print("| %s | %s | unavailable | | %s | | | | | |" % (op, tool, why))


def testenv_start():
    """(variables, directory to take down at the end or None)."""
    return benchenv.testenv_start(
        "bench-kube", log, os.path.join(os.environ.get("TMPDIR") or "/tmp", "driftless-testenv"))



def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--apps", type=int, default=1000)
    ap.add_argument("--namespaces", type=int, default=4)
    ap.add_argument("--runs", type=int, default=3, help="timed runs of driftless (default 3)")
    ap.add_argument("--kubectl-runs", type=int, default=0,
                    help="timed runs of kubectl (default: --runs up to 500 apps, 1 above)")
    ap.add_argument("--count-runs", type=int, default=1,
                    help="runs of each through the counting proxy (default 1)")
    ap.add_argument("--hpa", action="store_true",
                    help="an HPA per app instead of a PodDisruptionBudget (the HPA "
                         "controller then reads every Deployment's scale and writes Events "
                         "every 15 s: more background load)")
    ap.add_argument("--quiet", type=float, default=10.0,
                    help="seconds of the quiet interval measured first (default 10)")
    ap.add_argument("--settle", type=float, default=0.5,
                    help="seconds between a run's end and reading the counters (default 0.5)")
    ap.add_argument("--only", choices=("diff", "change"),
                    help="measure only the no-drift diff or only the one change")
    ap.add_argument("--driftless", default=os.environ.get("DRIFTLESS_BIN") or
                    os.path.join(REPO, "build", "driftless"))
    ap.add_argument("--kubectl", help="kubectl (default: the test environment's KUBECTL, "
                                      "else kubectl on PATH)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--keep", action="store_true",
                    help="leave the bench namespaces and the work directory")
    args = ap.parse_args()
    if args.apps < 1 or args.runs < 1 or args.namespaces < 1 or args.count_runs < 1:
        sys.exit("bench-kube: --apps, --runs, --count-runs and --namespaces must be positive")
    if not os.access(args.driftless, os.X_OK):
        sys.exit("bench-kube: %s is missing or not executable: build it first (make) or set "
                 "DRIFTLESS_BIN" % args.driftless)
    args.driftless = os.path.abspath(args.driftless)
    k_runs = args.kubectl_runs or (args.runs if args.apps <= 500 else 1)

    tenv, own_testenv = testenv_start()
    args.kubectl = args.kubectl or tenv.get("KUBECTL") or shutil.which("kubectl")
    if not args.kubectl:
        sys.exit("bench-kube: no kubectl (--kubectl PATH)")
    work = tempfile.mkdtemp(prefix="driftless-bench-kube-")
    b = Bench(args, tenv, work)
    results = {}
    versions = {
        "kubectl": " ".join(subprocess.run([args.kubectl, "version", "--client"],
                                           stdout=subprocess.PIPE, text=True).stdout.split()),
        "driftless": subprocess.run([args.driftless, "version"], stdout=subprocess.PIPE,
                                    text=True).stdout.strip().splitlines()[:1],
    }
    log("kubectl %s; driftless %s; work directory %s" % (args.kubectl, args.driftless, work))
    try:
        b.setup()
        b.quiet()
        raw = {}
        if args.only != "change":
            raw["no-drift diff"] = b.no_drift(k_runs)
        if args.only != "diff":
            raw["one change"] = b.one_change(k_runs)
        results = {op: {t: summarize(r) for t, r in tools.items()} for op, tools in raw.items()}
    finally:
        if hasattr(b, "proxy"):
            b.proxy.close()
        if args.keep:
            log("kept the namespaces %s and %s" % (" ".join(b.nss) if hasattr(b, "nss")
                                                   else "(none)", work))
        else:
            if hasattr(b, "nss"):
                b.cleanup()
            shutil.rmtree(work, ignore_errors=True)
        if own_testenv:
            benchenv.testenv("down", "--dir", own_testenv, timeout=120)

    print_table(results, b.unavailable)
    print()
    q, qs = b.quiet_counts
    print("%d apps, %d objects in %d namespaces; kubectl %d run(s), driftless %d; the change: "
          "the image of Deployment %s" % (args.apps, b.objects, args.namespaces, k_runs,
                                          args.runs, getattr(b, "change_target", "-")))
    print("requests: from %d run(s) of each through the counting proxy. "
          "apiserver_request_total, in a quiet %.0f s before the runs: %s; during the timed "
          "runs (every client of the apiserver, so other users of a shared test environment "
          "too):" % (args.count_runs, qs, fmt_counter(by_verb(q)) or "nothing"))
    for op, tools in results.items():
        for tool, s in tools.items():
            print("  %s, %s: %s" % (op, tool, " | ".join(
                fmt_counter(m) or "nothing" for m in s["apiserver_request_total"]) or "-"))
    for op, tools in results.items():
        for tool, s in tools.items():
            if s["requests_by_resource"]:
                print("%s, %s: %s" % (op, tool, ", ".join(
                    "%s %d" % kv for kv in sorted(s["requests_by_resource"].items()))))
    for tool, why in b.unavailable.items():
        print("%s --path is unavailable in %s (%s): only kubectl was measured for it"
              % (tool, args.driftless, why))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"apps": args.apps, "objects": b.objects, "namespaces": args.namespaces,
                       "hpa": args.hpa, "versions": versions, "results": results,
                       "unavailable": b.unavailable, "failures": b.failures}, f, indent=2)
            f.write("\n")
    for msg in b.failures:
        print("CHECK FAILED: " + msg)
    if b.failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
