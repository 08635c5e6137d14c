"""Writes a state encrypted as OpenTofu 1.7+ writes it, for the tests: an independent maker of
the format (Python's hashlib and the `cryptography` package), so driftscan is not only checked
against what it would write itself.

    encrypt_state.py SRC DST pbkdf2 PASSPHRASE [ITERATIONS]   key_provider.pbkdf2.main, sha512
    encrypt_state.py SRC DST aws_kms KEY_ID                   key_provider.aws_kms.main (AWS_* env)

The envelope, as OpenTofu's internal/encryption writes it: {"meta": {"key_provider.TYPE.NAME":
base64(JSON metadata)}, "encrypted_data": base64(nonce(12) || AES-GCM ciphertext || tag(16)),
"encryption_version": "v0"}.
"""

import base64
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def main() -> None:
    src, dst, provider, secret = sys.argv[1:5]
    plain = open(src, "rb").read()
    if provider == "pbkdf2":
        # OpenTofu's default is 600,000 rounds; the tests take fewer (the metadata says how many).
        iterations = int(sys.argv[5]) if len(sys.argv) > 5 else 600000
        salt = os.urandom(32)
        key = hashlib.pbkdf2_hmac("sha512", secret.encode(), salt, iterations, 32)
        meta = {"salt": b64(salt), "iterations": iterations, "hash_function": "sha512", "key_length": 32}
    elif provider == "aws_kms":
        import boto3

        data_key = boto3.client("kms").generate_data_key(KeyId=secret, KeySpec="AES_256")
        key = data_key["Plaintext"]
        meta = {"ciphertext_blob": b64(data_key["CiphertextBlob"])}
    else:
        sys.exit(f"unknown key provider {provider}")
    nonce = os.urandom(12)
    data = nonce + AESGCM(key).encrypt(nonce, plain, None)
    envelope = {
        "meta": {f"key_provider.{provider}.main": b64(json.dumps(meta).encode())},
        "encrypted_data": b64(data),
        "encryption_version": "v0",
    }
    with open(dst, "w") as out:
        json.dump(envelope, out)


if __name__ == "__main__":
    main()
