"""RDSInstance and DBParameterGroup against moto, with moto's signature checking on: every
request driftless signs is verified by an independent SigV4 implementation, for an IAM user
allowed rds:*. moto applies every change at once, so pending values, ParameterApplyStatus
and busy instances are covered by the unit tests of the drift logic (test-aws-rds.c); a
stopped instance stands in for a busy one here."""

import json
import os
import re

import pytest

from gitutil import Repo
from kubeutil import env, names  # noqa: F401 (fixtures)
from kubeutil import (commit_overlay, image_of, kget, run, state, unique, write, write_config,
                      write_overlay)

REGION = "eu-west-1"


@pytest.fixture
def aws(env, testenv):
    """(driftless's environment with the keys of an IAM user allowed rds:*, a function giving
    a boto3 RDS client signed with the same keys); moto checks signatures meanwhile."""
    import boto3
    import requests

    moto = testenv["AWS_ENDPOINT_URL"]
    iam = boto3.client("iam", endpoint_url=moto, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    user = unique("rds")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="rds", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "rds:*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    e = dict(env)
    e.pop("AWS_SESSION_TOKEN", None)
    e.update(AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"],
             AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/nonexistent",
             AWS_SHARED_CREDENTIALS_FILE="/nonexistent")

    def client(region=REGION):
        return boto3.client("rds", endpoint_url=moto, region_name=region,
                            aws_access_key_id=key["AccessKeyId"],
                            aws_secret_access_key=key["SecretAccessKey"])

    requests.post(moto + "/moto-api/reset-auth", data="0",
                  headers={"Content-Type": "text/plain"}, timeout=10).raise_for_status()
    try:
        yield e, client
    finally:
        requests.post(moto + "/moto-api/reset-auth", data="1000000000",
                      headers={"Content-Type": "text/plain"}, timeout=10)


def create_instance(rds, ident, **kw):
    args = dict(DBInstanceIdentifier=ident, Engine="postgres", EngineVersion="16.4",
                DBInstanceClass="db.t4g.micro", AllocatedStorage=20, MasterUsername="app",
                ManageMasterUserPassword=True, StorageType="gp3", BackupRetentionPeriod=1,
                PreferredBackupWindow="02:00-03:00",
                PreferredMaintenanceWindow="sun:03:30-sun:04:30",
                Tags=[{"Key": "team", "Value": "db"}, {"Key": "owner", "Value": "bob"}])
    args.update(kw)
    rds.create_db_instance(**args)


def describe(rds, ident):
    return rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]


def instance(ident, **spec):
    """An RDSInstance as git gives it (JSON is YAML)."""
    s = {"region": REGION, "dbInstanceIdentifier": ident, "engine": "postgres",
         "engineVersion": "16", "dbInstanceClass": "db.t4g.small", "allocatedStorage": 50,
         "storageType": "gp3", "multiAZ": True, "backupRetentionPeriod": 7,
         "preferredMaintenanceWindow": "Sun:03:30-Sun:04:30", "applyImmediately": True,
         "tags": {"team": "platform"}}
    s.update(spec)
    for k in [k for k, v in s.items() if v is None]:
        del s[k]
    return {"apiVersion": "driftless.dev/v1alpha1", "kind": "RDSInstance",
            "metadata": {"name": "shop-db", "labels": {"app": "shop"}}, "spec": s}


def parameter_group(name, parameters, family="postgres16", **spec):
    s = {"region": REGION, "family": family, "parameters": parameters}
    s.update(spec)
    return {"apiVersion": "driftless.dev/v1alpha1", "kind": "DBParameterGroup",
            "metadata": {"name": name}, "spec": s}


def write_objects(root, ns, *objects, configmap=True):
    """An overlay of the RDS objects given, plus (configmap) a namespace and a ConfigMap of
    the cluster, to see what a refused apply leaves alone."""
    resources = []
    for i, o in enumerate(objects):
        write(os.path.join(root, "rds-%d.yaml" % i), json.dumps(o) + "\n")
        resources.append("rds-%d.yaml" % i)
    if configmap:
        write(os.path.join(root, "ns.yaml"),
              "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n" % ns)
        write(os.path.join(root, "cm.yaml"),
              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
              "  namespace: %s\ndata:\n  value: one\n" % ns)
        resources += ["ns.yaml", "cm.yaml"]
    write(os.path.join(root, "kustomization.yaml"),
          "resources:\n" + "".join("- %s\n" % r for r in resources))


def path_args(root, ns):
    return ["--path", root, "--context", "driftless-testenv",
            "--inventory", "%s/driftless-inventory" % ns]


def diff(bin_, e, root, ns, *extra):
    return run(bin_, e, "diff", *path_args(root, ns), *extra)


def sync(bin_, e, root, ns, *extra):
    return run(bin_, e, "sync", *path_args(root, ns), "--timeout", "60s", *extra)


def test_instance_drift_detected_and_applied(driftless_bin, aws, names, tmp_path):
    """Class, storage, multi-AZ, backup retention and tags drift: shown as a diff of git's
    shape, applied with one ModifyDBInstance and the tag calls, then in sync. Fields in sync
    by RDS's rules (the version prefix, the window's case) are not drift."""
    e, client = aws
    rds = client()
    ns, _ = names
    ident = unique("shop")
    create_instance(rds, ident)
    root = str(tmp_path / "env")
    write_objects(root, ns, instance(ident), configmap=False)

    code, out, err = diff(driftless_bin, e, root, ns)
    assert code == 1, out + err
    assert "--- live/driftless.dev/v1alpha1/RDSInstance/shop-db\n" \
           "+++ git/driftless.dev/v1alpha1/RDSInstance/shop-db\n" in out, out
    for before, after in (("allocatedStorage: 20", "allocatedStorage: 50"),
                          ("backupRetentionPeriod: 1", "backupRetentionPeriod: 7"),
                          ("dbInstanceClass: db.t4g.micro", "dbInstanceClass: db.t4g.small"),
                          ("multiAZ: false", "multiAZ: true")):
        assert "\n-  %s\n" % before in out and "\n+  %s\n" % after in out, out
    assert "\n-    owner: bob\n-    team: db\n+    team: platform\n" in out, out
    assert "engineVersion" not in "".join(l for l in out.splitlines(True)
                                          if l.startswith(("-", "+"))), out
    assert "restarts the instance" in out and "applyImmediately" in out, out
    assert "Drift: 1 to update (0 LISTs, 0 dry runs, 1 AWS call)" in out, out

    code, out, err = diff(driftless_bin, e, root, ns, "-o", "json")
    assert code == 1, out + err
    (obj,) = json.loads(out)["objects"]
    assert obj["kind"] == "RDSInstance" and obj["action"] == "update"
    assert sorted(obj["paths"]) == ["/spec/allocatedStorage", "/spec/backupRetentionPeriod",
                                    "/spec/dbInstanceClass", "/spec/multiAZ", "/spec/tags"]

    code, out, err = sync(driftless_bin, e, root, ns)
    assert code == 0, out + err
    assert re.search(r"^updated RDSInstance 'shop-db': .*restarts the instance", out, re.M), out
    live = describe(rds, ident)
    assert live["DBInstanceClass"] == "db.t4g.small" and live["AllocatedStorage"] == 50
    assert live["MultiAZ"] is True and live["BackupRetentionPeriod"] == 7
    assert live["EngineVersion"] == "16.4"
    tags = {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(
        ResourceName=live["DBInstanceArn"])["TagList"]}
    assert tags == {"team": "platform"}

    code, out, err = diff(driftless_bin, e, root, ns)
    assert code == 0, out + err
    assert "No drift: 1 in sync" in out, out

    # moto checks what we sign: a wrong secret is refused, with AWS's code
    bad = dict(e, AWS_SECRET_ACCESS_KEY="wrong" + e["AWS_SECRET_ACCESS_KEY"])
    code, out, err = diff(driftless_bin, bad, root, ns)
    assert code == 2, out + err
    assert re.search(r"RDSInstance 'shop-db': RDS DescribeDBInstances: "
                     r"(SignatureDoesNotMatch|InvalidClientTokenId)", err), err


def test_storage_autoscaled_above_git_is_not_drift(driftless_bin, aws, names, tmp_path):
    """Storage that autoscaling grew above allocatedStorage is in sync when
    maxAllocatedStorage is set."""
    e, client = aws
    rds = client()
    ns, _ = names
    ident = unique("auto")
    create_instance(rds, ident, AllocatedStorage=80, MaxAllocatedStorage=200,
                    DBInstanceClass="db.t4g.small", MultiAZ=True, BackupRetentionPeriod=7,
                    Tags=[{"Key": "team", "Value": "platform"}])
    root = str(tmp_path / "env")
    write_objects(root, ns, instance(ident, maxAllocatedStorage=200), configmap=False)
    code, out, err = diff(driftless_bin, e, root, ns)
    assert code == 0, out + err


def test_missing_instance_is_reported_and_created_only_when_asked(driftless_bin, aws, names,
                                                                 tmp_path, env):
    """A missing instance is reported; the apply refuses before anything is written (the
    cluster's objects of the same render included). With create: true it is created with
    ManageMasterUserPassword, so no password is in git."""
    e, client = aws
    rds = client()
    ns, _ = names
    ident = unique("new")
    root = str(tmp_path / "env")
    write_objects(root, ns, instance(ident))

    code, out, err = diff(driftless_bin, e, root, ns)
    assert code == 1, out + err
    assert "--- /dev/null\n+++ git/driftless.dev/v1alpha1/RDSInstance/shop-db" in out, out
    assert "# refused: RDSInstance 'shop-db': no instance %s in %s; driftless creates one " \
           "only with spec.create: true" % (ident, REGION) in out, out

    code, out, err = sync(driftless_bin, e, root, ns)
    assert code == 2, out + err
    assert "no instance %s" % ident in err, err
    assert "refused RDSInstance 'shop-db'" in out, out
    assert kget(env, "namespace", ns) is None  # nothing of the render was applied

    write_objects(root, ns, instance(ident, create=True, masterUsername="app",
                                     enableIAMDatabaseAuthentication=True))
    code, out, err = sync(driftless_bin, e, root, ns)
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0].startswith("created RDSInstance 'shop-db': created with "
                               "ManageMasterUserPassword"), out
    assert "created ConfigMap '%s/settings'" % ns in lines[1:], out
    live = describe(rds, ident)
    assert live["DBInstanceClass"] == "db.t4g.small" and live["MultiAZ"] is True
    assert live["MasterUsername"] == "app"
    assert live["IAMDatabaseAuthenticationEnabled"] is True
    assert live["MasterUserSecret"]["SecretArn"].startswith("arn:aws:secretsmanager:")
    assert {t["Key"]: t["Value"] for t in live["TagList"]} == {"team": "platform"}

    code, out, err = diff(driftless_bin, e, root, ns)
    assert code == 0, out + err


@pytest.mark.parametrize("spec, live, message", [
    ({"allocatedStorage": 50}, {"AllocatedStorage": 100},
     "spec.allocatedStorage: storage cannot shrink (100 GiB now, 50 GiB in git)"),
    ({"engine": "mysql"}, {},
     "spec.engine: postgres cannot become mysql; that takes a new instance"),
    ({"engineVersion": "17.2"}, {},
     "spec.engineVersion: 16.4 to 17.2 is a major version upgrade; set "
     "allowMajorVersionUpgrade: true to allow it"),
])
def test_guard_rails_refuse(driftless_bin, aws, names, tmp_path, env, spec, live, message):
    """What a careful DBA would not do is refused with a clear message, and nothing of the
    revision is applied."""
    e, client = aws
    rds = client()
    ns, _ = names
    ident = unique("guard")
    create_instance(rds, ident, **live)
    root = str(tmp_path / "env")
    write_objects(root, ns, instance(ident, **spec))

    code, out, err = diff(driftless_bin, e, root, ns)
    assert code == 1, out + err
    assert "# refused: RDSInstance 'shop-db': %s" % message in out, out
    code, out, err = sync(driftless_bin, e, root, ns)
    assert code == 2, out + err
    assert message in err, err
    assert kget(env, "namespace", ns) is None
    before = describe(rds, ident)
    assert before["DBInstanceClass"] == "db.t4g.micro"


def test_major_upgrade_when_allowed(driftless_bin, aws, names, tmp_path):
    e, client = aws
    rds = client()
    ns, _ = names
    ident = unique("major")
    create_instance(rds, ident)
    root = str(tmp_path / "env")
    write_objects(root, ns, instance(ident, engineVersion="17.2", allowMajorVersionUpgrade=True),
                  configmap=False)
    code, out, err = sync(driftless_bin, e, root, ns)
    assert code == 0, out + err
    assert "engineVersion: 16.4 -> 17.2 restarts the instance" in out, out
    assert describe(rds, ident)["EngineVersion"] == "17.2"


def test_parameter_groups(driftless_bin, aws, names, tmp_path):
    """A group's parameters by diff, in batches, immediate or pending-reboot by apply type; a
    parameter the family lacks and a fixed one refused; a new group created and given to the
    instance, before the instance is modified."""
    e, client = aws
    rds = client()
    ns, _ = names
    group = unique("pg")
    rds.create_db_parameter_group(DBParameterGroupName=group, DBParameterGroupFamily="postgres16",
                                  Description="shop")
    # moto lists only the parameters set: give the group the ones RDS would list
    seed = [("max_connections", "100", "static", True),
            ("log_min_duration_statement", "-1", "dynamic", True),
            ("rds.force_ssl", "0", "dynamic", True),
            ("port", "5432", "static", False)]
    rds.modify_db_parameter_group(DBParameterGroupName=group, Parameters=[
        {"ParameterName": n, "ParameterValue": v, "ApplyType": t, "IsModifiable": m,
         "ApplyMethod": "pending-reboot"} for n, v, t, m in seed])
    root = str(tmp_path / "env")
    want = {"max_connections": 200, "log_min_duration_statement": 500, "rds.force_ssl": True,
            "port": 5432}
    write_objects(root, ns, parameter_group(group, want, description="shop"), configmap=False)

    code, out, err = diff(driftless_bin, e, root, ns)
    assert code == 1, out + err
    assert "\n-    log_min_duration_statement: -1\n-    max_connections: 100\n" \
           "+    log_min_duration_statement: 500\n+    max_connections: 200\n" \
           "     port: 5432\n-    rds.force_ssl: false\n+    rds.force_ssl: true\n" in out, out
    assert "max_connections: 100 -> 200 takes effect at the next reboot" in out, out
    code, out, err = diff(driftless_bin, e, root, ns, "-o", "json")
    (obj,) = json.loads(out)["objects"]
    assert sorted(obj["paths"]) == ["/spec/parameters/log_min_duration_statement",
                                    "/spec/parameters/max_connections",
                                    "/spec/parameters/rds.force_ssl"]

    code, out, err = sync(driftless_bin, e, root, ns)
    assert code == 0, out + err
    assert "updated DBParameterGroup '%s'" % group in out, out
    params = {p["ParameterName"]: p for p in rds.describe_db_parameters(
        DBParameterGroupName=group)["Parameters"]}
    assert params["max_connections"]["ParameterValue"] == "200"
    assert params["max_connections"]["ApplyMethod"] == "pending-reboot"
    assert params["log_min_duration_statement"]["ParameterValue"] == "500"
    assert params["log_min_duration_statement"]["ApplyMethod"] == "immediate"
    assert params["rds.force_ssl"]["ParameterValue"] == "1"
    code, out, err = diff(driftless_bin, e, root, ns)
    assert code == 0, out + err

    # refused: a parameter the family does not have, one that cannot change
    for p, message in (({"no_such_parameter": 1},
                        "spec.parameters.no_such_parameter: family postgres16 has no such "
                        "parameter"),
                       ({"port": 5433}, "spec.parameters.port: not modifiable")):
        write_objects(root, ns, parameter_group(group, p), configmap=False)
        code, out, err = sync(driftless_bin, e, root, ns)
        assert code == 2 and message in err, out + err
    write_objects(root, ns, parameter_group(group, {}, family="postgres17"), configmap=False)
    code, out, err = sync(driftless_bin, e, root, ns)
    assert code == 2 and "a group's family cannot change" in err, out + err

    # a new group, and an instance moved to it: the group is made first
    ident = unique("pgdb")
    create_instance(rds, ident, DBInstanceClass="db.t4g.small", MultiAZ=True,
                    BackupRetentionPeriod=7, AllocatedStorage=50,
                    Tags=[{"Key": "team", "Value": "platform"}])
    new_group = unique("pg")
    write_objects(root, ns, instance(ident, dbParameterGroupName=new_group),
                  parameter_group(new_group, {"work_mem": "65536"}), configmap=False)
    code, out, err = diff(driftless_bin, e, root, ns)
    assert code == 1, out + err
    assert "+++ git/driftless.dev/v1alpha1/DBParameterGroup/%s" % new_group in out, out
    code, out, err = sync(driftless_bin, e, root, ns)
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0].startswith("created DBParameterGroup '%s'" % new_group), out
    assert lines[1].startswith("updated RDSInstance 'shop-db'"), out
    groups = describe(rds, ident)["DBParameterGroups"]
    assert [g["DBParameterGroupName"] for g in groups] == [new_group]
    params = {p["ParameterName"]: p for p in rds.describe_db_parameters(
        DBParameterGroupName=new_group)["Parameters"]}
    assert params["work_mem"]["ParameterValue"] == "65536"
    assert params["work_mem"]["ApplyMethod"] == "pending-reboot"


def test_an_instance_that_is_not_available_waits(driftless_bin, aws, names, tmp_path):
    """ModifyDBInstance only when the instance is available: a stopped one (moto's stand-in
    for a busy one) is reported, its change deferred, and the next sync sends it."""
    e, client = aws
    rds = client()
    ns, _ = names
    ident = unique("busy")
    create_instance(rds, ident, MultiAZ=True, BackupRetentionPeriod=7, AllocatedStorage=50,
                    Tags=[{"Key": "team", "Value": "platform"}])
    rds.stop_db_instance(DBInstanceIdentifier=ident)
    root = str(tmp_path / "env")
    write_objects(root, ns, instance(ident), configmap=False)

    code, out, err = diff(driftless_bin, e, root, ns)
    assert code == 1, out + err
    assert "the instance is stopped: ModifyDBInstance waits until it is available" in out, out
    code, out, err = sync(driftless_bin, e, root, ns, "-o", "json")
    assert code == 0, out + err
    report = json.loads(out)
    assert report["apply"]["deferred"] == 1 and report["apply"]["applied"] == 0
    assert report["apply"]["objects"][0]["result"] == "deferred"
    assert describe(rds, ident)["DBInstanceClass"] == "db.t4g.micro"

    rds.start_db_instance(DBInstanceIdentifier=ident)
    code, out, err = sync(driftless_bin, e, root, ns)
    assert code == 0, out + err
    assert "updated RDSInstance 'shop-db'" in out, out
    assert describe(rds, ident)["DBInstanceClass"] == "db.t4g.small"


def test_rds_before_workloads_and_rollback(driftless_bin, aws, testenv, names, tmp_path):
    """In an environment of the config: the RDS change of a revision is applied before its
    workloads; a revision whose workloads fail is rolled back, and storage that grew (which
    RDS cannot shrink) does not stop the rollback of the rest."""
    e, client = aws
    rds = client()
    ns, group = names
    ident = unique("env")
    create_instance(rds, ident, DBInstanceClass="db.t4g.small", MultiAZ=True,
                    BackupRetentionPeriod=7, AllocatedStorage=50,
                    Tags=[{"Key": "team", "Value": "platform"}])
    repo = Repo(testenv, tmp_path, "rds-env")
    config = write_config(tmp_path, testenv, repo, ns)
    db_file = os.path.join(repo.work, "env", "db.yaml")

    write(db_file, json.dumps(instance(ident)) + "\n")
    good = commit_overlay(repo, "good", ns, group, progress_deadline=10,
                          extra_resources=["db.yaml"])
    code, out, err = run(driftless_bin, e, "sync", "-c", config, "dev")
    assert code == 0, out + err
    assert "environment dev: success at %s" % good[:12] in out

    write(db_file, json.dumps(instance(ident, allocatedStorage=100,
                                       dbInstanceClass="db.t4g.medium")) + "\n")
    bad = commit_overlay(repo, "bigger db, bad image", ns, group, progress_deadline=10,
                         backend_image="registry.invalid/backend:does-not-exist",
                         extra_resources=["db.yaml"])
    code, out, err = run(driftless_bin, e, "sync", "-c", config, "dev")
    assert code == 2, out + err
    lines = out.splitlines()
    assert lines[0].startswith("updated RDSInstance 'shop-db'"), out
    assert lines.index([l for l in lines if l.startswith("updated Deployment")][0]) > 0
    # the rollback: the class goes back, the storage stays (with the reason)
    assert re.search(r"^updated RDSInstance 'shop-db': .*left as it is: RDSInstance "
                     r"'shop-db': spec.allocatedStorage: storage cannot shrink", out, re.M), out
    assert "rolled back to %s" % good[:12] in out, out
    st = state(tmp_path)
    assert st["failed_revision"] == bad and st["revision"] == good
    assert image_of(e, ns, "backend") == "nginx:1.27"
    live = describe(rds, ident)
    assert live["AllocatedStorage"] == 100 and live["DBInstanceClass"] == "db.t4g.small"
