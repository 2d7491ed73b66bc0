"""What captured frames really cost on disk: the bench's frames written through the store sink's
path (WebP → AEAD blob file, row + FTS row in SQLCipher) into a fresh encrypted store.

Bytes are measured on disk (database after a WAL checkpoint, plus blob files), not estimated.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reverie.capture.pipeline import ProcessedFrame
from reverie.capture.store_sink import frame_record
from reverie.core.frames import add_frame, list_frames
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore


def _disk(store: MemoryStore) -> int:
    store.purge_free_space()  # checkpoint: the WAL's pages land in the database file
    return sum(p.stat().st_size for p in store.home.glob("memories.db*")) + store.blobs.total_bytes()


def stored_bytes(frames: Sequence[ProcessedFrame], quality: int = 50) -> dict[str, Any]:
    kept = [f for f in frames if not f.degraded]  # the store sink does not keep unmasked thumbnails
    if not kept:
        return {"stored_frames": 0}
    with tempfile.TemporaryDirectory(prefix="reverie-bench-") as tmp:
        store = MemoryStore.open(Path(tmp), KeyOptions(passphrase="bench", use_keystore=False))
        try:
            empty = _disk(store)
            store_ms = []
            for frame in kept:
                start = time.perf_counter()
                add_frame(store, frame_record(frame, quality))  # what the sink runs per frame
                store_ms.append((time.perf_counter() - start) * 1000)
            used = _disk(store) - empty
            rows = list_frames(store, limit=len(kept))
        finally:
            store.close()
    return {
        "stored_frames": len(kept),
        "bytes_per_frame": round(used / len(kept)),  # database growth + blob files, per frame
        "thumb_bytes_per_frame": round(statistics.mean(r.thumb_bytes for r in rows)),  # encrypted WebP
        "text_bytes_per_frame": round(statistics.mean(len(r.text.encode()) for r in rows)),
        "store_ms_p50": round(statistics.median(store_ms), 2),  # WebP encode + seal + fsync + commit
    }
