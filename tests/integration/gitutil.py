"""Helpers for tests that need git repositories on the test environment's servers."""

import os
import subprocess
import uuid

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


def git(*args, cwd=None, env=None, check=True, input=None):
    e = dict(os.environ)
    e.update(GIT_ENV)
    if env:
        e.update(env)
    p = subprocess.run(["git", *args], cwd=cwd, env=e, capture_output=True, text=True,
                       input=input, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError("git %s failed: %s%s" % (" ".join(args), p.stdout, p.stderr))
    return p.stdout.strip()


class Repo:
    """A work tree whose commits are pushed to a bare repository the git servers serve."""

    def __init__(self, testenv, tmp_path, name):
        self.env = testenv
        # unique: a test environment outlives one pytest run (DRIFTLESS_TESTENV_DIR)
        self.name = "%s-%s" % (name, uuid.uuid4().hex[:8])
        self.bare = os.path.join(testenv["GIT_REPOS_DIR"], self.name + ".git")
        self.work = str(tmp_path / ("work-" + self.name))
        git("init", "-q", "--bare", "-b", "main", self.bare)
        git("init", "-q", "-b", "main", self.work)

    # libgit2 on Debian verifies TLS with mbedTLS 2, which matches host names only (not
    # IP addresses) against a certificate: the servers' certificate names localhost
    @property
    def https_url(self):
        return self.env["GIT_HTTPS_URL"].replace("127.0.0.1", "localhost") + "/" + self.name + ".git"

    @property
    def ssh_url(self):
        return self.env["GIT_SSH_URL"] + "/" + self.name + ".git"

    def write(self, path, text):
        full = os.path.join(self.work, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)

    def commit(self, message, *extra, env=None):
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "--allow-empty", "-m", message, *extra, cwd=self.work, env=env)
        return self.head()

    def head(self, rev="HEAD"):
        return git("rev-parse", rev, cwd=self.work)

    def push(self, *extra):
        git("push", "-q", *extra, self.bare, "HEAD:refs/heads/main", cwd=self.work)


def configmap_app(repo, value, app="app"):
    """A kustomization with one ConfigMap whose data.k is value."""
    repo.write(app + "/kustomization.yaml", "resources:\n- cm.yaml\n")
    repo.write(app + "/cm.yaml",
               "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  k: %s\n"
               % (app, value))
