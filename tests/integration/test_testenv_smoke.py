"""The services of scripts/testenv are the real thing: each test stores something in one of
them and reads it back, and checks that what should be refused is refused. Every test
removes what it created."""

import ctypes
import http.server
import json
import os
import shutil
import signal
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import boto3
import pytest


_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_pytest():
    """In the child: get SIGKILL when pytest goes, so a killed run leaves no kubectl or git
    behind (a `kubectl delete --wait` left running would also hold the apiserver's
    shutdown)."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def run(argv, env, check=True, timeout=120, input=None, cwd=None):
    p = subprocess.run(argv, env=env, cwd=cwd, input=input, capture_output=True, text=True,
                       timeout=timeout, preexec_fn=_die_with_pytest)
    if check and p.returncode != 0:
        pytest.fail("%s exited %d:\nstdout: %s\nstderr: %s"
                    % (" ".join(argv), p.returncode, p.stdout, p.stderr))
    return p


def wait_until(what, fn, timeout=120.0, interval=0.5):
    """Call fn until it returns something truthy; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = fn()
        except Exception as exc:  # noqa: BLE001 - keep polling, report the last error
            last = exc
            if not isinstance(exc, (AssertionError, OSError, ValueError, KeyError,
                                    subprocess.SubprocessError)):
                raise
        else:
            if last:
                return last
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for %s (last: %r)" % (what, last))
        time.sleep(interval)


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def kubectl(env, *args, **kw):
    return run([env["KUBECTL"], *args], env, **kw)


def kget(env, *args):
    return json.loads(kubectl(env, "get", "-o", "json", *args).stdout)


# --------------------------------------------------------------------------------------
# Kubernetes


def test_deployment_rolls_out_on_kwok_nodes(testenv_environ):
    env = testenv_environ
    ns = unique("smoke")
    manifest = {
        "apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
            {"apiVersion": "apps/v1", "kind": "Deployment",
             "metadata": {"name": "web", "namespace": ns},
             "spec": {
                 "replicas": 2,
                 "selector": {"matchLabels": {"app": "web"}},
                 "template": {
                     "metadata": {"labels": {"app": "web"}},
                     "spec": {"containers": [
                         {"name": "web", "image": "registry.invalid/web:1"}]}}}},
        ]}
    kubectl(env, "apply", "-f", "-", input=json.dumps(manifest))
    try:
        def available():
            d = kget(env, "-n", ns, "deployment", "web")
            st = d.get("status", {})
            conds = {c["type"]: c["status"] for c in st.get("conditions", [])}
            return (st.get("availableReplicas") == 2 and st.get("readyReplicas") == 2
                    and conds.get("Available") == "True") and d
        dep = wait_until("deployment web to be Available", available)
        assert dep["status"]["observedGeneration"] == dep["metadata"]["generation"]

        rs = kget(env, "-n", ns, "replicasets", "-l", "app=web")["items"]
        assert len(rs) == 1
        assert rs[0]["metadata"]["ownerReferences"][0]["name"] == "web"
        assert rs[0]["status"]["readyReplicas"] == 2

        nodes = {n["metadata"]["name"] for n in kget(env, "nodes")["items"]}
        pods = kget(env, "-n", ns, "pods", "-l", "app=web")["items"]
        assert len(pods) == 2
        for pod in pods:
            assert pod["status"]["phase"] == "Running"
            ready = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
            assert ready["Ready"] == "True"
            assert pod["spec"]["nodeName"] in nodes
            assert pod["metadata"]["ownerReferences"][0]["name"] == rs[0]["metadata"]["name"]
    finally:
        kubectl(env, "delete", "namespace", ns, "--wait=true", "--timeout=120s", timeout=180)
    gone = kubectl(env, "get", "namespace", ns, check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr


def _deployment(ns, name, image, **spec):
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns},
            "spec": dict({
                "replicas": 1,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": name, "image": image}]}}}, **spec)}


def _conditions(obj):
    return {c["type"]: c for c in obj.get("status", {}).get("conditions", [])}


def test_image_that_cannot_be_pulled_never_becomes_ready(testenv_environ):
    """kwok's Stages in scripts/testenv: a pod whose image contains "does-not-exist" stays
    Pending in ImagePullBackOff, so its Deployment exceeds its progress deadline, while a
    good image beside it becomes available."""
    env = testenv_environ
    ns = unique("smoke-badimage")
    manifest = {
        "apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
            _deployment(ns, "good", "registry.invalid/app:1", progressDeadlineSeconds=10),
            _deployment(ns, "broken", "registry.invalid/app:does-not-exist",
                        progressDeadlineSeconds=10),
        ]}
    kubectl(env, "apply", "-f", "-", input=json.dumps(manifest))
    try:
        def available():
            d = kget(env, "-n", ns, "deployment", "good")
            st = d.get("status", {})
            return (st.get("availableReplicas") == 1
                    and _conditions(d).get("Available", {}).get("status") == "True")
        wait_until("deployment good to be Available", available, timeout=60)

        def deadline_exceeded():
            d = kget(env, "-n", ns, "deployment", "broken")
            prog = _conditions(d).get("Progressing", {})
            return (prog.get("status") == "False"
                    and prog.get("reason") == "ProgressDeadlineExceeded") and d
        broken = wait_until("deployment broken to exceed its progress deadline",
                            deadline_exceeded, timeout=90)
        assert not broken["status"].get("availableReplicas")
        assert not broken["status"].get("readyReplicas")
        assert _conditions(broken)["Available"]["status"] == "False"

        # after the deadline the pod is still where kwok left it: scheduled, Pending,
        # waiting for its image, not Ready
        pods = kget(env, "-n", ns, "pods", "-l", "app=broken")["items"]
        assert len(pods) == 1
        pod = pods[0]
        assert pod["spec"]["nodeName"]
        assert pod["status"]["phase"] == "Pending"
        assert _conditions(pod)["Ready"]["status"] == "False"
        (cs,) = pod["status"]["containerStatuses"]
        assert cs["ready"] is False
        assert cs["image"] == "registry.invalid/app:does-not-exist"
        assert cs["state"]["waiting"]["reason"] in ("ImagePullBackOff", "ErrImagePull")

        # the good pod is untouched by the bad image's stage
        (good,) = kget(env, "-n", ns, "pods", "-l", "app=good")["items"]
        assert good["status"]["phase"] == "Running"
        assert _conditions(good)["Ready"]["status"] == "True"
        assert "running" in good["status"]["containerStatuses"][0]["state"]
    finally:
        kubectl(env, "delete", "namespace", ns, "--wait=true", "--timeout=120s", timeout=180)
    gone = kubectl(env, "get", "namespace", ns, check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr


def test_crd_established_and_custom_object_stored(testenv_environ):
    env = testenv_environ
    group = "%s.driftless.test" % unique("smoke")
    crd_name = "widgets." + group
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": crd_name},
        "spec": {
            "group": group, "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{
                "name": "v1", "served": True, "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "size": {"type": "integer"},
                        "colour": {"type": "string"}}}}}}}]}}
    kubectl(env, "apply", "-f", "-", input=json.dumps(crd))
    try:
        def established():
            c = kget(env, "crd", crd_name)
            conds = {x["type"]: x["status"] for x in c.get("status", {}).get("conditions", [])}
            return conds.get("Established") == "True"
        wait_until("CRD %s to be Established" % crd_name, established)

        obj = {"apiVersion": group + "/v1", "kind": "Widget",
               "metadata": {"name": "w1", "namespace": "default"},
               "spec": {"size": 3, "colour": "teal"}}
        # discovery of the new group may lag Established by a moment
        wait_until("custom object to be created",
                   lambda: kubectl(env, "apply", "-f", "-", input=json.dumps(obj),
                                   check=False).returncode == 0)
        got = kget(env, "-n", "default", "widgets." + group, "w1")
        assert got["spec"] == {"size": 3, "colour": "teal"}
        assert got["metadata"]["uid"]
        # the schema is enforced by the real apiserver
        bad = dict(obj, metadata={"name": "w2", "namespace": "default"},
                   spec={"size": "large"})
        p = kubectl(env, "apply", "-f", "-", input=json.dumps(bad), check=False)
        assert p.returncode != 0 and "size" in p.stderr
        kubectl(env, "delete", "-n", "default", "widgets." + group, "w1")
    finally:
        kubectl(env, "delete", "crd", crd_name, "--wait=true", "--timeout=60s", timeout=90)


def _empty_kubeconfig(tmp_path):
    p = tmp_path / "empty-kubeconfig"
    p.write_text("")
    return str(p)


def test_static_token_authenticates_and_wrong_token_is_refused(testenv, testenv_environ,
                                                               tmp_path):
    env = dict(testenv_environ, KUBECONFIG=_empty_kubeconfig(tmp_path))
    with open(testenv["KUBE_TOKEN_FILE"]) as f:
        token = f.read().strip()
    base = ["--server", testenv["KUBE_APISERVER_URL"],
            "--certificate-authority", testenv["KUBE_CA_FILE"]]

    who = json.loads(kubectl(env, *base, "--token", token, "auth", "whoami", "-o", "json").stdout)
    assert who["status"]["userInfo"]["username"] == "driftless-token-user"
    assert "system:masters" in who["status"]["userInfo"]["groups"]
    ns = kget(env, *base, "--token", token, "namespace", "default")
    assert ns["metadata"]["name"] == "default"

    bad = kubectl(env, *base, "--token", "not-" + token, "get", "namespace", "default",
                  check=False)
    assert bad.returncode != 0 and "Unauthorized" in bad.stderr

    ctx = ssl.create_default_context(cafile=testenv["KUBE_CA_FILE"])
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=ctx))
    url = testenv["KUBE_APISERVER_URL"] + "/api/v1/namespaces/default"
    for tok, want in ((token, 200), ("wrong", 401)):
        req = urllib.request.Request(url, headers={"Authorization": "Bearer " + tok})
        try:
            with opener.open(req, timeout=10) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
        assert status == want


# --------------------------------------------------------------------------------------
# moto


def _aws(testenv, service):
    return boto3.client(service, endpoint_url=testenv["AWS_ENDPOINT_URL"],
                        region_name=testenv["AWS_REGION"],
                        aws_access_key_id=testenv["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=testenv["AWS_SECRET_ACCESS_KEY"])


def test_moto_rds_create_and_describe(testenv):
    rds = _aws(testenv, "rds")
    ident = unique("smoke-db")
    rds.create_db_instance(DBInstanceIdentifier=ident, Engine="postgres",
                           DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                           MasterUsername="driftless", MasterUserPassword="not-a-secret-1",
                           Tags=[{"Key": "owner", "Value": "smoke"}])
    try:
        got = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"]
        assert len(got) == 1
        db = got[0]
        assert db["DBInstanceIdentifier"] == ident
        assert db["Engine"] == "postgres"
        assert db["DBInstanceClass"] == "db.t3.micro"
        assert db["AllocatedStorage"] == 20
        assert {"Key": "owner", "Value": "smoke"} in db.get("TagList", [])
        assert ident in [d["DBInstanceIdentifier"]
                         for d in rds.describe_db_instances()["DBInstances"]]
    finally:
        rds.delete_db_instance(DBInstanceIdentifier=ident, SkipFinalSnapshot=True)
    with pytest.raises(rds.exceptions.DBInstanceNotFoundFault):
        rds.describe_db_instances(DBInstanceIdentifier=ident)


def test_moto_sts_caller_identity(testenv):
    ident = _aws(testenv, "sts").get_caller_identity()
    assert ident["Account"].isdigit() and ident["Arn"].startswith("arn:aws:")


# --------------------------------------------------------------------------------------
# Prometheus


def _prom_query(testenv, q):
    url = testenv["PROMETHEUS_URL"] + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as r:
        body = json.load(r)
    assert body["status"] == "success"
    return body["data"]["result"]


def test_prometheus_self_scrape(testenv):
    def up():
        res = _prom_query(testenv, 'up{job="prometheus"}')
        return res and res[0]["value"][1] == "1"
    wait_until("Prometheus to scrape itself", up, timeout=60)


class _Metrics(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802
        if self.path != "/metrics":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_prometheus_scrapes_target_from_targets_dir(testenv):
    marker = uuid.uuid4().hex[:8]
    handler = type("Handler", (_Metrics,), {
        "body": ("# TYPE driftless_smoke_value gauge\n"
                 'driftless_smoke_value{marker="%s"} 42\n' % marker).encode()})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    target_file = os.path.join(testenv["PROMETHEUS_TARGETS_DIR"], "smoke-%s.json" % marker)
    try:
        tmp = target_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump([{"targets": ["127.0.0.1:%d" % server.server_port],
                        "labels": {"smoke": marker}}], f)
        os.rename(tmp, target_file)

        def scraped():
            res = _prom_query(testenv, 'driftless_smoke_value{job="file",smoke="%s"}' % marker)
            return res and res[0]["value"][1] == "42" and res[0]["metric"]["marker"] == marker
        wait_until("Prometheus to scrape the file_sd target", scraped, timeout=60)
    finally:
        if os.path.exists(target_file):
            os.unlink(target_file)
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------------------
# git


@pytest.fixture
def git_env(testenv_environ, tmp_path):
    """Environment for git commands, cut off from the user's and system configuration."""
    home = tmp_path / "home"
    home.mkdir()
    env = dict(testenv_environ)
    for k in list(env):
        if k.startswith("GIT_") and k not in (
                "GIT_REPOS_DIR", "GIT_HTTPS_URL", "GIT_HTTPS_USER", "GIT_HTTPS_TOKEN_FILE",
                "GIT_CA_FILE", "GIT_SSH_URL", "GIT_SSH_KEY", "GIT_SSH_KNOWN_HOSTS",
                "GIT_SSH_USER", "GIT_SSH_PORT"):
            del env[k]
    env.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null",
               GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="/bin/false", SSH_ASKPASS="/bin/false",
               GIT_AUTHOR_NAME="Smoke Test", GIT_AUTHOR_EMAIL="smoke@driftless.test",
               GIT_COMMITTER_NAME="Smoke Test", GIT_COMMITTER_EMAIL="smoke@driftless.test")
    return env


@pytest.fixture
def bare_repo(testenv):
    name = unique("smoke") + ".git"
    path = os.path.join(testenv["GIT_REPOS_DIR"], name)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", path], check=True,
                   env=dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null"))
    yield name, path
    shutil.rmtree(path, ignore_errors=True)


def _push_and_clone_back(env, url, bare_path, tmp_path, extra=()):
    """Clone the empty repository, push one commit, clone it again and compare."""
    work = str(tmp_path / "work")
    run(["git", *extra, "clone", "-q", url, work], env)
    content = "hello %s\n" % uuid.uuid4().hex
    with open(os.path.join(work, "README"), "w") as f:
        f.write(content)
    run(["git", "-C", work, "add", "README"], env)
    run(["git", "-C", work, "commit", "-q", "-m", "smoke"], env)
    run(["git", "-C", work, *extra, "push", "-q", "origin", "HEAD:refs/heads/main"], env)
    head = run(["git", "-C", work, "rev-parse", "HEAD"], env).stdout.strip()
    # the server's bare repository holds the pushed commit
    assert run(["git", "--git-dir", bare_path, "rev-parse", "refs/heads/main"],
               env).stdout.strip() == head
    back = str(tmp_path / "back")
    run(["git", *extra, "clone", "-q", "-b", "main", url, back], env)
    assert run(["git", "-C", back, "rev-parse", "HEAD"], env).stdout.strip() == head
    with open(os.path.join(back, "README")) as f:
        assert f.read() == content


def test_git_https_push_and_clone_with_token(testenv, git_env, bare_repo, tmp_path):
    name, path = bare_repo
    with open(testenv["GIT_HTTPS_TOKEN_FILE"]) as f:
        token = f.read().strip()
    base = urllib.parse.urlsplit(testenv["GIT_HTTPS_URL"])
    assert base.scheme == "https"

    def url(user=None, password=None):
        netloc = base.netloc
        if user:
            netloc = "%s:%s@%s" % (user, password, netloc)
        return urllib.parse.urlunsplit((base.scheme, netloc, base.path + "/" + name, "", ""))

    ca = ("-c", "http.sslCAInfo=" + testenv["GIT_CA_FILE"])
    _push_and_clone_back(git_env, url(testenv["GIT_HTTPS_USER"], token), path, tmp_path, ca)

    for bad_url in (url(), url(testenv["GIT_HTTPS_USER"], "wrong-" + token)):
        p = run(["git", *ca, "clone", "-q", bad_url, str(tmp_path / "denied")], git_env,
                check=False)
        assert p.returncode != 0
        assert "401" in p.stderr or "Authentication failed" in p.stderr or \
            "could not read Username" in p.stderr, p.stderr
        assert not (tmp_path / "denied").exists()
    # TLS is checked against the environment's CA: without it the server is not trusted
    p = run(["git", "clone", "-q", url(testenv["GIT_HTTPS_USER"], token),
             str(tmp_path / "untrusted")], git_env, check=False)
    assert p.returncode != 0 and "certificate" in p.stderr.lower(), p.stderr


def _ssh_command(key, known_hosts):
    return ("ssh -F /dev/null -i %s -o IdentitiesOnly=yes -o UserKnownHostsFile=%s "
            "-o StrictHostKeyChecking=yes -o BatchMode=yes" % (key, known_hosts))


def test_git_ssh_push_and_clone_with_key(testenv, git_env, bare_repo, tmp_path):
    name, path = bare_repo
    url = testenv["GIT_SSH_URL"] + "/" + name
    env = dict(git_env, GIT_SSH_COMMAND=_ssh_command(testenv["GIT_SSH_KEY"],
                                                     testenv["GIT_SSH_KNOWN_HOSTS"]))
    _push_and_clone_back(env, url, path, tmp_path)

    # the key runs git and nothing else
    p = run(["ssh", "-F", "/dev/null", "-i", testenv["GIT_SSH_KEY"], "-o", "IdentitiesOnly=yes",
             "-o", "UserKnownHostsFile=" + testenv["GIT_SSH_KNOWN_HOSTS"],
             "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
             "-p", testenv["GIT_SSH_PORT"],
             "%s@127.0.0.1" % testenv["GIT_SSH_USER"], "touch", str(tmp_path / "pwned")],
            git_env, check=False)
    assert p.returncode != 0
    assert not (tmp_path / "pwned").exists()

    # another key is refused
    other = str(tmp_path / "other_ed25519")
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other], git_env)
    env_other = dict(git_env, GIT_SSH_COMMAND=_ssh_command(other, testenv["GIT_SSH_KNOWN_HOSTS"]))
    p = run(["git", "clone", "-q", url, str(tmp_path / "denied")], env_other, check=False)
    assert p.returncode != 0 and "Permission denied" in p.stderr, p.stderr

    # and a host key that is not the known one is refused too
    wrong_hosts = tmp_path / "wrong_known_hosts"
    with open(other + ".pub") as f:
        wrong_hosts.write_text("[127.0.0.1]:%s %s\n" % (
            testenv["GIT_SSH_PORT"], " ".join(f.read().split()[:2])))
    env_wrong = dict(git_env, GIT_SSH_COMMAND=_ssh_command(testenv["GIT_SSH_KEY"],
                                                           str(wrong_hosts)))
    p = run(["git", "clone", "-q", url, str(tmp_path / "spoofed")], env_wrong, check=False)
    assert p.returncode != 0 and "HOST IDENTIFICATION HAS CHANGED" in p.stderr, p.stderr
