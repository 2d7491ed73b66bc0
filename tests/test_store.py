"""The encrypted store through its real parts: SQLCipher, Chroma, the ONNX embedder, blobs."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from reverie.core.retrieval.hybrid import SearchQuery, search
from reverie.core.store.keys import KeyOptions, PassphraseRequired, WrongPassphrase
from reverie.core.store.lock import StoreLocked
from reverie.core.store.store import MemoryStore
from reverie.core.types import EpisodicMemory, MemoryType, SemanticMemory, VaultEntry
from tests.conftest import PASSPHRASE, scan_for


def test_roundtrip_all_fields(store: MemoryStore) -> None:
    mem = SemanticMemory(name="Alice's deadline", summary="The report is due Friday", provenance=["frame:1"],
                         tree_path=["work", "reports"], app="Slack")
    store.add(mem)
    got = store.get(mem.id)
    assert got is not None and isinstance(got, SemanticMemory)
    assert (got.name, got.summary, got.provenance, got.tree_path, got.app) == (
        mem.name, mem.summary, ["frame:1"], ["work", "reports"], "Slack")
    assert store.ids_for_source("frame:1") == [mem.id]


def test_canary_never_on_disk_and_forget_purges(home: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    canary = f"zebracanary{uuid.uuid4().hex[:12]}"
    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder) as store:
        ids = [store.add(EpisodicMemory(summary=f"Meeting note {i}: the code word is {canary}")) for i in range(5)]
        store.add(VaultEntry(caption="bank pin", secret_value=f"pin-{canary}"))
        assert search(store, SearchQuery(text=canary, limit=10))
        store.blobs.put(f"thumbnail bytes {canary}".encode())
    assert scan_for(home, canary.encode()) == []
    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder) as store:
        for mid in ids:
            assert store.forget(mid)
        assert [h for h in search(store, SearchQuery(text=canary, limit=10)) if h.memory.type != MemoryType.VAULT] == []
        assert all(store.get(mid) is None for mid in ids)
    assert scan_for(home, canary.encode()) == []


def test_wrong_passphrase_changes_nothing(home: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder) as store:
        store.add(SemanticMemory(name="x", summary="kept"))
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in home.rglob("*") if p.is_file()
              and p.name != "reverie.lock"}
    with pytest.raises(WrongPassphrase):
        MemoryStore.open(home, KeyOptions(passphrase="not it"), embedder)
    with pytest.raises(PassphraseRequired):
        MemoryStore.open(home, KeyOptions(passphrase=None, use_keystore=False), embedder)
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before}
    assert before == after
    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder) as store:
        assert store.count() == 1


def test_a_store_from_a_newer_reverie_is_refused_untouched(home: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from reverie.core.store.migrations import MIGRATIONS, NewerStore

    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder) as store:
        store.add(SemanticMemory(name="x", summary="kept"))
        store.write(lambda conn: conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}"))
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in home.rglob("*") if p.is_file()
              and p.name != "reverie.lock"}
    with pytest.raises(NewerStore, match="newer Reverie"):
        MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder)
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before} == before
    from tests.conftest import run_cli

    code, _, err = run_cli("search", "kept")
    assert code == 2 and "newer Reverie" in err and "Traceback" not in err


def test_second_instance_refused(home: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    with (MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder),
          pytest.raises(StoreLocked, match="Another Reverie instance")):
        MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder)


def test_vectors_on_disk_are_rotated(home: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    text = "rotation check sentence about a blue bicycle"
    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder) as store:
        mid = store.add(SemanticMemory(name="bike", summary=text))
        assert store.index is not None
        stored = store.index._col(MemoryType.SEMANTIC).get(ids=[mid], include=["embeddings"])["embeddings"][0]
    raw = embedder.embed([SemanticMemory(name="bike", summary=text).search_text()])[0]
    assert abs(float(np.dot(raw, np.asarray(stored)))) < 0.5  # not the raw embedding
    assert abs(float(np.linalg.norm(stored)) - 1.0) < 1e-3  # but a unit vector (rotation keeps norms)


def test_memory_index_mode_writes_no_vectors(home: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from reverie.core.store.vector_index import IndexConfig

    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder, IndexConfig(mode="memory")) as s:
        s.add(SemanticMemory(name="a", summary="in-memory index entry"))
        assert search(s, SearchQuery(text="in-memory index entry"))[0].memory.summary == "in-memory index entry"
    assert not (home / "index").exists()
    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder, IndexConfig(mode="memory")) as s:
        # rebuilt from the encrypted canonical store at unlock
        assert s.index is not None and s.index.count(MemoryType.SEMANTIC) == 1


def test_reconcile_fixes_missing_and_extra_vectors(home: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder) as store:
        ids = store.add_many([SemanticMemory(name=f"n{i}", summary=f"fact number {i}") for i in range(6)])
        assert store.index is not None
        store.index.delete(MemoryType.SEMANTIC, ids[:2])
        store.index.add(MemoryType.SEMANTIC, ["ghost"], np.ones((1, 384), np.float32) / np.sqrt(384), [None])
    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder) as store:
        assert store.index is not None
        assert store.index.ids(MemoryType.SEMANTIC) == set(ids)


KILL_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from reverie.core.store.keys import KeyOptions
    from reverie.core.store.store import MemoryStore
    from reverie.core.types import EpisodicMemory
    from reverie.models.embedder import OnnxEmbedder
    store = MemoryStore.open(Path(sys.argv[1]), KeyOptions(passphrase=sys.argv[2]), OnnxEmbedder())
    i = 0
    while True:
        ids = store.add_many([EpisodicMemory(summary=f"bulk event {i}-{j} about topic {j % 7}") for j in range(20)])
        print(" ".join(ids), flush=True)
        i += 1
""")


def test_kill_9_during_bulk_insert_loses_nothing_acknowledged(home: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(home), PASSPHRASE],
                            stdout=subprocess.PIPE, text=True)
    acked: list[str] = []
    assert proc.stdout is not None
    while len(acked) < 200:
        line = proc.stdout.readline()
        assert line, "writer process died early"
        acked.extend(line.split())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder) as store:
        present = store.get_many(acked)
        assert set(present) == set(acked)
        assert store.index is not None
        want = {m.id for m in store.list_memories(MemoryType.EPISODIC, limit=100_000)}
        assert store.index.ids(MemoryType.EPISODIC) == want
        assert search(store, SearchQuery(text="bulk event about topic 3", limit=5))


def test_forget_many_and_compaction(store: MemoryStore) -> None:
    ids = store.add_many([SemanticMemory(name=f"k{i}", summary=f"compaction fact {i}") for i in range(4)])
    assert store.forget_many(ids[:3]) == 3
    assert store.index is not None
    assert store.index.ids(MemoryType.SEMANTIC) == {ids[3]}
    assert store.compact_dirty_indexes() == {"semantic": 1}
    assert store.compact_dirty_indexes() == {}
    assert store.index.ids(MemoryType.SEMANTIC) == {ids[3]}
