"""Helpers for the tests that reconcile against the test environment's kube-apiserver."""

import json
import os
import subprocess
import textwrap
import time
import uuid

import pytest


def unique(prefix):
    """A name no other test run uses: the test environment outlives one pytest run."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:6])


def kubectl(env, *args, check=True, input=None, timeout=60):
    p = subprocess.run([env["KUBECTL"], *args], capture_output=True, text=True, env=env,
                       input=input, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError("kubectl %s failed (%d): %s" % (" ".join(args), p.returncode,
                                                             p.stderr))
    return p


def kget(env, *args):
    """The object(s) kubectl get returns, as JSON; None when not found."""
    p = kubectl(env, "get", *args, "-o", "json", check=False)
    if p.returncode != 0:
        if "NotFound" in p.stderr:
            return None
        raise AssertionError("kubectl get %s: %s" % (" ".join(args), p.stderr))
    return json.loads(p.stdout)


def wait_for(what, predicate, timeout=60, interval=0.25):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


def run(bin_, env, *args, timeout=300):
    """Run driftless; returns (exit code, stdout, stderr)."""
    p = subprocess.run([bin_, *args], capture_output=True, text=True, env=env,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text).lstrip())


def crd_yaml(group, kind="Widget", plural="widgets"):
    return """
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata:
      name: %(plural)s.%(group)s
    spec:
      group: %(group)s
      scope: Namespaced
      names: {kind: %(kind)s, plural: %(plural)s, singular: %(singular)s, listKind: %(kind)sList}
      versions:
      - name: v1
        served: true
        storage: true
        schema:
          openAPIV3Schema:
            type: object
            properties:
              spec:
                type: object
                properties:
                  size: {type: integer}
                  color: {type: string}
    """ % {"group": group, "kind": kind, "plural": plural, "singular": kind.lower()}


def deployment_yaml(name, image, replicas=None, progress_deadline=None, env_value="1"):
    extra = ""
    if replicas is not None:
        extra += "  replicas: %d\n" % replicas
    if progress_deadline is not None:
        extra += "  progressDeadlineSeconds: %d\n" % progress_deadline
    return ("""apiVersion: apps/v1
kind: Deployment
metadata:
  name: %(name)s
  labels: {app: %(name)s, tier: web}
spec:
%(extra)s  selector:
    matchLabels: {app: %(name)s}
  template:
    metadata:
      labels: {app: %(name)s}
    spec:
      containers:
      - name: main
        image: %(image)s
        ports:
        - containerPort: 8080
        env:
        - {name: MODE, value: "%(env)s"}
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {cpu: "0.5", memory: 128Mi}
""" % {"name": name, "image": image, "extra": extra, "env": env_value})


def service_yaml(name):
    return """apiVersion: v1
kind: Service
metadata:
  name: %(name)s
spec:
  selector: {app: %(name)s}
  ports:
  - port: 80
    targetPort: 8080
""" % {"name": name}


def hpa_yaml(target, min_replicas=2, max_replicas=5):
    return """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: %(t)s
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: %(t)s}
  minReplicas: %(min)d
  maxReplicas: %(max)d
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 80}
""" % {"t": target, "min": min_replicas, "max": max_replicas}


def write_overlay(root, ns, group, frontend_image="nginx:1.27", backend_image="nginx:1.27",
                  config_value="one", extra_resources=(), progress_deadline=None,
                  with_widget=True):
    """A realistic environment: a namespace, a CRD and an object of it, a frontend and a
    backend with Services, an HPA on the backend, a ConfigMap."""
    resources = ["namespace.yaml", "crd.yaml", "frontend.yaml", "frontend-svc.yaml",
                 "backend.yaml", "backend-svc.yaml", "backend-hpa.yaml", "config.yaml"]
    if with_widget:
        resources.append("widget.yaml")
    resources += list(extra_resources)
    write(os.path.join(root, "kustomization.yaml"),
          "namespace: %s\nresources:\n%s" % (ns, "".join("- %s\n" % r for r in resources)))
    write(os.path.join(root, "namespace.yaml"),
          "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n" % ns)
    write(os.path.join(root, "crd.yaml"), crd_yaml(group))
    write(os.path.join(root, "widget.yaml"),
          "apiVersion: %s/v1\nkind: Widget\nmetadata:\n  name: blue\nspec:\n  size: 3\n"
          "  color: blue\n" % group)
    write(os.path.join(root, "frontend.yaml"),
          deployment_yaml("frontend", frontend_image, replicas=1,
                          progress_deadline=progress_deadline))
    write(os.path.join(root, "frontend-svc.yaml"), service_yaml("frontend"))
    write(os.path.join(root, "backend.yaml"),
          deployment_yaml("backend", backend_image, replicas=2,
                          progress_deadline=progress_deadline))
    write(os.path.join(root, "backend-svc.yaml"), service_yaml("backend"))
    write(os.path.join(root, "backend-hpa.yaml"), hpa_yaml("backend"))
    write(os.path.join(root, "config.yaml"),
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n"
          "  value: %s\n" % config_value)


def delete_namespace(env, ns):
    kubectl(env, "delete", "namespace", ns, "--wait=false", "--ignore-not-found", check=False)


def delete_crd(env, group, plural="widgets"):
    kubectl(env, "delete", "crd", "%s.%s" % (plural, group), "--wait=false",
            "--ignore-not-found", check=False)


@pytest.fixture
def env(testenv_environ):
    """The test environment's variables for driftless and kubectl, without colour and
    without a config file from the caller's environment."""
    e = dict(testenv_environ)
    e.pop("DRIFTLESS_CONFIG", None)
    e["NO_COLOR"] = "1"
    return e


@pytest.fixture
def names(env):
    """A namespace and an API group of this test's own, deleted at its end."""
    ns = unique("kube")
    group = "%s.example.com" % unique("t")
    yield ns, group
    delete_namespace(env, ns)
    delete_crd(env, group)


# --- environments of a config file, synced from the test git server ---

def write_config(tmp_path, testenv, repo, ns, kubeconfig=None, context="driftless-testenv",
                 health_timeout="60s", extra="", interval="1m", eks=None):
    """A config file with one environment, dev, at path env/ of repo; extra is appended."""
    path = tmp_path / "driftless.yaml"
    path.write_text("""source:
  url: %(url)s
  branch: main
  interval: %(interval)s
  auth:
    username: %(user)s
    token_file: %(token)s
    ca_file: %(ca)s
state_dir: %(state)s
environments:
  dev:
    path: env
    cluster:
      kubeconfig: %(kubeconfig)s
      context: %(context)s
%(eks)s    inventory:
      namespace: %(ns)s
    health_timeout: %(timeout)s
%(extra)s""" % {"url": repo.https_url, "user": testenv["GIT_HTTPS_USER"],
       "token": testenv["GIT_HTTPS_TOKEN_FILE"], "ca": testenv["GIT_CA_FILE"],
       "state": tmp_path / "state", "kubeconfig": kubeconfig or testenv["KUBECONFIG"],
       "context": context, "ns": ns, "timeout": health_timeout, "extra": extra,
       "interval": interval,
       "eks": ("      eks: { name: %s%s }\n"
               % (eks[0], ", region: %s" % eks[1] if eks[1] else "") if eks else "")})
    return str(path)


def state(tmp_path):
    with open(tmp_path / "state" / "envs" / "dev" / "state.json") as f:
        return json.load(f)


def image_of(env, ns, name):
    dep = kget(env, "-n", ns, "deployment", name)
    return dep["spec"]["template"]["spec"]["containers"][0]["image"]


def commit_overlay(repo, message, ns, group, **overlay):
    write_overlay(os.path.join(repo.work, "env"), ns, group, **overlay)
    rev = repo.commit(message)
    repo.push()
    return rev
