#!/usr/bin/env bash
# Create (once) the Python venv that the integration tests and moto server run from, and
# print its path.
#
#   scripts/venv.sh        ->  ~/.cache/driftless/venv/<key>
#
# The key is made of the Python minor version and every pinned package version, so bumping
# a version in versions.env makes a fresh venv. Scripts inside a venv name its absolute
# path, so it is built in place under a lock and only counts once its .complete marker is
# written; a half-built one left by an interrupted run is thrown away and made again.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

# Debian's python3 (with python3-venv) first; else whatever python3 is on PATH.
py=
for c in /usr/bin/python3 python3; do
	if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import venv, ensurepip' >/dev/null 2>&1; then
		py=$(command -v "$c")
		break
	fi
done
if [ -z "$py" ]; then
	echo "venv.sh: no python3 with the venv and ensurepip modules (install python3-venv)" >&2
	exit 1
fi
pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

cache=${DRIFTLESS_CACHE:-$HOME/.cache/driftless}
key="py$pyver-moto-$MOTO_VERSION-boto3-$BOTO3_VERSION-pytest-$PYTEST_VERSION-requests-$REQUESTS_VERSION"
venv="$cache/venv/$key"

ready() { [ -f "$venv/.complete" ] && [ -x "$venv/bin/python" ] && [ -x "$venv/bin/moto_server" ]; }

if ready; then
	echo "$venv"
	exit 0
fi

mkdir -p "$cache/venv"
exec 9>"$cache/venv/.lock"
flock 9
if ! ready; then
	echo "venv.sh: creating $venv with $py" >&2
	rm -rf "$venv"
	"$py" -m venv "$venv"
	"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input \
		"moto[server]==$MOTO_VERSION" \
		"boto3==$BOTO3_VERSION" \
		"pytest==$PYTEST_VERSION" \
		"requests==$REQUESTS_VERSION" >&2
	touch "$venv/.complete"
fi
echo "$venv"
