"""The data key: a random 256-bit key kept in the OS keystore or wrapped by a passphrase.

`keyfile.json` in the data dir says which. In passphrase mode it holds the Argon2id
parameters, a salt and the AES-GCM-wrapped data key; a wrong passphrase fails the tag
check and nothing is rewritten. There is never a plaintext fallback.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag

from reverie.core.store.crypto import open_sealed, random_key, seal

log = logging.getLogger(__name__)

KEYFILE = "keyfile.json"
KEYRING_SERVICE = "reverie"
_AAD = b"reverie-data-key-v1"
# Argon2id parameters: 64 MiB memory, 3 passes (OWASP-level), 2 lanes for 2-core laptops.
ARGON_MEMORY_KIB = 64 * 1024
ARGON_TIME = 3
ARGON_LANES = 2


class KeyAccessError(RuntimeError):
    """Base for key problems the user must see."""


class WrongPassphrase(KeyAccessError):
    pass


class PassphraseRequired(KeyAccessError):
    pass


class KeystoreUnavailable(KeyAccessError):
    pass


@dataclass(frozen=True)
class KeyOptions:
    """How to obtain the key. `passphrase` wins; else the keystore unless `use_keystore` is False."""

    passphrase: str | None = None
    use_keystore: bool = True


def derive_kek(passphrase: str, salt: bytes, memory_kib: int, time_cost: int, lanes: int) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        passphrase.encode(), salt, time_cost=time_cost, memory_cost=memory_kib,
        parallelism=lanes, hash_len=32, type=Type.ID,
    )


def keystore_available() -> bool:
    """True when `keyring` has a real backend (not the fail/null/plaintext ones)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception as exc:  # keyring raises backend-specific errors at discovery
        log.info("keyring unavailable: %s", exc)
        return False
    name = type(backend).__module__ + "." + type(backend).__name__
    return not isinstance(backend, fail.Keyring) and "null" not in name.lower() and "plaintext" not in name.lower()


def keystore_backend_name() -> str:
    try:
        import keyring

        backend = keyring.get_keyring()
        return f"{type(backend).__module__}.{type(backend).__name__}"
    except Exception as exc:
        return f"unavailable ({exc})"


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _unb64(s: str) -> bytes:
    return base64.b64decode(s)


def _write_keyfile(home: Path, data: dict[str, Any]) -> None:
    tmp = home / (KEYFILE + ".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.chmod(tmp, 0o600)
    os.replace(tmp, home / KEYFILE)


def _keystore_user(home: Path, key_id: str) -> str:
    return f"data-key:{key_id}"


def load_or_create_data_key(home: Path, opts: KeyOptions) -> bytes:
    """Return the data key for `home`, creating and storing one on first use."""
    path = home / KEYFILE
    if path.exists():
        return _load(home, json.loads(path.read_text()), opts)
    return _create(home, opts)


def install_data_key(home: Path, key: bytes, opts: KeyOptions) -> None:
    """Store an existing data key for `home` (restoring an export) the way a first run stores a new one."""
    if (home / KEYFILE).exists():
        raise KeyAccessError(f"{home} already has a data key ({KEYFILE}).")
    _create(home, opts, key)


def _create(home: Path, opts: KeyOptions, key: bytes | None = None) -> bytes:
    key = key if key is not None else random_key()
    key_id = _b64(os.urandom(9)).replace("/", "_").replace("+", "-")
    check = _b64(seal(key, b"reverie-key-check", _AAD))
    if opts.passphrase is None and opts.use_keystore and keystore_available():
        import keyring

        keyring.set_password(KEYRING_SERVICE, _keystore_user(home, key_id), _b64(key))
        _write_keyfile(home, {"version": 1, "mode": "keystore", "key_id": key_id, "check": check})
        return key
    if not opts.passphrase:
        raise PassphraseRequired(
            "No OS keystore is available, so Reverie needs a passphrase to protect its data key. "
            "Set REVERIE_PASSPHRASE or enter one when asked."
        )
    salt = os.urandom(16)
    kek = derive_kek(opts.passphrase, salt, ARGON_MEMORY_KIB, ARGON_TIME, ARGON_LANES)
    _write_keyfile(home, {
        "version": 1, "mode": "passphrase", "key_id": key_id, "kdf": "argon2id",
        "memory_kib": ARGON_MEMORY_KIB, "time_cost": ARGON_TIME, "lanes": ARGON_LANES,
        "salt": _b64(salt), "wrapped": _b64(seal(kek, key, _AAD)), "check": check,
    })
    return key


def _load(home: Path, meta: dict[str, Any], opts: KeyOptions) -> bytes:
    if meta.get("mode") == "passphrase":
        if not opts.passphrase:
            raise PassphraseRequired("This Reverie data dir is locked with a passphrase (REVERIE_PASSPHRASE).")
        kek = derive_kek(opts.passphrase, _unb64(meta["salt"]), int(meta["memory_kib"]),
                         int(meta["time_cost"]), int(meta["lanes"]))
        try:
            return open_sealed(kek, _unb64(meta["wrapped"]), _AAD)
        except InvalidTag:
            raise WrongPassphrase(
                "Wrong passphrase: the data key could not be unlocked. Nothing was changed."
            ) from None
    if meta.get("mode") == "keystore":
        import keyring

        try:
            stored = keyring.get_password(KEYRING_SERVICE, _keystore_user(home, meta["key_id"]))
        except Exception as exc:
            raise KeystoreUnavailable(f"The OS keystore could not be read: {exc}") from exc
        if stored is None:
            raise KeystoreUnavailable("The data key is missing from the OS keystore for this data dir.")
        key = _unb64(stored)
        try:
            open_sealed(key, _unb64(meta["check"]), _AAD)
        except InvalidTag:
            raise KeystoreUnavailable(
                "The keystore holds a different key than this data dir expects."
            ) from None
        return key
    raise KeyAccessError(f"Unknown key mode in {KEYFILE}: {meta.get('mode')!r}")


def delete_keystore_entry(home: Path) -> bool:
    path = home / KEYFILE
    if not path.exists():
        return False
    meta = json.loads(path.read_text())
    if meta.get("mode") != "keystore":
        return False
    import keyring

    keyring.delete_password(KEYRING_SERVICE, _keystore_user(home, meta["key_id"]))
    return True


def change_passphrase(home: Path, data_key: bytes, new_passphrase: str) -> None:
    """Re-wrap the data key under a new passphrase (switches keystore mode to passphrase)."""
    meta = json.loads((home / KEYFILE).read_text())
    salt = os.urandom(16)
    kek = derive_kek(new_passphrase, salt, ARGON_MEMORY_KIB, ARGON_TIME, ARGON_LANES)
    meta.update({"mode": "passphrase", "kdf": "argon2id", "memory_kib": ARGON_MEMORY_KIB,
                 "time_cost": ARGON_TIME, "lanes": ARGON_LANES, "salt": _b64(salt),
                 "wrapped": _b64(seal(kek, data_key, _AAD))})
    _write_keyfile(home, meta)
