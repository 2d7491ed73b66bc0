"""`reverie export` / `import` / `wipe` through the real parts: SQLCipher store, ONNX embedder,
Chroma, encrypted thumbnails, and the CLI in subprocesses."""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from PIL import Image

from reverie.core import frames as fr
from reverie.core.backup import BackupError
from reverie.core.backup.archive import MAGIC, WRONG_PASSPHRASE, ArchiveReader, ArchiveWriter
from reverie.core.backup.export import ExportSummary, export_data_dir
from reverie.core.backup.restore import restore_data_dir
from reverie.core.backup.wipe import plan_wipe
from reverie.core.chat_import import ChatTurn
from reverie.core.retrieval.hybrid import SearchQuery, search
from reverie.core.store import db as dbmod
from reverie.core.store.crypto import subkey
from reverie.core.store.keys import KeyOptions, load_or_create_data_key
from reverie.core.store.messages import add_messages
from reverie.core.store.migrations import MIGRATIONS, migrate
from reverie.core.store.records import to_row
from reverie.core.store.store import MemoryStore
from reverie.core.types import (
    CoreMemory,
    EpisodicMemory,
    MemoryType,
    ProceduralMemory,
    ResourceMemory,
    SemanticMemory,
    VaultEntry,
)
from reverie.settings import Settings
from tests.conftest import PASSPHRASE, run_cli, scan_for

EXPORT_PASS = "a long export passphrase"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
QUERY = "when is the launch deadline"


def webp(color: tuple[int, int, int], text_seed: int) -> bytes:
    img = Image.new("RGB", (64, 40), color)
    img.putpixel((text_seed % 64, 3), (255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, "WEBP")
    return buf.getvalue()


def populate(store: MemoryStore, home: Path, canary: str) -> dict[str, str]:
    """Every kind of thing a data dir holds: all memory types (one invalidated, one archived),
    provenance, chat messages, frames with and without thumbnails, settings."""
    turns = [ChatTurn(id=f"c1:D1:{i}", conversation="c1", speaker=s, text=t, occurred_at=T0 + timedelta(minutes=i),
                      session=1, dia_id=f"D1:{i}")
             for i, (s, t) in enumerate([("Alice", "The launch deadline is Friday"),
                                         ("Bob", f"Noted, the code word is {canary}")])]
    add_messages(store, turns)
    ids = {
        "launch": store.add(EpisodicMemory(summary="Alice said the launch deadline is Friday", occurred_at=T0,
                                           provenance=["msg:c1:D1:0"], app="chat", tree_path=["chat", "c1"])),
        "canary": store.add(EpisodicMemory(summary=f"Bob said the code word is {canary}",
                                           provenance=["msg:c1:D1:1"])),
        "core": store.add(CoreMemory(label="human", value="Dana, prefers green tea, lives in Lisbon")),
        "sem": store.add(SemanticMemory(name="Lisbon", summary="Capital of Portugal", tree_path=["places"])),
        "old": store.add(SemanticMemory(name="Office", summary="The office is in Porto")),
        "proc": store.add(ProceduralMemory(summary="Release checklist", steps=["tag", "build", "upload"])),
        "res": store.add(ResourceMemory(title="Q3 plan", content="Budget review moved to Friday", archived=True)),
        "vault": store.add(VaultEntry(caption="bank pin", secret_value=f"pin-{canary}")),
    }
    store.invalidate(ids["old"])
    colors = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    for i, c in enumerate(colors):
        fr.add_frame(store, fr.FrameRecord(captured_at=T0 + timedelta(seconds=10 * i), text=f"Screen {i} {canary}",
                                           app="editor", title=f"notes {i}", thumbnail=webp(c, i)))
    fr.add_frame(store, fr.FrameRecord(captured_at=T0 + timedelta(minutes=5), text="no thumbnail here"))
    Settings(retention_days=42, excluded_apps=["KeePassXC"]).save(home)
    return ids


def fingerprint(store: MemoryStore, home: Path) -> dict[str, Any]:
    """Counts per type and hashes over sorted records, raw rows, thumbnails and settings."""
    conn = store.read_conn()
    mems = store.list_memories(limit=10**6, include_archived=True)

    def rows(table: str) -> str:
        data = [list(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
        return hashlib.sha256(repr(data).encode()).hexdigest()

    frames = fr.list_frames(store, limit=1000)
    thumbs = {f.id: hashlib.sha256(fr.get_thumbnail(store, f.id)).hexdigest() for f in frames if f.thumb_blob}
    vault = {m.id: store.reveal_secret(m.id) for m in mems if m.type is MemoryType.VAULT}
    return {
        "by_type": Counter(m.type.value for m in mems),
        "memories": hashlib.sha256(json.dumps(sorted((to_row(m) for m in mems), key=lambda r: r["id"]),
                                              sort_keys=True).encode()).hexdigest(),
        "tables": {t: rows(t) for t in ("memories", "provenance", "embeddings", "messages", "frames")},
        "messages": conn.execute("SELECT count(*) FROM messages").fetchone()[0],
        "frames": len(frames), "thumbnails": thumbs, "vault": vault,
        "settings": (home / "settings.json").read_text(),
        "top_hit": search(store, SearchQuery(text=QUERY, limit=5))[0].memory.id,
        "dense_hit": store.index.query(MemoryType.SEMANTIC, store.embed_query("Portugal capital"), 1)[0][0]
        if store.index else None,
    }


def open_store(home: Path, embedder: Any, opts: KeyOptions | None = None) -> MemoryStore:
    return MemoryStore.open(home, opts or KeyOptions(passphrase=PASSPHRASE), embedder)


def core_export(home: Path, out: Path, *, chunk_bytes: int = 1 << 20) -> ExportSummary:
    key = load_or_create_data_key(home, KeyOptions(passphrase=PASSPHRASE))
    files = {"settings.json": (home / "settings.json").read_bytes()} if (home / "settings.json").exists() else {}
    with open(out, "wb") as fh:
        return export_data_dir(home, key, fh, EXPORT_PASS, files=files, chunk_bytes=chunk_bytes)


def core_import(src: Path, home: Path, passphrase: str = EXPORT_PASS, opts: KeyOptions | None = None) -> Any:
    with open(src, "rb") as fh:
        reader = ArchiveReader(fh, passphrase)
        return restore_data_dir(reader, home, lambda _staging: opts or KeyOptions(passphrase=PASSPHRASE),
                                allowed_files=("settings.json",))


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "reverie.lock"}


@pytest.fixture
def populated(home: Path, embedder: Any) -> Iterator[tuple[dict[str, Any], dict[str, str], str]]:
    canary = f"zebracanary{uuid.uuid4().hex[:10]}"
    with open_store(home, embedder) as store:
        ids = populate(store, home, canary)
        before = fingerprint(store, home)
    yield before, ids, canary


# ---- the round trip, through the CLI -----------------------------------------------------------------
def test_export_wipe_import_round_trip_keeps_everything(populated: Any, home: Path, tmp_path: Path,
                                                        embedder: Any) -> None:
    before, ids, canary = populated
    assert before["by_type"] == {"episodic": 2, "core": 1, "semantic": 2, "procedural": 1, "resource": 1,
                                 "vault": 1}
    assert before["top_hit"] == ids["launch"] and len(before["thumbnails"]) == 3
    archive = tmp_path / "backup.rvx"
    env = {"REVERIE_EXPORT_PASSPHRASE": EXPORT_PASS}
    code, out, err = run_cli("export", str(archive), "--json", env=env)
    assert code == 0, err
    report = json.loads(out)
    assert report["tables"]["memories"] == 8 and report["thumbnails"] == 3 and report["files"] == ["settings.json"]
    assert report["snapshot_beside_running_pid"] is None
    raw = archive.read_bytes()
    assert raw.startswith(MAGIC) and not (tmp_path / "backup.rvx.partial").exists()
    for needle in (canary, "launch deadline", "Lisbon", "KeePassXC", "green tea"):
        assert needle.encode() not in raw, needle
    assert scan_for(tmp_path, canary.encode()) == []  # nor anywhere else: no plaintext temp file
    assert os.stat(archive).st_mode & 0o077 == 0

    code, out, err = run_cli("wipe", "--yes")
    assert code == 0, err
    assert "removed memories.db" in out and "removed blobs/" in out and not home.exists()

    code, out, err = run_cli("import", str(archive), "--json", env=env)
    assert code == 0, err
    result = json.loads(out)
    assert result["memories"] == 8 and result["index_vectors"] == 8 and result["key_mode"] == "passphrase"
    assert [p.name for p in tmp_path.iterdir() if ".import-" in p.name] == []
    # Chroma caches a client per path for the life of the process; this test process used the old
    # index dir, which the subprocesses wiped and re-created, so drop the stale cache first.
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    with open_store(home, embedder) as store:
        after = fingerprint(store, home)
    assert after == before
    assert after["vault"] == {ids["vault"]: f"pin-{canary}"}
    code, out, err = run_cli("search", QUERY, "--json", "--limit", "3")
    assert code == 0, err
    assert json.loads(out)[0]["id"] == ids["launch"]
    assert scan_for(home, canary.encode()) == []


def test_export_beside_a_running_instance(populated: Any, home: Path, tmp_path: Path, embedder: Any) -> None:
    before = populated[0]
    archive = tmp_path / "live.rvx"
    with open_store(home, embedder) as store:  # this process holds the data-dir lock
        code, out, err = run_cli("export", str(archive), "--json", env={"REVERIE_EXPORT_PASSPHRASE": EXPORT_PASS})
        assert code == 0, err
        assert json.loads(out)["snapshot_beside_running_pid"] == os.getpid()
        store.add(SemanticMemory(name="later", summary="added after the export"))  # the owner keeps writing
    other = tmp_path / "new-machine"
    code, out, err = run_cli("import", str(archive), env={"REVERIE_EXPORT_PASSPHRASE": EXPORT_PASS,
                                                          "REVERIE_HOME": str(other)})
    assert code == 0, err
    with open_store(other, embedder) as store:
        after = fingerprint(store, other)
    assert after == before


def test_export_is_one_consistent_snapshot_while_the_owner_writes(home: Path, tmp_path: Path) -> None:
    import threading

    archive = tmp_path / "busy.rvx"
    stop = threading.Event()
    with open_store(home, None) as store:
        store.add_many([EpisodicMemory(summary=f"seed {i}", provenance=[f"frame:s{i}"]) for i in range(50)])

        def keep_writing() -> None:  # each transaction adds 50 memories and their 50 provenance rows
            n = 0
            while not stop.is_set():
                store.add_many([EpisodicMemory(summary=f"burst {n} item {i}", provenance=[f"frame:{n}-{i}"])
                                for i in range(50)])
                n += 1

        writer = threading.Thread(target=keep_writing)
        writer.start()
        try:
            code, _, err = run_cli("export", str(archive), env={"REVERIE_EXPORT_PASSPHRASE": EXPORT_PASS})
        finally:
            stop.set()
            writer.join()
        assert code == 0, err
        total = store.count()
    target = tmp_path / "new"
    summary = core_import(archive, target)
    got = summary.tables["memories"]
    assert got % 50 == 0 and summary.tables["provenance"] == got and 50 <= got <= total


# ---- failures write nothing --------------------------------------------------------------------------
def test_wrong_passphrase_fails_clearly_and_writes_nothing(populated: Any, home: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.rvx"
    core_export(home, archive)
    target = tmp_path / "elsewhere" / "home"
    with pytest.raises(BackupError, match=WRONG_PASSPHRASE):
        core_import(archive, target, passphrase="not the passphrase")
    assert not target.parent.exists()
    code, _, err = run_cli("import", str(archive), env={"REVERIE_EXPORT_PASSPHRASE": "not the passphrase",
                                                        "REVERIE_HOME": str(target)})
    assert code == 2 and WRONG_PASSPHRASE in err and "Traceback" not in err
    assert not target.parent.exists()
    code, _, err = run_cli("import", str(archive), env={"REVERIE_HOME": str(target)})  # no env, no terminal
    assert code == 2 and "REVERIE_EXPORT_PASSPHRASE" in err


def chunk_spans(raw: bytes) -> list[tuple[int, int]]:
    """(start, end) of each chunk record, parsed from the documented layout."""
    (header_len,) = struct.unpack(">I", raw[18:22])
    pos = 22 + header_len
    (check_len,) = struct.unpack(">H", raw[pos:pos + 2])
    pos += 2 + check_len
    spans = []
    while pos < len(raw):
        (length,) = struct.unpack(">I", raw[pos + 1:pos + 5])
        spans.append((pos, pos + 5 + length))
        pos += 5 + length
    return spans


def test_damaged_archives_fail_clearly_and_write_nothing(populated: Any, home: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.rvx"
    core_export(home, archive, chunk_bytes=4096)
    raw = archive.read_bytes()
    spans = chunk_spans(raw)
    assert len(spans) >= 4 and spans[-1][1] == len(raw)
    (s1, e1), (s2, e2) = spans[1], spans[2]
    flipped = bytearray(raw)
    flipped[(s2 + e2) // 2] ^= 0x01
    cases = {
        "truncated mid-chunk": (raw[:len(raw) - 100], "truncated"),
        "final chunk dropped": (raw[:spans[-1][0]], "truncated"),
        "bit flipped": (bytes(flipped), "damaged or was altered"),
        "chunks swapped": (raw[:s1] + raw[s2:e2] + raw[s1:e1] + raw[e2:], "damaged or was altered"),
        "trailing data": (raw + b"more", "unexpected data after its end"),
        "cut in header": (raw[:30], "truncated"),
        "not an export": (b"PK\x03\x04" + raw[4:], "not a Reverie export"),
    }
    target = tmp_path / "restore" / "home"
    target.parent.mkdir()
    for name, (data, message) in cases.items():
        bad = tmp_path / "bad.rvx"
        bad.write_bytes(data)
        with pytest.raises(BackupError, match=message):
            core_import(bad, target)
        assert list(target.parent.iterdir()) == [], name
    code, _, err = run_cli("import", str(tmp_path / "bad.rvx"), env={"REVERIE_EXPORT_PASSPHRASE": EXPORT_PASS,
                                                                     "REVERIE_HOME": str(target)})
    assert code == 2 and "not a Reverie export" in err and "Traceback" not in err
    archive.write_bytes(raw)  # the undamaged file still imports
    summary = core_import(archive, target)
    assert summary.tables["memories"] == 8 and summary.thumbnails == 3


def test_import_into_a_dir_with_a_store_is_refused(populated: Any, home: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.rvx"
    core_export(home, archive)
    snapshot = tree(home)
    code, _, err = run_cli("import", str(archive), env={"REVERIE_EXPORT_PASSPHRASE": EXPORT_PASS})
    assert code == 2 and "reverie wipe" in err and "already holds Reverie data" in err
    assert tree(home) == snapshot
    with pytest.raises(BackupError, match="already holds"):
        core_import(archive, home)
    assert tree(home) == snapshot


def test_export_refuses_short_passphrase_and_the_data_dir(populated: Any, home: Path, tmp_path: Path) -> None:
    code, _, err = run_cli("export", str(tmp_path / "a.rvx"), env={"REVERIE_EXPORT_PASSPHRASE": "short"})
    assert code == 2 and "at least 8" in err and not (tmp_path / "a.rvx").exists()
    code, _, err = run_cli("export", str(home / "inside.rvx"), env={"REVERIE_EXPORT_PASSPHRASE": EXPORT_PASS})
    assert code == 2 and "outside the data dir" in err and not (home / "inside.rvx").exists()
    (tmp_path / "a.rvx").write_bytes(b"keep me")
    code, _, err = run_cli("export", str(tmp_path / "a.rvx"), env={"REVERIE_EXPORT_PASSPHRASE": EXPORT_PASS})
    assert code == 2 and "--overwrite" in err and (tmp_path / "a.rvx").read_bytes() == b"keep me"


def test_a_thumbnail_deleted_during_export_is_left_out_cleanly(populated: Any, home: Path, tmp_path: Path) -> None:
    with open_store(home, None) as store:
        victim = next(f for f in fr.list_frames(store) if f.thumb_blob)
    assert victim.thumb_blob is not None
    (home / "blobs" / victim.thumb_blob[:2] / victim.thumb_blob).unlink()  # as a running purge would
    summary = core_export(home, tmp_path / "b.rvx")
    assert (summary.thumbnails, summary.thumbnails_missing, summary.tables["frames"]) == (2, 1, 4)
    target = tmp_path / "new"
    core_import(tmp_path / "b.rvx", target)
    with open_store(target, None) as store:
        frames = {f.id: f for f in fr.list_frames(store)}
        assert frames[victim.id].thumb_blob is None and frames[victim.id].text == victim.text
        assert sum(len(fr.get_thumbnail(store, f.id)) > 0 for f in frames.values() if f.thumb_blob) == 2


def test_an_export_from_an_older_schema_imports_and_migrates(tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    key = load_or_create_data_key(old, KeyOptions(passphrase=PASSPHRASE))
    conn = dbmod.connect(old / "memories.db", subkey(key, "sqlcipher"), create=True)
    migrate(conn, upto=3)  # a store from before the jobs tables existed
    mem = SemanticMemory(name="Old fact", summary="kept from schema three")
    row = to_row(mem)
    conn.execute(f"INSERT INTO memories({','.join(row)}) VALUES ({','.join('?' * len(row))})", tuple(row.values()))
    conn.close()
    with open(tmp_path / "old.rvx", "wb") as fh:
        summary = export_data_dir(old, key, fh, EXPORT_PASS)
    assert summary.schema_version == 3 and "job_state" not in summary.tables
    target = tmp_path / "new"
    core_import(tmp_path / "old.rvx", target)
    with open_store(target, None) as store:
        got = store.get(mem.id)
        assert isinstance(got, SemanticMemory) and got.summary == "kept from schema three"
        conn = store.read_conn()
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("SELECT count(*) FROM job_state").fetchone()[0] == 0


def test_an_export_from_a_newer_reverie_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    writer = ArchiveWriter(buf, EXPORT_PASS, kdf_memory_kib=1024, kdf_time=1)
    writer.entry(b"M", "manifest", json.dumps({"format": "reverie-export", "schema_version": 99,
                                               "tables": {}}).encode())
    writer.close()
    (tmp_path / "new.rvx").write_bytes(buf.getvalue())
    with pytest.raises(BackupError, match="newer Reverie"):
        core_import(tmp_path / "new.rvx", tmp_path / "home2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.rvx"]


# ---- wipe ----------------------------------------------------------------------------------------------
def wipe_with_input(text: str) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-m", "reverie", "wipe"], input=text, capture_output=True, text=True,
                          timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def test_wipe_asks_for_the_word(populated: Any, home: Path) -> None:
    snapshot = tree(home)
    for answer in ("", "yes\n", "WIPE please\n"):
        code, _, err = wipe_with_input(answer)
        assert code == 1 and "nothing was changed" in err and 'Type "wipe"' in err
        assert tree(home) == snapshot
    code, out, err = wipe_with_input("wipe\n")
    assert code == 0, err
    assert "memories.db" in err and f"wiped {home}" in out and not home.exists()
    assert run_cli("wipe", "--yes")[1].startswith("nothing to wipe")


def test_wipe_refuses_while_an_instance_runs(populated: Any, home: Path, embedder: Any) -> None:
    with open_store(home, embedder):
        snapshot = tree(home)
        code, _, err = run_cli("wipe", "--yes")
        assert code == 2 and "is running" in err and "Nothing was deleted" in err
        assert tree(home) == snapshot


def test_wipe_refuses_dirs_that_are_not_reverie_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "user"
    user.mkdir()
    monkeypatch.setenv("HOME", str(user))
    for bad in (Path("/"), user, tmp_path):
        with pytest.raises(BackupError, match="refusing"):
            plan_wipe(bad)
    docs = user / "Documents"
    docs.mkdir()
    (docs / "thesis.txt").write_text("years of work")
    with pytest.raises(BackupError, match="does not look like a Reverie data dir"):
        plan_wipe(docs)
    (docs / "keyfile.json").write_text("{}")  # a stray Reverie file does not make it Reverie's
    code, _, err = run_cli("wipe", "--yes", env={"REVERIE_HOME": str(docs)})
    assert code == 2 and "thesis.txt" in err and "Nothing was deleted" in err
    assert (docs / "thesis.txt").read_text() == "years of work" and (docs / "keyfile.json").exists()


def test_wipe_removes_symlinks_not_their_targets(populated: Any, home: Path, tmp_path: Path) -> None:
    outside = tmp_path / "big-disk-models"
    outside.mkdir()
    (outside / "model.gguf").write_bytes(b"weights")
    (home / "models").symlink_to(outside, target_is_directory=True)
    (home / "blobs" / "escape").symlink_to(outside, target_is_directory=True)
    code, out, err = run_cli("wipe", "--yes")
    assert code == 0, err
    assert "removed models (a symlink; its target was left alone)" in out and not home.exists()
    assert (outside / "model.gguf").read_bytes() == b"weights"


class MemoryKeyring(KeyringBackend):
    """An in-process OS keystore stand-in (keyring's own backends are all real or failing)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


def test_import_into_the_keystore_then_wipe_removes_the_entry(populated: Any, home: Path, tmp_path: Path,
                                                                embedder: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from reverie.cli import main

    before = populated[0]
    archive = tmp_path / "b.rvx"
    core_export(home, archive)
    ring = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(ring)
    try:
        target = tmp_path / "new-machine"
        summary = core_import(archive, target, opts=KeyOptions(passphrase=None, use_keystore=True))
        assert summary.key_mode == "keystore" and len(ring.entries) == 1
        keyfile = json.loads((target / "keyfile.json").read_text())
        assert keyfile["mode"] == "keystore" and "wrapped" not in keyfile
        with open_store(target, embedder, KeyOptions()) as store:  # unlocks from the keystore alone
            assert fingerprint(store, target) == before
        monkeypatch.setenv("REVERIE_HOME", str(target))
        assert main(["wipe", "--yes"]) == 0
        assert ring.entries == {} and not target.exists()
    finally:
        keyring.set_keyring(previous)


# ---- the stream format itself -----------------------------------------------------------------------
def test_archive_entries_span_chunks_and_round_trip() -> None:
    entries = [(b"F", "a", b""), (b"R", "rows", os.urandom(10_000)), (b"B", "x" * 40, b"tail")]
    buf = io.BytesIO()
    writer = ArchiveWriter(buf, "pw-123456789", chunk_bytes=1024, kdf_memory_kib=1024, kdf_time=1)
    for kind, name, data in entries:
        writer.entry(kind, name, data)
    writer.close()
    buf.seek(0)
    assert list(ArchiveReader(buf, "pw-123456789").entries()) == entries
    assert len(chunk_spans(buf.getvalue())) == 10_000 // 1024 + 1
