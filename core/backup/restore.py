"""Import: rebuild a data dir from an export, all or nothing.

Everything is written into a private staging dir next to the target (same file system) and
moved into place only after the whole archive has authenticated, every row has loaded, every
thumbnail has opened and the counts match the manifest; any failure removes the staging dir,
so a wrong passphrase, a damaged file or a full disk leave the target as they found it.

The data key is the user's data and is carried over (vault secrets, thumbnails and the vector
rotation all derive from it); it is stored for the new machine the way a first run stores a
new key: in the OS keystore, or wrapped by the local passphrase. The Chroma index is not in
the archive: the store rebuilds it from the `embeddings` table when it is next opened.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag

from reverie.core.backup import BackupError
from reverie.core.backup.archive import ArchiveReader
from reverie.core.backup.export import (
    ARCHIVE_FORMAT,
    KIND_BLOB,
    KIND_END,
    KIND_FILE,
    KIND_KEY,
    KIND_MANIFEST,
    KIND_ROWS,
    SKIPPED_TABLES,
    Progress,
    ProgressFn,
    blob_path,
    decode_value,
)
from reverie.core.store import db as dbmod
from reverie.core.store.crypto import KEY_LEN, open_sealed, subkey
from reverie.core.store.keys import KEYFILE, KeyOptions, delete_keystore_entry, install_data_key
from reverie.core.store.migrations import MIGRATIONS, migrate

log = logging.getLogger(__name__)

# What a store consists of: an import refuses a target that already has any of these.
STORE_NAMES = (KEYFILE, "memories.db", "memories.db-wal", "memories.db-shm", "blobs", "index")
DAMAGED = "the export is damaged ({}); nothing was imported"


@dataclass
class RestoreSummary:
    schema_version: int = 0
    app_version: str = ""
    tables: dict[str, int] = field(default_factory=dict)
    memories_by_type: dict[str, int] = field(default_factory=dict)
    thumbnails: int = 0
    files: list[str] = field(default_factory=list)
    key_mode: str = ""


def existing_store_files(home: Path, extra: Collection[str] = ()) -> list[str]:
    """Names in `home` an import would overwrite (empty when the target is free)."""
    return [n for n in (*STORE_NAMES, *extra) if os.path.lexists(home / n)]


def restore_data_dir(reader: ArchiveReader, home: Path, key_options: Callable[[Path], KeyOptions], *,
                     allowed_files: Collection[str] = (), progress: ProgressFn | None = None) -> RestoreSummary:
    """Load the archive into `home`, which must not hold a store.

    `key_options(staging_dir)` is called once the archive has loaded (its files, e.g. the
    settings, are in the staging dir) and says how to keep the data key on this machine.
    Files named in the archive but not in `allowed_files` are ignored.
    """
    if os.path.lexists(home) and not home.is_dir():
        raise BackupError(f"{home} is not a directory; nothing was imported")
    clash = existing_store_files(home, allowed_files)
    if clash:
        raise BackupError(f"{home} already holds Reverie data ({', '.join(clash)}); nothing was imported")
    home.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{home.name}.import-", dir=home.parent))  # mode 0700
    try:
        summary, data_key = _load(reader, staging, set(allowed_files), progress)
        opts = key_options(staging)
        install_data_key(staging, data_key, opts)
        summary.key_mode = str(json.loads((staging / KEYFILE).read_text()).get("mode", ""))
        _move_into_place(staging, home)
    except BaseException:
        if (staging / KEYFILE).exists():
            try:  # a key stored in the OS keystore for a dir that never came to be must not linger
                delete_keystore_entry(staging)
            except Exception as exc:
                log.warning("could not remove the keystore entry of a failed import: %s", exc)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return summary


def _move_into_place(staging: Path, home: Path) -> None:
    if not home.exists():
        os.rename(staging, home)  # one atomic step
        return
    if not any(home.iterdir()):
        home.rmdir()
        os.rename(staging, home)
        return
    # The target holds other things (e.g. downloaded models): move entries in, key file last, so
    # that until the very end there is no key that would make a half-moved store look complete.
    names = sorted(os.listdir(staging), key=lambda n: n == KEYFILE)
    for name in names:
        os.rename(staging / name, home / name)
    staging.rmdir()


def _load(reader: ArchiveReader, staging: Path, allowed_files: set[str],
          progress: ProgressFn | None) -> tuple[RestoreSummary, bytes]:
    entries = reader.entries()
    manifest = _expect(entries, KIND_MANIFEST, "manifest")
    try:
        meta = json.loads(manifest)
        ok = meta.get("format") == ARCHIVE_FORMAT
        schema = int(meta["schema_version"])
        expected = {str(k): int(v) for k, v in meta["tables"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise BackupError(DAMAGED.format("its manifest is unreadable"))
    if schema > len(MIGRATIONS):
        raise BackupError(f"this export comes from a newer Reverie (store schema {schema}, this one knows "
                          f"{len(MIGRATIONS)}); update Reverie, then import it")
    data_key = _expect(entries, KIND_KEY, "key")
    if len(data_key) != KEY_LEN:
        raise BackupError(DAMAGED.format("its key entry is malformed"))
    summary = RestoreSummary(schema_version=schema, app_version=str(meta.get("app_version", "")),
                             tables=dict.fromkeys(expected, 0),
                             memories_by_type={str(k): int(v) for k, v in meta.get("memories_by_type", {}).items()})
    db_path = staging / "memories.db"
    sql_key = subkey(data_key, "sqlcipher")
    conn = dbmod.connect(db_path, sql_key, create=True)
    try:
        # Rows load into the schema they were exported from; later migrations run afterwards.
        migrate(conn, upto=schema)
        columns = {t: {str(r[1]) for r in conn.execute(f'PRAGMA table_info("{t}")')} for t in expected}
        columns = {t: cols for t, cols in columns.items() if cols}  # a table this schema lacks has none
        conn.execute("BEGIN")
        end = _load_entries(conn, entries, staging, allowed_files, columns, subkey(data_key, "blobs"),
                            summary, expected, reader, progress)
        if end.get("tables") != summary.tables or summary.tables != expected:
            raise BackupError(DAMAGED.format("its row counts do not match its manifest"))
        conn.execute("COMMIT")
    finally:
        conn.close()
    conn = dbmod.open_database(db_path, sql_key)  # remaining migrations, FTS secure-delete
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return summary, data_key


def _expect(entries: Iterator[tuple[bytes, str, bytes]], kind: bytes, what: str) -> bytes:
    got = next(entries, None)
    if got is None or got[0] != kind:
        raise BackupError(DAMAGED.format(f"its {what} is missing"))
    return got[2]


def _load_entries(conn: Any, entries: Iterator[tuple[bytes, str, bytes]], staging: Path, allowed_files: set[str],
                  columns: dict[str, set[str]], blob_key: bytes, summary: RestoreSummary,
                  expected: dict[str, int], reader: ArchiveReader, progress: ProgressFn | None) -> dict[str, Any]:
    for kind, name, data in entries:
        if kind == KIND_FILE:
            if name in allowed_files:
                _write_private(staging / name, data)
                summary.files.append(name)
            else:
                log.warning("ignoring file %r in the export", name)
        elif kind == KIND_ROWS:
            if name not in columns or name in SKIPPED_TABLES:
                raise BackupError(DAMAGED.format(f"it holds rows for an unknown table {name!r}"))
            summary.tables[name] += _insert_rows(conn, name, data, columns[name])
            if progress is not None:
                progress(Progress(name, summary.tables[name], expected[name], reader.bytes_read))
        elif kind == KIND_BLOB:
            try:
                open_sealed(blob_key, data, name.encode())
            except InvalidTag:
                raise BackupError(DAMAGED.format(f"thumbnail {name} does not open")) from None
            path = blob_path(staging, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_private(path, data)
            summary.thumbnails += 1
        elif kind == KIND_END:
            end: dict[str, Any] = json.loads(data)
            if next(entries, None) is not None:
                raise BackupError(DAMAGED.format("it has entries after its end"))
            return end
        else:
            raise BackupError(DAMAGED.format(f"unknown entry kind {kind!r}"))
    raise BackupError(DAMAGED.format("its end marker is missing"))


def _insert_rows(conn: Any, table: str, data: bytes, known: set[str]) -> int:
    try:
        payload = json.loads(data)
        cols: list[str] = payload["columns"]
        rows: list[list[Any]] = payload["rows"]
    except (ValueError, KeyError, TypeError):
        raise BackupError(DAMAGED.format(f"a row batch of {table} is unreadable")) from None
    keep = [i for i, c in enumerate(cols) if c in known]
    names = ",".join(f'"{cols[i]}"' for i in keep)
    marks = ",".join("?" * len(keep))
    conn.executemany(f'INSERT INTO "{table}"({names}) VALUES ({marks})',
                     [tuple(decode_value(r[i]) for i in keep) for r in rows])
    return len(rows)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
