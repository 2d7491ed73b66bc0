"""End to end, as a user runs it: `reverie capture` against a real X server (Xvfb, real Tk windows,
mss, python-xlib, RapidOCR) into the encrypted store, then search, forget-recent and
ingest-frames. Small screens keep OCR quick.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from reverie.core import frames as fr
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore
from reverie.core.store.vector_index import IndexConfig
from reverie.core.types import EpisodicMemory, MemoryType
from tests.conftest import PASSPHRASE, run_cli, scan_for
from tests.x11_helpers import Windows, needs_xvfb, start_xvfb, stop, windows

SCREEN = "1024x768"
GEOMETRY = "900x420+0+0"
FONT = -14  # pixels: ordinary UI text. RapidOCR drops spaces between words from ~18 px (see the report)
SECRETS = {  # what is shown → what must never be stored
    "card": ["4242 4242 4242 4242", "5555 5555 5555 4444"],  # Luhn-valid test numbers
    "github_token": ["ghp_R7x2Kq9ZpL4mW8vN3bT6yH1cJ5dF0gS2aE7u"],
    "aws_key": ["AKIAZ7QW3RT5YU2PX4MN"],
    "password": ["hunter2xyz"],
}
# Index tokens the secrets would leave behind (unicode61 splits on spaces and `_`).
SECRET_TOKENS = {"4242", "5555", "4444", "ghp", "r7x2kq9zpl4mw8vn3bt6yh1cj5df0gs2ae7u", "akiaz7qw3rt5yu2px4mn",
                 "hunter2xyz"}
SECRET_SCREEN = (
    "Deploy notes for Wombat release\n"
    f"card {SECRETS['card'][0]}\n"
    f"backup card {SECRETS['card'][1]}\n"
    f"token {SECRETS['github_token'][0]}\n"
    f"aws {SECRETS['aws_key'][0]}\n"
    "password: hunter2xyz"
)


def open_store(home: Path, embedder: Any = None, index: IndexConfig | None = None) -> MemoryStore:
    return MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder, index)


def fts_tokens(store: MemoryStore) -> set[str]:
    conn = store.read_conn()
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.frames_vocab USING fts5vocab(main, frames_fts, row)")
    return {r[0] for r in conn.execute("SELECT term FROM temp.frames_vocab")}


def flat(text: str) -> str:
    return " ".join(text.lower().split())


# ---- a real X server -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    proc, name = start_xvfb(size=SCREEN)  # only tests marked needs_xvfb ask for it
    yield name
    stop(proc)


@pytest.fixture
def xenv(display: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    return {"DISPLAY": display, "XDG_SESSION_TYPE": "x11"}


@pytest.fixture
def win(display: str) -> Iterator[Windows]:
    with windows(display, geometry=GEOMETRY, font=FONT) as opened:
        yield opened


def capture_once(xenv: dict[str, str]) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    code, out, err = run_cli("capture", "--once", "--json", env=xenv)
    wall = time.perf_counter() - started
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    print(f"capture --once: {wall:.2f} s wall, {result['seconds']} s in-process, stats {result['stats']}")
    return result, wall


@needs_xvfb
@pytest.mark.slow
def test_capture_once_stores_a_searchable_frame(win: Windows, xenv: dict[str, str], home: Path) -> None:
    win.open("Quarterly notes - Editor", "Capybara ledger reconciled 8142\nBudget review moved to Friday")
    result, wall = capture_once(xenv)
    [fid] = result["stored"]
    assert wall < 60
    with open_store(home) as store:
        hits = fr.search_frames(store, "capybara ledger 8142")
        assert [h.frame_id for h in hits] == [fid]
        assert hits[0].app == "Capturetest" and hits[0].title == "Quarterly notes - Editor"
        frame = fr.get_frame(store, fid)
        assert frame is not None and "capybara ledger reconciled 8142" in flat(frame.text)
        with Image.open(io.BytesIO(fr.get_thumbnail(store, fid))) as thumb:
            assert thumb.format == "WEBP" and thumb.size == (512, 384)  # 1024x768 reduced 2x
        stored = frame.thumb_bytes + len(frame.text.encode())
        print(f"stored per frame: {frame.thumb_bytes} B encrypted thumbnail + {len(frame.text.encode())} B text")
        assert stored < 60_000
        assert fr.pending_batches(store) == []  # one fresh frame: its batch is still open
    assert not scan_for(home, b"Capybara") and not scan_for(home, b"capybara")  # encrypted at rest
    code, out, err = run_cli("search", "capybara ledger 8142", "--json")
    assert code == 0, err
    assert fid in {h["id"] for h in json.loads(out) if h["type"] == "frame"}


@needs_xvfb
@pytest.mark.slow
def test_private_window_leaves_nothing_in_the_data_dir(win: Windows, xenv: dict[str, str], home: Path) -> None:
    win.open("Bank — Mozilla Firefox Private Browsing", "Ocelot balance 99172 transfer pending")
    result, _ = capture_once(xenv)
    assert result["stored"] == [] and result["stats"]["excluded"] >= 1
    with open_store(home) as store:
        assert fr.list_frames(store) == [] and fts_tokens(store) == set()
        assert store.read_conn().execute("SELECT count(*) FROM frames_fts").fetchone()[0] == 0
    assert [p for p in (home / "blobs").rglob("*") if p.is_file()] == []
    for needle in (b"Ocelot", b"ocelot", b"99172", "Ocelot".encode("utf-16-le")):
        assert scan_for(home, needle) == []


@needs_xvfb
@pytest.mark.slow
def test_static_screen_keeps_one_frame_and_sigterm_shuts_down_cleanly(win: Windows, xenv: dict[str, str],
                                                                      home: Path) -> None:
    win.open("Reading - Viewer", "Heron migration patterns 5531\nnothing moves on this screen")
    proc = subprocess.Popen([sys.executable, "-m", "reverie", "capture", "--interval", "0.3", "--status-every", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **xenv})
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until a status line shows the screen read once and then skipped
        line = proc.stdout.readline()
        assert line, f"capture exited early: {proc.stderr.read() if proc.stderr else ''}"
        lines.append(line)
        if "1 frames stored" in line and int(line.split(" unchanged")[0].rsplit(" ", 1)[1]) >= 5:
            break
    (home / "capture.paused").touch()  # the GUI's pause toggle (a file, so this process honours it)
    while "capture paused" not in lines[-1] and lines[-1] and time.monotonic() < deadline:
        lines.append(proc.stdout.readline())  # a status line arrives every second
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    lines += out.splitlines()
    assert proc.returncode == 0, err
    assert lines[0].startswith("capturing every 0.3 s") and lines[-1].startswith("capture (paused): 1 frames stored")
    with open_store(home) as store:
        [frame] = fr.list_frames(store)
        assert "heron migration patterns 5531" in flat(frame.text)


@needs_xvfb
@pytest.mark.slow
def test_secrets_on_screen_are_redacted_before_storage_and_embedding(win: Windows, xenv: dict[str, str],
                                                                     home: Path) -> None:
    from reverie.models.ocr import RapidOCREngine

    win.open("deploy.md - Editor", SECRET_SCREEN)
    result, _ = capture_once(xenv)
    [fid] = result["stored"]
    values = [v for vs in SECRETS.values() for v in vs]
    needles = {*values, *(v.replace(" ", "") for v in values), "hunter2"}
    for needle in needles:  # raw bytes of every file: database, WAL, blobs, key file, index
        assert scan_for(home, needle.encode()) == [], needle
    recorder = RecordingEmbedder()
    with open_store(home, recorder, IndexConfig(mode="memory")) as store:
        frame = fr.get_frame(store, fid)
        assert frame is not None
        assert "wombat release" in flat(frame.text)
        for kind in ("card", "github_token", "password"):
            assert f"[REDACTED:{kind}]" in frame.text, (kind, frame.text)
        # OCR may glue "aws" to the key, which hides it from the AKIA pattern's word boundary; the
        # random-string detector then takes the whole run. Either way it is gone.
        assert "[REDACTED:aws_key]" in frame.text or "[REDACTED:secret]" in frame.text, frame.text
        assert frame.redactions.get("card") == 2 and sum(frame.redactions.values()) == 5
        assert not any(flat(n) in flat(frame.text) for n in needles)
        assert not SECRET_TOKENS & fts_tokens(store) and "wombat" in fts_tokens(store)
        for needle in needles:
            assert fr.search_frames(store, needle) == [], needle
        # The thumbnail's pixels are masked too: where OCR finds a secret on the live screen, the
        # stored thumbnail is painted black (it is too small to OCR, so the boxes are compared).
        screen = grab(xenv["DISPLAY"])
        lines = RapidOCREngine().read(screen)
        with Image.open(io.BytesIO(fr.get_thumbnail(store, fid))) as thumb:
            small = np.asarray(thumb.convert("L"))
        factor = small.shape[1] / screen.width

        def dark(box: tuple[int, int, int, int]) -> float:
            x0, y0, x1, y1 = (int(v * factor) for v in box)
            return float((small[y0:y1 + 1, x0:x1 + 1] < 40).mean())

        secret_lines = [ln for ln in lines if any(m in ln.text for m in ("4242", "5555", "ghp", "AKIA", "hunter"))]
        assert len(secret_lines) == 5, [ln.text for ln in lines]
        assert all(dark(ln.box) > 0.9 for ln in secret_lines), [dark(ln.box) for ln in secret_lines]
        [heading] = [ln for ln in lines if "Wombat" in ln.text]
        assert dark(heading.box) < 0.5
        # Before embedding: whatever the agents make of the batch, at worst the screen text verbatim,
        # is what the embedder sees. Close the open batch and embed the frames exactly as handed over.
        fr.assign_batches(store, now=datetime.now(UTC) + timedelta(hours=1))
        [batch] = fr.pending_batches(store)
        agent_batch = batch.as_agent_batch()
        store.add_many([EpisodicMemory(summary=s.text, provenance=[s.id]) for s in agent_batch.sources])
    embedded = flat(" ".join(recorder.texts))
    assert "wombat release" in embedded and "[redacted:password]" in embedded
    assert not any(flat(n) in embedded for n in needles)


def grab(display: str) -> Image.Image:
    import mss

    with mss.MSS(display=display) as sct:
        shot = sct.grab(sct.monitors[1])
    return Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX")


class RecordingEmbedder:
    """A deterministic 16-d embedder that keeps every text it was asked to embed."""

    dim = 16
    model_id = "recording-test-embedder"

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        self.texts += texts
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:16], np.uint8).astype(np.float32) + 1
                for t in texts]
        vecs = np.vstack(rows) if rows else np.zeros((0, self.dim), np.float32)
        return (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)


@needs_xvfb
@pytest.mark.slow
def test_forget_recent_purges_frames_thumbnails_and_derived_memories(win: Windows, xenv: dict[str, str],
                                                                     home: Path, embedder: Any) -> None:
    win.open("Itinerary - Editor", "Pelican flight booked 6620 to Lisbon")
    [fid] = capture_once(xenv)[0]["stored"]
    long_ago = datetime.now(UTC) - timedelta(days=2)
    with open_store(home, embedder) as store:
        old = fr.add_frame(store, fr.FrameRecord(long_ago, "older screen: gardening notes", "editor", "garden.md",
                                                 thumbnail=b"RIFF....WEBP old"))
        derived = store.add(EpisodicMemory(summary="Booked the pelican flight to Lisbon",
                                           provenance=[f"frame:{fid}"], created_at=long_ago, updated_at=long_ago))
        kept = store.add(EpisodicMemory(summary="Gardening notes reviewed", provenance=[f"frame:{old}"],
                                        created_at=long_ago, updated_at=long_ago))
        assert derived in store.index.ids(MemoryType.EPISODIC)  # type: ignore[union-attr]
    unconfirmed = subprocess.run([sys.executable, "-m", "reverie", "forget-recent", "10"], stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True, timeout=120)
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr  # no tty, no --yes: nothing deleted
    code, out, err = run_cli("forget-recent", "10", "--yes", "--json")
    assert code == 0, err
    assert json.loads(out) == {"frames": 1, "thumbnails": 1, "memories": 1, "messages": 0}
    with open_store(home, embedder) as store:
        assert [f.id for f in fr.list_frames(store)] == [old]
        assert store.get(derived) is None and store.get(kept) is not None
        assert derived not in store.index.ids(MemoryType.EPISODIC)  # type: ignore[union-attr]
        assert fr.search_frames(store, "pelican lisbon") == [] and "pelican" not in fts_tokens(store)
    assert len([p for p in (home / "blobs").rglob("*") if p.is_file()]) == 1


def test_capture_refuses_wayland_and_missing_display_with_exit_code_2(home: Path) -> None:
    code, _, err = run_cli("capture", "--once", env={"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"})
    assert code == 2 and "Wayland session" in err and "X11" in err
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    proc = subprocess.run([sys.executable, "-m", "reverie", "capture"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2 and "No DISPLAY" in proc.stderr
    assert not home.exists()  # nothing opened or created before the check


# ---- ingest-frames: screenshots on disk through the same path ------------------------------------
def render(path: Path, lines: list[str], fmt: str = "PNG") -> None:
    from reverie.bench.capture import load_font

    img = Image.new("RGB", (1024, 768), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((40, 40 + 36 * i), line, font=load_font(18), fill="black")
    img.save(path, fmt)


def sidecar(path: Path, **meta: Any) -> None:
    path.with_suffix(".json").write_text(json.dumps(meta))


@pytest.mark.slow
def test_ingest_frames_replays_files_and_reports_a_corrupt_one(tmp_path: Path, home: Path) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    render(shots / "01_editor.png", ["Kestrel migration checklist 7731", "step one: freeze writes"])
    sidecar(shots / "01_editor.png", app="editor", title="plan.md - Editor", timestamp="2026-03-02T09:00:00+00:00")
    (shots / "02_same.png").write_bytes((shots / "01_editor.png").read_bytes())  # nothing changed
    sidecar(shots / "02_same.png", app="editor", title="plan.md - Editor",
            timestamp=datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC).timestamp())
    render(shots / "03_corrupt.png", ["lost"])
    data = (shots / "03_corrupt.png").read_bytes()
    (shots / "03_corrupt.png").write_bytes(data[: len(data) // 3])  # truncated mid-stream
    render(shots / "04_bank.jpg", ["Ocelot balance 99172"], fmt="JPEG")
    sidecar(shots / "04_bank.jpg", app="firefox", title="Bank — Mozilla Firefox Private Browsing")
    render(shots / "05_terminal.png", ["$ deploy --env staging", "password: hunter2xyz"])
    (shots / "notes.txt").write_text("not an image")

    code, out, err = run_cli("ingest-frames", str(shots), "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["files"], summary["stored"], summary["unchanged"], summary["excluded"]) == (5, 2, 1, 1)
    [error] = summary["errors"]
    assert error["file"] == "03_corrupt.png" and "cannot read 03_corrupt.png" in error["error"]
    assert "reverie: cannot read 03_corrupt.png" in err
    first, last = summary["frames"]
    assert (first["file"], first["app"], first["title"]) == ("01_editor.png", "editor", "plan.md - Editor")
    assert first["captured_at"] == "2026-03-02T09:00:00+00:00"
    # No sidecar: the file name is the title, and the frame comes 2 s after the previous one
    # (04's, itself 2 s after 02's epoch timestamp).
    assert (last["file"], last["title"], last["captured_at"]) == ("05_terminal.png", "05_terminal",
                                                                  "2026-03-02T09:00:14+00:00")
    with open_store(home) as store:
        [hit] = fr.search_frames(store, "kestrel checklist")
        assert hit.frame_id == first["id"] and hit.captured_at == datetime(2026, 3, 2, 9, tzinfo=UTC)
        terminal = fr.get_frame(store, last["id"])
        assert terminal is not None and "[REDACTED:password]" in terminal.text and "hunter2" not in terminal.text
        assert fr.search_frames(store, "ocelot") == []
    assert not scan_for(home, b"hunter2xyz") and not scan_for(home, b"Ocelot")


def test_ingest_frames_fails_only_when_nothing_was_ingested(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    code, out, err = run_cli("ingest-frames", str(bad))
    assert code == 1 and "cannot read a.png" in err and "0 of 1 files stored" in out
    (bad / "b.png").write_bytes((bad / "a.png").read_bytes())
    render(bad / "c.png", ["fine pixels, broken sidecar"])
    (bad / "c.json").write_text("{not json")
    code, out, err = run_cli("ingest-frames", str(bad), "--json")
    assert code == 1 and [e["file"] for e in json.loads(out)["errors"]] == ["a.png", "b.png", "c.png"]
    assert "bad sidecar c.json" in err
    code, _, err = run_cli("ingest-frames", str(tmp_path / "missing"))
    assert code == 2 and "not a directory" in err


def test_sidecar_timestamps() -> None:
    from reverie.frame_ingest import SidecarError, parse_timestamp

    at = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)
    assert parse_timestamp(at.timestamp()) == at == parse_timestamp(str(at.timestamp()))
    assert parse_timestamp("2026-03-02T09:00:10Z") == at
    assert parse_timestamp("2026-03-02T09:00:10").tzinfo is not None  # naive ISO: local time
    for bad in ("yesterday", True, None, [1]):
        with pytest.raises(SidecarError):
            parse_timestamp(bad)
