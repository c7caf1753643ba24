"""driftless sync ENV: the whole chain from the test git server to the test cluster, with
its state file, rollback of a bad revision, and a cluster that goes away mid-sync."""

import json
import os
import re
import socket
import threading

from gitutil import Repo
from kubeutil import env, names  # noqa: F401 (fixtures)
from kubeutil import (commit_overlay, image_of, kget, kubectl, run, state, write, write_config,
                      write_overlay)

def test_bad_revision_rolls_back_and_is_not_retried(driftless_bin, env, testenv, names,
                                                    tmp_path):
    ns, group = names
    repo = Repo(testenv, tmp_path, "kube-env")
    config = write_config(tmp_path, testenv, repo, ns)

    good = commit_overlay(repo, "good", ns, group, progress_deadline=10)
    code, out, err = run(driftless_bin, env, "sync", "-c", config, "dev")
    assert code == 0, out + err
    assert "environment dev: success at %s" % good[:12] in out
    st = state(tmp_path)
    assert st["revision"] == good and st["last_good_revision"] == good
    assert st["last_sync"]["result"] == "success" and st["last_sync"]["created"] == 9

    # nothing to do: recorded as unchanged
    code, out, err = run(driftless_bin, env, "sync", "-c", config, "dev")
    assert code == 0, out + err
    assert state(tmp_path)["last_sync"]["result"] == "unchanged"

    # an image that never becomes ready (the test environment's kwok never pulls it)
    bad = commit_overlay(repo, "bad image", ns, group, progress_deadline=10,
                         backend_image="registry.invalid/backend:does-not-exist",
                         config_value="two")
    code, out, err = run(driftless_bin, env, "sync", "-c", config, "dev")
    assert code == 2, out + err
    assert "progress deadline exceeded" in err, err
    assert "rolled back to %s" % good[:12] in out, out
    st = state(tmp_path)
    assert st["failed_revision"] == bad and st["revision"] == good
    assert st["last_good_revision"] == good
    assert st["last_sync"]["result"] == "rolled-back"
    assert st["last_sync"]["rolled_back_to"] == good
    assert image_of(env, ns, "backend") == "nginx:1.27"
    assert kget(env, "-n", ns, "configmap", "settings")["data"]["value"] == "one"

    # status reads it back from the state directory
    code, out, err = run(driftless_bin, env, "status", "-c", config, "dev")
    assert code == 0, out + err
    assert re.search(r"^dev +%s +%s +\S+ +rolled-back +2$" % (good[:12], good[:12]), out,
                     re.M), out
    assert "failed revision %s: " % bad[:12] in out and "progress deadline" in out
    assert "rolled back to %s" % good[:12] in out
    assert "source: branch main of %s" % repo.https_url in out
    code, out, err = run(driftless_bin, env, "status", "-c", config, "-o", "json")
    doc = json.loads(out)
    assert doc["environments"][0]["state"]["failed_revision"] == bad
    assert doc["source"]["revision"] == bad

    # not tried again until git moves; the good revision is kept (and healed)
    kubectl(env, "-n", ns, "set", "image", "deployment/frontend", "main=nginx:edited")
    code, out, err = run(driftless_bin, env, "sync", "-c", config, "dev")
    assert code == 2, out + err
    assert "failed before" in err and "--retry" in err
    assert state(tmp_path)["last_sync"]["result"] == "skipped"
    assert image_of(env, ns, "backend") == "nginx:1.27"
    assert image_of(env, ns, "frontend") == "nginx:1.27"

    # git moves: a fixed revision lands
    fixed = commit_overlay(repo, "fixed", ns, group, progress_deadline=10,
                           backend_image="nginx:1.28", config_value="two")
    code, out, err = run(driftless_bin, env, "sync", "-c", config, "dev")
    assert code == 0, out + err
    st = state(tmp_path)
    assert st["revision"] == fixed and st["last_good_revision"] == fixed
    assert "failed_revision" not in st
    assert image_of(env, ns, "backend") == "nginx:1.28"

    # diff of a configured environment
    code, out, err = run(driftless_bin, env, "diff", "-c", config, "dev")
    assert code == 0, out + err

def test_malformed_commit_leaves_the_cluster_alone(driftless_bin, env, testenv, names,
                                                   tmp_path):
    ns, group = names
    repo = Repo(testenv, tmp_path, "kube-env")
    config = write_config(tmp_path, testenv, repo, ns)
    good = commit_overlay(repo, "good", ns, group)
    code, out, err = run(driftless_bin, env, "sync", "-c", config, "dev")
    assert code == 0, out + err

    write_overlay(os.path.join(repo.work, "env"), ns, group, config_value="two")
    write(os.path.join(repo.work, "env", "frontend.yaml"), "kind: [unclosed\n")
    bad = repo.commit("broken yaml")
    repo.push()
    code, out, err = run(driftless_bin, env, "sync", "-c", config, "dev")
    assert code == 2, out + err
    assert "frontend.yaml" in err, err
    st = state(tmp_path)
    assert st["failed_revision"] == bad and st["revision"] == good
    assert st["last_sync"]["result"] == "failed"
    assert kget(env, "-n", ns, "configmap", "settings")["data"]["value"] == "one"

    code, out, err = run(driftless_bin, env, "diff", "-c", config, "dev")
    assert code == 2 and "frontend.yaml" in err, out + err

class Proxy:
    """A TCP relay to the API server on loopback that can be cut like a dead server."""

    def __init__(self, target_port, port=0):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.upstream_bytes = 0
        self.cut_after = None
        self.socks = []
        self.lock = threading.Lock()
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.socks += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False),
                             daemon=True).start()

    def _pump(self, src, dst, upstream):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            if upstream:
                with self.lock:
                    self.upstream_bytes += len(data)
                    cut = self.cut_after is not None and self.upstream_bytes > self.cut_after
                if cut:
                    self.stop()
                    return
            try:
                dst.sendall(data)
            except OSError:
                return

    def stop(self):
        self.stopped = True
        with self.lock:
            socks, self.socks = self.socks, []
        for s in socks + [self.listener]:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

def test_api_server_gone_mid_sync(driftless_bin, env, testenv, names, tmp_path):
    ns, group = names
    repo = Repo(testenv, tmp_path, "kube-env")
    api_port = int(testenv["KUBE_APISERVER_URL"].rsplit(":", 1)[1])
    proxy = Proxy(api_port)
    kc = tmp_path / "kubeconfig"
    kc.write_text(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"
        "    server: https://127.0.0.1:%d\n    certificate-authority: %s\nusers:\n- name: u\n"
        "  user:\n    tokenFile: %s\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\n"
        "current-context: x\n" % (proxy.port, testenv["KUBE_CA_FILE"],
                                  testenv["KUBE_TOKEN_FILE"]))
    config = write_config(tmp_path, testenv, repo, ns, kubeconfig=str(kc), context="x")
    good = commit_overlay(repo, "good", ns, group)
    code, out, err = run(driftless_bin, env, "sync", "-c", config, "dev")
    assert code == 0, out + err

    # a revision with many objects, so that the cut lands among its applies
    many = ["cm-%03d.yaml" % i for i in range(150)]
    for name in many:
        write(os.path.join(repo.work, "env", name),
              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata: {a: b}\n"
              % name[:-5])
    big = commit_overlay(repo, "many", ns, group, extra_resources=many)

    # what planning costs in bytes: a diff sends what the plan of a sync sends
    before = proxy.upstream_bytes
    code, out, err = run(driftless_bin, env, "diff", "-c", config, "dev")
    assert code == 1, out + err
    plan_bytes = proxy.upstream_bytes - before

    proxy.cut_after = proxy.upstream_bytes + plan_bytes + plan_bytes // 2
    code, out, err = run(driftless_bin, env, "sync", "-c", config, "dev")
    assert proxy.stopped, "the sync finished before the cut"
    assert code == 2, out + err
    assert "127.0.0.1:%d" % proxy.port in err or "connect" in err.lower(), err
    st = state(tmp_path)
    assert st["last_sync"]["result"] == "error"
    # nothing claimed that did not happen: neither the old nor the new revision is in place
    assert st["revision"] is None
    assert st["last_good_revision"] == good and "failed_revision" not in st
    n_live = len(kget(env, "-n", ns, "configmaps")["items"])
    assert 4 < n_live < 150, "expected a partial apply, found %d ConfigMaps" % n_live

    # the server is back: the next sync completes
    proxy2 = Proxy(api_port, port=proxy.port)
    try:
        code, out, err = run(driftless_bin, env, "sync", "-c", config, "dev")
        assert code == 0, out + err
        st = state(tmp_path)
        assert st["revision"] == big and st["last_sync"]["result"] == "success"
        assert len(kget(env, "-n", ns, "configmaps")["items"]) >= 152
    finally:
        proxy2.stop()


def test_the_inventory_copy_outlives_its_configmap(driftless_bin, env, testenv, names,
                                                   tmp_path):
    ns, group = names
    repo = Repo(testenv, tmp_path, "kube-env")
    config = write_config(tmp_path, testenv, repo, ns)
    write(os.path.join(repo.work, "env", "extra.yaml"),
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata: {a: b}\n")
    commit_overlay(repo, "with extra", ns, group, extra_resources=("extra.yaml",))
    code, out, err = run(driftless_bin, env, "sync", "-c", config, "dev")
    assert code == 0, out + err
    cache = tmp_path / "state" / "envs" / "dev" / "inventory.json"
    assert len(json.loads(cache.read_text())) == 10

    # the ConfigMap is deleted by hand; the copy in the state directory still knows
    kubectl(env, "-n", ns, "delete", "configmap", "driftless-dev")
    commit_overlay(repo, "without extra", ns, group)
    code, out, err = run(driftless_bin, env, "sync", "-c", config, "dev")
    assert code == 0, out + err
    assert "is gone; using its copy" in err
    assert "pruned ConfigMap '%s/extra'" % ns in out
    assert kget(env, "-n", ns, "configmap", "driftless-dev") is not None


def test_ignore_rules(driftless_bin, env, testenv, names, tmp_path):
    ns, group = names
    repo = Repo(testenv, tmp_path, "kube-env")
    config = write_config(tmp_path, testenv, repo, ns, extra=(
        "    ignore:\n"
        "    - { kind: ConfigMap, name: settings, paths: [/data/value] }\n"
        "    - { group: apps, kind: Deployment, namespace: %s, paths: [/metadata/labels/tier] }\n"
        % ns))
    commit_overlay(repo, "good", ns, group)
    code, out, err = run(driftless_bin, env, "sync", "-c", config, "dev")
    assert code == 0, out + err

    kubectl(env, "-n", ns, "patch", "configmap", "settings", "--type=merge", "-p",
            '{"data":{"value":"by-hand"}}')
    kubectl(env, "-n", ns, "label", "--overwrite", "deployment/frontend", "tier=edge")
    code, out, err = run(driftless_bin, env, "diff", "-c", config, "--no-fetch", "dev")
    assert code == 0, out + err
    # what the rules do not cover is still drift
    kubectl(env, "-n", ns, "label", "--overwrite", "deployment/frontend", "app=other")
    code, out, err = run(driftless_bin, env, "diff", "-c", config, "--no-fetch", "dev")
    assert code == 1, out + err
    assert "-    app: other\n" in out and "+    app: frontend\n" in out, out
    # the paths that differ leave the ignored one out; the diff shows what a sync would
    # apply, git's tier included (an ignored path is not drift, but goes with an apply)
    code, out, err = run(driftless_bin, env, "diff", "-c", config, "--no-fetch", "-o", "json",
                         "dev")
    doc = json.loads(out)
    assert [(o["name"], o["paths"]) for o in doc["objects"]] == [
        ("frontend", ["/metadata/labels/app"])], doc


def eks_setup(driftless_bin, env, testenv, names, tmp_path, region="us-east-1",
              drop=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")):
    """dev on the test API server's token context with cluster.eks (shop-dev), its source
    fetched: (config, an environment without the variables in drop)."""
    ns, group = names
    repo = Repo(testenv, tmp_path, "kube-env")
    commit_overlay(repo, "first", ns, group)
    config = write_config(tmp_path, testenv, repo, ns, context="driftless-testenv-token",
                          eks=("shop-dev", region))
    code, out, err = run(driftless_bin, env, "fetch", "-c", config)
    assert code == 0, out + err
    e = dict(env)
    for k in drop:
        e.pop(k, None)
    return config, e


def test_eks_token_replaces_the_kubeconfig_user(driftless_bin, env, testenv, names, tmp_path):
    """cluster.eks: the bearer token is made from the AWS credentials (the test
    environment's, for moto), not taken from the kubeconfig user; the test API server does
    not know EKS tokens, so it refuses what it would accept from the kubeconfig's token."""
    ns, group = names
    repo = Repo(testenv, tmp_path, "kube-env")
    commit_overlay(repo, "first", ns, group)
    plain = write_config(tmp_path, testenv, repo, ns, context="driftless-testenv-token")
    code, out, err = run(driftless_bin, env, "diff", "-c", plain, "dev")
    assert code == 1, out + err  # everything to create: the token user is let in
    eks = write_config(tmp_path, testenv, repo, ns, context="driftless-testenv-token",
                       eks=("shop-dev", "eu-west-1"))
    code, out, err = run(driftless_bin, env, "diff", "-c", eks, "--no-fetch", "dev")
    assert code == 2, out + err
    assert "Unauthorized" in err, err
    e = dict(env)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        e.pop(k, None)
    e["AWS_EC2_METADATA_DISABLED"] = "true"
    e["AWS_CONFIG_FILE"] = e["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
    code, out, err = run(driftless_bin, e, "diff", "-c", eks, "--no-fetch", "dev")
    assert code == 2 and "EKS cluster shop-dev" in err and "no AWS credentials" in err, err



def test_eks_token_from_an_assumed_role_signed_for_moto(driftless_bin, env, testenv, names,
                                                        tmp_path):
    """The credentials chain's AssumeRole (a profile's role_arn with a source profile) goes
    to moto with its signature checking on: moto verifies our SigV4 on its own. The EKS token
    made from the role's credentials then reaches the API server (which refuses it, as it
    knows no EKS tokens); a wrong secret is refused by moto, with AWS's code."""
    import boto3
    import requests

    ns, group = names
    moto = testenv["AWS_ENDPOINT_URL"]

    def client(service):
        return boto3.client(service, endpoint_url=moto, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    iam = client("iam")
    user = "driftless-%s" % ns
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="assume",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    role = iam.create_role(RoleName="deploy-%s" % ns, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": "*"}}]}))["Role"]["Arn"]

    config, e = eks_setup(driftless_bin, env, testenv, names, tmp_path)
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "config").write_text("[profile deploy]\nrole_arn = %s\nsource_profile = base\n"
                                "region = us-east-1\n" % role)
    e.update(AWS_CONFIG_FILE=str(aws / "config"),
             AWS_SHARED_CREDENTIALS_FILE=str(aws / "credentials"), AWS_PROFILE="deploy",
             AWS_ENDPOINT_URL_STS=moto, AWS_EC2_METADATA_DISABLED="true")

    requests.post(moto + "/moto-api/reset-auth", data="0",
                  headers={"Content-Type": "text/plain"}, timeout=10).raise_for_status()
    try:
        (aws / "credentials").write_text("[base]\naws_access_key_id = %s\n"
                                         "aws_secret_access_key = %s\n"
                                         % (key["AccessKeyId"], key["SecretAccessKey"]))
        code, out, err = run(driftless_bin, e, "diff", "-c", config, "--no-fetch", "dev")
        assert code == 2, out + err
        assert "Unauthorized" in err and "AssumeRole" not in err, err

        (aws / "credentials").write_text("[base]\naws_access_key_id = %s\n"
                                         "aws_secret_access_key = wrong%s\n"
                                         % (key["AccessKeyId"], key["SecretAccessKey"]))
        code, out, err = run(driftless_bin, e, "diff", "-c", config, "--no-fetch", "dev")
        assert code == 2, out + err
        assert re.search(r"AWS credentials for %s: STS AssumeRole: "
                         r"(SignatureDoesNotMatch|InvalidClientTokenId)" % re.escape(role),
                         err), err
    finally:
        requests.post(moto + "/moto-api/reset-auth", data="1000000000",
                      headers={"Content-Type": "text/plain"}, timeout=10)


def test_eks_token_from_the_instance_role_through_moto_imds(driftless_bin, env, testenv, names,
                                                           tmp_path):
    """A bastion on EC2 with its instance role and no files: the last step of the chain,
    IMDSv2, against moto's metadata endpoint (AWS_EC2_METADATA_SERVICE_ENDPOINT)."""
    config, e = eks_setup(driftless_bin, env, testenv, names, tmp_path,
                          drop=("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                "AWS_SESSION_TOKEN", "AWS_PROFILE"))
    e.update(AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
             AWS_EC2_METADATA_SERVICE_ENDPOINT=testenv["AWS_ENDPOINT_URL"])
    code, out, err = run(driftless_bin, e, "diff", "-c", config, "--no-fetch", "dev")
    # the token made from the instance role reached the API server, which refuses it
    assert code == 2 and "Unauthorized" in err and "instance metadata" not in err, err
    # nothing answers where the metadata service should be: said so
    e["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:9"
    code, out, err = run(driftless_bin, e, "diff", "-c", config, "--no-fetch", "dev")
    assert code == 2 and "AWS credentials from the instance metadata service" in err, err


def test_eks_token_from_web_identity_through_moto(driftless_bin, env, testenv, names, tmp_path):
    """IRSA-style web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, an unsigned
    AssumeRoleWithWebIdentity to moto's STS."""
    config, e = eks_setup(driftless_bin, env, testenv, names, tmp_path)
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkcmlmdGxlc3MifQ.c2ln\n")
    e.update(AWS_WEB_IDENTITY_TOKEN_FILE=str(token),
             AWS_ROLE_ARN="arn:aws:iam::123456789012:role/driftless-irsa",
             AWS_ENDPOINT_URL_STS=testenv["AWS_ENDPOINT_URL"], AWS_EC2_METADATA_DISABLED="true")
    code, out, err = run(driftless_bin, e, "diff", "-c", config, "--no-fetch", "dev")
    assert code == 2 and "Unauthorized" in err and "AssumeRole" not in err, err
    # a token file that is gone: said so
    token.unlink()
    code, out, err = run(driftless_bin, e, "diff", "-c", config, "--no-fetch", "dev")
    assert code == 2 and "AWS web identity token" in err, err


def test_eks_region_from_the_profile(driftless_bin, env, testenv, names, tmp_path):
    """cluster.eks without a region: AWS_REGION, AWS_DEFAULT_REGION, then the profile's."""
    config, e = eks_setup(driftless_bin, env, testenv, names, tmp_path, region=None,
                          drop=("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"))
    aws = tmp_path / "aws-config"
    aws.write_text("[default]\nregion = eu-central-1\n")
    e.update(AWS_CONFIG_FILE=str(aws), AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
             AWS_EC2_METADATA_DISABLED="true")
    code, out, err = run(driftless_bin, e, "diff", "-c", config, "--no-fetch", "dev")
    assert code == 2 and "Unauthorized" in err, err
    e["AWS_CONFIG_FILE"] = "/nonexistent"
    code, out, err = run(driftless_bin, e, "diff", "-c", config, "--no-fetch", "dev")
    assert code == 2 and "EKS cluster shop-dev: no region" in err, err
