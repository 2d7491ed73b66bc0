"""Small AEAD and key-derivation helpers over `cryptography` (AES-256-GCM, HKDF-SHA256)."""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_LEN = 12
KEY_LEN = 32


def random_key() -> bytes:
    return os.urandom(KEY_LEN)


def subkey(data_key: bytes, purpose: str) -> bytes:
    """Independent keys per use (database, blobs, vault, rotation) from the one data key."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_LEN, salt=None, info=purpose.encode()).derive(data_key)


def seal(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    nonce = os.urandom(NONCE_LEN)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, sealed: bytes, aad: bytes = b"") -> bytes:
    """Raises cryptography.exceptions.InvalidTag when the key or data is wrong."""
    return AESGCM(key).decrypt(sealed[:NONCE_LEN], sealed[NONCE_LEN:], aad)
