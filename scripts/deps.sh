#!/usr/bin/env bash
# Install every Debian package driftless needs to build and test.
# Quick no-op when everything is present; `apt-get update` runs at most once, and only
# when something is missing.
set -euo pipefail

packages=(
	# build
	build-essential pkg-config
	libgit2-dev libcurl4-openssl-dev libyaml-dev libjansson-dev libssl-dev
	libsystemd-dev libmicrohttpd-dev libxml2-dev libgpgme-dev
	# OpenPGP commit signatures: gpgme runs gpg
	gnupg
	# unit tests, sanitizers, fuzzing, leak checks, formatting
	libcmocka-dev clang libclang-rt-14-dev valgrind clang-format time
	# test environment: Prometheus, git over HTTPS (nginx + fcgiwrap + git http-backend)
	# and over SSH (sshd), TLS material, python venv for moto and pytest
	prometheus nginx-light fcgiwrap git openssh-server openssh-client openssl
	python3 python3-venv curl procps psmisc iproute2 ca-certificates
	# systemd tools used by tests (systemd-socket-activate, systemd-analyze)
	systemd
	# HTTP load on the daemon's webhook endpoint (tests and bench/webhook)
	wrk
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Debian packages of daemons try to start them; the test environment starts its own.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
	$sudo chmod +x "$policy"
	own_policy=1
fi
cleanup() { [ -z "$own_policy" ] || $sudo rm -f "$policy"; }
trap cleanup EXIT
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
