"""Hashing, keyed lookup hashes and encryption at rest, on the Chinese commercial algorithms.

SM3 (GB/T 32905) chains the change log; HMAC-SM3 turns a resident ID into a lookup key that reveals
nothing without the key; SM4-GCM (GB/T 32907, authenticated) encrypts personal identifiers at rest.
OpenSSL 3 provides SM3 and SM4; gmssl is the fallback for SM3 where OpenSSL was built without it.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

try:
    hashlib.new("sm3", b"")
    _OPENSSL_SM3 = True
except ValueError:  # pragma: no cover - depends on the OpenSSL build
    _OPENSSL_SM3 = False

NONCE_BYTES = 12
TAG_BYTES = 16
_VERSION = b"\x01"  # leading byte so that a later cipher change stays readable


def sm3_hex(data: bytes) -> str:
    """SM3 digest of `data` as 64 hex characters."""
    if _OPENSSL_SM3:
        return hashlib.new("sm3", data).hexdigest()
    from gmssl import sm3, func  # pragma: no cover

    return sm3.sm3_hash(func.bytes_to_list(data))  # pragma: no cover


def chain_hash(previous_hex: str, payload: bytes) -> str:
    """The hash of a log entry: SM3 over the previous entry's hash and this entry's bytes."""
    return sm3_hex(previous_hex.encode("ascii") + b"\n" + payload)


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SM3 of `value`: a stable lookup key that cannot be reversed without `key`."""
    digest = "sm3" if _OPENSSL_SM3 else "sha256"
    return hmac.new(key, value.encode("utf-8"), digest).hexdigest()


def encrypt(key: bytes, plaintext: str, associated: bytes = b"") -> bytes:
    """SM4-GCM encryption; output is version byte, nonce, ciphertext and tag."""
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    if associated:
        encryptor.authenticate_additional_data(associated)
    body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    return _VERSION + nonce + body + encryptor.tag


def decrypt(key: bytes, blob: bytes, associated: bytes = b"") -> str:
    """Inverse of `encrypt`; raises cryptography's InvalidTag when the blob or key is wrong."""
    blob = bytes(blob)
    if blob[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    nonce, body, tag = blob[1:1 + NONCE_BYTES], blob[1 + NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    if associated:
        decryptor.authenticate_additional_data(associated)
    return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")


def token_digest(token: str) -> str:
    """Digest under which an API token is stored (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def ed25519_public_hex(private_key: bytes) -> str:
    """Hex of the Ed25519 public key belonging to a 32-byte private key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = Ed25519PrivateKey.from_private_bytes(private_key).public_key()
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def ed25519_sign(private_key: bytes, message: bytes) -> str:
    """Hex Ed25519 signature of `message`."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(private_key).sign(message).hex()


def ed25519_verify(public_hex: str, message: bytes, signature_hex: str) -> bool:
    """True when `signature_hex` is a valid Ed25519 signature of `message` under `public_hex`."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(bytes.fromhex(signature_hex), message)
        return True
    except (InvalidSignature, ValueError):
        return False
