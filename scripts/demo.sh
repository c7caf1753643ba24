#!/usr/bin/env bash
# `make demo`: the agent on the example repository in manifests/, end to end, on the local
# test environment. manifests/ goes into a git repository on the test HTTPS git server;
# `driftless run` syncs its staging and prod overlays into the test cluster; a commit that
# changes the backend image is pushed, a signed webhook announces it, and the sync lands.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${DRIFTLESS_TESTENV_DIR:-${TMPDIR:-/tmp}/driftless-testenv}
if ! scripts/testenv status --dir "$dir" >/dev/null 2>&1; then
	scripts/testenv up --dir "$dir"
fi
set -a
eval "$(scripts/testenv env --dir "$dir")"
set +a
: "${KUBECTL:?the test environment at $dir is older than this script: scripts/testenv down --dir $dir}"
export NO_COLOR=1

say() { printf '\n== %s\n' "$*"; }
now_ms() { date +%s%3N; }

work=$(mktemp -d "${TMPDIR:-/tmp}/driftless-demo-XXXXXX")
agent=
cleanup() {
	if [ -n "$agent" ] && kill -0 "$agent" 2>/dev/null; then
		kill -TERM "$agent"
		wait "$agent" || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

say "driftless version"
build/driftless version

for env in staging prod; do
	if ! build/driftless render "manifests/overlays/$env" |
		cmp -s - <("$KUSTOMIZE" build "manifests/overlays/$env"); then
		echo "demo: driftless and kustomize disagree on manifests/overlays/$env" >&2
		exit 1
	fi
done
say "driftless render manifests/overlays/staging (byte for byte what kustomize build prints)"
# to a file first: head would close the pipe early, and pipefail would take that as a failure
build/driftless render manifests/overlays/staging >"$work/staging.yaml"
head -30 "$work/staging.yaml"
echo "..."

say "the test cluster lacks Istio: its CRDs first (driftless sync --path manifests/testenv)"
build/driftless sync --path manifests/testenv

# the shop's databases, as Terraform left them in RDS (moto here), a step behind git: the
# agent closes the drift (staging's class and prod's backup retention) before the workloads
py=$(scripts/venv.sh)/bin/python
rds() {
	"$py" - "$@" <<'EOT'
import sys
import boto3
rds = boto3.client("rds", region_name="eu-west-1")
if sys.argv[1] == "setup":
    for ident, cls, multi_az in (("shop-db-staging", "db.t4g.micro", False),
                                 ("shop-db-prod", "db.r6g.large", True)):
        try:
            rds.create_db_instance(
                DBInstanceIdentifier=ident, Engine="postgres", EngineVersion="16.4",
                DBInstanceClass=cls, AllocatedStorage=50, MaxAllocatedStorage=200,
                StorageType="gp3", MultiAZ=multi_az, MasterUsername="shop",
                ManageMasterUserPassword=True, BackupRetentionPeriod=7,
                PreferredBackupWindow="02:00-03:00",
                PreferredMaintenanceWindow="sun:03:30-sun:04:30", DeletionProtection=False,
                PubliclyAccessible=False, Tags=[{"Key": "team", "Value": "platform"}])
        except rds.exceptions.DBInstanceAlreadyExistsFault:
            rds.modify_db_instance(DBInstanceIdentifier=ident, DBInstanceClass=cls,
                                   BackupRetentionPeriod=7, ApplyImmediately=True)
for db in rds.describe_db_instances()["DBInstances"]:
    if db["DBInstanceIdentifier"].startswith("shop-db-"):
        print("%-16s %-14s multiAZ=%-5s backupRetentionPeriod=%d %s" % (
            db["DBInstanceIdentifier"], db["DBInstanceClass"], db["MultiAZ"],
            db["BackupRetentionPeriod"], db["DBInstanceStatus"]))
EOT
}
say "the databases in RDS (moto), as Terraform left them"
rds setup

# manifests/ as the config repository, on the test environment's HTTPS git server
repo=shop-config-$(date +%s)
git init -q --bare -b main "$GIT_REPOS_DIR/$repo.git"
cp -r manifests "$work/config"
rm -rf "$work/config/testenv"
gitc() { git -C "$work/config" -c user.name=demo -c user.email=demo@example.com "$@"; }
gitc init -q -b main
gitc add -A
gitc commit -q -m "shop: staging and prod"
gitc push -q "$GIT_REPOS_DIR/$repo.git" main

# manifests/config/driftless.yaml, pointed at the test environment
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret=$(openssl rand -hex 20)
printf '%s\n' "$secret" >"$work/webhook-secret"
chmod 600 "$work/webhook-secret"
# libgit2 checks TLS with mbedTLS here, which matches host names only: localhost, not 127.0.0.1
url=${GIT_HTTPS_URL/127.0.0.1/localhost}/$repo.git
cat >"$work/driftless.yaml" <<EOT
source:
  url: $url
  branch: main
  interval: 1m
  auth:
    username: $GIT_HTTPS_USER
    token_file: $GIT_HTTPS_TOKEN_FILE
    ca_file: $GIT_CA_FILE
environments:
  staging:
    path: overlays/staging
    cluster: { kubeconfig: $KUBECONFIG }
    prune: true
    health_timeout: 2m
  prod:
    path: overlays/prod
    cluster: { kubeconfig: $KUBECONFIG }
    prune: true
    promote_from: staging
    health_timeout: 2m
webhook:
  listen: 127.0.0.1:$port
  secret_file: $work/webhook-secret
state_dir: $work/state
EOT
say "the config (manifests/config/driftless.yaml, pointed at the test environment)"
cat "$work/driftless.yaml"

say "driftless run -c driftless.yaml"
build/driftless run -c "$work/driftless.yaml" >"$work/driftless.log" 2>&1 &
agent=$!
synced() {
	build/driftless status -c "$work/driftless.yaml" -o json |
		python3 -c 'import json, sys
doc = json.load(sys.stdin)
want = sys.argv[1]
sys.exit(0 if all((e["state"] or {}).get("revision") == want for e in doc["environments"]) else 1)' "$1"
}
first=$(gitc rev-parse HEAD)
for _ in $(seq 600); do
	synced "$first" && break
	kill -0 "$agent" || { cat "$work/driftless.log"; exit 1; }
	sleep 0.2
done
synced "$first" || { echo "demo: the first sync did not land" >&2; cat "$work/driftless.log"; exit 1; }
cat "$work/driftless.log"

say "driftless status"
build/driftless status -c "$work/driftless.yaml"
say "the databases in RDS, as git says"
rds show
say "kubectl get deployments,hpa,pdb,virtualservices -n shop-staging"
"$KUBECTL" get deployments,hpa,pdb,virtualservices -n shop-staging

say "a commit: staging's backend to 2.8.0-rc.2, pushed"
sed -i 's/newTag: 2.8.0-rc.1/newTag: 2.8.0-rc.2/' "$work/config/overlays/staging/kustomization.yaml"
gitc commit -q -am "staging: backend 2.8.0-rc.2"
gitc push -q "$GIT_REPOS_DIR/$repo.git" main
second=$(gitc rev-parse HEAD)
gitc log --oneline -1

say "the webhook, as GitHub signs it (POST /hooks/github)"
body=$(printf '{"ref":"refs/heads/main","after":"%s","repository":{"clone_url":"%s"}}' \
	"$second" "$url")
signature=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
start=$(now_ms)
curl -sS -i "http://127.0.0.1:$port/hooks/github" \
	-H "Content-Type: application/json" -H "X-GitHub-Event: push" \
	-H "X-GitHub-Delivery: demo-$second" -H "X-Hub-Signature-256: sha256=$signature" \
	--data-binary "$body" | sed -n '1p;$p'
image() { "$KUBECTL" get deployment backend -n shop-staging -o 'jsonpath={.spec.template.spec.containers[0].image}'; }
for _ in $(seq 300); do
	case "$(image)" in *2.8.0-rc.2) break ;; esac
	sleep 0.05
done
echo "backend image in the cluster: $(image), $(($(now_ms) - start)) ms after the webhook"
for _ in $(seq 600); do
	synced "$second" && break
	sleep 0.2
done

say "driftless status"
build/driftless status -c "$work/driftless.yaml"
say "kubectl get deployment backend -n shop-staging"
"$KUBECTL" get deployment backend -n shop-staging -o wide
say "the agent's log since the webhook"
grep -A100 "webhook github" "$work/driftless.log" || true
say "GET /metrics (excerpt)"
curl -sS "http://127.0.0.1:$port/metrics" |
	grep -E '^driftless_(syncs_total|applied_revision_info|git_fetches_total|webhook_requests_total)' || true

say "stopping the agent (SIGTERM)"
kill -TERM "$agent"
wait "$agent"
agent=
tail -1 "$work/driftless.log"

cat <<EOT

== next steps
  set -a; eval "\$(scripts/testenv env --dir $dir)"; set +a   # point kubectl, git, AWS SDKs at it
  "\$KUBECTL" get all -n shop-staging
  build/driftless run -c CONFIG            # see README.md, "The daemon"
  scripts/testenv down --dir $dir           # stop everything it started
EOT
