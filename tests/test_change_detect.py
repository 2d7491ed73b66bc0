from __future__ import annotations

import statistics
import time

import pytest
from PIL import Image, ImageDraw

from reverie.capture.change_detect import ChangeDetector, expand_regions, merge_boxes

W, H = 1920, 1080


def screen() -> Image.Image:
    img = Image.new("RGB", (W, H), (250, 250, 250))
    draw = ImageDraw.Draw(img)
    for i in range(40):  # stripes standing in for lines of text
        draw.rectangle((300, 40 + 24 * i, 300 + 30 * (i % 30 + 10), 52 + 24 * i), fill=(40, 40, 40))
    return img


def test_identical_screens_are_unchanged() -> None:
    det = ChangeDetector()
    change = det.compare(det.signature(screen()), det.signature(screen()))
    assert change.unchanged
    assert change.similarity == 1.0
    assert change.changed_fraction == 0.0


def test_one_character_is_located() -> None:
    det = ChangeDetector()
    after = screen()
    ImageDraw.Draw(after).rectangle((1500, 700, 1508, 712), fill=(0, 0, 0))  # a typed glyph
    change = det.compare(det.signature(screen()), det.signature(after))
    assert len(change.regions) == 1
    x0, y0, x1, y1 = change.regions[0]
    assert x0 <= 1500 and x1 >= 1508 and y0 <= 700 and y1 >= 712
    assert (x1 - x0) * (y1 - y0) <= 64 * 64
    # MIRIX would drop this frame (similarity >= 0.99); we OCR just the tile instead.
    assert change.similarity > 0.99


def test_adjacent_changes_merge_and_distant_ones_do_not() -> None:
    det = ChangeDetector()
    after = screen()
    draw = ImageDraw.Draw(after)
    draw.rectangle((100, 100, 140, 110), fill=(0, 0, 0))
    draw.rectangle((170, 100, 210, 110), fill=(0, 0, 0))  # one tile gap: same region
    draw.rectangle((1700, 900, 1750, 920), fill=(0, 0, 0))
    change = det.compare(det.signature(screen()), det.signature(after))
    assert len(change.regions) == 2
    assert change.regions[0][0] <= 100 and change.regions[0][2] >= 210


def test_noise_below_threshold_and_size_changes() -> None:
    det = ChangeDetector(threshold=10)
    noisy = Image.eval(screen(), lambda v: min(255, v + 3))
    assert det.compare(det.signature(screen()), det.signature(noisy)).unchanged
    small = det.signature(Image.new("RGB", (1280, 720)))
    full = det.compare(small, det.signature(screen()))
    assert full.regions == ((0, 0, W, H),)
    assert det.compare(None, small).changed_fraction == 1.0


def test_scroll_changes_most_of_the_screen() -> None:
    det = ChangeDetector()
    before = screen()
    after = Image.new("RGB", (W, H), (250, 250, 250))
    after.paste(before.crop((0, 72, W, H)), (0, 0))
    change = det.compare(det.signature(before), det.signature(after))
    assert change.changed_fraction > 0.05
    assert change.similarity < 0.99
    assert [r[3] - r[1] for r in change.regions] == [992]  # one region over the whole text block


def test_unchanged_frame_costs_under_10_ms_cpu() -> None:
    det = ChangeDetector()
    img = screen()
    ref = det.signature(img)
    samples = []
    for _ in range(30):
        start = time.thread_time()
        det.compare(ref, det.signature(img))
        samples.append(time.thread_time() - start)
    assert statistics.median(samples) * 1000 <= 10.0


def test_expand_regions_swallows_touched_lines_only() -> None:
    lines = [(300, 40, 900, 60), (300, 64, 1200, 84), (300, 200, 800, 220)]
    grown = expand_regions(((640, 64, 704, 96),), lines, (W, H))
    assert grown == [(300, 60, 1200, 100)]  # the touched line, padded; not the far one


def test_merge_boxes() -> None:
    assert merge_boxes([(0, 0, 10, 10), (5, 5, 20, 20), (30, 30, 40, 40)]) == [(0, 0, 20, 20), (30, 30, 40, 40)]


def test_invalid_parameters() -> None:
    with pytest.raises(ValueError):
        ChangeDetector(scale=0)
