"""Differential conformance: `driftless render` against `kustomize build` on every case
in tests/conformance/cases (txtar archives of small kustomization trees). kustomize is the
one scripts/build-k8s.sh builds at KUSTOMIZE_VERSION of scripts/versions.env."""

import json
import os
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES = os.path.join(REPO, "tests", "conformance", "cases")


def parse_txtar(text):
    """(headers, {path: content}) of a txtar archive; '# key: value' comment lines before
    the first file are headers."""
    headers, files, name, lines = {}, {}, None, []
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\n")
        if stripped.startswith("-- ") and stripped.endswith(" --") and len(stripped) > 6:
            if name is not None:
                files[name] = "".join(lines)
            name, lines = stripped[3:-3].strip(), []
            continue
        if name is None:
            if stripped.startswith("#") and ":" in stripped:
                key, _, value = stripped[1:].partition(":")
                headers[key.strip()] = value.strip()
            continue
        lines.append(line)
    if name is not None:
        files[name] = "".join(lines)
    return headers, files


def case_names():
    return sorted(f[:-4] for f in os.listdir(CASES) if f.endswith(".txt"))


@pytest.fixture(scope="session")
def kustomize():
    p = subprocess.run([os.path.join(REPO, "scripts", "build-k8s.sh"), "--kustomize"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True, timeout=900)
    if p.returncode != 0:
        pytest.fail("scripts/build-k8s.sh --kustomize failed (exit %d)" % p.returncode,
                    pytrace=False)
    return p.stdout.strip().splitlines()[-1]


def run(argv, cwd):
    return subprocess.run(argv, cwd=cwd, capture_output=True, timeout=120)


@pytest.mark.parametrize("name", case_names())
def test_render_matches_kustomize(name, kustomize, driftless_bin, tmp_path):
    with open(os.path.join(CASES, name + ".txt"), encoding="utf-8") as f:
        headers, files = parse_txtar(f.read())
    for path, content in files.items():
        full = tmp_path / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_text(content, encoding="utf-8")
    target = headers.get("render", ".")
    theirs = run([kustomize, "build", target], cwd=tmp_path)
    ours = run([driftless_bin, "render", target], cwd=tmp_path)
    if headers.get("expect") == "error":
        assert theirs.returncode != 0, "kustomize was expected to fail:\n" + theirs.stdout.decode()
    if theirs.returncode != 0:
        assert ours.returncode != 0, (
            "kustomize fails (%s) but driftless rendered:\n%s"
            % (theirs.stderr.decode().strip()[-400:], ours.stdout.decode()))
        assert ours.returncode == 2, ours.returncode
        assert ours.stderr.startswith(b"error: ") or b"level=err" in ours.stderr, ours.stderr
        return
    assert ours.returncode == 0, "driftless failed: " + ours.stderr.decode()
    if ours.stdout != theirs.stdout:
        import difflib

        diff = "".join(difflib.unified_diff(
            theirs.stdout.decode().splitlines(True), ours.stdout.decode().splitlines(True),
            "kustomize build", "driftless render"))
        pytest.fail("output differs:\n" + diff[:6000], pytrace=False)


def load_bench():
    """bench/render/bench.py as a module: its generator makes the large trees."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "render_bench", os.path.join(REPO, "bench", "render", "bench.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_render_large_tree_matches_kustomize(kustomize, driftless_bin, tmp_path):
    """80 apps, 320 objects: enough for the parallel paths (directory builds, name references
    and printing split over threads from 256 objects) to run, and each app's overlay refers
    to its prefixed, hashed ConfigMap."""
    env = load_bench().generate(str(tmp_path), 80)
    theirs = run([kustomize, "build", env], cwd=tmp_path)
    assert theirs.returncode == 0, theirs.stderr.decode()
    for _ in range(3):  # thread timing differs from run to run; the bytes must not
        ours = run([driftless_bin, "render", env], cwd=tmp_path)
        assert ours.returncode == 0, ours.stderr.decode()
        assert ours.stdout == theirs.stdout


def test_render_large_tree_reports_the_first_error(driftless_bin, tmp_path):
    """Two broken apps built on different threads: the error is always the first app's, as a
    serial build would report it."""
    env = load_bench().generate(str(tmp_path), 80)
    for app in ("app0012", "app0071"):
        os.remove(os.path.join(str(tmp_path), "overlays", app, "resources.yaml"))
    for _ in range(5):
        ours = run([driftless_bin, "render", env], cwd=tmp_path)
        assert ours.returncode == 2, ours.returncode
        assert b"app0012" in ours.stderr and b"app0071" not in ours.stderr, ours.stderr


def test_render_json_output_is_the_same_objects(driftless_bin, tmp_path):
    """`render -o json` gives the objects YAML output prints, as one JSON array (in the
    binary as shipped, with jansson on smalloc)."""
    env = load_bench().generate(str(tmp_path), 70)
    as_json = run([driftless_bin, "render", "-o", "json", env], cwd=tmp_path)
    as_yaml = run([driftless_bin, "render", env], cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr.decode()
    assert as_yaml.returncode == 0, as_yaml.stderr.decode()
    objects = json.loads(as_json.stdout)
    assert len(objects) == 280
    names = [o["metadata"]["name"] for o in objects]
    assert names == [line.split(": ", 1)[1] for line in as_yaml.stdout.decode().splitlines()
                     if line.startswith("  name: ")]
