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
echo
cat <<EOT
== next steps
  set -a; eval "\$(scripts/testenv env --dir $dir)"; set +a   # point kubectl, git, AWS SDKs at it
  "\$KUBECTL" get nodes
  build/driftless render manifests/overlays/staging

  scripts/testenv down --dir $dir           # stop everything it started
EOT
