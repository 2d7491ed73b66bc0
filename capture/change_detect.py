"""Cheap change detection on a downscaled grayscale signature of a screen.

An unchanged screen costs one box-filter downscale (~2 ms for 1080p) and an array comparison, so
capturing every 2 s is nearly free; only changed tiles are handed on for OCR.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in full-resolution pixels
GrayArray = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Signature:
    gray: GrayArray  # box-filtered grayscale, 1/scale of the screen in each direction
    size: tuple[int, int]  # full-resolution (width, height)


@dataclass(frozen=True)
class Change:
    similarity: float  # 1 - share of signature pixels that changed (MIRIX drops frames >= 0.99)
    changed_fraction: float  # share of the screen covered by changed tiles: what OCR will cost
    regions: tuple[Box, ...]  # merged bounding boxes of changed tiles
    changed_pixels: int = 0  # signature pixels over the threshold: a blinking caret changes 2-3

    @property
    def unchanged(self) -> bool:
        return not self.regions


class ChangeDetector:
    """`scale` 8 with `tile` 4 gives 32-px tiles: a typed character changes its 8x8 block mean by
    far more than `threshold` grey levels, while compression-free screen noise changes nothing."""

    def __init__(self, scale: int = 8, tile: int = 4, threshold: int = 10, gap: int = 1) -> None:
        if scale < 1 or tile < 1 or gap < 0:
            raise ValueError("scale and tile must be >= 1, gap >= 0")
        self.scale, self.tile, self.threshold, self.gap = scale, tile, threshold, gap

    def signature(self, image: Image.Image) -> Signature:
        # reduce() is a C box filter: averaging keeps one-character edits visible after downscaling,
        # unlike point sampling, and doing it before convert("L") touches the big image only once.
        small = image.reduce(self.scale) if self.scale > 1 else image
        return Signature(np.asarray(small.convert("L"), dtype=np.uint8), image.size)

    def compare(self, before: Signature | None, after: Signature) -> Change:
        width, height = after.size
        if before is None or before.size != after.size or before.gray.shape != after.gray.shape:
            return Change(0.0, 1.0, ((0, 0, width, height),), after.gray.size)
        if np.array_equal(before.gray, after.gray):
            return Change(1.0, 0.0, ())
        changed = np.abs(before.gray.astype(np.int16) - after.gray) > self.threshold
        similarity = 1.0 - float(changed.mean())
        tiles = self._tiles(changed)
        if not tiles.any():
            return Change(similarity, 0.0, ())
        step = self.tile * self.scale
        regions = tuple(
            (x0 * step, y0 * step, min(width, x1 * step), min(height, y1 * step))
            for x0, y0, x1, y1 in _components(tiles, self.gap)
        )
        return Change(similarity, float(tiles.mean()), regions, int(changed.sum()))

    def _tiles(self, changed: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        h, w = changed.shape
        t = self.tile
        padded = np.zeros((-(-h // t) * t, -(-w // t) * t), dtype=bool)
        padded[:h, :w] = changed
        blocks = padded.reshape(padded.shape[0] // t, t, padded.shape[1] // t, t)
        return np.asarray(blocks.any(axis=(1, 3)), dtype=np.bool_)


def _components(tiles: npt.NDArray[np.bool_], gap: int) -> list[Box]:
    """Bounding boxes (in tile units, end-exclusive) of changed tiles, joining tiles up to `gap`
    apart: one OCR call per paragraph beats many per word. Boxes that overlap are merged too."""
    rows, cols = tiles.shape
    seen = np.zeros_like(tiles)
    boxes: list[Box] = []
    for y, x in zip(*np.nonzero(tiles), strict=True):
        if seen[y, x]:
            continue
        seen[y, x] = True
        todo = deque([(int(y), int(x))])
        x0, y0, x1, y1 = int(x), int(y), int(x) + 1, int(y) + 1
        while todo:
            cy, cx = todo.popleft()
            x0, y0, x1, y1 = min(x0, cx), min(y0, cy), max(x1, cx + 1), max(y1, cy + 1)
            ys = slice(max(0, cy - gap - 1), min(rows, cy + gap + 2))
            xs = slice(max(0, cx - gap - 1), min(cols, cx + gap + 2))
            for ny, nx in zip(*np.nonzero(tiles[ys, xs] & ~seen[ys, xs]), strict=True):
                ny, nx = int(ny) + ys.start, int(nx) + xs.start
                seen[ny, nx] = True
                todo.append((ny, nx))
        boxes.append((x0, y0, x1, y1))
    return merge_boxes(boxes)


def intersects(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def merge_boxes(boxes: list[Box]) -> list[Box]:
    """Union overlapping boxes until none overlap (boxes are few: a handful per frame)."""
    merged = list(boxes)
    changed = True
    while changed:
        changed = False
        out: list[Box] = []
        for box in merged:
            for i, other in enumerate(out):
                if intersects(box, other):
                    out[i] = (
                        min(box[0], other[0]),
                        min(box[1], other[1]),
                        max(box[2], other[2]),
                        max(box[3], other[3]),
                    )
                    changed = True
                    break
            else:
                out.append(box)
        merged = out
    return sorted(merged, key=lambda b: (b[1], b[0]))


def centre_in(box: Box, region: Box) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return region[0] <= cx < region[2] and region[1] <= cy < region[3]


def expand_regions(
    regions: tuple[Box, ...], line_boxes: list[Box], size: tuple[int, int], pad: tuple[int, int] = (48, 4)
) -> list[Box]:
    """Grow changed boxes so OCR sees whole lines: pad them, then swallow the known text lines they
    touch (a crop through the middle of a word reads as garbage), then merge overlaps. One round
    only: line boxes of neighbouring rows touch, and chasing them would swallow the paragraph."""
    width, height = size
    grown = []
    for x0, y0, x1, y1 in regions:
        box = (max(0, x0 - pad[0]), max(0, y0 - pad[1]), min(width, x1 + pad[0]), min(height, y1 + pad[1]))
        touching = [b for b in line_boxes if intersects(b, box)]
        grown.append(
            (
                max(0, min([box[0], *(b[0] for b in touching)])),
                max(0, min([box[1], *(b[1] for b in touching)])),
                min(width, max([box[2], *(b[2] for b in touching)])),
                min(height, max([box[3], *(b[3] for b in touching)])),
            )
        )
    return merge_boxes(grown)
