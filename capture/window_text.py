"""Per-window OCR text: re-read only what changed since the window was last read.

A scroll changes most of a window but adds only the strip that scrolled in: it is recognised on
sampled pixel columns, the cached lines are moved, and only the new strip is read. Owned by the
OCR worker thread; holds unredacted lines in memory only (redaction runs on the output).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from reverie.capture.change_detect import Box, ChangeDetector, Signature, centre_in, expand_regions
from reverie.core.ocr_layout import reading_order
from reverie.core.protocols import OCR, OCRLine
from reverie.core.redaction import Span

Strips = npt.NDArray[np.uint8]  # full-height grayscale columns, every STRIP_STEP px
STRIP_STEP = 16


@dataclass
class _Entry:
    signature: Signature  # what the cached lines were read from
    strips: Strips
    lines: list[OCRLine]


@dataclass(frozen=True)
class Reading:
    lines: list[OCRLine]  # reading order
    changed_fraction: float  # share of the screen that was re-read (1.0 = full OCR)
    ocr_ms: float


def _scroll_lines(lines: list[OCRLine], box: Box, dy: int) -> list[OCRLine]:
    """Move the lines inside the scrolled box; drop those that scrolled out of it."""
    out = []
    for ln in lines:
        if not centre_in(ln.box, box):
            out.append(ln)
            continue
        moved = (ln.box[0], ln.box[1] + dy, ln.box[2], ln.box[3] + dy)
        if box[1] <= moved[1] and moved[3] <= box[3]:
            out.append(OCRLine(ln.text, moved, ln.confidence))
    return out


def redacted_boxes(lines: list[OCRLine], spans: tuple[Span, ...]) -> list[Box]:
    """Boxes of the lines a redaction touched, for `text = "\\n".join(line.text ...)`."""
    boxes, start = [], 0
    for line in lines:
        end = start + len(line.text)
        if any(s < end and e > start for s, e, _ in spans):
            boxes.append(line.box)
        start = end + 1
    return boxes


def column_strips(image: Image.Image) -> Strips:
    return np.ascontiguousarray(np.asarray(image.convert("L"))[:, ::STRIP_STEP])


def detect_scroll(before: Strips, after: Strips, box: Box) -> int | None:
    """Vertical shift (px, + = content moved down) that maps `before` onto `after` inside `box`,
    or None. Row-mean profiles rank the candidate shifts cheaply; the best few are then checked
    pixel by pixel, and accepted only if at least 99% of the overlapping samples agree."""
    x0, y0, x1, y1 = box
    cols = slice(-(-x0 // STRIP_STEP), x1 // STRIP_STEP)
    a, b = before[y0:y1, cols].astype(np.int16), after[y0:y1, cols].astype(np.int16)
    textured = a.std(axis=0) > 8  # blank columns match any shift
    if textured.sum() < 3:
        return None
    a, b = a[:, textured], b[:, textured]
    h = y1 - y0
    pa, pb = a.mean(axis=1), b.mean(axis=1)
    ranked = sorted(
        (float(np.abs(pb[dy:] - pa[: h - dy]).mean() if dy > 0 else np.abs(pb[: h + dy] - pa[-dy:]).mean()), dy)
        for dy in range(-(h * 3 // 4), h * 3 // 4 + 1)
        if dy
    )
    for _, dy in ranked[:3]:
        moved, kept = (b[dy:], a[: h - dy]) if dy > 0 else (b[: h + dy], a[-dy:])
        if (np.abs(moved - kept) > 8).mean() < 0.01:
            return dy
    return None


class WindowTextCache:
    FULL_OCR_FRACTION = 0.5  # above this, one full-frame OCR is cheaper than many crops
    MAX_REGIONS = 8

    def __init__(self, ocr: OCR, detector: ChangeDetector, max_windows: int = 16) -> None:
        self.ocr, self.detector, self.max_windows = ocr, detector, max_windows
        self._entries: OrderedDict[tuple[int, str], _Entry] = OrderedDict()

    def read(self, key: tuple[int, str], image: Image.Image, signature: Signature) -> Reading:
        cached = self._entries.get(key)
        change = self.detector.compare(cached.signature if cached else None, signature)
        started = time.perf_counter()
        strips = column_strips(image)
        area = image.width * image.height
        big = max(change.regions, key=lambda r: (r[2] - r[0]) * (r[3] - r[1]), default=None)
        dy = None
        if cached is not None and big is not None and (big[2] - big[0]) * (big[3] - big[1]) > 0.1 * area:
            dy = detect_scroll(cached.strips, strips, big)
        if cached is not None and big is not None and dy is not None:
            moved = _scroll_lines(cached.lines, big, dy)
            band = (big[0], big[3] + dy, big[2], big[3]) if dy < 0 else (big[0], big[1], big[2], big[1] + dy)
            others = tuple(r for r in change.regions if r is not big)
            regions = expand_regions((band, *others), [ln.box for ln in moved], image.size)
            lines = self._reread(image, regions, moved)
        elif (
            cached is None or change.changed_fraction > self.FULL_OCR_FRACTION or len(change.regions) > self.MAX_REGIONS
        ):
            lines, regions = self.ocr.read(image), [(0, 0, image.width, image.height)]
        else:
            regions = expand_regions(change.regions, [ln.box for ln in cached.lines], image.size)
            lines = self._reread(image, regions, cached.lines)
        fraction = sum((r[2] - r[0]) * (r[3] - r[1]) for r in regions) / area
        ocr_ms = (time.perf_counter() - started) * 1000
        self._entries[key] = _Entry(signature, strips, lines)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_windows:
            self._entries.popitem(last=False)
        return Reading(reading_order(lines), fraction, ocr_ms)

    def _reread(self, image: Image.Image, regions: list[Box], cached: list[OCRLine]) -> list[OCRLine]:
        """Replace the cached lines centred in `regions` by a fresh read of those crops."""
        kept = [ln for ln in cached if not any(centre_in(ln.box, r) for r in regions)]
        fresh = []
        for x0, y0, x1, y1 in regions:
            for ln in self.ocr.read(image.crop((x0, y0, x1, y1))):
                box = (ln.box[0] + x0, ln.box[1] + y0, ln.box[2] + x0, ln.box[3] + y0)
                # A kept line poking into the crop is read again, cut in half: keep the old copy.
                if not any(centre_in(box, k.box) for k in kept):
                    fresh.append(OCRLine(ln.text, box, ln.confidence))
        return kept + fresh
