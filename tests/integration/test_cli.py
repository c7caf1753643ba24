"""The command line of the real binary: dispatch, help, version, exit codes."""

import json
import subprocess


def run(bin_, *args):
    return subprocess.run([bin_, *args], capture_output=True, text=True, timeout=30)


LIBRARIES = ["libgit2", "libcurl", "OpenSSL", "libyaml", "jansson", "libsystemd",
             "libmicrohttpd", "libxml2"]


def test_version_names_every_linked_library(driftless_bin):
    p = run(driftless_bin, "version")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("driftless ")
    for lib in LIBRARIES:
        assert any(line.split()[0] == lib for line in lines[1:]), (lib, p.stdout)
    libgit2 = next(line for line in lines if line.split()[0] == "libgit2")
    assert "https" in libgit2 and "ssh" in libgit2
    libcurl = next(line for line in lines if line.split()[0] == "libcurl")
    assert "tls:OpenSSL/" in libcurl


def test_version_json(driftless_bin):
    p = run(driftless_bin, "version", "--output", "json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert [lib["name"] for lib in doc["libraries"]] == LIBRARIES
    assert all(lib["version"] for lib in doc["libraries"])
    # --version is the same command
    assert run(driftless_bin, "--version").stdout == run(driftless_bin, "version").stdout


def test_help(driftless_bin):
    p = run(driftless_bin, "--help")
    assert p.returncode == 0 and "Commands:" in p.stdout and p.stderr == ""
    p = run(driftless_bin, "help", "version")
    assert p.returncode == 0 and p.stdout.startswith("Usage: driftless version")
    p = run(driftless_bin, "version", "--help")
    assert p.returncode == 0 and p.stdout.startswith("Usage: driftless version")


def test_usage_errors_exit_2_on_stderr(driftless_bin):
    cases = [
        ([], "no command given"),
        (["frobnicate"], "unknown command 'frobnicate'"),
        (["--bogus"], "unknown option '--bogus'"),
        (["version", "-x"], "unknown option '-x'"),
        (["version", "--output"], "option '--output' needs an argument"),
        (["version", "--output", "xml"], "unknown output format 'xml'"),
        (["version", "extra"], "unexpected argument 'extra'"),
        (["help", "nope"], "unknown command 'nope'"),
        (["--log-level", "loud", "version"], "unknown log level 'loud'"),
    ]
    for args, message in cases:
        p = run(driftless_bin, *args)
        assert p.returncode == 2, (args, p.returncode)
        assert p.stdout == "", args
        assert p.stderr.startswith("error: " + message), (args, p.stderr)
        assert "Usage: driftless" in p.stderr, args


def test_write_error_is_reported(driftless_bin):
    # stdout on a full device: the command fails instead of claiming success
    with open("/dev/full", "w") as full:
        p = subprocess.run([driftless_bin, "version"], stdout=full, stderr=subprocess.PIPE,
                           text=True, timeout=30)
    assert p.returncode == 2
    assert "Failed to write to standard output" in p.stderr
