"""Pillow drawing primitives for the screen-day frames.

Every string goes through `Canvas.text`, which records the box it covers, so a frame's ground-truth
text is exactly what was drawn, in the order OCR reads a screen (rows top to bottom, left to right
within a row; see `reverie.models.ocr.reading_order`).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

W, H = 1920, 1080
Color = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
INK: Color = (32, 33, 36)
MUTED: Color = (95, 99, 104)
LINE: Color = (218, 220, 224)
WHITE: Color = (255, 255, 255)

_warned: list[bool] = []
_FILES = {(False, False): "DejaVuSans.ttf", (False, True): "DejaVuSans-Bold.ttf",
          (True, False): "DejaVuSansMono.ttf", (True, True): "DejaVuSansMono-Bold.ttf"}


@functools.lru_cache(maxsize=64)
def font(size: int, mono: bool = False, bold: bool = False) -> Font:
    """DejaVu (Pillow searches the system font folders for a bare file name); Pillow's own font otherwise."""
    try:
        return ImageFont.truetype(_FILES[(mono, bold)], size)
    except OSError:
        if not _warned:
            _warned.append(True)
            log.warning("DejaVu fonts not found (install fonts-dejavu-core); frames use Pillow's default font, "
                        "so they differ from the reference frames")
        return ImageFont.load_default(size=size)


def fit(text: str, fnt: Font, width: int) -> str:
    """`text` cut with an ellipsis so it fits `width` pixels (a real list pane clips long subjects)."""
    if fnt.getlength(text) <= width:
        return text
    while text and fnt.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, fnt: Font, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and fnt.getlength(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


@dataclass(frozen=True)
class Item:
    box: tuple[int, int, int, int]
    text: str


class Canvas:
    """A 1920x1080 screen that remembers the text drawn on it."""

    def __init__(self, bg: Color = WHITE) -> None:
        self.image = Image.new("RGB", (W, H), bg)
        self.draw = ImageDraw.Draw(self.image)
        self.items: list[Item] = []

    def rect(self, box: tuple[int, int, int, int], fill: Color | None = None, outline: Color | None = None,
             radius: int = 0, width: int = 1) -> None:
        if radius:
            self.draw.rounded_rectangle(box, radius=radius, fill=fill, outline=outline, width=width)
        else:
            self.draw.rectangle(box, fill=fill, outline=outline, width=width)

    def hline(self, x0: int, x1: int, y: int, color: Color = LINE) -> None:
        self.draw.line((x0, y, x1, y), fill=color)

    def vline(self, x: int, y0: int, y1: int, color: Color = LINE) -> None:
        self.draw.line((x, y0, x, y1), fill=color)

    def dot(self, cx: int, cy: int, r: int, fill: Color) -> None:
        self.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)

    def text(self, x: int, y: int, text: str, size: int = 14, fill: Color = INK, bold: bool = False,
             mono: bool = False, max_w: int | None = None) -> int:
        """Draw one run of text with its top-left at (x, y); returns the advance width."""
        fnt = font(size, mono, bold)
        if max_w is not None:
            text = fit(text, fnt, max_w)
        if not text.strip():
            return 0
        self.draw.text((x, y), text, font=fnt, fill=fill)
        left, top, right, bottom = self.draw.textbbox((x, y), text, font=fnt)
        self.items.append(Item((int(left), int(top), int(right), int(bottom)), text.strip()))
        return int(fnt.getlength(text))

    def text_right(self, right: int, y: int, text: str, size: int = 14, fill: Color = INK, bold: bool = False) -> None:
        self.text(right - int(font(size, False, bold).getlength(text)), y, text, size, fill, bold)

    def text_center(self, cx: int, y: int, text: str, size: int = 14, fill: Color = INK, bold: bool = False) -> None:
        self.text(cx - int(font(size, False, bold).getlength(text)) // 2, y, text, size, fill, bold)

    def caret(self, x: int, y: int, height: int, color: Color = INK) -> None:
        self.draw.rectangle((x, y, x + 1, y + height), fill=color)

    def reading_text(self) -> str:
        """Rows top to bottom (an item joins a row when its vertical centre lies inside the row's
        first item), items left to right; rows joined by newlines, items by a space."""
        rows: list[list[Item]] = []
        for item in sorted(self.items, key=lambda it: ((it.box[1] + it.box[3]) / 2, it.box[0])):
            centre = (item.box[1] + item.box[3]) / 2
            if rows and rows[-1][0].box[1] <= centre <= rows[-1][0].box[3]:
                rows[-1].append(item)
            else:
                rows.append([item])
        return "\n".join(" ".join(it.text for it in sorted(row, key=lambda it: it.box[0])) for row in rows)
