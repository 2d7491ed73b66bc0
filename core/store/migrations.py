"""Numbered schema migrations. `PRAGMA user_version` records the last one applied."""

from __future__ import annotations

from typing import Any

MIGRATIONS: list[str] = [
    # 1: memories, their full-text index, provenance, canonical embeddings, index journal.
    """
    CREATE TABLE memories (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        occurred_at REAL,
        valid_from REAL,
        invalid_at REAL,
        sensitivity TEXT NOT NULL,
        recall_count INTEGER NOT NULL DEFAULT 0,
        strength REAL NOT NULL DEFAULT 1.0,
        archived INTEGER NOT NULL DEFAULT 0,
        app TEXT,
        last_change TEXT NOT NULL,
        provenance TEXT NOT NULL,
        body TEXT NOT NULL,
        text TEXT NOT NULL,
        secret BLOB,
        content_hash TEXT NOT NULL
    );
    CREATE INDEX memories_type_time ON memories(type, occurred_at);
    CREATE INDEX memories_time ON memories(occurred_at);
    CREATE INDEX memories_hash ON memories(content_hash);
    CREATE VIRTUAL TABLE memories_fts USING fts5(
        text, content='memories', content_rowid='seq', tokenize='porter unicode61'
    );
    CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts(rowid, text) VALUES (new.seq, new.text);
    END;
    CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, text) VALUES ('delete', old.seq, old.text);
    END;
    CREATE TRIGGER memories_au AFTER UPDATE OF text ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, text) VALUES ('delete', old.seq, old.text);
        INSERT INTO memories_fts(rowid, text) VALUES (new.seq, new.text);
    END;
    CREATE TABLE provenance (seq INTEGER NOT NULL, source TEXT NOT NULL);
    CREATE INDEX provenance_source ON provenance(source);
    CREATE INDEX provenance_seq ON provenance(seq);
    CREATE TABLE embeddings (
        seq INTEGER PRIMARY KEY,
        model_id TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        vec BLOB NOT NULL
    );
    CREATE INDEX embeddings_hash ON embeddings(text_hash);
    CREATE TABLE index_journal (id TEXT NOT NULL, type TEXT NOT NULL, op TEXT NOT NULL);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: captured frames (encrypted thumbnails live in blob files) and chat messages.
    """
    CREATE TABLE frames (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        captured_at REAL NOT NULL,
        monitor INTEGER NOT NULL DEFAULT 0,
        app TEXT,
        title TEXT,
        text TEXT NOT NULL,
        redactions TEXT NOT NULL DEFAULT '{}',
        thumb_blob TEXT,
        thumb_bytes INTEGER NOT NULL DEFAULT 0,
        batch_id TEXT,
        processed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX frames_time ON frames(captured_at);
    CREATE INDEX frames_batch ON frames(batch_id);
    CREATE VIRTUAL TABLE frames_fts USING fts5(
        text, content='frames', content_rowid='seq', tokenize='porter unicode61'
    );
    CREATE TRIGGER frames_ai AFTER INSERT ON frames BEGIN
        INSERT INTO frames_fts(rowid, text) VALUES (new.seq, new.text);
    END;
    CREATE TRIGGER frames_ad AFTER DELETE ON frames BEGIN
        INSERT INTO frames_fts(frames_fts, rowid, text) VALUES ('delete', old.seq, old.text);
    END;
    CREATE TABLE messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        conversation TEXT NOT NULL,
        speaker TEXT NOT NULL,
        text TEXT NOT NULL,
        occurred_at REAL,
        processed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX messages_conv ON messages(conversation, seq);
    """,
    # 3: local API bearer tokens (only their SHA-256 is kept) and the API access audit log.
    """
    CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        scopes TEXT NOT NULL,
        created_at REAL NOT NULL,
        last_used REAL,
        revoked_at REAL
    );
    CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens(name) WHERE revoked_at IS NULL;
    CREATE TABLE api_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        token_name TEXT,
        method TEXT NOT NULL,
        path TEXT NOT NULL,
        status INTEGER NOT NULL
    );
    CREATE INDEX api_audit_at ON api_audit(at);
    """,
    # 4: background jobs: APScheduler's persisted jobs (pickled state, encrypted with the store),
    # per-job resume checkpoints, run history, recall marks for the forgetting curve, and blobs
    # whose frame rows are gone but whose files still have to be wiped (retention is two-phase).
    """
    CREATE TABLE scheduler_jobs (
        id TEXT PRIMARY KEY,
        next_run_time REAL,
        job_state BLOB NOT NULL
    );
    CREATE INDEX scheduler_jobs_next ON scheduler_jobs(next_run_time);
    CREATE TABLE job_state (
        name TEXT PRIMARY KEY,
        cursor TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE job_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        trigger TEXT NOT NULL,
        started_at REAL NOT NULL,
        finished_at REAL,
        status TEXT NOT NULL,
        items INTEGER NOT NULL DEFAULT 0,
        errors TEXT NOT NULL DEFAULT '[]',
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX job_runs_name ON job_runs(name, id);
    CREATE TABLE recall_marks (
        id TEXT PRIMARY KEY,
        recall_count INTEGER NOT NULL,
        recalled_at REAL NOT NULL
    );
    CREATE TABLE blob_purge_queue (blob_id TEXT PRIMARY KEY);
    """,
]


class NewerStore(RuntimeError):
    """The store's schema is newer than this code: running it would misread or damage the data."""


def migrate(conn: Any, upto: int | None = None) -> int:
    """Apply pending migrations in order, each in its own transaction. Returns the new version.

    `upto` stops at that version (a restore loads rows at their own schema version, then migrates).
    """
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > len(MIGRATIONS):
        raise NewerStore(f"This data dir was written by a newer Reverie (store schema {version}; this version "
                         f"knows up to {len(MIGRATIONS)}). Upgrade Reverie to open it; nothing was changed.")
    for number, script in enumerate(MIGRATIONS, start=1):
        if number <= version or (upto is not None and number > upto):
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
        version = number
    return int(version)


def _split(script: str) -> list[str]:
    """Split on ';' at statement ends, keeping trigger bodies (BEGIN … END;) whole."""
    out: list[str] = []
    buf: list[str] = []
    depth = 0
    for line in script.strip().splitlines():
        stripped = line.strip()
        buf.append(line)
        upper = stripped.upper()
        if upper.endswith(" BEGIN") or upper == "BEGIN":
            depth += 1
        if stripped.endswith(";"):
            if depth and upper == "END;":
                depth -= 1
            if depth == 0:
                out.append("\n".join(buf).strip().rstrip(";"))
                buf = []
    if "".join(buf).strip():
        out.append("\n".join(buf).strip())
    return out
