#!/usr/bin/env python3
"""Regenerate the expectations of tests/unit/render/test-render-smp.c with kustomize.

    tests/unit/render/data/smp/gen-expected.py     # kustomize from scripts/build-k8s.sh

For each NAME.target.yaml here, NAME.patch.yaml holds one or more patches (YAML documents)
that kustomize applies in order, as `patches:` entries without a target. A patch file whose
first line is "# kustomize: target" is applied with a target selecting the object by kind
and name instead (the patch may then name another object).

kustomize's output goes to NAME.expected.yaml (empty when the patch deletes the
object); when kustomize refuses the patch, its message goes to NAME.error instead.
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET_MARK = "# kustomize: target"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(HERE)))))
KUSTOMIZE = subprocess.run([os.path.join(REPO, "scripts", "build-k8s.sh"), "--kustomize"],
                           check=True, stdout=subprocess.PIPE,
                           text=True).stdout.strip().splitlines()[-1]


def split_documents(text):
    docs, cur = [], []
    for line in text.splitlines(keepends=True):
        if line.rstrip("\n") == "---":
            docs.append("".join(cur))
            cur = []
        else:
            cur.append(line)
    docs.append("".join(cur))
    return [d for d in docs if d.strip()]


def field(text, name, indent=""):
    for line in text.splitlines():
        if line.startswith(indent + name + ":") and not line.startswith(indent + " "):
            return line.split(":", 1)[1].strip()
    return None


def kustomize(target, patch_text):
    by_target = patch_text.startswith(TARGET_MARK)
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "resource.yaml"), "w") as f:
            f.write(target)
        lines = ["resources:", "- resource.yaml", "patches:"]
        for i, doc in enumerate(split_documents(patch_text)):
            name = "patch%d.yaml" % i
            with open(os.path.join(tmp, name), "w") as f:
                f.write(doc)
            lines.append("- path: " + name)
            if by_target:
                lines += ["  target:", "    kind: " + field(target, "kind"),
                          "    name: " + field(target, "name", "  ")]
        with open(os.path.join(tmp, "kustomization.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")
        return subprocess.run([KUSTOMIZE, "build", tmp], capture_output=True, text=True)


def main():
    names = sorted(n[:-len(".target.yaml")] for n in os.listdir(HERE)
                   if n.endswith(".target.yaml"))
    for name in names:
        base = os.path.join(HERE, name)
        with open(base + ".target.yaml") as f:
            target = f.read()
        with open(base + ".patch.yaml") as f:
            patch = f.read()
        r = kustomize(target, patch)
        for stale in (base + ".expected.yaml", base + ".error"):
            if os.path.exists(stale):
                os.unlink(stale)
        if r.returncode == 0:
            with open(base + ".expected.yaml", "w") as f:
                f.write(r.stdout)
            print("%-28s ok" % name)
        else:
            # drop klog's time and pid so that the file only changes with the message
            message = re.sub(r"^E\d{4} [\d:.]+ +\d+ \S+\] ", "", r.stderr.strip())
            with open(base + ".error", "w") as f:
                f.write(message + "\n")
            print("%-28s error" % name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
