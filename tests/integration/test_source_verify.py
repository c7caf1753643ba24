"""Commit signatures: driftless fetch's verdict on each commit, compared with git
verify-commit's on the same commit, for SSH (ssh-keygen -Y sign) and OpenPGP (gpg)."""

import json
import os
import subprocess

import pytest

from gitutil import Repo, configmap_app, git
from test_source_fetch import https_source, write_config, fetch


def keygen(path, comment):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path],
                   check=True)
    return path


def signed_with_ssh(key):
    return ["-c", "gpg.format=ssh", "-c", "user.signingkey=" + key]


def commit(repo, message, *git_config, env=None):
    """A commit (with `git -c ... commit -S` when git_config is given) that changes the app."""
    configmap_app(repo, message)
    git("add", "-A", cwd=repo.work)
    sign = ["-S"] if git_config else []
    git(*git_config, "commit", "-q", *sign, "-m", message, cwd=repo.work, env=env)
    return repo.head()


def tampered(repo, rev):
    """The commit rev with its message changed and its signature kept: a forged object."""
    raw = git("cat-file", "commit", rev, cwd=repo.work) + "\n"
    forged = raw.replace("\n\n" + raw.split("\n\n", 1)[1], "\n\nforged message\n")
    assert "gpgsig" in forged
    out = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"],
                         cwd=repo.work, input=forged, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def git_verdict(repo, rev, *git_config, env=None):
    p = subprocess.run(["git", *git_config, "verify-commit", rev], cwd=repo.work,
                       capture_output=True, text=True, env=env)
    return p.returncode == 0


def our_verdict(driftless_bin, env, config, repo, rev, testenv):
    """Push rev as main (forcing) and fetch it; True when driftless accepted it."""
    git("push", "-q", "--force", repo.bare, "%s:refs/heads/main" % rev, cwd=repo.work)
    rc, doc, err = fetch(driftless_bin, env, config, testenv)
    if rc == 0:
        assert doc["revision"] == rev and doc["signature"]["status"] == "good", doc
        return True, doc
    assert doc["revision"] != rev and doc["remote"] == rev, doc
    assert "Refusing commit %s" % rev[:12] in doc["error"], doc
    return False, doc


def test_ssh_signatures_match_git_verify_commit(driftless_bin, testenv, testenv_environ,
                                                tmp_path):
    trusted = keygen(str(tmp_path / "trusted"), "alice")
    untrusted = keygen(str(tmp_path / "untrusted"), "mallory")
    allowed = tmp_path / "allowed_signers"
    allowed.write_text('alice@example.com namespaces="git" %s' % open(trusted + ".pub").read())
    verify_cfg = ["-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=%s" % allowed]

    repo = Repo(testenv, tmp_path, "sshsig")
    base = commit(repo, "base")
    repo.push()
    src = https_source(testenv, repo, allow_force_push=True,
                       verify={"allowed_signers_file": str(allowed)})
    config = write_config(tmp_path, src)

    cases = {}
    cases["unsigned"] = base
    cases["trusted"] = commit(repo, "trusted", *signed_with_ssh(trusted))
    cases["untrusted"] = commit(repo, "untrusted", *signed_with_ssh(untrusted))
    cases["tampered"] = tampered(repo, cases["trusted"])
    cases["trusted-again"] = commit(repo, "trusted again", *signed_with_ssh(trusted))
    expected = {"unsigned": False, "trusted": True, "untrusted": False, "tampered": False,
                "trusted-again": True}
    statuses = {}
    for name, rev in cases.items():
        ours, doc = our_verdict(driftless_bin, testenv_environ, config, repo, rev, testenv)
        theirs = git_verdict(repo, rev, *verify_cfg)
        assert ours == theirs == expected[name], (name, ours, theirs, doc)
        statuses[name] = doc["signature"]["status"]
    assert statuses == {"unsigned": "unsigned", "trusted": "good", "untrusted": "untrusted",
                        "tampered": "bad", "trusted-again": "good"}

    # the verdict names the key and the signer
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    fp = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", trusted + ".pub"],
                        capture_output=True, text=True, check=True).stdout.split()[1]
    assert doc["signature"]["key"] == fp and doc["signature"]["signer"] == "alice@example.com"
    # a refused commit leaves the last good one in use
    git("push", "-q", "--force", repo.bare, "%s:refs/heads/main" % cases["untrusted"],
        cwd=repo.work)
    rc, doc, err = fetch(driftless_bin, testenv_environ, config, testenv)
    assert rc == 2 and doc["revision"] == cases["trusted-again"]
    with open(tmp_path / "state" / "source.json") as f:
        assert json.load(f)["signature"]["status"] == "untrusted"


@pytest.fixture
def gpg_homes(tmp_path):
    """A signing GNUPGHOME with two keys, and the trusted one's public key exported."""
    sign_home = tmp_path / "gnupg-sign"
    sign_home.mkdir(mode=0o700)
    env = dict(os.environ, GNUPGHOME=str(sign_home))
    fprs = {}
    for name in ("Trusted Signer <trusted@example.com>", "Other Signer <other@example.com>"):
        subprocess.run(["gpg", "--batch", "--quiet", "--pinentry-mode", "loopback",
                        "--passphrase", "", "--quick-gen-key", name, "ed25519", "sign",
                        "never"], env=env, check=True, capture_output=True)
        out = subprocess.run(["gpg", "--batch", "--with-colons", "--list-keys", name],
                             env=env, check=True, capture_output=True, text=True).stdout
        fprs[name.split()[0].lower()] = next(l.split(":")[9] for l in out.splitlines()
                                             if l.startswith("fpr:"))
    keyring = tmp_path / "trusted.gpg"
    with open(keyring, "wb") as f:
        f.write(subprocess.run(["gpg", "--batch", "--export", fprs["trusted"]], env=env,
                               check=True, capture_output=True).stdout)
    # git verify-commit's view: only the trusted key, fully trusted
    verify_home = tmp_path / "gnupg-verify"
    verify_home.mkdir(mode=0o700)
    venv = dict(os.environ, GNUPGHOME=str(verify_home))
    subprocess.run(["gpg", "--batch", "--quiet", "--import", str(keyring)], env=venv,
                   check=True, capture_output=True)
    subprocess.run(["gpg", "--batch", "--import-ownertrust"], env=venv, check=True,
                   input=("%s:6:\n" % fprs["trusted"]).encode(), capture_output=True)
    yield {"sign_env": env, "verify_env": venv, "keyring": str(keyring), "fprs": fprs}
    for home in (sign_home, verify_home):
        subprocess.run(["gpgconf", "--kill", "all"], env=dict(os.environ, GNUPGHOME=str(home)),
                       capture_output=True)


def test_gpg_signatures_match_git_verify_commit(driftless_bin, testenv, testenv_environ,
                                                tmp_path, gpg_homes):
    repo = Repo(testenv, tmp_path, "gpgsig")
    base = commit(repo, "base")
    repo.push()
    src = https_source(testenv, repo, allow_force_push=True,
                       verify={"gpg_keyring_file": gpg_homes["keyring"]})
    config = write_config(tmp_path, src)
    env = {"GNUPGHOME": gpg_homes["sign_env"]["GNUPGHOME"]}
    fprs = gpg_homes["fprs"]

    cases = {}
    cases["unsigned"] = base
    cases["trusted"] = commit(repo, "trusted", "-c", "user.signingkey=" + fprs["trusted"],
                              env=env)
    cases["untrusted"] = commit(repo, "untrusted", "-c", "user.signingkey=" + fprs["other"],
                                env=env)
    cases["tampered"] = tampered(repo, cases["trusted"])
    expected = {"unsigned": False, "trusted": True, "untrusted": False, "tampered": False}
    statuses = {}
    for name, rev in cases.items():
        ours, doc = our_verdict(driftless_bin, testenv_environ, config, repo, rev, testenv)
        theirs = git_verdict(repo, rev, env=gpg_homes["verify_env"])
        assert ours == theirs == expected[name], (name, ours, theirs, doc)
        statuses[name] = doc["signature"]["status"]
    assert statuses == {"unsigned": "unsigned", "trusted": "good", "untrusted": "untrusted",
                        "tampered": "bad"}


def test_signature_of_a_format_not_configured(driftless_bin, testenv, testenv_environ,
                                              tmp_path, gpg_homes):
    """An OpenPGP-signed commit when only SSH signers are configured is not accepted."""
    allowed = tmp_path / "allowed_signers"
    key = keygen(str(tmp_path / "k"), "k")
    allowed.write_text("k@example.com %s" % open(key + ".pub").read())
    repo = Repo(testenv, tmp_path, "gpg-not-configured")
    commit(repo, "base")
    repo.push()
    config = write_config(tmp_path, https_source(
        testenv, repo, allow_force_push=True, verify={"allowed_signers_file": str(allowed)}))
    rev = commit(repo, "pgp", "-c", "user.signingkey=" + gpg_homes["fprs"]["trusted"],
                 env={"GNUPGHOME": gpg_homes["sign_env"]["GNUPGHOME"]})
    ours, doc = our_verdict(driftless_bin, testenv_environ, config, repo, rev, testenv)
    assert not ours
    assert "gpg_keyring_file is not set" in doc["signature"]["reason"]
