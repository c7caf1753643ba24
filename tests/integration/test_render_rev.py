"""driftless render --rev / --repo: a revision read from the object database, compared
with kubectl kustomize on a checkout of the same revision."""

import os
import shutil
import subprocess

import pytest

from gitutil import Repo, git

BASE_DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
"""


def revisions(repo):
    """Three commits that change the base, the overlay and the layout (a symlink too)."""
    repo.write("base/kustomization.yaml", "resources:\n- deploy.yaml\n")
    repo.write("base/deploy.yaml", BASE_DEPLOY)
    repo.write("overlays/prod/kustomization.yaml",
               "resources:\n- ../../base\nnamePrefix: prod-\nimages:\n- name: nginx\n"
               "  newTag: '1.26'\nconfigMapGenerator:\n- name: cfg\n  literals: [a=1]\n")
    revs = [repo.commit("one")]

    repo.write("overlays/prod/kustomization.yaml",
               "resources:\n- ../../base\nnamePrefix: prod-\nreplicas:\n- name: web\n"
               "  count: 3\nconfigMapGenerator:\n- name: cfg\n  files: [settings.ini]\n")
    repo.write("overlays/prod/settings.ini", "x = 1\ny = 2\n")
    revs.append(repo.commit("two"))

    # the base moves behind a symbolic link; the overlay keeps its path
    git("mv", "base", "shared-base", cwd=repo.work)
    os.symlink("shared-base", os.path.join(repo.work, "base"))
    repo.write("shared-base/svc.yaml",
               "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n"
               "  - port: 80\n")
    repo.write("shared-base/kustomization.yaml", "resources:\n- deploy.yaml\n- svc.yaml\n")
    revs.append(repo.commit("three"))
    return revs


def kustomize_at(testenv, repo, rev, path, tmp_path):
    checkout = str(tmp_path / ("checkout-" + rev[:12]))
    if not os.path.exists(checkout):
        git("worktree", "add", "-q", "--detach", checkout, rev, cwd=repo.work)
    p = subprocess.run([testenv["KUBECTL"], "kustomize", os.path.join(checkout, path)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def render(driftless_bin, *args, cwd=None, env=None):
    p = subprocess.run([driftless_bin, "render", *args], capture_output=True, text=True,
                       cwd=cwd, env=env, timeout=120)
    return p.returncode, p.stdout, p.stderr


def test_render_rev_matches_kustomize_on_checkouts(driftless_bin, testenv, tmp_path):
    repo = Repo(testenv, tmp_path, "render-rev")
    revs = revisions(repo)
    overlay = os.path.join(repo.work, "overlays", "prod")
    for rev in revs:
        want = kustomize_at(testenv, repo, rev, "overlays/prod", tmp_path)
        rc, out, err = render(driftless_bin, "--rev", rev, overlay)
        assert rc == 0, err
        assert out == want, rev
        # the same, from inside the work tree with a relative DIR and a short rev
        rc, out2, err = render(driftless_bin, "--rev", rev[:10], ".", cwd=overlay)
        assert rc == 0 and out2 == want, err
    # names git rev-parse takes
    rc, out, err = render(driftless_bin, "--rev", "HEAD~2", overlay)
    assert rc == 0 and out == kustomize_at(testenv, repo, revs[0], "overlays/prod", tmp_path)


def test_render_rev_ignores_the_work_tree(driftless_bin, testenv, tmp_path):
    repo = Repo(testenv, tmp_path, "render-dirty")
    revs = revisions(repo)
    overlay = os.path.join(repo.work, "overlays", "prod")
    want = kustomize_at(testenv, repo, revs[-1], "overlays/prod", tmp_path)
    # uncommitted edits and a deleted file change nothing at a revision
    with open(os.path.join(repo.work, "shared-base", "deploy.yaml"), "a") as f:
        f.write("  # edited\n")
    os.remove(os.path.join(repo.work, "shared-base", "svc.yaml"))
    rc, out, err = render(driftless_bin, "--rev", "HEAD", overlay)
    assert rc == 0, err
    assert out == want
    # a directory gone from the work tree is still there at the revision, through a link too
    shutil.rmtree(os.path.join(repo.work, "overlays"))
    rc, out, err = render(driftless_bin, "--rev", "HEAD", overlay)
    assert rc == 0, err
    assert out == want
    link = str(tmp_path / "link")
    os.symlink(repo.work, link)
    rc, out, err = render(driftless_bin, "--rev", "HEAD", "overlays/prod", cwd=link)
    assert rc == 0, err
    assert out == want


def test_render_repo_path_and_url(driftless_bin, testenv, testenv_environ, tmp_path):
    repo = Repo(testenv, tmp_path, "render-repo")
    revs = revisions(repo)
    repo.push()
    want_last = kustomize_at(testenv, repo, revs[-1], "overlays/prod", tmp_path)
    want_first = kustomize_at(testenv, repo, revs[0], "overlays/prod", tmp_path)

    # a bare repository by path; REV defaults to HEAD
    rc, out, err = render(driftless_bin, "--repo", repo.bare, "overlays/prod")
    assert rc == 0, err
    assert out == want_last
    rc, out, err = render(driftless_bin, "--repo", repo.bare, "--rev", revs[0],
                          "overlays/prod")
    assert rc == 0 and out == want_first, err

    # a URL, with the auth of a config file's source
    config = tmp_path / "driftless.yaml"
    config.write_text("source:\n  url: %s\n  auth:\n    username: %s\n    token_file: %s\n"
                      "    ca_file: %s\nstate_dir: %s\n"
                      % (repo.https_url, testenv["GIT_HTTPS_USER"],
                         testenv["GIT_HTTPS_TOKEN_FILE"], testenv["GIT_CA_FILE"],
                         tmp_path / "state"))
    env = dict(testenv_environ, TMPDIR=str(tmp_path))
    rc, out, err = render(driftless_bin, "-c", str(config), "--repo", repo.https_url,
                          "overlays/prod", env=env)
    assert rc == 0, err
    assert out == want_last
    rc, out, err = render(driftless_bin, "-c", str(config), "--repo", repo.https_url,
                          "--rev", revs[0], "overlays/prod", env=env)
    assert rc == 0, err
    assert out == want_first
    # the temporary clone is gone
    assert not [n for n in os.listdir(tmp_path) if n.startswith("driftless-render-")]


def test_render_rev_errors(driftless_bin, testenv, tmp_path):
    repo = Repo(testenv, tmp_path, "render-errors")
    revisions(repo)
    overlay = os.path.join(repo.work, "overlays", "prod")
    rc, out, err = render(driftless_bin, "--rev", "no-such-rev", overlay)
    assert rc == 2 and "Unknown revision 'no-such-rev'" in err
    rc, out, err = render(driftless_bin, "--rev", "HEAD", str(tmp_path))
    assert rc == 2 and "not in a git repository" in err
    # a symbolic link out of the repository is refused, not followed
    os.symlink("/etc", os.path.join(repo.work, "escape"))
    repo.write("leak/kustomization.yaml", "resources:\n- ../escape/hostname\n")
    repo.commit("escape")
    rc, out, err = render(driftless_bin, "--rev", "HEAD", os.path.join(repo.work, "leak"))
    assert rc == 2
    assert "outside the repository" in err, err
    # errors name the revision and the path in the repository
    repo.write("overlays/prod/kustomization.yaml", "resources:\n- missing.yaml\n")
    rev = repo.commit("broken")
    rc, out, err = render(driftless_bin, "--rev", "HEAD", overlay)
    assert rc == 2 and rev[:12] + ":overlays/prod" in err, err
