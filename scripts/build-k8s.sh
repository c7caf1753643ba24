#!/usr/bin/env bash
# Build the test environment's Kubernetes binaries from the Go module proxy and cache them.
#
#   scripts/build-k8s.sh              build what is missing, print the bin directory
#   scripts/build-k8s.sh --kustomize  build only kustomize (the render oracle), print its path
#
# kube-apiserver, kube-controller-manager and kube-scheduler come from k8s.io/kubernetes,
# whose go.mod requires its staging modules at v0.0.0 through local replace lines that Go
# ignores for a dependency; a throwaway module under the cache maps each of them to the
# published k8s.io/<name> at the matching v0.x.y. etcd and kwok get modules of their own so
# their dependency graphs do not move the apiserver's. kubectl comes with the apiserver, at
# its version. kustomize, the oracle of the render conformance suite and of bench/render, is
# built alone under a key of its own and linked into the bin directory. Nothing here lands
# in the repository.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

mode=all
case ${1:-} in
"") ;;
--kustomize) mode=kustomize ;;
*) printf 'usage: %s [--kustomize]\n' "$0" >&2; exit 2 ;;
esac

cache=${DRIFTLESS_CACHE:-$HOME/.cache/driftless}
key="k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
top="$cache/testenv/$key"
bin="$top/bin"
work="$top/build"
mkdir -p "$bin" "$work"

# One build at a time per cache key: a second caller (say scripts/testenv while a build
# started by hand is still running) waits for the first and then finds everything built.
exec 9>"$top/.lock"
flock 9

export GOPATH="$cache/go"
export GOMODCACHE="$cache/go/mod"
export GOCACHE="$cache/go/build-cache"
export GOFLAGS=-mod=mod
export CGO_ENABLED=0
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}

log() { printf 'build-k8s: %s\n' "$*" >&2; }

have() {
	local b
	for b in "$@"; do
		[ -x "$bin/$b" ] || return 1
	done
}

build_kubernetes() {
	have kube-apiserver kube-controller-manager kube-scheduler kubectl && return 0
	local mod="$work/kubernetes" v="v$K8S_VERSION" minor="v0.${K8S_VERSION#1.}"
	mkdir -p "$mod"
	log "resolving k8s.io/kubernetes $v"
	local kmod
	kmod=$(cd "$mod" && go mod download -json "k8s.io/kubernetes@$v" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
	{
		printf 'module driftless.local/testenv/kubernetes\n\ngo 1.23\n\n'
		printf 'require k8s.io/kubernetes %s\n\n' "$v"
		# every staging module k8s.io/kubernetes requires at v0.0.0
		grep -E '^\s*k8s\.io/[a-z0-9-]+ v0\.0\.0$' "$kmod" | awk '{print $1}' | sort -u |
			while read -r m; do
				printf 'replace %s => %s %s\n' "$m" "$m" "$minor"
			done
	} >"$mod/go.mod"
	cat >"$mod/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
	local c
	for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
		have "$c" && continue
		log "building $c $v (slow the first time)"
		(cd "$mod" && go build -trimpath -ldflags "-s -w \
			-X k8s.io/component-base/version.gitVersion=$v \
			-X k8s.io/component-base/version.gitMajor=1 \
			-X k8s.io/component-base/version.gitMinor=${K8S_VERSION#1.} \
			-X k8s.io/client-go/pkg/version.gitVersion=$v" \
			-o "$bin/$c.tmp" "k8s.io/kubernetes/cmd/$c")
		mv "$bin/$c.tmp" "$bin/$c"
	done
}

# build_one NAME MODULE@VERSION PACKAGE: a throwaway module requiring MODULE at VERSION
build_one() {
	local name=$1 module=${2%@*} version=${2#*@} pkg=$3 mod="$work/$1"
	have "$name" && return 0
	mkdir -p "$mod"
	printf 'module driftless.local/testenv/%s\n\ngo 1.24\n\nrequire %s %s\n' \
		"$name" "$module" "$version" >"$mod/go.mod"
	log "building $name $version"
	(cd "$mod" && go build -trimpath -ldflags "-s -w" -o "$bin/$name.tmp" "$pkg")
	mv "$bin/$name.tmp" "$bin/$name"
}

build_etcd() {
	build_one etcd "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" go.etcd.io/etcd/server/v3
}

build_kwok() {
	build_one kwok "sigs.k8s.io/kwok@v$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
}

# kustomize at KUSTOMIZE_VERSION, in a directory of its own; prints the binary's path
build_kustomize() {
	local dir="$cache/testenv/kustomize-$KUSTOMIZE_VERSION" mod
	mod="$dir/build"
	if [ ! -x "$dir/kustomize" ]; then
		mkdir -p "$mod"
		printf 'module driftless.local/testenv/kustomize\n\ngo 1.24\n\nrequire sigs.k8s.io/kustomize/kustomize/v5 v%s\n' \
			"$KUSTOMIZE_VERSION" >"$mod/go.mod"
		log "building kustomize $KUSTOMIZE_VERSION"
		(cd "$mod" && go build -trimpath -ldflags "-s -w \
			-X sigs.k8s.io/kustomize/api/provenance.version=v$KUSTOMIZE_VERSION" \
			-o "$dir/kustomize.tmp" sigs.k8s.io/kustomize/kustomize/v5)
		mv "$dir/kustomize.tmp" "$dir/kustomize"
	fi
	echo "$dir/kustomize"
}

if [ "$mode" = kustomize ]; then
	build_kustomize
	exit 0
fi
build_etcd
build_kwok
build_kubernetes
ln -sfn "$(build_kustomize)" "$bin/kustomize"
echo "$bin"
