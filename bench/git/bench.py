#!/usr/bin/env python3
"""bench/git: what a poll costs, `driftless fetch` against `git fetch`, over HTTPS and SSH.

    bench/git/bench.py [--runs 15] [--count-runs 3] [--commits 10000] [--files 5000]
                       [--transports https,ssh] [--json FILE] [--driftless PATH] [--keep]

It generates a repository once (cached in ~/.cache/driftless/bench-git/, keyed by its
parameters: by default 10,000 commits over 5,000 YAML files of a few hundred bytes in
apps/<team>/<app>/, each commit changing one to three files), serves a copy of it from the
test environment's git servers (nginx + git http-backend over HTTPS, sshd + git-shell over
SSH), and measures, for each transport, both tools against the same repository in the same
run:

  clone    the first fetch: `driftless fetch` into an empty state directory against
           `git clone --bare` (once each)
  poll     a poll when nothing changed: `driftless fetch` on an up-to-date clone against
           `git -C CLONE fetch origin main` on an up-to-date bare clone
  commit   a poll that finds one new commit (one changed file): before each measured pair
           a commit is added on the server, then each tool fetches it into its own clone

Wall time comes from --runs runs of each, alternating which tool goes first, straight to
the server. Connections and bytes in each direction come from --count-runs separate runs
through a TCP relay of this script (on 127.0.0.1, forwarding to the server's port), so that
the relay's own cost is not in the times. Over HTTPS the certificate names `localhost`, so
a relay on another port still verifies; over SSH a known_hosts file of this script lists
the server's key for both ports. A relayed run that fails is reported and repeated (twice
at most); the counts are always those of complete runs.

git authenticates as a user would set it up: over HTTPS a credential helper that prints the
token file, with GIT_SSL_CAINFO; over SSH GIT_SSH_COMMAND with -i KEY,
UserKnownHostsFile and StrictHostKeyChecking=yes. Both tools run with an empty HOME and no
system git config.

The test environment is DRIFTLESS_TESTENV_DIR when it names a working one, else this script
starts one (`scripts/testenv up`) and takes it down at the end.
It exits 1 when a check fails: a tool did not end at the server's revision, or driftless's
no-change poll used more than one connection or received objects.
"""

import argparse
import json
import os
import random
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "bench"))
import benchenv  # noqa: E402 (bench/benchenv.py, found through the line above)
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                     "driftless", "bench-git")
GEN_VERSION = 1  # bump when the generated history changes
EPOCH = 1700000000  # committer time of the first commit
TEAMS = 20
KINDS = ("kustomization", "deployment", "service", "configmap", "hpa")
TOOLS = ("git", "driftless")

TEMPLATES = {
    "kustomization": """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {team}
resources:
- deployment.yaml
- service.yaml
- configmap.yaml
- hpa.yaml
labels:
- pairs:
    app.kubernetes.io/name: {app}
    app.kubernetes.io/part-of: {team}
  includeSelectors: true
images:
- name: registry.example.com/{team}/{app}
  newTag: "{tag}"
""",
    "deployment": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
spec:
  replicas: {replicas}
  template:
    spec:
      containers:
      - name: {app}
        image: registry.example.com/{team}/{app}:{tag}
        ports:
        - name: http
          containerPort: 8080
        resources:
          requests:
            cpu: {cpu}m
            memory: {memory}Mi
          limits:
            memory: {limit}Mi
""",
    "service": """\
apiVersion: v1
kind: Service
metadata:
  name: {app}
  annotations:
    revision: "{version}"
spec:
  type: ClusterIP
  ports:
  - name: http
    port: 80
    targetPort: http
    protocol: TCP
""",
    "configmap": """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {app}-config
data:
  LOG_LEVEL: {log_level}
  FEATURE_FLAGS: "search,checkout,recommendations-v{version}"
  UPSTREAM_URL: http://{team}-gateway.{team}.svc.cluster.local:8080
  CACHE_TTL_SECONDS: "{ttl}"
  REVISION: "{version}"
""",
    "hpa": """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {app}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {app}
  minReplicas: {replicas}
  maxReplicas: {max_replicas}
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: {utilization}
""",
}


def log(msg):
    sys.stderr.write("bench-git: %s\n" % msg)
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------
# the repository


def file_names(i, files):
    """team, app and path of file number i (five files per app, apps spread over TEAMS)."""
    apps = (files + len(KINDS) - 1) // len(KINDS)
    per_team = (apps + TEAMS - 1) // TEAMS
    app = i // len(KINDS)
    team = "team-%02d" % (app // per_team)
    name = "app-%04d" % app
    return team, name, "apps/%s/%s/%s.yaml" % (team, name, KINDS[i % len(KINDS)])


def file_content(i, files, version):
    team, app, _ = file_names(i, files)
    return TEMPLATES[KINDS[i % len(KINDS)]].format(
        team=team, app=app, version=version, tag="1.%d.%d" % (version // 10, version % 10),
        replicas=2 + version % 4, max_replicas=10 + version % 7, cpu=100 + 50 * (version % 5),
        memory=128 << (version % 3), limit=256 << (version % 3),
        log_level=("info", "debug", "warn")[version % 3], ttl=60 * (1 + version % 10),
        utilization=60 + 5 * (version % 5)).encode()


def data_cmd(payload):
    return b"data %d\n%s\n" % (len(payload), payload)


def history(commits, files, seed):
    """The fast-import stream of the whole history, in chunks."""
    rng = random.Random(seed)
    initial = max(1, files // 5)
    versions = []
    for c in range(commits):
        target = files if commits == 1 else initial + (files - initial) * c // (commits - 1)
        touched = {}
        while len(versions) < target:
            versions.append(0)
            touched[len(versions) - 1] = 0
        if c > 0:
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(len(versions))
                versions[i] += 1
                touched[i] = versions[i]
        if c == 0:
            msg = "initial import of %d files" % len(touched)
        else:
            names = sorted({"%s/%s" % file_names(i, files)[:2] for i in touched})
            msg = "%s: update %d file%s" % (", ".join(names), len(touched),
                                             "" if len(touched) == 1 else "s")
        ident = "Bench Author <author-%d@example.com> %d +0000" % (c % 17, EPOCH + 3600 * c)
        out = [b"commit refs/heads/main\n",
               ("author %s\ncommitter %s\n" % (ident, ident)).encode(),
               data_cmd(msg.encode())]
        for i in sorted(touched):
            out.append(b"M 100644 inline %s\n" % file_names(i, files)[2].encode())
            out.append(data_cmd(file_content(i, files, touched[i])))
        yield b"".join(out)


def git_env(home):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") and k.lower() not in
           ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.update({"HOME": home, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
                "LC_ALL": "C"})
    return env


def git(*args, env=None, input=None, cwd=None):
    p = subprocess.run(["git", *args], env=env, input=input, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit("bench-git: git %s failed (%d): %s"
                 % (" ".join(args), p.returncode, p.stderr.decode()[-2000:]))
    return p.stdout.decode().strip()


def cached_repo(commits, files, seed, env):
    """Path of the generated bare repository, generating it on first use."""
    key = "c%d-f%d-s%d-v%d" % (commits, files, seed, GEN_VERSION)
    path = os.path.join(CACHE, key + ".git")
    if os.path.exists(os.path.join(path, "bench-git-complete")):
        return path
    os.makedirs(CACHE, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=key + ".new-", dir=CACHE)
    log("generating %d commits over %d files in %s (once)" % (commits, files, path))
    t0 = time.monotonic()
    git("init", "-q", "--bare", "-b", "main", tmp, env=env)
    p = subprocess.Popen(["git", "--git-dir", tmp, "fast-import", "--quiet"], env=env,
                         stdin=subprocess.PIPE)
    for chunk in history(commits, files, seed):
        p.stdin.write(chunk)
    p.stdin.close()
    if p.wait() != 0:
        sys.exit("bench-git: git fast-import failed")
    # what a served repository looks like after the server's own maintenance
    git("--git-dir", tmp, "gc", "-q", "--prune=now", env=env)
    with open(os.path.join(tmp, "bench-git-complete"), "w") as f:
        json.dump({"commits": commits, "files": files, "seed": seed,
                   "version": GEN_VERSION}, f)
    shutil.rmtree(path, ignore_errors=True)
    os.rename(tmp, path)
    log("generated in %.1f s" % (time.monotonic() - t0))
    return path


class ServedRepo:
    """A copy of the generated repository in GIT_REPOS_DIR, to which commits are added."""

    def __init__(self, cache, repos_dir, files, commits, env):
        self.name = "bench-git-%s" % uuid.uuid4().hex[:8]
        self.path = os.path.join(repos_dir, self.name + ".git")
        self.files = files
        self.commits = commits
        self.env = env
        self.added = 0
        shutil.copytree(cache, self.path, symlinks=True)
        os.unlink(os.path.join(self.path, "bench-git-complete"))

    def tip(self):
        return git("--git-dir", self.path, "rev-parse", "refs/heads/main", env=self.env)

    def add_commit(self):
        """One new commit changing one file; returns its id."""
        n = self.added
        self.added += 1
        i = (n * 7919 + 13) % self.files
        path = file_names(i, self.files)[2]
        ident = "Bench Author <author@example.com> %d +0000" % (EPOCH + 3600 * (self.commits + n))
        stream = b"".join([
            b"commit refs/heads/main\n",
            ("author %s\ncommitter %s\n" % (ident, ident)).encode(),
            data_cmd(("%s: new revision %d" % (path, n)).encode()),
            b"from refs/heads/main^0\n",
            b"M 100644 inline %s\n" % path.encode(),
            data_cmd(file_content(i, self.files, 100000 + n)),
        ])
        git("--git-dir", self.path, "fast-import", "--quiet", input=stream, env=self.env)
        return self.tip()

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


# ---------------------------------------------------------------------------------------
# the relay that counts connections and bytes


class Relay:
    """A TCP relay on 127.0.0.1 to 127.0.0.1:target that counts connections and bytes."""

    def __init__(self, target):
        self.target = target
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.cond = threading.Condition()
        self.active = 0
        self._reset()
        threading.Thread(target=self._serve, daemon=True).start()

    def _reset(self):
        self.connections = self.up = self.down = 0
        self.errors = []

    def _serve(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target))
            except OSError as e:
                client.close()
                with self.cond:
                    self.errors.append("connect to port %d: %s" % (self.target, e))
                continue
            with self.cond:
                self.connections += 1
                self.active += 1
            pair = {"open": 2}
            for src, dst, d in ((client, server, "up"), (server, client, "down")):
                threading.Thread(target=self._pump, args=(src, dst, d, pair),
                                 daemon=True).start()

    def _pump(self, src, dst, direction, pair):
        failed = False
        while True:
            try:
                data = src.recv(65536)
            except OSError as e:
                failed = "recv: %s" % e
                break
            if not data:
                break
            try:
                dst.sendall(data)
            except OSError as e:
                failed = "send: %s" % e
                break
            with self.cond:
                setattr(self, direction, getattr(self, direction) + len(data))
        # pass the end on; after an error, tear down both directions
        ends = [(dst, socket.SHUT_WR)]
        if failed:
            with self.cond:
                self.errors.append("%s %s" % (direction, failed))
            ends += [(src, socket.SHUT_RDWR), (dst, socket.SHUT_RDWR)]
        for sock, how in ends:
            try:
                sock.shutdown(how)
            except OSError:
                pass
        with self.cond:
            pair["open"] -= 1
            last = pair["open"] == 0
            if last:
                self.active -= 1
                self.cond.notify_all()
        if last:
            src.close()
            dst.close()

    def take(self):
        """Counts since the last take(), once every relayed connection has closed."""
        time.sleep(0.05)
        with self.cond:
            if not self.cond.wait_for(lambda: self.active == 0, timeout=30):
                log("warning: relay to port %d still has %d open connection(s)"
                    % (self.target, self.active))
            counts = {"connections": self.connections, "bytes_up": self.up,
                      "bytes_down": self.down}
            self._reset()
        return counts

    def close(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() of _serve()
        except OSError:
            pass
        self.listener.close()


# ---------------------------------------------------------------------------------------
# the two tools


class ToolFailed(Exception):
    pass


def run_timed(argv, env, what):
    start = time.monotonic()
    p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    elapsed = time.monotonic() - start
    if p.returncode != 0:
        raise ToolFailed("%s failed (%d):\n%s%s" % (what, p.returncode, p.stdout.decode(),
                                                    p.stderr.decode()[-3000:]))
    return elapsed, p.stdout.decode()


class Transport:
    """One transport (https or ssh) to the served repository: URLs straight to the server
    and through the relay, the driftless configs and the git clone for both tools."""

    def __init__(self, kind, tenv, served, work, driftless, home):
        self.kind = kind
        self.work = os.path.join(work, kind)
        os.makedirs(self.work)
        self.driftless = driftless
        self.env_git = git_env(home)
        self.env_driftless = git_env(home)
        if kind == "https":
            url = tenv["GIT_HTTPS_URL"]
            port = int(url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
            self.relay = Relay(port)
            # mbedTLS matches host names only: the certificate names localhost
            self.url = lambda p: "https://localhost:%d/git/%s.git" % (p, served.name)
            with open(tenv["GIT_HTTPS_TOKEN_FILE"]) as f:
                self.secret = f.read().strip()
            self.auth = {"username": tenv["GIT_HTTPS_USER"],
                         "token_file": tenv["GIT_HTTPS_TOKEN_FILE"],
                         "ca_file": tenv["GIT_CA_FILE"]}
            self.env_git["GIT_SSL_CAINFO"] = tenv["GIT_CA_FILE"]
            helper = ("!f() { test \"$1\" = get || exit 0; echo username=%s; "
                      "echo \"password=$(cat %s)\"; }; f"
                      % (shlex.quote(tenv["GIT_HTTPS_USER"]),
                         shlex.quote(tenv["GIT_HTTPS_TOKEN_FILE"])))
            self.git_config = ["-c", "credential.helper=" + helper]
        else:
            port = int(tenv["GIT_SSH_PORT"])
            self.relay = Relay(port)
            base = tenv["GIT_SSH_URL"]
            prefix = "127.0.0.1:%d" % port
            self.url = lambda p: "%s/%s.git" % (base.replace(prefix, "127.0.0.1:%d" % p),
                                                served.name)
            # the server's host key under its own port and under the relay's
            known = os.path.join(self.work, "known_hosts")
            with open(tenv["GIT_SSH_KNOWN_HOSTS"]) as f:
                lines = [l for l in f.read().splitlines() if l.strip()]
            with open(known, "w") as f:
                for l in lines:
                    f.write(l + "\n")
                    f.write(l.replace("[127.0.0.1]:%d" % port,
                                      "[127.0.0.1]:%d" % self.relay.port) + "\n")
            self.secret = None
            self.auth = {"ssh_key_file": tenv["GIT_SSH_KEY"], "known_hosts_file": known}
            self.env_git["GIT_SSH_COMMAND"] = " ".join([
                "ssh", "-F", "/dev/null", "-i", shlex.quote(tenv["GIT_SSH_KEY"]),
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", "UserKnownHostsFile=" + shlex.quote(known),
                "-o", "StrictHostKeyChecking=yes"])
            self.git_config = []
        self.relay_retries = 0
        self.direct_url = self.url(port)
        self.relay_url = self.url(self.relay.port)
        self.state = os.path.join(self.work, "driftless-state")
        self.clone = os.path.join(self.work, "git-clone.git")
        self.config = {"direct": self.config_file("direct", self.direct_url, self.state),
                       "relay": self.config_file("relay", self.relay_url, self.state)}

    def config_file(self, name, url, state):
        lines = ["source:", "  url: %s" % json.dumps(url), "  branch: main", "  auth:"]
        lines += ["    %s: %s" % (k, json.dumps(v)) for k, v in self.auth.items()]
        lines.append("state_dir: %s" % json.dumps(state))
        path = os.path.join(self.work, "driftless-%s-%s.yaml" % (name, os.path.basename(state)))
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def relayed(self, run, attempts=3):
        """(run(), the relay's counts): run one tool through the relay. A failed run is
        reported and retried (twice at most): the counts are those of a complete run."""
        for attempt in range(attempts):
            try:
                out = run()
                return out, self.relay.take()
            except ToolFailed as e:
                errors = "; ".join(self.relay.errors) or "none"
                self.relay.take()
                msg = "%s(through the relay to port %d; relay errors: %s)" % (
                    e, self.relay.target, errors)
                if attempt == attempts - 1:
                    raise ToolFailed(msg)
                log("warning: %s\nretrying" % msg)
                self.relay_retries += 1

    def check_secret(self, text):
        if self.secret and self.secret in text:
            sys.exit("bench-git: the token appeared in driftless's output")

    # driftless ------------------------------------------------------------------------

    def driftless_fetch(self, config):
        t, out = run_timed([self.driftless, "fetch", "-c", config, "-o", "json"],
                           self.env_driftless, "driftless fetch (%s)" % self.kind)
        self.check_secret(out)
        return t, json.loads(out)

    # git -------------------------------------------------------------------------------

    def git_clone(self, url, dest):
        t, _ = run_timed(["git", *self.git_config, "clone", "-q", "--bare", url, dest],
                         self.env_git, "git clone (%s)" % self.kind)
        return t

    def git_setup(self):
        """The clone's config: the credential helper (HTTPS), and two remotes, origin
        straight to the server and relay through the relay, both updating
        refs/remotes/origin/* as `git fetch origin main` does with the usual fetch refspec
        (a bare clone has none, and would then update only FETCH_HEAD)."""
        g = ["--git-dir", self.clone]
        for i in range(0, len(self.git_config), 2):  # the credential helper, for good
            git(*g, "config", *self.git_config[i + 1].split("=", 1), env=self.env_git)
        git(*g, "config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*",
            env=self.env_git)
        git(*g, "remote", "add", "relay", self.relay_url, env=self.env_git)
        git(*g, "config", "remote.relay.fetch", "+refs/heads/*:refs/remotes/origin/*",
            env=self.env_git)

    def git_fetch(self, remote):
        t, _ = run_timed(["git", "-C", self.clone, "fetch", "-q", remote, "main"],
                         self.env_git, "git fetch (%s)" % self.kind)
        return t

    def git_tip(self):
        return git("--git-dir", self.clone, "rev-parse", "refs/remotes/origin/main",
                   env=self.env_git)


# ---------------------------------------------------------------------------------------
# measurements


def summary(times):
    return {"median": statistics.median(times), "min": min(times), "runs": len(times),
            "seconds": times}


def merge_counts(samples):
    """Median of each count over the relayed runs, with the range when they differ."""
    out = {}
    for k in samples[0]:
        values = sorted(s[k] for s in samples)
        out[k] = statistics.median_low(values)
        if values[0] != values[-1]:
            out[k + "_range"] = [values[0], values[-1]]
    return out


def measure_clone(t, first, failures, tip):
    log("%s: initial clone" % t.kind)
    res = {}
    # through the relay first (also warms the server's page cache), into throwaway places
    scratch_state = os.path.join(t.work, "scratch-state")
    scratch_cfg = t.config_file("relay", t.relay_url, scratch_state)
    for tool in (first, other(first)):
        if tool == "driftless":
            (_, doc), counts = t.relayed(lambda: t.driftless_fetch(scratch_cfg))
            res["driftless"] = dict(counts, objects=doc["objects"], bytes=doc["bytes"])
        else:
            _, res["git"] = t.relayed(
                lambda: t.git_clone(t.relay_url, os.path.join(t.work, "scratch-clone.git")))
    shutil.rmtree(scratch_state)
    shutil.rmtree(os.path.join(t.work, "scratch-clone.git"))
    # timed, straight to the server, into the clones the polls use
    for tool in (other(first), first):
        if tool == "driftless":
            secs, doc = t.driftless_fetch(t.config["direct"])
            res["driftless"]["time"] = summary([secs])
            res["driftless"]["duration_seconds"] = doc["duration_seconds"]
            if doc.get("revision") != tip:
                failures.append("%s clone: driftless is at %s, the server at %s"
                                % (t.kind, doc.get("revision"), tip))
        else:
            res["git"]["time"] = summary([t.git_clone(t.direct_url, t.clone)])
    t.git_setup()
    t.git_fetch("origin")  # creates refs/remotes/origin/main
    if t.git_tip() != tip:
        failures.append("%s clone: git is at %s, the server at %s" % (t.kind, t.git_tip(), tip))
    return res


def other(tool):
    return "git" if tool == "driftless" else "driftless"


def measure_polls(t, served, runs, count_runs, new_commit, failures):
    """No-change polls, or (new_commit) polls that each find one new commit."""
    what = "one new commit" if new_commit else "no-change poll"
    log("%s: %s, %d timed runs of each, %d counted" % (t.kind, what, runs, count_runs))
    tip = served.tip()
    times = {"git": [], "driftless": []}
    inner = []
    for i in range(runs):
        if new_commit:
            tip = served.add_commit()
        for tool in (("driftless", "git") if i % 2 == 0 else ("git", "driftless")):
            if tool == "driftless":
                secs, doc = t.driftless_fetch(t.config["direct"])
                inner.append(doc["duration_seconds"])
                check_driftless(t, doc, tip, new_commit, what, failures)
            else:
                secs = t.git_fetch("origin")
                if t.git_tip() != tip:
                    failures.append("%s %s: git is at %s, the server at %s"
                                    % (t.kind, what, t.git_tip(), tip))
            times[tool].append(secs)
    counts = {"git": [], "driftless": []}
    for i in range(count_runs):
        if new_commit:
            tip = served.add_commit()
        for tool in (("driftless", "git") if i % 2 == 0 else ("git", "driftless")):
            if tool == "driftless":
                (_, doc), c = t.relayed(lambda: t.driftless_fetch(t.config["relay"]))
                check_driftless(t, doc, tip, new_commit, what, failures)
                counts[tool].append(dict(c, objects=doc["objects"], bytes=doc["bytes"]))
            else:
                counts[tool].append(t.relayed(lambda: t.git_fetch("relay"))[1])
    res = {}
    for tool in TOOLS:
        res[tool] = dict(merge_counts(counts[tool]), time=summary(times[tool]))
    res["driftless"]["duration_seconds"] = summary(inner)
    if not new_commit and (res["driftless"]["connections"] != 1 or
                           any(c["connections"] != 1 or c["objects"] or c["bytes"]
                               for c in counts["driftless"])):
        failures.append("%s no-change poll: driftless used %s connection(s) and received "
                        "%s objects, %s bytes (expected 1 connection, nothing received)"
                        % (t.kind, [c["connections"] for c in counts["driftless"]],
                           [c["objects"] for c in counts["driftless"]],
                           [c["bytes"] for c in counts["driftless"]]))
    return res


def check_driftless(t, doc, tip, new_commit, what, failures):
    if doc.get("revision") != tip:
        failures.append("%s %s: driftless is at %s, the server at %s"
                        % (t.kind, what, doc.get("revision"), tip))
    if not new_commit and (doc.get("transferred") or doc.get("objects") or doc.get("bytes")):
        failures.append("%s %s: driftless transferred %s objects, %s bytes"
                        % (t.kind, what, doc.get("objects"), doc.get("bytes")))


# ---------------------------------------------------------------------------------------
# the test environment


def testenv_start():
    """(variables, directory to take down at the end or None)."""
    return benchenv.testenv_start("bench-git", log)



# ---------------------------------------------------------------------------------------
# report


def fmt_time(s):
    return "%.1f ms" % (s * 1000) if s < 1 else "%.2f s" % s


def fmt_bytes(n):
    if n < 10000:
        return "%d B" % n
    if n < 1 << 20:
        return "%.1f KiB" % (n / 1024)
    return "%.1f MiB" % (n / (1 << 20))


def fmt_count(c, key, fmt):
    """The count, or its range over the relayed runs when they differ."""
    if key + "_range" in c:
        lo, hi = (fmt(v) for v in c[key + "_range"])
        unit_lo, unit_hi = lo.rpartition(" ")[2], hi.rpartition(" ")[2]
        if " " in lo and unit_lo == unit_hi:
            return "%s–%s" % (lo.rpartition(" ")[0], hi)
        return "%s–%s" % (lo, hi)
    return fmt(c[key])


OPERATIONS = (("clone", "initial clone"), ("poll", "no-change poll"),
              ("commit", "one new commit"))


def print_table(results):
    print("| transport | operation | git: median / min | driftless: median / min | "
          "speed-up (git/driftless) | connections git / driftless | "
          "bytes sent git / driftless | bytes received git / driftless |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for kind, ops in results.items():
        for op, label in OPERATIONS:
            if op not in ops:
                continue
            g, d = ops[op]["git"], ops[op]["driftless"]
            gt, dt = g["time"], d["time"]

            def both(t):
                return fmt_time(t["median"]) + (" / " + fmt_time(t["min"])
                                                if t["runs"] > 1 else " (1 run)")

            print("| %s | %s | %s | %s | %.2fx | %s / %s | %s / %s | %s / %s |" % (
                kind, label, both(gt), both(dt), gt["median"] / dt["median"],
                fmt_count(g, "connections", str), fmt_count(d, "connections", str),
                fmt_count(g, "bytes_up", fmt_bytes), fmt_count(d, "bytes_up", fmt_bytes),
                fmt_count(g, "bytes_down", fmt_bytes), fmt_count(d, "bytes_down", fmt_bytes)))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15, help="timed runs of each (default 15)")
    ap.add_argument("--count-runs", type=int, default=3,
                    help="runs of each through the counting relay (default 3)")
    ap.add_argument("--commits", type=int, default=10000)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--transports", default="https,ssh")
    ap.add_argument("--driftless", default=os.environ.get("DRIFTLESS_BIN") or
                    os.path.join(REPO, "build", "driftless"))
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--keep", action="store_true",
                    help="keep the clones and the served repository (their paths are printed)")
    args = ap.parse_args()
    transports = [t for t in args.transports.split(",") if t]
    if any(t not in ("https", "ssh") for t in transports) or not transports:
        sys.exit("bench-git: --transports takes https, ssh or both")
    if args.runs < 1 or args.count_runs < 1 or args.commits < 1 or args.files < 1:
        sys.exit("bench-git: --runs, --count-runs, --commits and --files must be positive")
    if not os.access(args.driftless, os.X_OK):
        sys.exit("bench-git: %s is missing or not executable: build it first "
                 "(make build/driftless) or set DRIFTLESS_BIN" % args.driftless)
    args.driftless = os.path.abspath(args.driftless)

    work = tempfile.mkdtemp(prefix="driftless-bench-git-")
    home = os.path.join(work, "home")
    os.makedirs(home)
    env = git_env(home)
    cache = cached_repo(args.commits, args.files, args.seed, env)
    tenv, own_testenv = testenv_start()
    served = None
    failures = []
    results = {}
    try:
        served = ServedRepo(cache, tenv["GIT_REPOS_DIR"], args.files, args.commits, env)
        versions = {
            "git": git("--version", env=env),
            "driftless": subprocess.run([args.driftless, "version"], stdout=subprocess.PIPE,
                                        text=True).stdout.strip().splitlines(),
        }
        log("driftless %s; %s; serving %s" % (args.driftless, versions["git"], served.path))
        for n, kind in enumerate(transports):
            t = Transport(kind, tenv, served, work, args.driftless, home)
            try:
                first = "driftless" if n % 2 == 0 else "git"
                ops = {"clone": measure_clone(t, first, failures, served.tip())}
                ops["poll"] = measure_polls(t, served, args.runs, args.count_runs, False,
                                            failures)
                ops["commit"] = measure_polls(t, served, args.runs, args.count_runs, True,
                                              failures)
                ops["relay_retries"] = t.relay_retries
                results[kind] = ops
            finally:
                t.relay.close()
    finally:
        if args.keep:
            log("kept %s and %s" % (work, served.path if served else "(nothing served)"))
        else:
            if served:
                served.remove()
            shutil.rmtree(work, ignore_errors=True)
        if own_testenv:
            benchenv.testenv("down", "--dir", own_testenv, timeout=120)

    print_table(results)
    print()
    print("repository: %d commits, %d files; %d timed runs of each (alternating which goes "
          "first), counts from %d relayed runs; times straight to the server"
          % (args.commits, args.files, args.runs, args.count_runs))
    for kind, ops in results.items():
        d = ops["poll"]["driftless"]
        print("%s: driftless no-change poll: %s connection(s), %d objects, %d object bytes; "
              "its own fetch (duration_seconds) %s of %s wall"
              % (kind, fmt_count(d, "connections", str), d["objects"], d["bytes"],
                 fmt_time(d["duration_seconds"]["median"]), fmt_time(d["time"]["median"])))
        if ops["relay_retries"]:
            print("%s: %d relayed run(s) failed and were repeated (see the warnings above)"
                  % (kind, ops["relay_retries"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"commits": args.commits, "files": args.files, "seed": args.seed,
                       "runs": args.runs, "count_runs": args.count_runs,
                       "versions": versions, "results": results,
                       "failures": failures}, f, indent=2)
            f.write("\n")
    for msg in failures:
        print("CHECK FAILED: " + msg)
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except ToolFailed as e:
        sys.exit("bench-git: %s" % e)
