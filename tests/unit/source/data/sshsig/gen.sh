#!/usr/bin/env bash
# Make the fixtures of tests/unit/source/test-source-sshsig.c and check that OpenSSH's
# `ssh-keygen -Y verify` reaches the verdicts the test expects of driftless.
#
#   tests/unit/source/data/sshsig/gen.sh
#
# Needs ssh-keygen (OpenSSH 8.9 or later) and, for the security-key and SHA-1 RSA
# signatures ssh-keygen does not make without hardware, python3 with "cryptography"
# (gen-sk.py). Every key is made here and thrown away with the temporary directory:
# only public keys, signatures and allowed-signers files are kept, and none of them is
# used for anything else.
set -euo pipefail
cd "$(dirname "$0")"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The committer time of commit.txt (1700000000), what driftless checks valid-after/before
# against; ssh-keygen takes it as -Overify-time.
verify_time=20231114221320Z

cat >commit.txt <<'COMMIT'
tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904
author A U Thor <author@example.com> 1700000000 +0000
committer A U Thor <author@example.com> 1700000000 +0000

A commit to sign
COMMIT
{ cat commit.txt; echo "tampered"; } >"$tmp/tampered.txt"

# key NAME TYPE [BITS]: a fresh key pair in $tmp, its public half here
key() {
	ssh-keygen -q -t "$2" ${3:+-b "$3"} -N '' -C "$1@driftless-test" -f "$tmp/$1"
	cp "$tmp/$1.pub" "$1.pub"
}

# sign NAME KEYFILE [ssh-keygen options]: NAME.sig over commit.txt
sign() {
	local name=$1 keyfile=$2
	shift 2
	ssh-keygen -q -Y sign -f "$keyfile" "$@" <commit.txt >"$name.sig"
}

key ed25519 ed25519
key rsa rsa 3072
key ecdsa256 ecdsa 256
key ecdsa384 ecdsa 384
key ecdsa521 ecdsa 521
key other ed25519
key ca ed25519
# the key the CA certifies: only its certificates are kept, inside the signatures
ssh-keygen -q -t ed25519 -N '' -C user@driftless-test -f "$tmp/user"

sign ed25519 "$tmp/ed25519" -n git
sign ed25519-file "$tmp/ed25519" -n file
sign rsa "$tmp/rsa" -n git
sign rsa-sha256 "$tmp/rsa" -n git -O hashalg=sha256
sign ecdsa256 "$tmp/ecdsa256" -n git
sign ecdsa384 "$tmp/ecdsa384" -n git
sign ecdsa521 "$tmp/ecdsa521" -n git
sign other "$tmp/other" -n git

# user certificates by the CA: valid when the commit was made, expired, and a host one
ssh-keygen -q -s "$tmp/ca" -I driftless-test -n erin@example.com,ops \
	-V 20230101000000Z:20250101000000Z "$tmp/user.pub"
sign cert "$tmp/user-cert.pub" -n git
ssh-keygen -q -s "$tmp/ca" -I driftless-test -n erin@example.com \
	-V 20200101000000Z:20210101000000Z "$tmp/user.pub"
sign cert-expired "$tmp/user-cert.pub" -n git
ssh-keygen -q -s "$tmp/ca" -I driftless-test -h -n erin@example.com \
	-V 20230101000000Z:20250101000000Z "$tmp/user.pub"
sign cert-host "$tmp/user-cert.pub" -n git

python3 gen-sk.py commit.txt .

pub() {
	cut -d' ' -f1,2 "$1.pub"
}

# The fingerprints ssh-keygen prints, for the test to compare with; a certificate has its key's.
{
	for k in ed25519 rsa ecdsa256 ecdsa384 ecdsa521 other sk-ed25519 sk-ecdsa rsa-sha1; do
		echo "$k $(ssh-keygen -lf "$k.pub" | cut -d' ' -f2)"
	done
	echo "cert $(ssh-keygen -lf "$tmp/user.pub" | cut -d' ' -f2)"
} >fingerprints

cat >allowed_signers <<EOF2
# Test fixtures of driftless: throwaway keys, never used for anything else.

alice@example.com $(pub ed25519)
bob@example.com namespaces="git" $(pub rsa) the comment of bob's key
carol@example.com,carol@example.org $(pub ecdsa256)
"dave@example.com" valid-after="20230101Z" $(pub ecdsa384)
*@wild.example.com,!mallory@wild.example.com $(pub ecdsa521)
frank@example.com $(pub sk-ed25519)
grace@example.com $(pub sk-ecdsa)
heidi@example.com $(pub rsa-sha1)
*@example.com cert-authority $(pub ca)
EOF2

cat >allowed_signers.namespaces <<EOF2
alice@example.com namespaces="file,ci-*" $(pub ed25519)
bob@example.com namespaces="!git,*" $(pub rsa)
carol@example.com NAMESPACES="ci,g?t" $(pub ecdsa256)
EOF2

# Around 2023-11-14T22:13:20Z; erin's bound is local time: 22:00Z in TZ=JST-9.
cat >allowed_signers.window <<EOF2
alice@example.com valid-after="20231115Z" $(pub ed25519)
bob@example.com valid-before="20231114Z" $(pub rsa)
carol@example.com valid-after="20231114221320Z",valid-before="20231114221321Z" $(pub ecdsa256)
dave@example.com valid-before="20231114221320UTC" $(pub ecdsa384)
erin@example.com valid-after="202311150700" $(pub ecdsa521)
EOF2

# The first line that lets the key sign wins, not the first that lists it.
cat >allowed_signers.second-line <<EOF2
old@example.com valid-before="20220101Z" $(pub ed25519)
new@example.com valid-after="20220101Z" $(pub ed25519)
EOF2

# Lines that do not parse, each on line 3.
rm -rf bad
mkdir bad
bad() {
	printf '# %s\nalice@example.com %s\n%s\n' "$1" "$(pub ed25519)" "$2" >"bad/$1"
}
bad unknown-option "bob@example.com namespace=\"git\" $(pub rsa)"
bad unquoted "bob@example.com namespaces=git $(pub rsa)"
bad open-quote "bob@example.com namespaces=\"git $(pub rsa)"
bad twice "bob@example.com namespaces=\"git\",namespaces=\"git\" $(pub rsa)"
bad bad-time "bob@example.com valid-after=\"2023-01-01\" $(pub rsa)"
bad bad-date "bob@example.com valid-after=\"20230230\" $(pub rsa)"
bad before-after "bob@example.com valid-after=\"20230102\",valid-before=\"20230101\" $(pub rsa)"
bad no-key "bob@example.com"
bad no-key-after-options "bob@example.com namespaces=\"git\""
bad bad-base64 "bob@example.com ssh-rsa AAAA!!!!"
bad type-mismatch "bob@example.com ssh-ed25519 $(pub rsa | cut -d' ' -f2)"
bad unknown-type "bob@example.com ssh-foo AAAAB3NzaC1yc2E="

# What ssh-keygen says. expect VERDICT FILE SIG PRINCIPAL [options]: "good" or "refused".
status=0
expect() {
	local want=$1 file=$2 sig=$3 principal=$4 data=commit.txt got=good
	shift 4
	[ "$sig" = tampered ] && { sig=ed25519; data=$tmp/tampered.txt; }
	ssh-keygen -q -Y verify -f "$file" -I "$principal" -n git -s "$sig.sig" \
		-Overify-time="$verify_time" "$@" <"$data" >/dev/null 2>&1 || got=refused
	if [ "$got" != "$want" ]; then
		echo "gen.sh: ssh-keygen: $sig.sig for $principal with $file: $got, expected $want" >&2
		status=1
	fi
}

expect good allowed_signers ed25519 alice@example.com
expect good allowed_signers rsa bob@example.com
expect good allowed_signers rsa-sha256 bob@example.com
expect good allowed_signers ecdsa256 carol@example.com
expect good allowed_signers ecdsa384 dave@example.com
expect good allowed_signers ecdsa521 erin@wild.example.com
expect refused allowed_signers ecdsa521 mallory@wild.example.com
expect good allowed_signers sk-ed25519 frank@example.com
expect good allowed_signers sk-ecdsa grace@example.com
expect refused allowed_signers rsa-sha1 heidi@example.com
expect good allowed_signers cert erin@example.com
expect refused allowed_signers cert-expired erin@example.com
expect refused allowed_signers cert-host erin@example.com
expect refused allowed_signers other alice@example.com
expect refused allowed_signers ed25519-file alice@example.com
expect refused allowed_signers tampered alice@example.com
expect refused allowed_signers.namespaces ed25519 alice@example.com
expect refused allowed_signers.namespaces rsa bob@example.com
expect good allowed_signers.namespaces ecdsa256 carol@example.com
expect refused allowed_signers.window ed25519 alice@example.com
expect refused allowed_signers.window rsa bob@example.com
expect good allowed_signers.window ecdsa256 carol@example.com
expect good allowed_signers.window ecdsa384 dave@example.com
TZ=JST-9 expect good allowed_signers.window ecdsa521 erin@example.com
TZ=UTC expect refused allowed_signers.window ecdsa521 erin@example.com
expect good allowed_signers.second-line ed25519 new@example.com
if ! ssh-keygen -q -Y check-novalidate -n file -s ed25519-file.sig <commit.txt >/dev/null 2>&1; then
	echo "gen.sh: ed25519-file.sig is not a valid signature in namespace file" >&2
	status=1
fi
if ssh-keygen -Y find-principals -f allowed_signers -s other.sig >/dev/null 2>&1; then
	echo "gen.sh: ssh-keygen finds a principal for other.sig" >&2
	status=1
fi
# ssh-keygen lets strptime() and mktime() turn February 30 into March 2; driftless refuses
# a date that does not exist.
for f in bad/*; do
	[ "$f" = bad/bad-date ] && continue
	if ssh-keygen -Y find-principals -f "$f" -s rsa.sig >/dev/null 2>&1; then
		echo "gen.sh: ssh-keygen takes $f" >&2
		status=1
	fi
done
exit $status
