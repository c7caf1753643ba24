#!/usr/bin/env python3
"""Regenerate the golden files of the doc emitter tests with kustomize as the oracle.

    tests/unit/doc/gen-golden.py          # kustomize from scripts/build-k8s.sh

For each data/NAME.yaml, data/NAME.out is what `kustomize build` prints for a
kustomization holding just that resource. random-strings.yaml and random-values.yaml are
written here from fixed seeds first; scalars.yaml is written by hand.
"""
import functools
import json
import os
import random
import shutil
import subprocess
import tempfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def dump(s):
    # YAML double-quoted text that keeps the odd characters as escapes
    out = json.dumps(s, ensure_ascii=False)
    return out.replace("\u2028", "\\u2028").replace("\ufeff", "\\ufeff")


def random_strings():
    rnd = random.Random(7)
    chars = list("abc xyz:#-'\"\\\t\n{}[],&*!|>%@`?.=~ 0123") + [
        "é", "😀", "\u00a0", "\u2028", "\x1b", "\ufeff"]
    lines = ["apiVersion: example.com/v1", "kind: Thing", "metadata:", "  name: x", "spec:"]
    for i in range(400):
        n = rnd.choice([1, 2, 3, 5, 10, 40, 79, 80, 81, 120, 200])
        lines.append("  k%04d: %s" % (i, dump("".join(rnd.choice(chars) for _ in range(n)))))
    lines.append("  deep:")
    for d in range(1, 8):
        lines.append("  " + "  " * d + "l%d:" % d)
    lines.append("  " + "  " * 8 + "leaf: " + dump("x" * 150 + " y" * 30))
    return "\n".join(lines) + "\n"


def random_values():
    rnd = random.Random(3)
    chars = list("abcXYZ xyz:#-'\"\\\t\n{}[],&*!|>%@`?.=~ 0123_") + [
        "é", "😀", "\u00a0", "\u2028", "\x1b", "\ufeff"]
    words = ["true", "false", "yes", "no", "on", "off", "null", "~", "", "1", "01", "0x1F",
             "1e3", "1.0", ".5", "-", "--- x", "... y", "1:20", "2001-12-14", "0o17", "y",
             "n", "=", "-1", "+1", "1_000", "NaN", ".nan", "0b11", "12345678901234567890"]
    keys = ["app.kubernetes.io/name", "v1", "v1beta1", "v2", "port-80", "http2", "8080",
            "443", "1.txt", "config.json", "DB_PORT", "x-1", "x-10", "x-2", "a10", "a9", "A",
            "b", "image", "name", "helm.sh/chart", "10", "9", "0", "00", "01", "file1.yaml",
            "file10.yaml", "file2.yaml", "step-1", "step-10", "step-2"]

    def rstr():
        if rnd.random() < 0.3:
            return rnd.choice(words)
        n = rnd.choice([1, 2, 3, 5, 10, 40, 79, 80, 81, 120, 130, 200])
        return "".join(rnd.choice(chars) for _ in range(n))

    def rval(d):
        r = rnd.random()
        if d > 4 or r < 0.5:
            r2 = rnd.random()
            if r2 < 0.6:
                return rstr()
            if r2 < 0.7:
                return rnd.choice([0, 1, -1, 42, 2**40, -2**62, 10**18])
            if r2 < 0.8:
                return rnd.choice([0.5, 1.5, 1e-7, 1e21, 1e20, 123456.7, 1234567.5, -0.0,
                                   3.14159, 2.5e-5])
            if r2 < 0.9:
                return rnd.choice([True, False, None])
            return rnd.choice([{}, []])
        if r < 0.75:
            return {rnd.choice(keys): rval(d + 1) for _ in range(rnd.randint(1, 5))}
        return [rval(d + 1) for _ in range(rnd.randint(1, 4))]

    doc = {"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "x"},
           "spec": {("k%d" % i): rval(0) for i in range(60)}}
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    return text.replace("\u2028", "\\u2028").replace("\ufeff", "\\ufeff") + "\n"


@functools.lru_cache(maxsize=None)
def kustomize_bin():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
    return subprocess.run([os.path.join(repo, "scripts", "build-k8s.sh"), "--kustomize"],
                          check=True, stdout=subprocess.PIPE,
                          text=True).stdout.strip().splitlines()[-1]


def kustomize(resource):
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(resource, os.path.join(tmp, "r.yaml"))
        with open(os.path.join(tmp, "kustomization.yaml"), "w") as f:
            f.write("resources:\n- r.yaml\n")
        return subprocess.run([kustomize_bin(), "build", tmp], check=True,
                              capture_output=True).stdout


def main():
    with open(os.path.join(HERE, "random-strings.yaml"), "w", encoding="utf-8") as f:
        f.write(random_strings())
    with open(os.path.join(HERE, "random-values.yaml"), "w", encoding="utf-8") as f:
        f.write(random_values())
    for name in sorted(os.listdir(HERE)):
        if name.endswith(".yaml"):
            out = kustomize(os.path.join(HERE, name))
            with open(os.path.join(HERE, name[:-5] + ".out"), "wb") as f:
                f.write(out)


if __name__ == "__main__":
    main()
