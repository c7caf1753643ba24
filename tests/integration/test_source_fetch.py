"""driftless fetch against the test environment's git servers (HTTPS and SSH)."""

import glob
import shutil
import json
import os
import socket
import subprocess
import threading
import time

import pytest

from gitutil import Repo, configmap_app, git


def write_config(tmp_path, source, name="driftless.yaml"):
    """A config file with the given source mapping (a dict, written as YAML by hand)."""
    lines = ["source:"]
    for key, value in source.items():
        if isinstance(value, dict):
            lines.append("  %s:" % key)
            lines += ["    %s: %s" % (k, json.dumps(v)) for k, v in value.items()]
        else:
            lines.append("  %s: %s" % (key, json.dumps(value)))
    lines.append("state_dir: %s" % (tmp_path / "state"))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def https_source(testenv, repo, **extra):
    src = {"url": repo.https_url, "branch": "main",
           "auth": {"username": testenv["GIT_HTTPS_USER"],
                    "token_file": testenv["GIT_HTTPS_TOKEN_FILE"],
                    "ca_file": testenv["GIT_CA_FILE"]}}
    src.update(extra)
    return src


def ssh_source(testenv, repo, **auth):
    a = {"ssh_key_file": testenv["GIT_SSH_KEY"],
         "known_hosts_file": testenv["GIT_SSH_KNOWN_HOSTS"]}
    a.update(auth)
    return {"url": repo.ssh_url, "branch": "main", "auth": a}


def fetch(driftless_bin, env, config, testenv=None):
    p = subprocess.run([driftless_bin, "fetch", "-c", config, "--output", "json"],
                       capture_output=True, text=True, env=env, timeout=120)
    if testenv:
        token = open(testenv["GIT_HTTPS_TOKEN_FILE"]).read().strip()
        assert token not in p.stdout + p.stderr, "the token leaked into the output"
    doc = json.loads(p.stdout) if p.stdout.strip() else None
    return p.returncode, doc, p.stderr


def clone_is_sound(tmp_path):
    repo = str(tmp_path / "state" / "repo.git")
    git("fsck", "--no-dangling", cwd=repo)
    return repo


@pytest.mark.parametrize("transport", ["https", "ssh"])
def test_clone_then_incremental_fetch(driftless_bin, testenv, testenv_environ, tmp_path,
                                      transport):
    repo = Repo(testenv, tmp_path, "fetch-" + transport)
    configmap_app(repo, "one")
    first = repo.commit("one")
    repo.push()
    src = https_source(testenv, repo) if transport == "https" else ssh_source(testenv, repo)
    config = write_config(tmp_path, src)

    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 0, err
    assert doc["revision"] == first and doc["previous"] is None
    assert doc["transferred"] and doc["objects"] > 0 and doc["changed"]

    # nothing new: no transfer at all
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 0, err
    assert doc["revision"] == first and not doc["changed"]
    assert not doc["transferred"] and doc["objects"] == 0 and doc["bytes"] == 0

    configmap_app(repo, "two")
    second = repo.commit("two")
    repo.push()
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 0, err
    assert doc["previous"] == first and doc["revision"] == second
    # only the new commit's objects: commit, two trees, one blob
    assert doc["transferred"] and 0 < doc["objects"] <= 4
    clone = clone_is_sound(tmp_path)
    assert git("rev-parse", "refs/driftless/current", cwd=clone) == second
    # a bare clone: no work tree, nothing checked out
    assert not os.path.exists(os.path.join(clone, "app"))


def test_packs_stay_few(driftless_bin, testenv, testenv_environ, tmp_path):
    """One pack per fetch would pile up in a daemon: they are consolidated, losing nothing."""
    repo = Repo(testenv, tmp_path, "packs")
    config = write_config(tmp_path, https_source(testenv, repo, allow_force_push=True))
    revs = []
    for i in range(24):
        configmap_app(repo, "v%d" % i)
        revs.append(repo.commit("v%d" % i))
        repo.push()
        rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
        assert rc == 0 and doc["revision"] == revs[-1], (i, doc, err)
    # a rewritten branch leaves earlier revisions unreachable: still kept (rollback)
    git("reset", "-q", "--hard", revs[0], cwd=repo.work)
    configmap_app(repo, "rewritten")
    rewritten = repo.commit("rewritten")
    repo.push("--force")
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 0 and doc["revision"] == rewritten, doc
    clone = clone_is_sound(tmp_path)
    packs = glob.glob(os.path.join(clone, "objects", "pack", "*.pack"))
    assert len(packs) <= 18, packs
    for rev in revs:
        git("cat-file", "-e", rev + "^{tree}", cwd=clone)
        git("ls-tree", "-r", rev, cwd=clone)
    # and the next poll still works, after the replaced packs are gone
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 0 and doc["revision"] == rewritten
    assert not os.path.exists(os.path.join(clone, "driftless-stale-packs"))
    clone_is_sound(tmp_path)


def test_wrong_token_is_rejected(driftless_bin, testenv, testenv_environ, tmp_path):
    repo = Repo(testenv, tmp_path, "wrong-token")
    configmap_app(repo, "one")
    repo.commit("one")
    repo.push()
    bad = tmp_path / "bad-token"
    bad.write_text("not-the-token\n")
    src = https_source(testenv, repo)
    src["auth"]["token_file"] = str(bad)
    rc, doc, err = fetch(driftless_bin, testenv_environ, write_config(tmp_path, src), testenv)
    assert rc == 2
    assert "Authentication failed" in doc["error"], doc
    assert doc["attempts"] == 1, "an authentication failure is not retried"
    assert "not-the-token" not in json.dumps(doc) + err
    assert doc["revision"] is None


def test_ssh_key_with_passphrase(driftless_bin, testenv, testenv_environ, tmp_path):
    repo = Repo(testenv, tmp_path, "passphrase")
    first = repo.commit("one")
    repo.push()
    # the server's authorised key, encrypted with a passphrase
    key = str(tmp_path / "id_ed25519")
    with open(testenv["GIT_SSH_KEY"]) as src, open(key, "w") as dst:
        dst.write(src.read())
    os.chmod(key, 0o600)
    subprocess.run(["ssh-keygen", "-q", "-p", "-f", key, "-N", "correct horse"], check=True)
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse\n")
    config = write_config(tmp_path, ssh_source(testenv, repo, ssh_key_file=key,
                                               ssh_passphrase_file=str(passphrase)))
    rc, doc, err = fetch(driftless_bin, testenv_environ, config)
    assert rc == 0, doc
    assert doc["revision"] == first
    assert "correct horse" not in json.dumps(doc) + err

    passphrase.write_text("wrong\n")
    rc, doc, err = fetch(driftless_bin, testenv_environ, config)
    assert rc == 2 and "Wrong passphrase" in doc["error"], doc
    assert doc["attempts"] == 1, "a wrong passphrase is not retried"
    assert "wrong" not in doc["error"].replace("wrong key", "")


def test_token_in_url_never_shown(driftless_bin, testenv, testenv_environ, tmp_path):
    repo = Repo(testenv, tmp_path, "token-in-url")
    repo.commit("one")
    repo.push()
    url = repo.https_url.replace("https://", "https://tok3n-in-the-url@")
    config = write_config(tmp_path, {"url": url, "retries": 0,
                                     "auth": {"ca_file": testenv["GIT_CA_FILE"]}})
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 2
    assert "tok3n-in-the-url" not in json.dumps(doc) + err
    assert "https://***@localhost" in doc["error"] and doc["url"].startswith("https://***@")
    with open(tmp_path / "state" / "source.json") as f:
        assert "tok3n-in-the-url" not in f.read()


def test_wrong_ssh_key_is_rejected(driftless_bin, testenv, testenv_environ, tmp_path):
    repo = Repo(testenv, tmp_path, "wrong-key")
    repo.commit("one")
    repo.push()
    key = str(tmp_path / "other_key")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    config = write_config(tmp_path, ssh_source(testenv, repo, ssh_key_file=key))
    rc, doc, err = fetch(driftless_bin, testenv_environ, config)
    assert rc == 2
    assert "Authentication failed" in doc["error"] and "refused the key" in doc["error"]
    assert doc["attempts"] == 1


def host_fingerprint(testenv):
    pub = os.path.join(os.path.dirname(testenv["GIT_SSH_KEY"]), "ssh_host_ed25519_key.pub")
    out = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", pub], check=True,
                         capture_output=True, text=True).stdout
    return out.split()[1]


def test_unknown_host_key_is_refused(driftless_bin, testenv, testenv_environ, tmp_path):
    repo = Repo(testenv, tmp_path, "unknown-host")
    repo.commit("one")
    repo.push()
    empty = tmp_path / "known_hosts"
    # another host's entry only
    empty.write_text("git.example.com ssh-ed25519 "
                     "AAAAC3NzaC1lZDI1NTE5AAAAIOpeJwh4RsaA1R51oeTpGrkrLOZ/bWpAduYxJS6Aw8ek\n")
    config = write_config(tmp_path, ssh_source(testenv, repo, known_hosts_file=str(empty)))
    rc, doc, err = fetch(driftless_bin, testenv_environ, config)
    assert rc == 2
    port = testenv["GIT_SSH_PORT"]
    assert "[127.0.0.1]:%s is not in" % port in doc["error"], doc
    assert host_fingerprint(testenv) in doc["error"]
    assert doc["attempts"] == 1


def test_changed_host_key_is_refused(driftless_bin, testenv, testenv_environ, tmp_path):
    repo = Repo(testenv, tmp_path, "changed-host")
    repo.commit("one")
    repo.push()
    other = str(tmp_path / "other_host_key")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other], check=True)
    kh = tmp_path / "known_hosts"
    kh.write_text("[127.0.0.1]:%s %s" % (testenv["GIT_SSH_PORT"], open(other + ".pub").read()))
    config = write_config(tmp_path, ssh_source(testenv, repo, known_hosts_file=str(kh)))
    rc, doc, err = fetch(driftless_bin, testenv_environ, config)
    assert rc == 2
    assert "has CHANGED" in doc["error"] and host_fingerprint(testenv) in doc["error"], doc

    # the right key marked @revoked is refused too, even when another line lists it
    known = open(testenv["GIT_SSH_KNOWN_HOSTS"]).read().strip() + "\n"
    kh.write_text(known + "@revoked " + known)
    rc, doc, err = fetch(driftless_bin, testenv_environ, config)
    assert rc == 2 and "@revoked" in doc["error"], doc


def test_server_with_several_host_keys(driftless_bin, testenv, testenv_environ, tmp_path,
                                       spawn):
    """A server with an ECDSA and an Ed25519 key, known_hosts listing only the Ed25519 one
    (as users copy GitHub's): driftless must ask for that one, not call the other changed."""
    repo = Repo(testenv, tmp_path, "two-host-keys")
    first = repo.commit("one")
    repo.push()
    keys = {}
    for kind in ("ecdsa", "ed25519"):
        keys[kind] = str(tmp_path / ("host_" + kind))
        subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", keys[kind]], check=True)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    base = os.path.join(testenv["DRIFTLESS_TESTENV_DIR"], "ssh", "sshd_config")
    lines = []
    for line in open(base):
        if line.startswith("Port "):
            line = "Port %d\n" % port
        elif line.startswith("HostKey "):
            line = "HostKey %s\nHostKey %s\n" % (keys["ecdsa"], keys["ed25519"])
        elif line.startswith("PidFile "):
            line = "PidFile %s\n" % (tmp_path / "sshd.pid")
        lines.append(line)
    cfg = tmp_path / "sshd_config"
    cfg.write_text("".join(lines))
    spawn(["/usr/sbin/sshd", "-D", "-e", "-f", str(cfg)], stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    kh = tmp_path / "known_hosts"
    kh.write_text("[127.0.0.1]:%d %s" % (port, open(keys["ed25519"] + ".pub").read()))
    src = ssh_source(testenv, repo, known_hosts_file=str(kh))
    src["url"] = repo.ssh_url.replace(":%s/" % testenv["GIT_SSH_PORT"], ":%d/" % port)
    rc, doc, err = fetch(driftless_bin, testenv_environ, write_config(tmp_path, src))
    assert rc == 0, doc
    assert doc["revision"] == first
    # its private HOME for libgit2 is gone
    tmp = testenv_environ.get("TMPDIR", "/tmp")
    assert not [n for n in os.listdir(tmp) if n.startswith("driftless-ssh-")]


def test_hashed_known_hosts_entry(driftless_bin, testenv, testenv_environ, tmp_path):
    repo = Repo(testenv, tmp_path, "hashed-host")
    first = repo.commit("one")
    repo.push()
    kh = tmp_path / "known_hosts"
    kh.write_text(open(testenv["GIT_SSH_KNOWN_HOSTS"]).read() + "\n")
    subprocess.run(["ssh-keygen", "-H", "-f", str(kh)], check=True, capture_output=True)
    assert "|1|" in kh.read_text()
    config = write_config(tmp_path, ssh_source(testenv, repo, known_hosts_file=str(kh)))
    rc, doc, err = fetch(driftless_bin, testenv_environ, config)
    assert rc == 0, doc
    assert doc["revision"] == first


def test_force_push_refused_then_accepted_by_config(driftless_bin, testenv, testenv_environ,
                                                    tmp_path):
    repo = Repo(testenv, tmp_path, "force-push")
    configmap_app(repo, "one")
    repo.commit("one")
    configmap_app(repo, "two")
    two = repo.commit("two")
    repo.push()
    config = write_config(tmp_path, https_source(testenv, repo))
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 0 and doc["revision"] == two

    git("reset", "-q", "--hard", "HEAD~1", cwd=repo.work)
    configmap_app(repo, "rewritten")
    rewritten = repo.commit("rewritten")
    repo.push("--force")
    for _ in range(2):  # refused every time, not only the first
        rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
        assert rc == 2
        assert "force push" in doc["error"], doc
        assert doc["revision"] == two and doc["remote"] == rewritten
    clone = clone_is_sound(tmp_path)
    assert git("rev-parse", "refs/driftless/current", cwd=clone) == two
    # the refusal is on record for `status`
    with open(tmp_path / "state" / "source.json") as f:
        record = json.load(f)
    assert record["revision"] == two and "force push" in record["error"]
    assert record["checked_at"].endswith("Z")

    config = write_config(tmp_path, https_source(testenv, repo, allow_force_push=True))
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 0, doc
    assert doc["previous"] == two and doc["revision"] == rewritten


def test_corrupted_object_keeps_last_revision(driftless_bin, testenv, testenv_environ,
                                              tmp_path):
    repo = Repo(testenv, tmp_path, "corrupt")
    configmap_app(repo, "one")
    one = repo.commit("one")
    repo.push()
    config = write_config(tmp_path, https_source(testenv, repo))
    assert fetch(driftless_bin, testenv_environ, config, testenv)[0] == 0

    configmap_app(repo, "two-" + "x" * 200)
    two = repo.commit("two")
    repo.push()
    # corrupt the new blob on the server (pushes of a few objects stay loose)
    blob = git("rev-parse", "HEAD:app/cm.yaml", cwd=repo.work)
    path = os.path.join(repo.bare, "objects", blob[:2], blob[2:])
    assert os.path.exists(path)
    os.chmod(path, 0o644)
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xff
    open(path, "wb").write(bytes(data))

    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 2, doc
    assert doc["revision"] == one and doc["error"]
    clone = clone_is_sound(tmp_path)
    assert git("rev-parse", "refs/driftless/current", cwd=clone) == one
    assert not os.path.exists(clone + ".damaged"), "a sound clone was replaced"

    # repaired on the server: the next poll goes through
    git("push", "-q", "--force", repo.bare, "HEAD:refs/heads/scratch", cwd=repo.work)
    os.remove(path)
    git("push", "-q", "--force", repo.bare, "HEAD:refs/heads/main", cwd=repo.work)
    subprocess.run(["git", "-C", repo.work, "push", "-q", repo.bare, "HEAD:refs/heads/main"],
                   check=False)
    with open(os.path.join(repo.work, "app", "cm.yaml"), "rb") as f:
        content = f.read()
    h = git("hash-object", "-w", "--stdin", cwd=repo.bare, input=content.decode())
    assert h == blob
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 0, doc
    assert doc["revision"] == two


def test_damaged_clone_is_replaced(driftless_bin, testenv, testenv_environ, tmp_path):
    """A clone whose objects were damaged on disk is moved aside and fetched again, and the
    history rules still hold against the revision it had in use."""
    repo = Repo(testenv, tmp_path, "damaged")
    configmap_app(repo, "one")
    one = repo.commit("one")
    repo.push()
    config = write_config(tmp_path, https_source(testenv, repo))
    assert fetch(driftless_bin, testenv_environ, config, testenv)[0] == 0
    clone = str(tmp_path / "state" / "repo.git")

    # every object gone bad: the packs truncated
    for pack in glob.glob(os.path.join(clone, "objects", "pack", "*.pack")):
        os.truncate(pack, 100)
    configmap_app(repo, "two")
    two = repo.commit("two")
    repo.push()
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 0, (doc, err)
    assert doc["previous"] == one and doc["revision"] == two
    assert "damaged" in err
    assert os.path.isdir(clone + ".damaged")
    clone_is_sound(tmp_path)

    # a clone that cannot even be opened, then a force push: still refused
    shutil.rmtree(os.path.join(clone, "objects"))
    git("reset", "-q", "--hard", one, cwd=repo.work)
    configmap_app(repo, "rewritten")
    rewritten = repo.commit("rewritten")
    repo.push("--force")
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 2 and "force push" in doc["error"], (doc, err)
    assert doc["previous"] == two and doc["remote"] == rewritten
    clone_is_sound(tmp_path)

    # the remote is not to blame for a damaged clone: a sound one is never replaced
    os.rename(clone + ".damaged", str(tmp_path / "kept"))
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 2 and not os.path.exists(clone + ".damaged")


class LoopbackServer:
    """A TCP server on 127.0.0.1 that hands each connection to serve() in a thread."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def close(self):
        self.sock.close()


class StallingServer(LoopbackServer):
    """Accepts connections and never says anything."""

    def __init__(self):
        self.conns = []
        super().__init__()

    def serve(self, c):
        self.conns.append(c)

    def close(self):
        super().close()
        for c in self.conns:
            c.close()


def test_timeout_and_retries(driftless_bin, testenv, testenv_environ, tmp_path):
    server = StallingServer()
    try:
        config = write_config(tmp_path, {
            "url": "https://localhost:%d/repo.git" % server.port, "branch": "main",
            "timeout": "1s", "retries": 2,
            "auth": {"ca_file": testenv["GIT_CA_FILE"]}})
        rc, doc, err = fetch(driftless_bin, testenv_environ, config)
        assert rc == 2
        assert "timed out after 1s" in doc["error"], doc
        assert doc["attempts"] == 3 and server.accepted == 3
        assert "retrying" in err
    finally:
        server.close()


def test_remote_down(driftless_bin, testenv, testenv_environ, tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    config = write_config(tmp_path, {
        "url": "https://localhost:%d/repo.git" % port, "retries": 1,
        "auth": {"ca_file": testenv["GIT_CA_FILE"]}})
    rc, doc, err = fetch(driftless_bin, testenv_environ, config)
    assert rc == 2
    assert doc["attempts"] == 2 and "after 2 attempts" in doc["error"], doc


class ConnectProxy(LoopbackServer):
    """An HTTP CONNECT proxy on loopback that records where it was asked to go; with rate,
    it passes at most rate bytes a second from the server to the client."""

    def __init__(self, rate=None):
        self.rate = rate
        self.targets = []
        super().__init__()

    def _pipe(self, a, b, rate):
        try:
            while True:
                d = a.recv(4096 if rate else 65536)
                if not d:
                    break
                b.sendall(d)
                if rate:
                    time.sleep(len(d) / rate)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def serve(self, c):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = c.recv(4096)
            if not chunk:
                return
            head += chunk
        target = head.split(b"\r\n")[0].decode().split(" ")[1]
        self.targets.append(target)
        host, port = target.rsplit(":", 1)
        up = socket.create_connection(("127.0.0.1" if host == "localhost" else host, int(port)))
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        threading.Thread(target=self._pipe, args=(up, c, self.rate), daemon=True).start()
        self._pipe(c, up, None)


def test_https_proxy_and_no_proxy(driftless_bin, testenv, testenv_environ, tmp_path):
    repo = Repo(testenv, tmp_path, "proxied")
    first = repo.commit("one")
    repo.push()
    proxy = ConnectProxy()
    try:
        env = dict(testenv_environ)
        for k in ("no_proxy", "NO_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
            env.pop(k, None)
        env["https_proxy"] = "http://127.0.0.1:%d" % proxy.port
        config = write_config(tmp_path, https_source(testenv, repo))
        rc, doc, err = fetch(driftless_bin, env, config, testenv)
        assert rc == 0, doc
        assert doc["revision"] == first
        assert proxy.targets and all(t.startswith("localhost:") for t in proxy.targets)

        seen = len(proxy.targets)
        env["no_proxy"] = "example.com,.localhost,localhost"
        rc, doc, err = fetch(driftless_bin, env, config, testenv)
        assert rc == 0, doc
        assert len(proxy.targets) == seen, "no_proxy was not honoured"
    finally:
        proxy.close()


def test_tag_and_pinned_commit(driftless_bin, testenv, testenv_environ, tmp_path):
    repo = Repo(testenv, tmp_path, "tags")
    configmap_app(repo, "one")
    one = repo.commit("one")
    git("tag", "-a", "-m", "release 1", "v1", cwd=repo.work)
    configmap_app(repo, "two")
    two = repo.commit("two")
    repo.push()
    git("push", "-q", repo.bare, "v1", cwd=repo.work)

    config = write_config(tmp_path, https_source(testenv, repo, tag="v1", branch=None))
    text = open(config).read().replace('  branch: null\n', '')
    open(config, "w").write(text)
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 0, doc
    assert doc["revision"] == one and doc["kind"] == "tag"

    pinned = write_config(tmp_path / "..", https_source(testenv, repo, commit=two),
                          name="pinned.yaml")
    text = open(pinned).read().replace('  branch: "main"\n', '')
    open(pinned, "w").write(text)
    rc, doc, err = fetch(driftless_bin, testenv_environ, pinned, testenv)
    assert rc == 0, (doc, err)
    assert doc["revision"] == two


def test_missing_branch(driftless_bin, testenv, testenv_environ, tmp_path):
    repo = Repo(testenv, tmp_path, "nobranch")
    repo.commit("one")
    repo.push()
    config = write_config(tmp_path, https_source(testenv, repo, branch="release"))
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 2
    assert "has no branch 'release'" in doc["error"] and doc["attempts"] == 1


def test_config_errors_name_file_line_and_field(driftless_bin, testenv_environ, tmp_path):
    cases = [
        ("source:\n  url: https://x/r.git\n  brnach: main\n", ":3:", "source.brnach"),
        ("source:\n  url: https://x/r.git\n  timeout: soon\n", ":3:", "source.timeout"),
        ("source:\n  url: ssh://git@x/r.git\n  auth:\n    ssh_key_file: /k\n",
         ":2:", "source.auth.known_hosts_file"),
        ("source:\n  url: https://u:secret@x/r.git\n", ":", "source.url"),
        ("source:\n  url: https://x/r.git\n  branch: a\n  tag: b\n", ":4:", "source.tag"),
        ("source:\n  url: https://x/r.git\n  commit: abc\n", ":3:", "source.commit"),
        ("sources:\n  url: https://x/r.git\n", ":2:", "sources"),
    ]
    for text, where, field in cases:
        path = tmp_path / "bad.yaml"
        path.write_text(text)
        p = subprocess.run([driftless_bin, "fetch", "-c", str(path)], capture_output=True,
                           text=True, env=testenv_environ, timeout=30)
        assert p.returncode == 2, text
        assert str(path) + where in p.stderr and field in p.stderr, (text, p.stderr)
        assert "secret" not in p.stderr


def test_interrupted_fetch_leaves_a_sound_clone(driftless_bin, testenv, testenv_environ,
                                                tmp_path):
    """A fetch killed in the middle of the pack (by its timeout) leaves nothing broken."""
    repo = Repo(testenv, tmp_path, "interrupted")
    configmap_app(repo, "one")
    one = repo.commit("one")
    repo.push()
    proxy = ConnectProxy(rate=65536)
    try:
        env = dict(testenv_environ)
        for k in ("no_proxy", "NO_PROXY"):
            env.pop(k, None)
        env["https_proxy"] = "http://127.0.0.1:%d" % proxy.port
        config = write_config(tmp_path, https_source(testenv, repo))
        assert fetch(driftless_bin, testenv_environ, config, testenv)[0] == 0

        # several MB of incompressible data: the throttled transfer takes far longer than 2s
        repo.write("big.bin", os.urandom(3 << 20).hex())
        two = repo.commit("big")
        repo.push()
        slow = write_config(tmp_path, https_source(testenv, repo, timeout="2s", retries=0),
                            name="slow.yaml")
        rc, doc, err = fetch(driftless_bin, env, slow, testenv)
        assert rc == 2 and "timed out" in doc["error"], doc
        assert doc["revision"] == one
        clone = clone_is_sound(tmp_path)
        assert git("rev-parse", "refs/driftless/current", cwd=clone) == one

        # the next fetch, direct, completes and cleans what the killed one left
        rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
        assert rc == 0, doc
        assert doc["revision"] == two
        assert not glob.glob(os.path.join(clone, "objects", "pack", "*_git2_*"))
        clone_is_sound(tmp_path)
    finally:
        proxy.close()
