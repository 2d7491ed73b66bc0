"""Frames in the store (core/frames.py and friends): write, read, search, purge, batch; and the
capture sink that feeds them. No OCR model here: the end-to-end tests use the real one."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from reverie.capture.pipeline import ProcessedFrame
from reverie.capture.store_sink import StoreSink
from reverie.core import frames as fr
from reverie.core.agents.batch import mark_processed as agents_mark_processed
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore, StoreEvent
from reverie.core.types import EpisodicMemory
from tests.conftest import PASSPHRASE, scan_for

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L fake thumbnail bytes"


@pytest.fixture
def st(home: Path) -> Iterator[MemoryStore]:
    """A store without embedder: frames are never embedded, and this keeps the tests quick."""
    s = MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE))
    yield s
    s.close()


def rec(text: str, at: datetime, thumb: bytes | None = WEBP, **kw: Any) -> fr.FrameRecord:
    return fr.FrameRecord(captured_at=at, text=text, app=kw.pop("app", "editor"), title=kw.pop("title", "notes.md"),
                          thumbnail=thumb, **kw)


def blob_files(home: Path) -> list[Path]:
    return [p for p in (home / "blobs").rglob("*") if p.is_file()]


def fts_tokens(store: MemoryStore) -> set[str]:
    """Every token in the frames full-text index (an in-memory fts5vocab view, nothing on disk)."""
    conn = store.read_conn()
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.frames_vocab USING fts5vocab(main, frames_fts, row)")
    return {r[0] for r in conn.execute("SELECT term FROM temp.frames_vocab")}


def test_add_frame_stores_row_text_and_encrypted_thumbnail(st: MemoryStore, home: Path) -> None:
    events: list[StoreEvent] = []
    st.subscribe(events.append)
    fid = fr.add_frame(st, rec("Budget review moved to Friday", T0, monitor=2, redactions={"card": 1}))
    [frame] = fr.list_frames(st)
    assert (frame.id, frame.captured_at, frame.monitor, frame.app, frame.title) == (fid, T0, 2, "editor", "notes.md")
    assert frame.text == "Budget review moved to Friday" and frame.redactions == {"card": 1}
    assert fr.get_thumbnail(st, fid) == WEBP
    [blob] = blob_files(home)
    assert frame.thumb_bytes == blob.stat().st_size  # the real stored size, AEAD overhead included
    assert b"WEBP" not in blob.read_bytes() and not scan_for(home, b"Budget review")
    assert events == [StoreEvent("frame_added", (fid,))]
    assert fr.get_frame(st, "nope") is None
    with pytest.raises(KeyError):
        fr.get_thumbnail(st, "nope")


def test_add_frame_redacts_text_a_caller_left_unredacted(st: MemoryStore) -> None:
    fid = fr.add_frame(st, rec("deploy with password: hunter2xyz today", T0, thumb=None, redactions={"card": 1}))
    frame = fr.get_frame(st, fid)
    assert frame is not None and "hunter2xyz" not in frame.text and "[REDACTED:password]" in frame.text
    assert frame.redactions == {"card": 1, "password": 1} and frame.thumb_blob is None and frame.thumb_bytes == 0
    assert fr.search_frames(st, "hunter2xyz") == []
    with pytest.raises(KeyError):
        fr.get_thumbnail(st, fid)


def test_a_failed_insert_leaves_no_thumbnail_behind(st: MemoryStore, home: Path) -> None:
    record = rec("first", T0)
    fr.add_frame(st, record)
    with pytest.raises(Exception, match="UNIQUE"):
        fr.add_frame(st, record)  # same id
    assert len(blob_files(home)) == 1


def test_list_frames_window_order_and_paging(st: MemoryStore) -> None:
    ids = [fr.add_frame(st, rec(f"frame {i}", T0 + timedelta(minutes=i), thumb=None)) for i in range(6)]
    assert [f.id for f in fr.list_frames(st)] == ids
    window = fr.list_frames(st, T0 + timedelta(minutes=1), T0 + timedelta(minutes=4))
    assert [f.id for f in window] == ids[1:4]
    assert [f.id for f in fr.list_frames(st, limit=2, offset=1, newest_first=True)] == [ids[4], ids[3]]
    naive = fr.list_frames(st, start=(T0 + timedelta(minutes=5)).replace(tzinfo=None))  # naive = UTC
    assert [f.id for f in naive] == ids[5:]


def test_search_frames_bm25_keywords_phrases_and_time(st: MemoryStore) -> None:
    a = fr.add_frame(st, rec("quarterly roadmap review: marmalade pricing, marmalade supply", T0, app="browser"))
    b = fr.add_frame(st, rec("shopping list: marmalade, bread", T0 + timedelta(hours=1)))
    fr.add_frame(st, rec("nothing relevant on this screen", T0 + timedelta(hours=2)))
    hits = fr.search_frames(st, "what did I read about the marmalade roadmap?")
    assert [h.frame_id for h in hits] == [a, b]  # stopwords dropped; more matching terms rank higher
    assert hits[0].score > hits[1].score > 0 and hits[0].app == "browser" and "marmalade" in hits[0].snippet
    assert hits[0].as_dict()["kind"] == "frame" and hits[0].as_dict()["captured_at"] == T0.isoformat()
    assert [h.frame_id for h in fr.search_frames(st, '"shopping list" marmalade')] == [b]
    assert [h.frame_id for h in fr.search_frames(st, "marmalade", start=T0 + timedelta(minutes=30))] == [b]
    assert [h.frame_id for h in fr.search_frames(st, "marmalade", end=T0 + timedelta(minutes=30))] == [a]
    assert fr.search_frames(st, "the of and") == [] and fr.search_frames(st, "marmalade", limit=0) == []
    assert fr.search_frames(st, 'NEAR("x" OR) * ^') == []  # FTS syntax in a query is never parsed as syntax


def _memory(summary: str, sources: list[str], created: datetime) -> EpisodicMemory:
    return EpisodicMemory(summary=summary, provenance=sources, created_at=created, updated_at=created,
                          occurred_at=created)


def test_forget_recent_purges_frames_thumbnails_messages_and_derived_memories(st: MemoryStore, home: Path) -> None:
    from reverie.core.chat_import import ChatTurn
    from reverie.core.store.messages import add_messages

    now = T0 + timedelta(hours=3)
    old = fr.add_frame(st, rec("older screen about gardening", now - timedelta(hours=2)))
    recent = [fr.add_frame(st, rec(f"zanzibar secret plan {i}", now - timedelta(minutes=i + 1))) for i in range(3)]
    add_messages(st, [ChatTurn("c:D1:1", "c", "Ann", "zanzibar chat", now - timedelta(minutes=2), 1, "D1:1"),
                      ChatTurn("c:D1:10", "c", "Ann", "old chat", now - timedelta(days=2), 10, "D1:10")])
    long_ago = now - timedelta(days=3)
    keep_old = st.add(_memory("gardening on the old screen", [f"frame:{old}"], long_ago))
    keep_chat = st.add(_memory("old chat memory", ["msg:c:D1:10"], long_ago))  # msg:c:D1:1 is its prefix
    from_recent = st.add(_memory("zanzibar plan seen", [f"frame:{recent[0]}", f"frame:{old}"], long_ago))
    from_msg = st.add(_memory("zanzibar chat memory", ["msg:c:D1:1"], long_ago))
    written_recently = st.add(_memory("an unrelated note written just now", [], now - timedelta(minutes=1)))
    assert len(blob_files(home)) == 4
    deleted: list[StoreEvent] = []
    st.subscribe(deleted.append)

    counts = fr.forget_recent(st, 10, now)

    assert counts == {"frames": 3, "thumbnails": 3, "memories": 3, "messages": 1}
    assert [f.id for f in fr.list_frames(st)] == [old] and len(blob_files(home)) == 1
    # Gone: from_recent (one of its frames was recent), from_msg, written_recently.
    assert {m.id for m in st.list_memories(limit=100)} == {keep_old, keep_chat}
    assert not {from_recent, from_msg, written_recently} & set(st.get_many([from_recent, from_msg, written_recently]))
    assert [r[0] for r in st.read_conn().execute("SELECT id FROM messages")] == ["c:D1:10"]
    assert "zanzibar" not in fts_tokens(st) and fr.search_frames(st, "zanzibar") == []
    assert any(e.kind == "frames_deleted" and set(e.ids) == set(recent) for e in deleted)
    assert not scan_for(home, b"zanzibar")
    # A frame still in OCR when the user forgot must not come back; later captures are kept.
    with pytest.raises(fr.FrameForgotten):
        fr.add_frame(st, rec("zanzibar in flight", now - timedelta(seconds=5)))
    assert len(blob_files(home)) == 1  # its thumbnail was wiped again
    fr.add_frame(st, rec("after the forget", now + timedelta(seconds=1)))
    with pytest.raises(ValueError):
        fr.forget_recent(st, 0, now)


def test_retention_by_age_and_size_keeps_memories_and_shared_thumbnails(st: MemoryStore, home: Path) -> None:
    now = T0 + timedelta(days=100)
    ancient = [fr.add_frame(st, rec(f"ancient {i}", T0 + timedelta(minutes=i))) for i in range(3)]
    mem = st.add(_memory("made from an ancient frame", [f"frame:{ancient[0]}"], T0))
    assert fr.forget_frames_before(st, T0 + timedelta(minutes=1)) == 1
    counts = fr.enforce_retention(st, days=90, max_bytes=None, now=now)
    assert counts == {"purged_by_age": 2, "purged_by_size": 0, "thumbnails": 2}
    assert fr.list_frames(st) == [] and blob_files(home) == [] and st.get(mem) is not None

    recent = [fr.add_frame(st, rec("x" * 100, now - timedelta(minutes=10 - i))) for i in range(10)]
    size = fr.list_frames(st)[0].thumb_bytes + 100
    # Two rows sharing one thumbnail: purging one must leave the file for the other.
    shared = fr.get_frame(st, recent[0])
    assert shared is not None
    st.write(lambda c: c.execute("UPDATE frames SET thumb_blob = ? WHERE id = ?", (shared.thumb_blob, recent[9])))
    counts = fr.enforce_retention(st, days=90, max_bytes=size * 4, now=now)
    assert counts["purged_by_age"] == 0 and counts["purged_by_size"] == 6
    assert [f.id for f in fr.list_frames(st)] == recent[6:]
    assert fr.get_thumbnail(st, recent[9]) == WEBP  # shared blob survived its first owner


def test_drain_finishes_a_purge_interrupted_by_a_crash(st: MemoryStore, home: Path) -> None:
    fid = fr.add_frame(st, rec("crash", T0))
    frame = fr.get_frame(st, fid)
    assert frame is not None
    # State after the delete transaction committed and before the files were wiped.
    st.write(lambda c: (c.execute("DELETE FROM frames WHERE id = ?", (fid,)),
                        c.execute("INSERT INTO blob_purge_queue(blob_id) VALUES (?)", (frame.thumb_blob,))))
    assert len(blob_files(home)) == 1
    assert fr.drain_blob_queue(st) == 1 and blob_files(home) == []
    assert st.read_conn().execute("SELECT count(*) FROM blob_purge_queue").fetchone()[0] == 0


def test_batches_close_at_twenty_frames_or_by_age(st: MemoryStore) -> None:
    ids = [fr.add_frame(st, rec(f"screen {i}", T0 + timedelta(seconds=2 * i), thumb=None)) for i in range(45)]
    blank = fr.add_frame(st, rec("   ", T0 + timedelta(seconds=91), thumb=None))
    first = fr.assign_batches(st, now=T0 + timedelta(seconds=100))
    assert len(first) == 2  # 20 + 20; the last 5 wait for more frames
    batches = fr.pending_batches(st)
    assert [[f.id for f in b.frames] for b in batches] == [ids[:20], ids[20:40]]
    blank_row = fr.get_frame(st, blank)
    assert blank_row is not None and blank_row.processed and blank_row.batch_id is None  # nothing to read
    assert fr.assign_batches(st, now=T0 + timedelta(seconds=100)) == []
    [tail] = fr.assign_batches(st, now=T0 + timedelta(minutes=20))  # the open batch is old enough
    assert [f.id for f in fr.pending_batches(st)[2].frames] == ids[40:] and fr.pending_batches(st)[2].batch_id == tail

    agent_batch = batches[0].as_agent_batch()
    assert agent_batch.ids == [f"frame:{i}" for i in ids[:20]] and agent_batch.sources[0].app == "editor"
    agents_mark_processed(st, agent_batch)  # what MemoryAgents.process does when it is done
    assert fr.mark_processed(st, batches[1].batch_id) == 20
    assert [b.batch_id for b in fr.pending_batches(st)] == [tail]


def test_batches_split_on_time_span(st: MemoryStore) -> None:
    early = [fr.add_frame(st, rec(f"a {i}", T0 + timedelta(seconds=i), thumb=None)) for i in range(3)]
    late = [fr.add_frame(st, rec(f"b {i}", T0 + timedelta(minutes=30, seconds=i), thumb=None)) for i in range(3)]
    fr.assign_batches(st, max_span_s=600, now=T0 + timedelta(hours=1))
    assert [[f.id for f in b.frames] for b in fr.pending_batches(st)] == [early, late]
    with pytest.raises(ValueError):
        fr.assign_batches(st, max_frames=0)


# ---- the capture sink ---------------------------------------------------------------------------
def processed(text: str, at: datetime = T0, degraded: bool = False) -> ProcessedFrame:
    from reverie.core.protocols import WindowInfo

    return ProcessedFrame(at, 1, WindowInfo("editor", "notes.md"), text, {"password": 1},
                          Image.new("RGB", (64, 36), "white"), 1.0, 12.0, degraded=degraded)


def test_sink_stores_in_the_background_and_skips_unmasked_thumbnails(st: MemoryStore) -> None:
    sink = StoreSink(st)
    sink(processed("hello from the sink"))
    sink(processed("", degraded=True))  # thumbnail-only, never masked: not kept
    sink.close()
    [frame] = fr.list_frames(st)
    assert frame.text == "hello from the sink" and frame.redactions == {"password": 1} and frame.monitor == 1
    with Image.open(io.BytesIO(fr.get_thumbnail(st, frame.id))) as img:
        assert img.format == "WEBP" and img.size == (64, 36)
    stats = sink.stats()
    assert stats["stored"] == 1 and stats["degraded_skipped"] == 1 and sink.stored_ids == [frame.id]


def test_sink_never_blocks_the_ocr_thread_for_long(st: MemoryStore) -> None:
    gate, busy = threading.Event(), threading.Event()

    def hold(conn: Any) -> None:  # a long write (VACUUM, a big purge) holding the writer thread
        busy.set()
        gate.wait(30)

    blocker = threading.Thread(target=st.write, args=(hold,))
    blocker.start()
    busy.wait(5)
    sink = StoreSink(st, queue_size=1, put_timeout=0.2)
    started = time.monotonic()
    for i in range(4):
        sink(processed(f"frame {i}", T0 + timedelta(seconds=i)))
    assert time.monotonic() - started < 2.0
    gate.set()
    blocker.join()
    sink.close()
    stats = sink.stats()
    assert stats["store_dropped"] >= 1 and stats["stored"] + stats["store_dropped"] == 4


def test_sink_counts_frames_from_a_forgotten_period(st: MemoryStore) -> None:
    fr.forget_recent(st, 5, T0)
    sink = StoreSink(st, background=False)
    sink(processed("in flight", T0 - timedelta(seconds=3)))
    assert sink.stats() == {"forgotten": 1} and fr.list_frames(st) == []
