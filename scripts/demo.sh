#!/usr/bin/env bash
# `make demo`: start the local test environment and show what driftless can do so far.
# (The full demo, with the daemon syncing manifests/ on a webhook, comes with `driftless run`.)
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

echo
echo "== driftless version"
build/driftless version
echo
echo "== the test environment (scripts/testenv env --dir $dir)"
scripts/testenv env --dir "$dir"
echo
echo "== its Kubernetes nodes (kwok)"
"$KUBECTL" get nodes
for env in staging prod; do
	echo
	echo "== driftless render manifests/overlays/$env"
	build/driftless render "manifests/overlays/$env"
	if build/driftless render "manifests/overlays/$env" |
		cmp -s - <("$KUSTOMIZE" build "manifests/overlays/$env"); then
		echo "(byte for byte what kustomize build prints)"
	else
		echo "demo: driftless and kustomize disagree on manifests/overlays/$env" >&2
		exit 1
	fi
done

# The git source: manifests/ as a repository on the test environment's HTTPS git server,
# fetched into a bare clone and rendered from it without a checkout.
work=$(mktemp -d "${TMPDIR:-/tmp}/driftless-demo-XXXXXX")
trap 'rm -rf "$work"' EXIT
repo=demo-config-$(date +%s)
git init -q --bare -b main "$GIT_REPOS_DIR/$repo.git"
cp -r manifests "$work/config"
git -C "$work/config" init -q -b main
git -C "$work/config" add -A
git -C "$work/config" -c user.name=demo -c user.email=demo@example.com commit -q -m "example config"
git -C "$work/config" push -q "$GIT_REPOS_DIR/$repo.git" main
# libgit2 checks TLS with mbedTLS here, which matches host names only: localhost, not 127.0.0.1
cat >"$work/driftless.yaml" <<EOT
source:
  url: ${GIT_HTTPS_URL/127.0.0.1/localhost}/$repo.git
  branch: main
  auth:
    username: $GIT_HTTPS_USER
    token_file: $GIT_HTTPS_TOKEN_FILE
    ca_file: $GIT_CA_FILE
state_dir: $work/state
EOT
echo
echo "== driftless fetch -c driftless.yaml (manifests/ pushed to the HTTPS git server)"
cat "$work/driftless.yaml"
build/driftless fetch -c "$work/driftless.yaml"
echo
echo "== again: nothing new, one connection and no transfer"
build/driftless fetch -c "$work/driftless.yaml"
echo
echo "== driftless render --repo STATE/repo.git --rev refs/driftless/current overlays/staging"
build/driftless render --repo "$work/state/repo.git" --rev refs/driftless/current \
	overlays/staging >"$work/staging.yaml"
head -20 "$work/staging.yaml"
echo "..."

echo
cat <<EOT
== next steps
  set -a; eval "\$(scripts/testenv env --dir $dir)"; set +a   # point kubectl, git, AWS SDKs at it
  "\$KUBECTL" get nodes
  build/driftless render manifests/overlays/staging
  build/driftless fetch -c CONFIG              # see README.md, "The git source"

  scripts/testenv down --dir $dir           # stop everything it started
EOT
