#!/usr/bin/env python3
"""SSH signatures ssh-keygen cannot make without hardware or will not make at all, for gen.sh.

    gen-sk.py DATA OUTDIR

writes to OUTDIR, each with a throwaway key made here and not kept:
  sk-ed25519.pub, sk-ed25519.sig   a FIDO security key's Ed25519 signature (PROTOCOL.u2f)
  sk-ecdsa.pub, sk-ecdsa.sig       the same with ECDSA P-256
  rsa-sha1.pub, rsa-sha1.sig       an RSA signature with SHA-1 ("ssh-rsa"), which OpenSSH refuses
all in namespace "git" over the file DATA. Needs the Python "cryptography" package.
"""

import base64
import hashlib
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

NAMESPACE = b"git"
HASHALG = b"sha512"
APPLICATION = b"ssh:"
FLAGS = 0x01  # user present
COUNTER = 42


def string(b):
    return struct.pack(">I", len(b)) + b


def mpint(n):
    return string(n.to_bytes((n.bit_length() + 8) // 8, "big") if n else b"")


def signed_message(data):
    return b"SSHSIG" + string(NAMESPACE) + string(b"") + string(HASHALG) + string(
        hashlib.sha512(data).digest())


def sk_data(message):
    return (hashlib.sha256(APPLICATION).digest() + bytes([FLAGS]) + struct.pack(">I", COUNTER) +
            hashlib.sha256(message).digest())


def armour(pub, sig):
    blob = (b"SSHSIG" + struct.pack(">I", 1) + string(pub) + string(NAMESPACE) + string(b"") +
            string(HASHALG) + string(sig))
    b64 = base64.b64encode(blob).decode()
    lines = [b64[i:i + 70] for i in range(0, len(b64), 70)]
    return "-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n"


def write(outdir, name, keytype, pub, sig):
    with open(f"{outdir}/{name}.pub", "w") as f:
        f.write(f"{keytype.decode()} {base64.b64encode(pub).decode()} {name}@driftless-test\n")
    with open(f"{outdir}/{name}.sig", "w") as f:
        f.write(armour(pub, sig))


def main():
    data = open(sys.argv[1], "rb").read()
    outdir = sys.argv[2]
    message = signed_message(data)

    keytype = b"sk-ssh-ed25519@openssh.com"
    key = ed25519.Ed25519PrivateKey.generate()
    pk = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    pub = string(keytype) + string(pk) + string(APPLICATION)
    sig = (string(keytype) + string(key.sign(sk_data(message))) + bytes([FLAGS]) +
           struct.pack(">I", COUNTER))
    write(outdir, "sk-ed25519", keytype, pub, sig)

    keytype = b"sk-ecdsa-sha2-nistp256@openssh.com"
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    pub = string(keytype) + string(b"nistp256") + string(point) + string(APPLICATION)
    r, s = utils.decode_dss_signature(key.sign(sk_data(message), ec.ECDSA(hashes.SHA256())))
    sig = string(keytype) + string(mpint(r) + mpint(s)) + bytes([FLAGS]) + struct.pack(
        ">I", COUNTER)
    write(outdir, "sk-ecdsa", keytype, pub, sig)

    keytype = b"ssh-rsa"
    key = rsa.generate_private_key(65537, 2048)
    numbers = key.public_key().public_numbers()
    pub = string(keytype) + mpint(numbers.e) + mpint(numbers.n)
    sig = string(b"ssh-rsa") + string(key.sign(message, padding.PKCS1v15(), hashes.SHA1()))
    write(outdir, "rsa-sha1", keytype, pub, sig)


if __name__ == "__main__":
    main()
