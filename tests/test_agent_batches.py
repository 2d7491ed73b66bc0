"""What the memory agents read of captured frames."""

from __future__ import annotations

from datetime import UTC, datetime

from reverie.core.agents.batch import FRAME_TEXT_CHARS, frame_view, pending_batch
from reverie.core.store.store import MemoryStore

CHROME = "\n".join(f"#channel-{i}  Alice Chen  Bob Okafor  Priya Natarajan" for i in range(40))


def test_new_lines_come_before_the_chrome_the_agents_already_saw() -> None:
    before = CHROME + "\nAlice 09:12 morning all"
    after = before + "\nAlice 09:14 the Q3 report is due Friday March 13"
    assert len(CHROME) > FRAME_TEXT_CHARS  # the new line falls past the cut in screen order
    assert "due Friday" not in after[:FRAME_TEXT_CHARS]
    view = frame_view(after, before)
    assert view.startswith("Alice 09:14 the Q3 report is due Friday March 13\n#channel-0")
    assert len(view) <= FRAME_TEXT_CHARS


def test_first_sight_and_whole_new_screens_read_in_screen_order() -> None:
    assert frame_view("a\nb", None) == "a\nb"
    assert frame_view("c\nd", "a\nb") == "c\nd"
    assert frame_view("a\nb", "a\nb") == "a\nb"


def _frame(store: MemoryStore, fid: str, at: float, text: str, app: str = "Slack", title: str = "#eng") -> None:
    store.write(lambda c: c.execute(
        "INSERT INTO frames(id, captured_at, app, title, text, processed) VALUES (?,?,?,?,?,0)",
        (fid, at, app, title, text)))


def test_pending_frames_use_the_window_s_previous_frame_and_skip_blank_ones(store: MemoryStore) -> None:
    t0 = datetime(2026, 3, 10, 9, tzinfo=UTC).timestamp()
    for i in range(10):  # a video: frames without text must not hide the ones behind them
        _frame(store, f"blank{i}", t0 + i, "  ", app="mpv", title="talk.mp4")
    _frame(store, "a", t0 + 20, "menu\nold line")
    _frame(store, "other", t0 + 21, "menu\nsomething else", title="#random")
    _frame(store, "b", t0 + 22, "menu\nold line\nnew line")
    batch = pending_batch(store, max_frames=8)
    texts = {s.id: s.text for s in batch.sources}
    assert set(texts) == {"frame:a", "frame:other", "frame:b"}
    assert texts["frame:a"] == "menu\nold line"
    assert texts["frame:b"] == "new line\nmenu\nold line"  # compared with "a", same window; not "other"
