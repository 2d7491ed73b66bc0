"""MemoryStore: the encrypted canonical store, its full-text and vector indexes, and blobs.

Writes go through one writer thread; a write is acknowledged once SQLite has committed it.
Vector-index changes are journalled in the same transaction and replayed on open, so a crash
between the commit and the Chroma update never leaves the two out of step.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from reverie.core.protocols import Embedder, FloatArray
from reverie.core.store import db as dbmod
from reverie.core.store.blobs import BlobStore
from reverie.core.store.crypto import open_sealed, seal, subkey
from reverie.core.store.keys import KeyOptions, load_or_create_data_key
from reverie.core.store.lock import DataDirLock
from reverie.core.store.records import COLUMNS, from_row, text_hash, to_row, ts
from reverie.core.store.vector_index import IndexConfig, VectorIndex, rotation_matrix
from reverie.core.store.writer import StoreWriter
from reverie.core.types import Memory, MemoryType, VaultEntry, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreEvent:
    kind: str  # memory_added | memory_updated | memory_deleted | frame_added | frames_deleted
    ids: tuple[str, ...]


Listener = Callable[[StoreEvent], None]


class MemoryStore:
    def __init__(self, home: Path, key: bytes, embedder: Embedder | None, index: IndexConfig,
                 lock: DataDirLock) -> None:
        self.home = home
        self._lock = lock
        self._key = key
        self._embedder = embedder
        self.db_path = home / "memories.db"
        self._writer = StoreWriter(dbmod.open_database(self.db_path, subkey(key, "sqlcipher")))
        self._reads = threading.local()
        self._read_conns: list[Any] = []
        self._read_lock = threading.Lock()
        self.blobs = BlobStore(home / "blobs", subkey(key, "blobs"))
        self._vault_key = subkey(key, "vault")
        self._listeners: list[Listener] = []
        self.index: VectorIndex | None = None
        if embedder is not None:
            rot = rotation_matrix(subkey(key, "vector-rotation"), embedder.dim)
            self.index = VectorIndex(index, rot)
            self._sync_index(full=index.mode == "memory")

    # ---- lifecycle -------------------------------------------------------------------------
    @classmethod
    def open(cls, home: Path, key_opts: KeyOptions | None = None, embedder: Embedder | None = None,
             index: IndexConfig | None = None) -> MemoryStore:
        home.mkdir(parents=True, exist_ok=True)
        lock = DataDirLock(home)
        lock.acquire()
        try:
            key = load_or_create_data_key(home, key_opts or KeyOptions())
            cfg = index or IndexConfig()
            if cfg.mode == "persistent" and cfg.path is None:
                cfg = replace(cfg, path=home / "index")
            return cls(home, key, embedder, cfg, lock)
        except BaseException:
            lock.release()
            raise

    def close(self) -> None:
        self._writer.call(lambda c: c.execute("PRAGMA wal_checkpoint(TRUNCATE)"))
        self._writer.close()
        self._writer.conn.close()
        with self._read_lock:
            for conn in self._read_conns:
                conn.close()
            self._read_conns.clear()
        if self.index is not None:
            self.index.close()
        self._lock.release()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def embedder(self) -> Embedder | None:
        return self._embedder

    def read_conn(self) -> Any:
        """A connection for reads on the calling thread (WAL lets readers run beside the writer)."""
        conn = getattr(self._reads, "conn", None)
        if conn is None:
            conn = dbmod.connect(self.db_path, subkey(self._key, "sqlcipher"))
            self._reads.conn = conn
            with self._read_lock:
                self._read_conns.append(conn)
        return conn

    def write(self, fn: Callable[[Any], Any]) -> Any:
        """Run `fn(conn)` on the writer thread inside a transaction; returns its result."""
        def txn(conn: Any) -> Any:
            conn.execute("BEGIN IMMEDIATE")
            try:
                out = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return out
        return self._writer.call(txn)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def emit(self, kind: str, ids: Sequence[str]) -> None:
        event = StoreEvent(kind, tuple(ids))
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("store listener failed for %s", kind)

    # ---- embeddings --------------------------------------------------------------------------
    def _embed(self, texts: Sequence[str]) -> tuple[FloatArray, list[str]]:
        """Embed texts, reusing stored vectors for text already embedded by the same model."""
        assert self._embedder is not None
        model_id = self._embedder.model_id
        hashes = [text_hash(model_id, t) for t in texts]
        cached: dict[str, FloatArray] = {}
        conn = self.read_conn()
        uniq = list(dict.fromkeys(hashes))
        for i in range(0, len(uniq), 500):
            chunk = uniq[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for h, blob in conn.execute(
                f"SELECT text_hash, vec FROM embeddings WHERE text_hash IN ({marks})", chunk
            ):
                cached[h] = np.frombuffer(blob, dtype=np.float32)
        missing = [i for i, h in enumerate(hashes) if h not in cached]
        if missing:
            fresh = self._embedder.embed([texts[i] for i in missing])
            for row, i in enumerate(missing):
                cached[hashes[i]] = fresh[row]
        vecs = np.vstack([cached[h] for h in hashes]) if hashes else np.zeros((0, self._embedder.dim), np.float32)
        return vecs.astype(np.float32, copy=False), hashes

    def embed_query(self, text: str) -> FloatArray | None:
        if self._embedder is None:
            return None
        vec: FloatArray = self._embedder.embed([text])[0]
        return vec

    # ---- writes --------------------------------------------------------------------------------
    def add(self, mem: Memory) -> str:
        return self.add_many([mem])[0]

    def add_many(self, mems: Sequence[Memory]) -> list[str]:
        if not mems:
            return []
        vecs, hashes = self._embed([m.search_text() for m in mems]) if self._embedder else (None, [])
        model_id = self._embedder.model_id if self._embedder else ""

        def txn(conn: Any) -> list[str]:
            for i, mem in enumerate(mems):
                seq = self._insert(conn, mem)
                if vecs is not None:
                    conn.execute("INSERT INTO embeddings(seq, model_id, text_hash, vec) VALUES (?,?,?,?)",
                                 (seq, model_id, hashes[i], vecs[i].tobytes()))
                    conn.execute("INSERT INTO index_journal(id, type, op) VALUES (?,?,'add')",
                                 (mem.id, mem.type.value))
            return [m.id for m in mems]

        ids: list[str] = self.write(txn)
        self._writer.call(lambda c: self._apply_journal(c))
        self.emit("memory_added", ids)
        return ids

    def _insert(self, conn: Any, mem: Memory) -> int:
        row = to_row(mem)
        if isinstance(mem, VaultEntry) and mem.secret_value:
            row["secret"] = seal(self._vault_key, mem.secret_value.encode(), mem.id.encode())
        else:
            row["secret"] = None
        cols = ",".join(row)
        cur = conn.execute(f"INSERT INTO memories({cols}) VALUES ({','.join('?' * len(row))})",
                           tuple(row.values()))
        seq = int(cur.lastrowid)
        conn.executemany("INSERT INTO provenance(seq, source) VALUES (?,?)", [(seq, p) for p in mem.provenance])
        return seq

    def update(self, mem: Memory, change: str = "update") -> None:
        """Replace a record's fields (same id); re-embeds when its text changed."""
        mem.updated_at = utcnow()
        mem.last_change = change
        row = to_row(mem)
        vecs, hashes = self._embed([mem.search_text()]) if self._embedder else (None, [])
        model_id = self._embedder.model_id if self._embedder else ""

        def txn(conn: Any) -> None:
            found = conn.execute("SELECT seq FROM memories WHERE id = ?", (mem.id,)).fetchone()
            if found is None:
                raise KeyError(mem.id)
            seq = found[0]
            sets = ",".join(f"{k} = ?" for k in row)
            conn.execute(f"UPDATE memories SET {sets} WHERE seq = ?", (*row.values(), seq))
            if isinstance(mem, VaultEntry) and mem.secret_value:
                conn.execute("UPDATE memories SET secret = ? WHERE seq = ?",
                             (seal(self._vault_key, mem.secret_value.encode(), mem.id.encode()), seq))
            conn.execute("DELETE FROM provenance WHERE seq = ?", (seq,))
            conn.executemany("INSERT INTO provenance(seq, source) VALUES (?,?)",
                             [(seq, p) for p in mem.provenance])
            if vecs is not None:
                conn.execute("INSERT OR REPLACE INTO embeddings(seq, model_id, text_hash, vec) VALUES (?,?,?,?)",
                             (seq, model_id, hashes[0], vecs[0].tobytes()))
                conn.execute("INSERT INTO index_journal(id, type, op) VALUES (?,?,'add')", (mem.id, mem.type.value))

        self.write(txn)
        self._writer.call(lambda c: self._apply_journal(c))
        self.emit("memory_updated", [mem.id])

    def invalidate(self, mem_id: str, at: datetime | None = None) -> None:
        """Mark a superseded fact: it stays searchable as history, not as current truth."""
        when = ts(at or utcnow())
        self.write(lambda c: c.execute(
            "UPDATE memories SET invalid_at = ?, updated_at = ?, last_change = 'invalidate' WHERE id = ?",
            (when, ts(utcnow()), mem_id)))
        self.emit("memory_updated", [mem_id])

    def record_recall(self, ids: Sequence[str]) -> None:
        """Strength grows with each recall (forgetting-curve input)."""
        if not ids:
            return
        self.write(lambda c: c.executemany(
            "UPDATE memories SET recall_count = recall_count + 1, strength = min(strength + 0.1, 5.0) "
            "WHERE id = ?", [(i,) for i in ids]))

    def forget(self, mem_id: str) -> bool:
        """Purge a memory for real: row, full-text entries, embedding, vector, provenance."""
        return self.forget_many([mem_id]) == 1

    def forget_many(self, ids: Sequence[str]) -> int:
        """Purge several memories in one transaction (e.g. "forget the last 30 minutes")."""
        def txn(conn: Any) -> list[str]:
            gone: list[str] = []
            for mem_id in ids:
                found = conn.execute("SELECT seq, type FROM memories WHERE id = ?", (mem_id,)).fetchone()
                if found is None:
                    continue
                seq, mtype = found
                sources = [r[0] for r in conn.execute("SELECT source FROM provenance WHERE seq = ?", (seq,))]
                conn.execute("DELETE FROM memories WHERE seq = ?", (seq,))
                conn.execute("DELETE FROM embeddings WHERE seq = ?", (seq,))
                conn.execute("DELETE FROM provenance WHERE seq = ?", (seq,))
                # A chat message that only this memory came from goes too: forgetting means forgetting.
                for src in sources:
                    if src.startswith("msg:") and conn.execute(
                            "SELECT 1 FROM provenance WHERE source = ? LIMIT 1", (src,)).fetchone() is None:
                        conn.execute("DELETE FROM messages WHERE id = ?", (src[4:],))
                conn.execute("INSERT INTO index_journal(id, type, op) VALUES (?,?,'delete')", (mem_id, mtype))
                dbmod.meta_set(conn, f"index_dirty:{mtype}", "1")
                gone.append(mem_id)
            return gone

        gone: list[str] = self.write(txn)
        if not gone:
            return 0
        self._writer.call(lambda c: self._apply_journal(c))
        self.purge_free_space()
        self.emit("memory_deleted", gone)
        return len(gone)

    def purge_free_space(self) -> None:
        """Checkpoint and truncate the WAL so deleted pages (zeroed by secure_delete) leave it too.

        The FTS5 tables run with their own 'secure-delete' option, so deleted tokens are removed
        from the index at delete time rather than lingering until a merge.
        """
        self._writer.call(lambda c: c.execute("PRAGMA wal_checkpoint(TRUNCATE)"))

    def compact_dirty_indexes(self) -> dict[str, int]:
        """Rebuild collections that had deletions so removed vectors leave Chroma's files too."""
        conn = self.read_conn()
        dirty = [r[0].split(":", 1)[1] for r in conn.execute("SELECT key FROM meta WHERE key LIKE 'index_dirty:%'")]
        out = {t: self.compact_index(MemoryType(t)) for t in dirty}
        if dirty:
            self.write(lambda c: c.execute("DELETE FROM meta WHERE key LIKE 'index_dirty:%'"))
        return out

    def vacuum(self) -> None:
        self._writer.call(lambda c: c.execute("VACUUM"))
        self._writer.call(lambda c: c.execute("PRAGMA wal_checkpoint(TRUNCATE)"))

    # ---- vector index sync ------------------------------------------------------------------
    def _apply_journal(self, conn: Any) -> int:
        if self.index is None:
            conn.execute("DELETE FROM index_journal")
            return 0
        rows = conn.execute("SELECT rowid, id, type, op FROM index_journal ORDER BY rowid").fetchall()
        if not rows:
            return 0
        adds: dict[MemoryType, list[str]] = {}
        for _, mid, mtype, op in rows:
            t = MemoryType(mtype)
            if op == "delete":
                self.index.delete(t, [mid])
                if mid in adds.get(t, []):
                    adds[t].remove(mid)
            else:
                adds.setdefault(t, []).append(mid)
        for t, ids in adds.items():
            items = list(self._vectors_for(conn, ids))
            if items:
                self.index.add(t, [i for i, _, _ in items], np.vstack([v for _, v, _ in items]),
                               [o for _, _, o in items])
        conn.execute("DELETE FROM index_journal WHERE rowid <= ?", (rows[-1][0],))
        return len(rows)

    def _vectors_for(self, conn: Any, ids: Sequence[str] | None,
                     mtype: MemoryType | None = None) -> Iterator[tuple[str, FloatArray, float | None]]:
        sql = "SELECT m.id, e.vec, m.occurred_at FROM memories m JOIN embeddings e ON e.seq = m.seq"
        if ids is not None:
            for i in range(0, len(ids), 500):
                chunk = list(ids[i:i + 500])
                q = f"{sql} WHERE m.id IN ({','.join('?' * len(chunk))})"
                for mid, blob, occ in conn.execute(q, chunk):
                    yield mid, np.frombuffer(blob, dtype=np.float32), occ
        else:
            assert mtype is not None
            for mid, blob, occ in conn.execute(f"{sql} WHERE m.type = ?", (mtype.value,)):
                yield mid, np.frombuffer(blob, dtype=np.float32), occ

    def _sync_index(self, full: bool) -> dict[str, int]:
        """Replay the journal; on `full` (or count mismatch) diff ids per type and fix them."""
        assert self.index is not None
        index = self.index
        stats = {"journal": 0, "added": 0, "removed": 0, "rebuilt": 0}

        def work(conn: Any) -> None:
            stats["journal"] = self._apply_journal(conn)
            for t in MemoryType:
                if full and index.config.mode == "memory":
                    stats["rebuilt"] += index.rebuild(t, self._vectors_for(conn, None, t))
                    continue
                (n,) = conn.execute("SELECT count(*) FROM memories m JOIN embeddings e ON e.seq = m.seq "
                                    "WHERE m.type = ?", (t.value,)).fetchone()
                if not full and n == index.count(t):
                    continue
                want = {r[0] for r in conn.execute(
                    "SELECT m.id FROM memories m JOIN embeddings e ON e.seq = m.seq WHERE m.type = ?", (t.value,))}
                have = index.ids(t)
                extra = sorted(have - want)
                missing = sorted(want - have)
                index.delete(t, extra)
                items = list(self._vectors_for(conn, missing))
                if items:
                    index.add(t, [i for i, _, _ in items], np.vstack([v for _, v, _ in items]),
                              [o for _, _, o in items])
                stats["added"] += len(items)
                stats["removed"] += len(extra)
        self._writer.call(work)
        if any(stats.values()):
            log.info("vector index reconciled: %s", stats)
        return stats

    def reconcile(self) -> dict[str, int]:
        return self._sync_index(full=True) if self.index else {}

    def compact_index(self, mtype: MemoryType) -> int:
        """Rebuild one collection from the canonical store so deleted vectors leave Chroma's files."""
        if self.index is None:
            return 0
        index = self.index
        return int(self._writer.call(lambda c: index.rebuild(mtype, self._vectors_for(c, None, mtype))))

    # ---- reads ---------------------------------------------------------------------------------
    def get(self, mem_id: str) -> Memory | None:
        row = self.read_conn().execute(f"SELECT {COLUMNS} FROM memories WHERE id = ?", (mem_id,)).fetchone()
        return None if row is None else from_row(row)[1]

    def get_many(self, ids: Sequence[str]) -> dict[str, Memory]:
        out: dict[str, Memory] = {}
        conn = self.read_conn()
        for i in range(0, len(ids), 500):
            chunk = list(ids[i:i + 500])
            q = f"SELECT {COLUMNS} FROM memories WHERE id IN ({','.join('?' * len(chunk))})"
            for row in conn.execute(q, chunk):
                mem = from_row(row)[1]
                out[mem.id] = mem
        return out

    def list_memories(self, mtype: MemoryType | None = None, *, limit: int = 50, offset: int = 0,
             include_invalid: bool = True, include_archived: bool = False,
             newest_first: bool = True) -> list[Memory]:
        where, args = [], []
        if mtype is not None:
            where.append("type = ?")
            args.append(mtype.value)
        if not include_invalid:
            where.append("invalid_at IS NULL")
        if not include_archived:
            where.append("archived = 0")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        order = "DESC" if newest_first else "ASC"
        q = (f"SELECT {COLUMNS} FROM memories {clause} "
             f"ORDER BY coalesce(occurred_at, created_at) {order}, seq {order} LIMIT ? OFFSET ?")
        return [from_row(r)[1] for r in self.read_conn().execute(q, (*args, limit, offset))]

    def count(self, mtype: MemoryType | None = None) -> int:
        if mtype is None:
            return int(self.read_conn().execute("SELECT count(*) FROM memories").fetchone()[0])
        return int(self.read_conn().execute("SELECT count(*) FROM memories WHERE type = ?",
                                            (mtype.value,)).fetchone()[0])

    def ids_for_source(self, source_prefix: str) -> list[str]:
        """Ids of memories whose provenance includes a source starting with this prefix."""
        q = ("SELECT DISTINCT m.id FROM provenance p JOIN memories m ON m.seq = p.seq "
             "WHERE p.source >= ? AND p.source < ?")
        return [r[0] for r in self.read_conn().execute(q, (source_prefix, source_prefix + "\uffff"))]

    def reveal_secret(self, mem_id: str) -> str:
        """The explicit, unlocked action that returns a vault secret. Never called by agents."""
        row = self.read_conn().execute("SELECT secret FROM memories WHERE id = ? AND type = 'vault'",
                                       (mem_id,)).fetchone()
        if row is None or row[0] is None:
            raise KeyError(mem_id)
        return open_sealed(self._vault_key, row[0], mem_id.encode()).decode()

    def stats(self) -> dict[str, Any]:
        conn = self.read_conn()
        by_type = dict(conn.execute("SELECT type, count(*) FROM memories GROUP BY type").fetchall())
        (frames,) = conn.execute("SELECT count(*) FROM frames").fetchone()
        return {
            "memories": sum(by_type.values()), "by_type": by_type, "frames": frames,
            "db_bytes": sum(p.stat().st_size for p in self.home.glob("memories.db*")),
            "blob_bytes": self.blobs.total_bytes(),
            "index_mode": self.index.config.mode if self.index else "none",
        }
