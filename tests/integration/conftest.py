"""Fixtures of the integration tests: the real services of scripts/testenv, and the agent.

`testenv` (session scope) reuses a running environment when DRIFTLESS_TESTENV_DIR names one
whose `scripts/testenv status` is OK; otherwise it starts one in a fresh temporary directory
for this session, with pytest's pid as owner (so a killed run leaves nothing behind), and
takes it down at the end. It returns the `scripts/testenv env` variables as a dict.
"""

import ctypes
import os
import shlex
import signal
import subprocess
import sys
import tempfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTENV = os.path.join(REPO, "scripts", "testenv")

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def die_with_pytest():
    """preexec_fn for children of the tests: SIGKILL them when pytest itself goes away."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _testenv(*args, **kw):
    return subprocess.run([sys.executable, TESTENV, *args], stdin=subprocess.DEVNULL, **kw)


def _read_env(d):
    p = _testenv("env", "--dir", d, stdout=subprocess.PIPE, text=True, check=True)
    env = {}
    for line in p.stdout.splitlines():
        if not line.strip():
            continue
        (item,) = shlex.split(line)
        key, _, value = item.partition("=")
        env[key] = value
    return env


@pytest.fixture(scope="session")
def testenv():
    """dict of the test environment's variables (KUBECONFIG, AWS_ENDPOINT_URL, ...)."""
    existing = os.environ.get("DRIFTLESS_TESTENV_DIR")
    if existing:
        st = _testenv("status", "--dir", existing, stdout=subprocess.PIPE,
                      stderr=subprocess.STDOUT, text=True)
        if st.returncode == 0:
            yield _read_env(existing)
            return
        sys.stderr.write("DRIFTLESS_TESTENV_DIR=%s is not usable, starting a new one:\n%s\n"
                         % (existing, st.stdout))
    d = tempfile.mkdtemp(prefix="driftless-testenv-")
    up = _testenv("up", "--dir", d, "--owner-pid", str(os.getpid()), timeout=900)
    if up.returncode != 0:
        pytest.fail("scripts/testenv up failed (exit %d); see its output above" % up.returncode,
                    pytrace=False)
    try:
        yield _read_env(d)
    finally:
        _testenv("down", "--dir", d, timeout=120)


@pytest.fixture
def testenv_environ(testenv):
    """os.environ with the test environment's variables on top, for subprocesses."""
    env = dict(os.environ)
    env.update(testenv)
    # every service is on loopback: keep any configured proxy out of the way
    for k in ("NO_PROXY", "no_proxy"):
        env[k] = ",".join(x for x in (env.get(k), "127.0.0.1", "localhost", "::1") if x)
    return env


@pytest.fixture(scope="session")
def driftless_bin():
    """Path of the agent binary the tests run ($DRIFTLESS_BIN, else build/driftless); its
    absence is a failure, not a skip."""
    path = os.environ.get("DRIFTLESS_BIN") or os.path.join(REPO, "build", "driftless")
    if not os.access(path, os.X_OK):
        pytest.fail("%s is missing or not executable: build it first (make)" % path,
                    pytrace=False)
    return path


@pytest.fixture
def spawn():
    """Start a long-running process (say the agent) for one test: spawn(argv, **Popen kw).
    It is killed with pytest if pytest dies, and stopped (SIGTERM, then SIGKILL) when the
    test ends if it is still running."""
    procs = []

    def _spawn(argv, **kw):
        kw.setdefault("preexec_fn", die_with_pytest)
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen(argv, **kw)
        procs.append(p)
        return p

    yield _spawn
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
