#!/usr/bin/env bash
# Regenerate the OpenPGP fixtures of tests/unit/source/test-source-pgp.c:
#
#   tests/unit/source/data/pgp/gen.sh
#
# Keys are ed25519, without passphrase, made in a throw-away GNUPGHOME. Each keyring file
# is `gpg --export` output; each signature is a detached armoured signature over data.txt,
# made as `git commit -S` makes one. <name>.fpr holds the primary key's fingerprint.
# gpg runs at fixed past times (--faked-system-time), so that the fixtures hold on any
# machine whose clock is past 2024 and do not depend on when they were made:
#
#   alice            sign, no expiry             alice.gpg (binary), alice.asc (armoured)
#   bob              not in any keyring          bob.sig
#   carol            second key of alice-carol.gpg, carol.sig
#   sub              certify-only primary with a signing subkey: sub.gpg, sub.sig;
#                    sub.subfpr is the subkey's fingerprint
#   expired          made in 2020 with one day of validity: expired.gpg, expired.sig
#   revoked          signed, then revoked:       revoked.gpg, revoked.sig
#   old              made in 2019, no expiry:    old.gpg; sigexpired.sig is its signature
#                    from 2020 that expired a day later
#
# alice.sig is alice's signature; multi.sig holds alice's and carol's in one armour;
# inline.sig is a signed message (data inside, not detached) by alice, in signature armour;
# notasig.sig is alice's key in signature armour; garbage.sig has the armour and nonsense
# inside.
set -euo pipefail
cd "$(dirname "$0")"

GNUPGHOME=$(mktemp -d "${TMPDIR:-/tmp}/driftless-pgp-gen-XXXXXX")
export GNUPGHOME
trap 'gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$GNUPGHOME"' EXIT
chmod 700 "$GNUPGHOME"

KEYS_AT=20240101T000000 # keys are made
SIGN_AT=20240102T000000 # signatures are made, keys revoked
at=$SIGN_AT

# gpg as of $at (keys made at KEYS_AT unless said otherwise)
gpg() {
	command gpg --batch --quiet --no-tty --pinentry-mode loopback --passphrase '' \
		--faked-system-time "$at" "$@" 2> >(grep -v 'running with faked system time' >&2)
}

fpr_of() {
	gpg --with-colons --list-keys "$1" | awk -F: '$1 == "fpr" { print $10; exit }'
}

newkey() { # name [expiry]
	at=${at_key:-$KEYS_AT} gpg --quick-gen-key "$1 <$1@example.com>" ed25519 sign "${2:-never}"
	fpr_of "$1@example.com" >"$1.fpr"
}

sign() { # name [gpg options]
	local name=$1
	shift
	gpg "$@" --local-user "$(cat "$name.fpr")" --armor --detach-sign --output - data.txt \
		>"$name.sig"
}

cat >data.txt <<'EOF'
tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904
author Alice <alice@example.com> 1700000000 +0000
committer Alice <alice@example.com> 1700000000 +0000

driftless: a commit signed for the OpenPGP tests
EOF

newkey alice
gpg --export "$(cat alice.fpr)" >alice.gpg
gpg --armor --export "$(cat alice.fpr)" >alice.asc
sign alice

newkey bob
sign bob

newkey carol
gpg --export "$(cat alice.fpr)" "$(cat carol.fpr)" >alice-carol.gpg
sign carol
gpg --local-user "$(cat alice.fpr)" --local-user "$(cat carol.fpr)" --armor --detach-sign \
	--output - data.txt >multi.sig
echo "other data" | gpg --local-user "$(cat alice.fpr)" --armor --sign --output - |
	sed 's/PGP MESSAGE/PGP SIGNATURE/' >inline.sig

at=$KEYS_AT gpg --quick-gen-key "sub <sub@example.com>" ed25519 cert never
fpr_of sub@example.com >sub.fpr
at=$KEYS_AT gpg --quick-add-key "$(cat sub.fpr)" ed25519 sign never
gpg --with-colons --list-keys sub@example.com |
	awk -F: '$1 == "sub" { s = 1 } s && $1 == "fpr" { print $10; exit }' >sub.subfpr
gpg --export "$(cat sub.fpr)" >sub.gpg
gpg --local-user "$(cat sub.subfpr)!" --armor --detach-sign --output - data.txt >sub.sig

# valid for one day in January 2020, signed during that day
at_key=20200101T000000 newkey expired 1d
gpg --export "$(cat expired.fpr)" >expired.gpg
at=20200101T120000 sign expired

newkey revoked
sign revoked
# gpg keeps a revocation certificate for each new key; its armour is commented out
sed 's/^:-----BEGIN/-----BEGIN/' "$GNUPGHOME/openpgp-revocs.d/$(cat revoked.fpr).rev" |
	gpg --import
gpg --export "$(cat revoked.fpr)" >revoked.gpg

at_key=20190101T000000 newkey old
gpg --export "$(cat old.fpr)" >old.gpg
at=20200101T000000 gpg --default-sig-expire 1d --local-user "$(cat old.fpr)" --armor \
	--detach-sign --output - data.txt >sigexpired.sig

gpg --enarmor <alice.gpg | sed 's/ARMORED FILE/SIGNATURE/' >notasig.sig

cat >garbage.sig <<'EOF'
-----BEGIN PGP SIGNATURE-----

iHUEABYKAB0WIQQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
not base64 at all: ***
=AAAA
-----END PGP SIGNATURE-----
EOF
