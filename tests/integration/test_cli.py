"""The command line of the real binary: dispatch, help, version, exit codes."""

import json
import os
import subprocess


def run(bin_, *args):
    return subprocess.run([bin_, *args], capture_output=True, text=True, timeout=30)


LIBRARIES = ["libgit2", "gpgme", "libcurl", "OpenSSL", "libyaml", "jansson", "libsystemd",
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


def test_libraries_load_on_first_use(driftless_bin, tmp_path):
    """libcurl and libgit2 are loaded on first use, not at start: with a libcurl that lacks
    its functions and a libgit2 that is no library at all ahead on the search path,
    `driftless version` names both and fails, and `driftless render`, which needs
    neither, works."""
    empty = tmp_path / "empty.c"
    empty.write_text("int driftless_test_nothing;\n")
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(tmp_path / "libcurl.so.4"),
                    str(empty)], check=True)
    (tmp_path / "libgit2.so.1.5").write_bytes(b"not an ELF file\n")
    env = dict(os.environ, LD_LIBRARY_PATH=str(tmp_path))

    p = subprocess.run([driftless_bin, "version"], capture_output=True, text=True,
                       timeout=30, env=env)
    assert p.returncode == 2, p.stdout + p.stderr
    lines = {line.split()[0]: line for line in p.stdout.splitlines()[1:]}
    assert "not loadable" in lines["libcurl"] and "curl_version_info" in lines["libcurl"]
    assert "not loadable" in lines["libgit2"] and "libgit2.so" in lines["libgit2"]
    assert lines["libyaml"].split()[1][0].isdigit()  # the linked ones still report

    p = subprocess.run([driftless_bin, "version", "-o", "json"], capture_output=True,
                       text=True, timeout=30, env=env)
    doc = {lib["name"]: lib for lib in json.loads(p.stdout)["libraries"]}
    assert "error" in doc["libcurl"] and "version" not in doc["libcurl"]

    (tmp_path / "kustomization.yaml").write_text("resources:\n- cm.yaml\n")
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    p = subprocess.run([driftless_bin, "render", str(tmp_path)], capture_output=True,
                       text=True, timeout=30, env=env)
    assert p.returncode == 0, p.stderr
    assert "name: x" in p.stdout


def test_status_before_any_sync(driftless_bin, tmp_path):
    config = tmp_path / "driftless.yaml"
    config.write_text("source: { url: https://git.example.com/c.git }\n"
                      "state_dir: %s\n"
                      "environments:\n  staging: { path: overlays/staging }\n"
                      "  prod: { path: overlays/prod }\n" % (tmp_path / "state"))
    p = run(driftless_bin, "status", "-c", str(config))
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0] == "source: never fetched"
    lines = [l.split() for l in p.stdout.splitlines()[2:]]
    assert lines == [["ENVIRONMENT", "APPLIED", "LAST", "GOOD", "LAST", "SYNC", "RESULT",
                      "DRIFT"],
                     ["staging", "-", "-", "never", "-", "-"],
                     ["prod", "-", "-", "never", "-", "-"]]
    p = run(driftless_bin, "status", "-c", str(config), "-o", "json", "prod")
    doc = json.loads(p.stdout)
    assert doc["source"] is None
    assert doc["environments"] == [{"name": "prod", "path": "overlays/prod", "state": None}]
    p = run(driftless_bin, "status", "-c", str(config), "qa")
    assert p.returncode == 2 and "no environment is called 'qa'" in p.stderr


def test_example_config_loads(driftless_bin):
    """manifests/config/driftless.yaml, what `make install` ships as the example, is valid,
    and its environments render from manifests/."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    config = os.path.join(repo, "manifests", "config", "driftless.yaml")
    p = run(driftless_bin, "status", "-c", config, "-o", "json", "--daemon",
            "http://127.0.0.1:9")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert [e["name"] for e in doc["environments"]] == ["staging", "prod"]
    assert doc["daemon"] is None
    for e in doc["environments"]:
        p = run(driftless_bin, "render", os.path.join(repo, "manifests", e["path"]))
        assert p.returncode == 0, p.stderr
