#!/usr/bin/env bash
# `make demo`: start the local test environment and show what driftless can do so far.
# (The full demo, with the daemon syncing manifests/ on a webhook, comes with `driftless run`.)
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${DRIFTLESS_TESTENV_DIR:-${TMPDIR:-/tmp}/driftless-testenv}
if ! scripts/testenv status --dir "$dir" >/dev/null 2>&1; then
	scripts/testenv up --dir "$dir"
fi

echo
echo "== driftless version"
build/driftless version
echo
echo "== the test environment (scripts/testenv env --dir $dir)"
scripts/testenv env --dir "$dir"
echo
echo "== its Kubernetes nodes (kwok)"
KUBECONFIG=$dir/kubeconfig kubectl get nodes
echo
cat <<EOT
== next steps
  set -a; eval "\$(scripts/testenv env --dir $dir)"; set +a   # point kubectl, git, AWS SDKs at it
  kubectl get nodes
  kubectl kustomize manifests/overlays/staging

  scripts/testenv down --dir $dir           # stop everything it started
EOT
