"""Chroma vector index holding only ids, rotated vectors and non-sensitive filter fields.

Vectors are multiplied by a secret orthogonal matrix derived from the data key before they
reach Chroma: cosine distances are unchanged, but the raw embeddings that off-the-shelf
inversion attacks need never touch the disk. That is obfuscation, not encryption; the
"memory" mode (index rebuilt in RAM at unlock, nothing on disk) is the encrypted option.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reverie.core.protocols import FloatArray
from reverie.core.types import MemoryType

log = logging.getLogger(__name__)


def rotation_matrix(seed_key: bytes, dim: int) -> FloatArray:
    """A deterministic random orthogonal matrix (QR of a Gaussian, sign-fixed) from a secret seed."""
    rng = np.random.default_rng(int.from_bytes(seed_key, "big"))
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    q = q * np.sign(np.diag(r))
    return np.ascontiguousarray(q, dtype=np.float32)


@dataclass(frozen=True)
class IndexConfig:
    mode: str = "persistent"  # persistent | memory | http
    path: Path | None = None
    http_url: str | None = None


class VectorIndex:
    def __init__(self, config: IndexConfig, rotation: FloatArray) -> None:
        self._rot = rotation
        self.config = config
        self._client = _make_client(config)
        self._collections: dict[MemoryType, Any] = {}
        # Chroma's count() costs ~10 ms; remember which collections have anything in them.
        self._nonempty: dict[MemoryType, bool] = {}

    def _col(self, mtype: MemoryType) -> Any:
        col = self._collections.get(mtype)
        if col is None:
            col = self._client.get_or_create_collection(
                name=f"reverie_{mtype.value}",
                metadata={"hnsw:space": "cosine", "hnsw:search_ef": 128, "hnsw:construction_ef": 128},
            )
            self._collections[mtype] = col
        return col

    def rotate(self, vecs: FloatArray) -> FloatArray:
        return np.asarray(vecs, dtype=np.float32) @ self._rot

    def add(self, mtype: MemoryType, ids: Sequence[str], vecs: FloatArray,
            occurred: Sequence[float | None]) -> None:
        if not ids:
            return
        metas = [{"t": float(o) if o is not None else -1.0} for o in occurred]
        col = self._col(mtype)
        self._nonempty[mtype] = True
        step = 5000  # Chroma's max batch is ~5,461 on SQLite builds
        rotated = self.rotate(vecs)
        for i in range(0, len(ids), step):
            col.upsert(ids=list(ids[i:i + step]), embeddings=rotated[i:i + step], metadatas=metas[i:i + step])

    def delete(self, mtype: MemoryType, ids: Sequence[str]) -> None:
        if ids:
            self._col(mtype).delete(ids=list(ids))

    def query(self, mtype: MemoryType, vec: FloatArray, k: int,
              time_range: tuple[float, float] | None = None) -> list[tuple[str, float]]:
        col = self._col(mtype)
        if mtype not in self._nonempty:
            self._nonempty[mtype] = col.count() > 0
        if not self._nonempty[mtype]:
            return []
        where: dict[str, Any] | None = None
        if time_range is not None:
            # An open end (±inf) is left out: Chroma rejects non-finite bounds.
            bounds: list[dict[str, Any]] = []
            if math.isfinite(time_range[0]):
                bounds.append({"t": {"$gte": time_range[0]}})
            if math.isfinite(time_range[1]):
                bounds.append({"t": {"$lt": time_range[1]}})
            where = {"$and": bounds} if len(bounds) == 2 else (bounds[0] if bounds else None)
        res = col.query(query_embeddings=self.rotate(vec.reshape(1, -1)), n_results=k,
                        where=where, include=["distances"])
        ids = res["ids"][0]
        dists = res["distances"][0]
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)]

    def ids(self, mtype: MemoryType) -> set[str]:
        col = self._col(mtype)
        out: set[str] = set()
        total = col.count()
        for offset in range(0, total, 10000):
            out.update(col.get(include=[], limit=10000, offset=offset)["ids"])
        return out

    def count(self, mtype: MemoryType) -> int:
        return int(self._col(mtype).count())

    def reset(self, mtype: MemoryType) -> None:
        """Drop and recreate a collection (compaction: deleted vectors leave the HNSW files)."""
        try:
            self._client.delete_collection(f"reverie_{mtype.value}")
        except Exception as exc:  # chromadb raises NotFoundError / ValueError depending on version
            log.debug("delete_collection(%s): %s", mtype.value, exc)
        self._collections.pop(mtype, None)
        self._nonempty.pop(mtype, None)

    def rebuild(self, mtype: MemoryType, items: Iterable[tuple[str, FloatArray, float | None]]) -> int:
        self.reset(mtype)
        ids: list[str] = []
        vecs: list[FloatArray] = []
        occ: list[float | None] = []
        n = 0
        for mid, vec, t in items:
            ids.append(mid)
            vecs.append(vec)
            occ.append(t)
            if len(ids) >= 5000:
                self.add(mtype, ids, np.vstack(vecs), occ)
                n += len(ids)
                ids, vecs, occ = [], [], []
        if ids:
            self.add(mtype, ids, np.vstack(vecs), occ)
            n += len(ids)
        return n

    def close(self) -> None:
        self._collections.clear()
        self._client = None


def _make_client(config: IndexConfig) -> Any:
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False, allow_reset=True)
    if config.mode == "http":
        if not config.http_url:
            raise ValueError("index mode 'http' needs http_url")
        from urllib.parse import urlparse

        url = urlparse(config.http_url)
        return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                   ssl=url.scheme == "https", settings=settings)
    if config.mode == "memory":
        return chromadb.EphemeralClient(settings=settings)
    if config.path is None:
        raise ValueError("persistent index needs a path")
    return chromadb.PersistentClient(path=str(config.path), settings=settings)
