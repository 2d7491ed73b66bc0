"""SQLCipher connections: raw 256-bit key, WAL, secure_delete, migrations on open."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from reverie.core.store.migrations import migrate

log = logging.getLogger(__name__)


class WrongKey(RuntimeError):
    """The database does not open with this key (or is not a Reverie database)."""


def connect(path: Path, key: bytes, *, create: bool = False) -> Any:
    import sqlcipher3

    if not create and not path.exists():
        raise FileNotFoundError(path)
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
    # Raw key: no PBKDF on every open (the data key is already random and 256-bit).
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        raise WrongKey(f"Cannot open {path.name}: wrong key or not a Reverie database ({exc}).") from exc
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA foreign_keys = ON")
    # Keep temp tables and sort spills in memory: no plaintext temp files.
    conn.execute("PRAGMA temp_store = MEMORY")
    return conn


def open_database(path: Path, key: bytes) -> Any:
    conn = connect(path, key, create=True)
    version = migrate(conn)
    # Deleted rows leave FTS5 at delete time (needs SQLite ≥ 3.44; SQLCipher 4.6+ bundles it).
    for table in ("memories_fts", "frames_fts"):
        conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('secure-delete', 1)")
    log.debug("store schema at version %d", version)
    return conn


def meta_get(conn: Any, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def meta_set(conn: Any, key: str, value: str) -> None:
    conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 (key, value))
