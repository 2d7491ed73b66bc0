"""Export: a consistent snapshot of a data dir, streamed into one encrypted archive.

Why rows through a read transaction, not a copy of the database file: one `BEGIN` on a WAL
connection pins a single snapshot of every table while the owning process (the desktop app,
`reverie serve`) keeps writing, and readers in other processes are something SQLite's WAL mode
is built for, so export needs neither the data-dir lock nor a pause. It also writes no temp
file at all (the backup API or `VACUUM INTO` would need an encrypted temp copy of the whole
database), leaves out what is derived and rebuilt on import (the full-text indexes, Chroma),
and lets a newer Reverie import an older archive by loading rows at the archive's schema
version and migrating afterwards.

Thumbnail blobs are copied still sealed with the blob subkey (the data key travels inside the
archive), after checking that each one opens: a blob that a running instance wiped after our
snapshot began is left out and its frame keeps its text without a thumbnail.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag

from reverie.core.backup import BackupError
from reverie.core.backup.archive import CHUNK_BYTES, ArchiveWriter
from reverie.core.store import db as dbmod
from reverie.core.store.crypto import open_sealed, subkey

log = logging.getLogger(__name__)

ARCHIVE_FORMAT = "reverie-export"
KIND_MANIFEST, KIND_KEY, KIND_FILE, KIND_ROWS, KIND_BLOB, KIND_END = b"M", b"K", b"F", b"R", b"B", b"E"

# Tables left out of an export, and why.
SKIPPED_TABLES = {
    # Pending Chroma updates: the index is rebuilt from the `embeddings` table after import.
    "index_journal",
    # Pickled APScheduler jobs: unpickling data read from a file is code execution, and the
    # scheduler re-creates its jobs at start anyway.
    "scheduler_jobs",
    # Blob files already queued for wiping are not exported, so the queue is meaningless.
    "blob_purge_queue",
}
# Rows left out: "index dirty" marks describe the exporting machine's Chroma files.
ROW_FILTERS = {"meta": "key NOT LIKE 'index_dirty:%'"}
# Columns that name a blob file: (blob id column, stored size column).
BLOB_REFS = {"frames": ("thumb_blob", "thumb_bytes")}
BATCH_ROWS = 500


@dataclass(frozen=True)
class Progress:
    phase: str  # a table name, or "blobs"
    done: int
    total: int
    bytes: int  # archive bytes written (export) or read (import) so far


ProgressFn = Callable[[Progress], None]


@dataclass
class ExportSummary:
    schema_version: int
    tables: dict[str, int]
    memories_by_type: dict[str, int]
    thumbnails: int = 0
    thumbnail_bytes: int = 0
    thumbnails_missing: int = 0
    files: list[str] = field(default_factory=list)
    bytes: int = 0


def encode_value(value: Any) -> Any:
    """JSON has no bytes: blobs (embeddings, sealed secrets) travel as {"$b": base64}."""
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    return value


def decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        return base64.b64decode(value["$b"])
    return value


def exported_tables(conn: Any) -> list[str]:
    """Ordinary tables in creation order, without SQLite's own, FTS shadow tables or skipped ones."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchall()
    virtual = [n for n, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    return [n for n, _ in rows if not n.startswith("sqlite_") and n not in virtual and n not in SKIPPED_TABLES
            and not any(n.startswith(v + "_") for v in virtual)]


def _select(table: str, what: str) -> str:
    where = ROW_FILTERS.get(table)
    return f'SELECT {what} FROM "{table}"' + (f" WHERE {where}" if where else "")


def blob_path(home: Path, blob_id: str) -> Path:
    if not blob_id.isalnum() or len(blob_id) > 64:
        raise BackupError(f"bad blob id {blob_id!r}")
    return home / "blobs" / blob_id[:2] / blob_id


def export_data_dir(home: Path, data_key: bytes, out: IO[bytes], passphrase: str, *,
                    files: Mapping[str, bytes] | None = None, app_version: str = "",
                    progress: ProgressFn | None = None, chunk_bytes: int = CHUNK_BYTES) -> ExportSummary:
    """Write `home`'s store (and `files`, e.g. settings.json) to `out` as an encrypted archive."""
    db_path = home / "memories.db"
    if not db_path.exists():
        raise BackupError(f"there is no Reverie store in {home} to export")
    conn = dbmod.connect(db_path, subkey(data_key, "sqlcipher"))
    try:
        # One read transaction: every SELECT below sees the same WAL snapshot.
        conn.execute("BEGIN")
        (schema,) = conn.execute("PRAGMA user_version").fetchone()
        tables = exported_tables(conn)
        totals = {t: int(conn.execute(_select(t, "count(*)")).fetchone()[0]) for t in tables}
        by_type = {str(k): int(v) for k, v in conn.execute("SELECT type, count(*) FROM memories GROUP BY type")}
        writer = ArchiveWriter(out, passphrase, chunk_bytes=chunk_bytes)
        summary = ExportSummary(schema_version=int(schema), tables=dict.fromkeys(tables, 0),
                                memories_by_type=by_type, files=sorted(files or {}))
        manifest = {"format": ARCHIVE_FORMAT, "schema_version": summary.schema_version, "tables": totals,
                    "memories_by_type": by_type, "files": summary.files, "app_version": app_version}
        writer.entry(KIND_MANIFEST, "manifest", json.dumps(manifest).encode())
        writer.entry(KIND_KEY, "data-key", data_key)
        for name in summary.files:
            writer.entry(KIND_FILE, name, (files or {})[name])
        blob_key = subkey(data_key, "blobs")
        for table in tables:
            _export_table(conn, home, blob_key, table, writer, summary, totals[table], progress)
        writer.entry(KIND_END, "end", json.dumps({"tables": summary.tables,
                                                  "thumbnails": summary.thumbnails}).encode())
        writer.close()
        conn.execute("COMMIT")
    finally:
        conn.close()
    summary.bytes = writer.bytes_written
    return summary


def _export_table(conn: Any, home: Path, blob_key: bytes, table: str, writer: ArchiveWriter,
                  summary: ExportSummary, total: int, progress: ProgressFn | None) -> None:
    cur = conn.execute(_select(table, "*") + " ORDER BY rowid")
    columns = [d[0] for d in cur.description]
    refs = BLOB_REFS.get(table)
    ref_cols = (columns.index(refs[0]), columns.index(refs[1])) if refs else None
    while batch := cur.fetchmany(BATCH_ROWS):
        rows = [list(r) for r in batch]
        blobs: list[tuple[str, bytes]] = []
        if ref_cols is not None:
            for row in rows:
                blob_id = row[ref_cols[0]]
                if not blob_id:
                    continue
                sealed = _read_blob(home, blob_key, str(blob_id))
                if sealed is None:
                    row[ref_cols[0]], row[ref_cols[1]] = None, 0
                    summary.thumbnails_missing += 1
                else:
                    blobs.append((str(blob_id), sealed))
        payload = {"columns": columns, "rows": [[encode_value(v) for v in r] for r in rows]}
        writer.entry(KIND_ROWS, table, json.dumps(payload).encode())
        for blob_id, sealed in blobs:
            writer.entry(KIND_BLOB, blob_id, sealed)
            summary.thumbnails += 1
            summary.thumbnail_bytes += len(sealed)
        summary.tables[table] += len(rows)
        if progress is not None:
            progress(Progress(table, summary.tables[table], total, writer.bytes_written))


def _read_blob(home: Path, blob_key: bytes, blob_id: str) -> bytes | None:
    """The sealed blob file if it is there and opens; None when it was wiped or damaged."""
    try:
        path = blob_path(home, blob_id)
        if path.is_symlink():
            raise OSError("a blob file is a symlink")
        sealed = path.read_bytes()
        open_sealed(blob_key, sealed, blob_id.encode())
    except (OSError, InvalidTag, BackupError) as exc:
        log.warning("thumbnail %s left out of the export: %s", blob_id, type(exc).__name__)
        return None
    return sealed
