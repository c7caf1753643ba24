#!/usr/bin/env python3
"""bench/render: `driftless render` against `kustomize build` on generated environments.

    bench/render/bench.py [--apps 100,500,1000] [--runs 5] [--kustomize-runs N] [--rev]

For each size it writes an environment tree (per app: a base with a Deployment, a Service,
an HPA and a configMapGenerator; a prod overlay with namePrefix, labels with
includeTemplates, images, replicas, a strategic-merge patch and an inline JSON 6902 patch;
one environment kustomization over all app overlays with namespace and labels), renders it
with both tools, checks that the bytes are identical, and prints the median wall time and
the peak RSS of each, with the ratios. kustomize's time grows with the square of the number
of apps, so it may run fewer times than driftless (--kustomize-runs).

The tool compared with (--oracle) is `kubectl kustomize` when kubectl is on PATH (what users
run; kubectl v1.32 embeds kustomize v5.5), else `kustomize build` of the kustomize that
scripts/build-k8s.sh --kustomize builds (KUSTOMIZE_VERSION of scripts/versions.env). Both
print the same bytes; kubectl's is slower on big trees.

With --rev the tree is committed to git and driftless renders it with `render --rev HEAD`,
reading the commit's objects instead of the files (the oracle reads the checkout).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BASE_KUSTOMIZATION = """\
resources:
- deployment.yaml
- service.yaml
- hpa.yaml
configMapGenerator:
- name: {app}-config
  literals:
  - APP={app}
  - LOG_LEVEL=info
  - PORT=8080
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  labels:
    app: {app}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: {app}
  template:
    metadata:
      labels:
        app: {app}
    spec:
      containers:
      - name: {app}
        image: registry.example.com/apps/{app}:1.0.0
        ports:
        - name: http
          containerPort: 8080
        envFrom:
        - configMapRef:
            name: {app}-config
        env:
        - name: MODE
          value: base
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
          limits:
            memory: 256Mi
        readinessProbe:
          httpGet:
            path: /healthz
            port: http
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {app}
spec:
  selector:
    app: {app}
  ports:
  - name: http
    port: 80
    targetPort: http
"""

HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {app}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {app}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 70
"""

OVERLAY_KUSTOMIZATION = """\
namePrefix: prod-
resources:
- ../../base/{app}
labels:
- pairs:
    environment: prod
    app.kubernetes.io/name: {app}
  includeTemplates: true
images:
- name: registry.example.com/apps/{app}
  newTag: 1.2.{n}
replicas:
- name: {app}
  count: 3
patches:
- path: resources.yaml
- target:
    kind: HorizontalPodAutoscaler
    name: {app}
  patch: |-
    - op: replace
      path: /spec/maxReplicas
      value: 20
"""

OVERLAY_PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
spec:
  template:
    spec:
      containers:
      - name: {app}
        env:
        - name: MODE
          value: prod
        resources:
          requests:
            cpu: 500m
            memory: 512Mi
"""

ENV_KUSTOMIZATION_HEAD = """\
namespace: prod
labels:
- pairs:
    cluster: prod-1
resources:
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def generate(root, apps):
    names = ["app%04d" % i for i in range(apps)]
    for n, app in enumerate(names):
        base = os.path.join(root, "base", app)
        write(os.path.join(base, "kustomization.yaml"), BASE_KUSTOMIZATION.format(app=app))
        write(os.path.join(base, "deployment.yaml"), DEPLOYMENT.format(app=app))
        write(os.path.join(base, "service.yaml"), SERVICE.format(app=app))
        write(os.path.join(base, "hpa.yaml"), HPA.format(app=app))
        overlay = os.path.join(root, "overlays", app)
        write(os.path.join(overlay, "kustomization.yaml"),
              OVERLAY_KUSTOMIZATION.format(app=app, n=n))
        write(os.path.join(overlay, "resources.yaml"), OVERLAY_PATCH.format(app=app))
    env = ENV_KUSTOMIZATION_HEAD + "".join("- ../overlays/%s\n" % a for a in names)
    write(os.path.join(root, "env", "kustomization.yaml"), env)
    return os.path.join(root, "env")


def commit_tree(root):
    """Make root a git repository with everything in it committed and packed, as the
    agent's clone holds what it fetched (loose objects would cost a file each)."""
    env = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com")
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "bench"],
                 ["repack", "-adq"], ["prune"]):
        subprocess.run(["git", "-C", root, *argv], check=True, env=env)


def run_series(argv, runs):
    """Median seconds, peak RSS (KiB) over the runs, and the output of the last run.

    Output goes to a file, as in `driftless render DIR > out.yaml`: a pipe to this script
    would add its own stalls to the time of whichever tool writes more at once."""
    times, peaks, out = [], [], b""
    with tempfile.TemporaryFile() as sink:
        for _ in range(runs):
            sink.seek(0)
            sink.truncate()
            start = time.monotonic()
            proc = subprocess.run(argv, stdout=sink, stderr=subprocess.PIPE)
            elapsed = time.monotonic() - start
            if proc.returncode != 0:
                sys.exit("%s failed (%d): %s"
                         % (argv[0], proc.returncode, proc.stderr.decode()[-2000:]))
            times.append(elapsed)
            # ru_maxrss of RUSAGE_CHILDREN is the largest child so far; run each tool in its
            # own /usr/bin/time to get per-run peaks instead
            peaks.append(peak_rss(argv))
        sink.seek(0)
        out = sink.read()
    return statistics.median(times), max(peaks), out


def peak_rss(argv):
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    return int(proc.stderr.decode().strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--apps", default="100,500,1000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--kustomize-runs", type=int, default=0,
                    help="runs of kustomize (default: --runs up to 500 apps, 1 above)")
    ap.add_argument("--driftless", default=os.path.join(REPO, "build", "driftless"))
    ap.add_argument("--oracle", choices=("auto", "kubectl", "kustomize"), default="auto",
                    help="kubectl kustomize, or kustomize build (auto: kubectl when on PATH)")
    ap.add_argument("--kubectl", default=shutil.which("kubectl"))
    ap.add_argument("--kustomize", help="kustomize binary (default: scripts/build-k8s.sh's)")
    ap.add_argument("--rev", action="store_true",
                    help="commit the tree to git and time `driftless render --rev HEAD` (the "
                         "git tree reader) against the oracle on the checkout")
    args = ap.parse_args()
    if args.oracle == "auto":
        args.oracle = "kubectl" if args.kubectl else "kustomize"
    if args.oracle == "kubectl":
        if not args.kubectl:
            sys.exit("bench: no kubectl on PATH (--kubectl PATH, or --oracle kustomize)")
        oracle = [args.kubectl, "kustomize"]
    else:
        if not args.kustomize:
            args.kustomize = subprocess.run(
                [os.path.join(REPO, "scripts", "build-k8s.sh"), "--kustomize"], check=True,
                stdout=subprocess.PIPE, text=True).stdout.strip().splitlines()[-1]
        oracle = [args.kustomize, "build"]
    name = " ".join([os.path.basename(oracle[0])] + oracle[1:])
    version = subprocess.run([oracle[0], "version"] if args.oracle == "kustomize" else
                             [oracle[0], "version", "--client"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout.strip()
    print("oracle: %s (%s)" % (name, " ".join(version.split())), file=sys.stderr)

    rows = []
    for apps in [int(a) for a in args.apps.split(",")]:
        with tempfile.TemporaryDirectory(prefix="driftless-bench-render-") as tmp:
            env = generate(tmp, apps)
            k_runs = args.kustomize_runs or (args.runs if apps <= 500 else 1)
            render = [args.driftless, "render"]
            if args.rev:
                commit_tree(tmp)
                render += ["--rev", "HEAD"]
            d_time, d_rss, d_out = run_series(render + [env], args.runs)
            k_time, k_rss, k_out = run_series(oracle + [env], k_runs)
            identical = d_out == k_out
            rows.append((apps, apps * 4, k_time, k_rss, k_runs, d_time, d_rss, identical))
            print("%5d apps: %s %.3fs %d KiB, driftless %.4fs %d KiB, %s" % (
                apps, name, k_time, k_rss, d_time, d_rss,
                "identical" if identical else "OUTPUT DIFFERS"), file=sys.stderr)
    ours = "driftless render --rev" if args.rev else "driftless"
    print("| apps | objects | %s time | %s peak RSS | %s time | "
          "%s peak RSS | speed-up | memory ratio | identical |" % (name, name, ours, ours))
    print("|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for apps, objs, kt, kr, kn, dt, dr, same in rows:
        print("| %d | %d | %.3f s (%d run%s) | %.1f MiB | %.4f s | %.1f MiB | %.0fx | %.1f%% | %s |"
              % (apps, objs, kt, kn, "" if kn == 1 else "s", kr / 1024, dt, dr / 1024, kt / dt,
                 100.0 * dr / kr, "yes" if same else "NO"))
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        print("\ndriftless time at %d apps / at %d apps: %.1fx (linear would be %.1fx)"
              % (large[0], small[0], large[5] / small[5], large[0] / small[0]))
    if not all(r[7] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
