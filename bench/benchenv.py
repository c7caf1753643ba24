"""What the benchmarks share: the test environment of scripts/testenv."""

import os
import shlex
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTENV = os.path.join(REPO, "scripts", "testenv")


def testenv(*args, **kw):
    return subprocess.run([sys.executable, TESTENV, *args], stdin=subprocess.DEVNULL, **kw)


def testenv_vars(d):
    p = testenv("env", "--dir", d, stdout=subprocess.PIPE, text=True, check=True)
    env = {}
    for line in p.stdout.splitlines():
        if line.strip():
            (item,) = shlex.split(line)
            key, _, value = item.partition("=")
            env[key] = value
    return env


def testenv_start(name, log, default_dir=None):
    """(variables, directory to take down at the end or None): the environment of
    DRIFTLESS_TESTENV_DIR (else default_dir) when it answers `status`, else a new one."""
    existing = os.environ.get("DRIFTLESS_TESTENV_DIR") or default_dir
    if existing and os.path.isdir(existing):
        st = testenv("status", "--dir", existing, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT, text=True)
        if st.returncode == 0:
            return testenv_vars(existing), None
        log("%s is not usable, starting a new one:\n%s" % (existing, st.stdout))
    d = tempfile.mkdtemp(prefix="driftless-testenv-")
    log("starting a test environment in %s" % d)
    if testenv("up", "--dir", d, "--owner-pid", str(os.getpid()), timeout=900).returncode:
        sys.exit("%s: scripts/testenv up failed; see its output above" % name)
    return testenv_vars(d), d
