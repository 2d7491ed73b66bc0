"""AEAD-encrypted blob files (thumbnails, attachments). Names are random; AAD binds name to content."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from reverie.core.store.crypto import open_sealed, seal


class BlobStore:
    def __init__(self, root: Path, key: bytes) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._key = key

    def _path(self, blob_id: str) -> Path:
        if not blob_id.isalnum():
            raise ValueError(f"bad blob id {blob_id!r}")
        return self.root / blob_id[:2] / blob_id

    def put(self, data: bytes) -> str:
        blob_id = secrets.token_hex(16)
        path = self._path(blob_id)
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            fh.write(seal(self._key, data, blob_id.encode()))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return blob_id

    def get(self, blob_id: str) -> bytes:
        return open_sealed(self._key, self._path(blob_id).read_bytes(), blob_id.encode())

    def delete(self, blob_id: str) -> None:
        """Overwrite, then unlink: the ciphertext is gone and the key no longer opens anything."""
        path = self._path(blob_id)
        if not path.exists():
            return
        size = path.stat().st_size
        with open(path, "r+b") as fh:
            fh.write(b"\0" * size)
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()

    def total_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
