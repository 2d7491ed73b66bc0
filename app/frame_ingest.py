"""`reverie ingest-frames DIR`: screenshots on disk replayed through the capture pipeline.

Files are read in name order as consecutive captures of one monitor and go through the same
path as live capture: privacy policy, change detection, per-window OCR, redaction, store. An
optional sidecar `NAME.json` gives the window (`app`, `title`) and `timestamp` (ISO or epoch);
without one, a frame comes `interval` seconds after the previous (the first: the file's mtime).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

from reverie.capture.pipeline import CapturePipeline
from reverie.capture.screen import Monitor, ScreenFrame
from reverie.capture.store_sink import StoreSink
from reverie.core.privacy import PrivacyPolicy
from reverie.core.protocols import OCR, WindowInfo
from reverie.core.store.store import MemoryStore

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?")


class SidecarError(ValueError):
    pass


@dataclass
class IngestSummary:
    files: int = 0
    stored: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # change detection: same screen or same text
    excluded: list[str] = field(default_factory=list)  # privacy policy
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, "stored": len(self.stored), "unchanged": len(self.unchanged),
                "excluded": len(self.excluded), "errors": self.errors, "frames": self.stored}


class _FileFeed:
    """A one-monitor source showing the current file. (StaticImageSource queues images per grab;
    a tick the privacy policy skips never grabs, which would shift every later file onto the
    wrong window: the excluded file's pixels would be stored under the next file's name.)"""

    def __init__(self) -> None:
        self.image = Image.new("RGB", (1, 1))

    def grab(self) -> list[ScreenFrame]:
        return [ScreenFrame(self.image, Monitor(1, 0, 0, self.image.width, self.image.height))]


class _Clock:
    def __init__(self) -> None:
        self.t = datetime.now(UTC)

    def now(self) -> datetime:
        return self.t


def image_files(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES),
                  key=lambda p: p.name)


def load_image(path: Path) -> Image.Image:
    with Image.open(path) as img:
        img.load()  # decode now: a truncated file fails here, with its name, not inside OCR
        return img.convert("RGB")


def read_sidecar(image: Path) -> dict[str, Any]:
    path = image.with_suffix(".json")
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SidecarError(f"bad sidecar {path.name}: {exc}") from exc
    if not isinstance(data, dict):
        raise SidecarError(f"bad sidecar {path.name}: expected a JSON object")
    return data


def parse_timestamp(value: Any) -> datetime:
    """ISO 8601 (naive = local time) or Unix epoch seconds, as a number or a numeric string."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError as exc:
            raise SidecarError(f"timestamp {value!r} is neither ISO 8601 nor epoch seconds") from exc
        return when if when.tzinfo else when.astimezone()
    raise SidecarError(f"timestamp {value!r} is neither ISO 8601 nor epoch seconds")


def ingest_dir(store: MemoryStore, folder: Path, ocr: OCR, policy: PrivacyPolicy, interval: float = 2.0,
               on_error: Callable[[str], None] | None = None) -> IngestSummary:
    """Replay every image in `folder` through the capture pipeline into the store."""
    files = image_files(folder)
    summary = IngestSummary(files=len(files))
    window = [WindowInfo("", "")]
    clock = _Clock()
    feed = _FileFeed()
    sink = StoreSink(store, background=False)  # synchronous: each file's outcome is known at once
    pipe = CapturePipeline(feed, lambda: window[0], policy, ocr, sink, clock, interval)
    previous: datetime | None = None
    for path in files:
        try:
            image = load_image(path)
            meta = read_sidecar(path)
            if "timestamp" in meta:
                clock.t = parse_timestamp(meta["timestamp"])
            else:
                clock.t = previous + timedelta(seconds=interval) if previous else \
                    datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            # PIL raises OSError ("image file is truncated", "cannot identify image file") or
            # SyntaxError (some broken PNG chunks); the file is reported and the rest go on.
            _fail(summary, path, f"cannot read {path.name}: {exc}", on_error)
            continue
        previous = clock.t
        window[0] = WindowInfo(str(meta.get("app") or ""), str(meta.get("title") or path.stem))
        feed.image = image
        before, stored_before = {**pipe.stats(), **sink.stats()}, len(sink.stored_ids)
        pipe.run_once()
        after = {**pipe.stats(), **sink.stats()}
        grew = {k for k in after if after[k] > before.get(k, 0)}
        if len(sink.stored_ids) > stored_before:
            summary.stored.append({"file": path.name, "id": sink.stored_ids[-1], "captured_at": clock.t.isoformat(),
                                   "app": window[0].app, "title": window[0].title})
        elif "excluded" in grew:
            summary.excluded.append(path.name)
        elif grew & {"errors", "sink_errors", "store_errors"}:
            _fail(summary, path, f"processing {path.name} failed (see the log above)", on_error)
        elif "forgotten" in grew:
            _fail(summary, path, f"{path.name} falls in a period that was forgotten; not stored", on_error)
        else:
            summary.unchanged.append(path.name)
    return summary


def _fail(summary: IngestSummary, path: Path, message: str, on_error: Callable[[str], None] | None) -> None:
    summary.errors.append({"file": path.name, "error": message})
    if on_error is not None:
        on_error(message)
