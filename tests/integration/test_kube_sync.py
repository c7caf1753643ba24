"""driftless diff and sync --path against the test environment's real kube-apiserver."""

import json
import os
import re

import pytest

from kubeutil import env, names  # noqa: F401 (fixtures)
from kubeutil import kget, kubectl, run, wait_for, write, write_overlay


def path_args(root, ns, *extra):
    return ["--path", root, "--context", "driftless-testenv",
            "--inventory", "%s/driftless-inventory" % ns, *extra]


def diff(bin_, env, root, ns, *extra):
    return run(bin_, env, "diff", *path_args(root, ns, *extra))


def sync(bin_, env, root, ns, *extra):
    return run(bin_, env, "sync", *path_args(root, ns, "--timeout", "60s", *extra))


def summary(text):
    lines = [l for l in text.splitlines() if l.startswith(("Drift:", "No drift:"))]
    assert lines, "no summary line in:\n" + text
    return lines[-1]


def first_sync(bin_, env, root, ns, group, **overlay):
    write_overlay(root, ns, group, **overlay)
    code, out, err = sync(bin_, env, root, ns)
    assert code == 0, out + err
    return out


def test_first_sync_then_no_drift(driftless_bin, env, names, tmp_path):
    ns, group = names
    root = str(tmp_path / "env")
    write_overlay(root, ns, group)

    # before anything exists: everything is to create, shown as a diff from /dev/null
    code, out, err = diff(driftless_bin, env, root, ns)
    assert code == 1, out + err
    assert "--- /dev/null\n+++ git/apps/v1/Deployment/%s/frontend" % ns in out
    assert "+++ git/%s/v1/Widget/%s/blue" % (group, ns) in out
    assert re.search(r"Drift: 9 to create", summary(out)), out

    code, out, err = sync(driftless_bin, env, root, ns)
    assert code == 0, out + err
    assert "created Namespace '%s'" % ns in out
    assert "created Widget '%s/blue'" % ns in out
    # dependency order: the namespace and the CRD before what needs them
    lines = out.splitlines()
    assert lines.index("created Namespace '%s'" % ns) < lines.index(
        "created CustomResourceDefinition 'widgets.%s'" % group) < lines.index(
        "created ConfigMap '%s/settings'" % ns) < lines.index(
        "created Service '%s/backend'" % ns) < lines.index(
        "created Deployment '%s/backend'" % ns) < lines.index(
        "created HorizontalPodAutoscaler '%s/backend'" % ns)

    # the workloads are healthy when sync returns
    dep = kget(env, "-n", ns, "deployment", "backend")
    assert dep["status"].get("availableReplicas") == 2
    assert dep["metadata"]["annotations"]["driftless.dev/desired-hash"]
    assert kget(env, "-n", ns, "widgets." + group, "blue")["spec"] == {"size": 3, "color": "blue"}

    # in sync: one LIST per kind, no dry run
    code, out, err = diff(driftless_bin, env, root, ns)
    assert code == 0, out + err
    assert summary(out) == "No drift: 9 in sync (7 LISTs, 0 dry runs)", out

    code, out, err = diff(driftless_bin, env, root, ns, "--output", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["drift"] is False and doc["summary"]["unchanged"] == 9
    assert doc["summary"]["dry_runs"] == 0 and doc["objects"] == []

    inv = kget(env, "-n", ns, "configmap", "driftless-inventory")
    entries = json.loads(inv["data"]["objects"])
    assert len(entries) == 9 and all(e[6] is True for e in entries)


def test_drift_injected_with_kubectl_is_detected_and_healed(driftless_bin, env, names,
                                                           tmp_path):
    ns, group = names
    root = str(tmp_path / "env")
    first_sync(driftless_bin, env, root, ns, group)

    kubectl(env, "-n", ns, "set", "image", "deployment/frontend", "main=nginx:1.99")
    kubectl(env, "-n", ns, "delete", "configmap", "settings")
    kubectl(env, "-n", ns, "label", "--overwrite", "deployment/backend", "tier=batch")
    kubectl(env, "-n", ns, "label", "service/frontend", "owner=someone-else")
    kubectl(env, "-n", ns, "patch", "widgets." + group, "blue", "--type=merge", "-p",
            '{"spec":{"size":7}}')

    code, out, err = diff(driftless_bin, env, root, ns)
    assert code == 1, out + err
    assert "-        image: nginx:1.99\n+        image: nginx:1.27" in out
    assert "--- /dev/null\n+++ git/v1/ConfigMap/%s/settings" % ns in out
    assert "-    tier: batch\n+    tier: web" in out
    assert "-  size: 7\n+  size: 3" in out
    # a label git does not set belongs to whoever set it: not drift
    assert "v1/Service/%s/frontend" % ns not in out
    assert summary(out).startswith("Drift: 1 to create, 3 to update"), out

    code, out, err = diff(driftless_bin, env, root, ns, "--output", "json")
    doc = json.loads(out)
    by_name = {(o["kind"], o["name"]): o for o in doc["objects"]}
    assert by_name[("Deployment", "frontend")]["paths"] == [
        "/spec/template/spec/containers/[name=main]/image"]
    assert by_name[("ConfigMap", "settings")]["action"] == "create"

    code, out, err = sync(driftless_bin, env, root, ns)
    assert code == 0, out + err
    assert "updated Deployment '%s/frontend'" % ns in out
    assert "created ConfigMap '%s/settings'" % ns in out
    dep = kget(env, "-n", ns, "deployment", "frontend")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert kget(env, "-n", ns, "deployment", "backend")["metadata"]["labels"]["tier"] == "web"
    assert kget(env, "-n", ns, "widgets." + group, "blue")["spec"]["size"] == 3
    assert kget(env, "-n", ns, "service", "frontend")["metadata"]["labels"]["owner"] == \
        "someone-else"

    code, out, err = diff(driftless_bin, env, root, ns)
    assert code == 0, out + err


def test_hpa_scaled_replicas_are_not_drift(driftless_bin, env, names, tmp_path):
    ns, group = names
    root = str(tmp_path / "env")
    first_sync(driftless_bin, env, root, ns, group)

    kubectl(env, "-n", ns, "scale", "deployment/backend", "--replicas=4")
    kubectl(env, "-n", ns, "scale", "deployment/frontend", "--replicas=3")
    code, out, err = diff(driftless_bin, env, root, ns)
    assert code == 1, out + err
    # the frontend has no HPA: its replicas are git's; the backend's are the HPA's
    assert "+++ git/apps/v1/Deployment/%s/frontend" % ns in out
    assert "Deployment/%s/backend" % ns not in out

    # a change to the backend's template is applied without touching its replicas (and the
    # frontend's replicas are healed); nothing else is written, not even the inventory,
    # whose entries did not change
    inventory_version = kget(env, "-n", ns, "configmap",
                             "driftless-inventory")["metadata"]["resourceVersion"]
    write_overlay(root, ns, group, backend_image="nginx:1.28")
    code, out, err = sync(driftless_bin, env, root, ns)
    assert code == 0, out + err
    assert out == "updated Deployment '%s/backend'\nupdated Deployment '%s/frontend'\n" % (
        ns, ns), out
    assert kget(env, "-n", ns, "configmap", "driftless-inventory")["metadata"][
        "resourceVersion"] == inventory_version
    backend = kget(env, "-n", ns, "deployment", "backend")
    assert backend["spec"]["replicas"] == 4
    assert backend["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert kget(env, "-n", ns, "deployment", "frontend")["spec"]["replicas"] == 1


def test_prune_what_left_git_and_nothing_else(driftless_bin, env, names, tmp_path):
    ns, group = names
    root = str(tmp_path / "env")
    extra = os.path.join(root, "extra.yaml")
    write(extra, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata: {a: b}\n")
    write(os.path.join(root, "kept.yaml"),
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\ndata: {a: b}\n")
    first_sync(driftless_bin, env, root, ns, group,
               extra_resources=("extra.yaml", "kept.yaml"))
    # someone else's object in the same namespace, and one of ours they protect
    kubectl(env, "-n", ns, "create", "configmap", "foreign", "--from-literal=a=b")
    kubectl(env, "-n", ns, "annotate", "configmap", "kept", "driftless.dev/prune=disabled")

    write_overlay(root, ns, group, with_widget=False)
    code, out, err = diff(driftless_bin, env, root, ns)
    assert code == 1, out + err
    assert "--- live/v1/ConfigMap/%s/extra\n+++ /dev/null" % ns in out
    assert "--- live/%s/v1/Widget/%s/blue\n+++ /dev/null" % (group, ns) in out
    assert "# ConfigMap '%s/kept' left git and is kept: annotation" % ns in out
    assert "foreign" not in out
    assert summary(out).startswith("Drift: 2 to prune, 1 left git but kept"), out

    code, out, err = sync(driftless_bin, env, root, ns)
    assert code == 0, out + err
    assert "pruned ConfigMap '%s/extra'" % ns in out
    assert "pruned Widget '%s/blue'" % ns in out
    wait_for("the pruned ConfigMap to go",
             lambda: kget(env, "-n", ns, "configmap", "extra") is None)
    assert kget(env, "-n", ns, "configmap", "foreign") is not None
    assert kget(env, "-n", ns, "configmap", "kept") is not None

    code, out, err = diff(driftless_bin, env, root, ns)
    assert code == 0, out + err


def test_an_object_created_again_by_someone_else_is_not_pruned(driftless_bin, env, names,
                                                                tmp_path):
    ns, group = names
    root = str(tmp_path / "env")
    write(os.path.join(root, "extra.yaml"),
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata: {a: b}\n")
    first_sync(driftless_bin, env, root, ns, group, extra_resources=("extra.yaml",))
    kubectl(env, "-n", ns, "delete", "configmap", "extra")
    kubectl(env, "-n", ns, "create", "configmap", "extra", "--from-literal=theirs=yes")

    write_overlay(root, ns, group)
    code, out, err = sync(driftless_bin, env, root, ns)
    assert code == 0, out + err
    assert "pruned" not in out
    assert kget(env, "-n", ns, "configmap", "extra")["data"] == {"theirs": "yes"}


def test_an_invalid_object_changes_nothing(driftless_bin, env, names, tmp_path):
    ns, group = names
    root = str(tmp_path / "env")
    first_sync(driftless_bin, env, root, ns, group)
    write_overlay(root, ns, group, config_value="two", frontend_image="nginx:1.28")
    # the server refuses this one (a port out of range): nothing of the render is applied
    write(os.path.join(root, "bad.yaml"),
          "apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\nspec:\n  ports:\n"
          "  - port: 70000\n")
    with open(os.path.join(root, "kustomization.yaml"), "a") as f:
        f.write("- bad.yaml\n")
    code, out, err = sync(driftless_bin, env, root, ns)
    assert code == 2, out + err
    assert "Service '%s/bad'" % ns in err and "70000" in err, err
    assert kget(env, "-n", ns, "configmap", "settings")["data"]["value"] == "one"
    dep = kget(env, "-n", ns, "deployment", "frontend")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_secret_values_never_show(driftless_bin, env, names, tmp_path):
    ns, group = names
    root = str(tmp_path / "env")
    write(os.path.join(root, "secret.yaml"),
          "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n"
          "stringData:\n  password: hunter2-first\n")
    first_sync(driftless_bin, env, root, ns, group, extra_resources=("secret.yaml",))
    write(os.path.join(root, "secret.yaml"),
          "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n"
          "stringData:\n  password: hunter2-second\n")
    code, out, err = diff(driftless_bin, env, root, ns)
    assert code == 1, out + err
    assert "hunter2" not in out + err
    assert "aHVudGVyMi1maXJzdA" not in out  # base64 of the old value
    assert "-  password: '*** (before)'\n+  password: '*** (after)'" in out, out


def test_conflict_with_another_applier_is_reported_unless_forced(driftless_bin, env, names,
                                                                 tmp_path):
    ns, group = names
    root = str(tmp_path / "env")
    first_sync(driftless_bin, env, root, ns, group)
    # another declarative owner takes the value with a forced server-side apply
    kubectl(env, "apply", "--server-side", "--force-conflicts", "--field-manager=other",
            "-f", "-", input="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
            "  namespace: %s\ndata:\n  value: theirs\n" % ns)
    code, out, err = sync(driftless_bin, env, root, ns)
    assert code == 2, out + err
    assert "other" in err and ".data.value" in err and "force_conflicts" in err, err
    assert kget(env, "-n", ns, "configmap", "settings")["data"]["value"] == "theirs"

    code, out, err = sync(driftless_bin, env, root, ns, "--force-conflicts")
    assert code == 0, out + err
    assert kget(env, "-n", ns, "configmap", "settings")["data"]["value"] == "one"


@pytest.mark.parametrize("context", ["driftless-testenv", "driftless-testenv-token", "exec"])
def test_auth_paths(driftless_bin, env, names, tmp_path, context):
    ns, group = names
    root = str(tmp_path / "env")
    write_overlay(root, ns, group)
    args = ["--path", root]
    if context == "exec":
        # a credential plugin that hands out the test environment's token
        plugin = tmp_path / "plugin.sh"
        plugin.write_text("#!/bin/sh\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/"
                          "v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%%s\"}}' "
                          "\"$(cat %s)\"\n" % env["KUBE_TOKEN_FILE"])
        plugin.chmod(0o755)
        kc = tmp_path / "kubeconfig"
        kc.write_text(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
            "    server: %s\n    certificate-authority: %s\nusers:\n- name: u\n  user:\n"
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
            "      command: %s\n      interactiveMode: Never\ncontexts:\n- name: x\n"
            "  context: {cluster: c, user: u}\ncurrent-context: x\n"
            % (env["KUBE_APISERVER_URL"], env["KUBE_CA_FILE"], plugin))
        args += ["--kubeconfig", str(kc)]
    else:
        args += ["--context", context]
    code, out, err = run(driftless_bin, env, "sync", *args, "--timeout", "60s")
    assert code == 0, out + err
    code, out, err = run(driftless_bin, env, "diff", *args)
    assert code == 0, out + err
    assert summary(out).startswith("No drift: 9 in sync"), out


def test_usage_errors(driftless_bin, env, tmp_path):
    code, out, err = run(driftless_bin, env, "diff", "--path", str(tmp_path), "prod")
    assert code == 2 and "--path takes no environment" in err
    code, out, err = run(driftless_bin, env, "diff", "--context", "x", "prod")
    assert code == 2 and "go with --path" in err
    code, out, err = run(driftless_bin, env, "diff", "--path", str(tmp_path), "--inventory",
                         "nothing")
    assert code == 2 and "NAMESPACE/NAME" in err
    code, out, err = run(driftless_bin, env, "diff", "--dry-run")
    assert code == 2 and "unknown option" in err
    code, out, err = run(driftless_bin, env, "diff", "--path", str(tmp_path / "missing"),
                         "--context", "driftless-testenv")
    assert code == 2 and "missing" in err


def test_sync_dry_run_changes_nothing(driftless_bin, env, names, tmp_path):
    ns, group = names
    root = str(tmp_path / "env")
    first_sync(driftless_bin, env, root, ns, group)
    write_overlay(root, ns, group, config_value="two")
    code, out, err = sync(driftless_bin, env, root, ns, "--dry-run")
    assert code == 0, out + err
    assert "-  value: one\n+  value: two" in out, out
    assert summary(out).startswith("Drift: 1 to update"), out
    assert kget(env, "-n", ns, "configmap", "settings")["data"]["value"] == "one"
