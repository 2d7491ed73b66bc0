"""Layout of OCR lines, shared by the OCR engine (whole images) and capture (merged window regions)."""

from __future__ import annotations

from collections.abc import Sequence

from reverie.core.protocols import OCRLine


def reading_order(lines: Sequence[OCRLine]) -> list[OCRLine]:
    """Top-to-bottom rows, left-to-right within a row; a line joins a row when its vertical
    centre falls inside the row's first line (OCR boxes of one row differ by a few pixels)."""
    rows: list[list[OCRLine]] = []
    for line in sorted(lines, key=lambda ln: (ln.box[1] + ln.box[3]) / 2):
        centre = (line.box[1] + line.box[3]) / 2
        if rows and rows[-1][0].box[1] <= centre <= rows[-1][0].box[3]:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [ln for row in rows for ln in sorted(row, key=lambda ln: ln.box[0])]
