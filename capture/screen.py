"""Screen sources: real monitors through mss, or fixed images for tests and benchmarks."""

from __future__ import annotations

import io
import logging
import os
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from PIL import Image, ImageDraw

log = logging.getLogger(__name__)


class CaptureUnavailable(RuntimeError):
    """The screen cannot be captured here (Wayland session, no display, capture blocked)."""


@dataclass(frozen=True)
class Monitor:
    index: int  # mss numbering: 1 is the first physical monitor
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class ScreenFrame:
    image: Image.Image  # RGB, full resolution
    monitor: Monitor

    @property
    def black(self) -> bool:
        return self.image.getbbox() is None  # C scan, ~0.2 ms for 1080p; None means all zero


class FrameSource(Protocol):
    def grab(self) -> list[ScreenFrame]: ...


def check_session(env: dict[str, str] | None = None) -> None:
    """Raise instead of capturing black frames: X11 grabs under Wayland see no other app's pixels."""
    env = dict(os.environ) if env is None else env
    if not sys.platform.startswith("linux"):
        return
    if env.get("XDG_SESSION_TYPE", "").lower() == "wayland" or (env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY")):
        raise CaptureUnavailable(
            "This is a Wayland session: screen capture needs X11 or a portal "
            "(xdg-desktop-portal ScreenCast), which Reverie does not support yet. "
            "Log in with an X11 session (e.g. 'GNOME on Xorg') to capture the screen."
        )
    if not env.get("DISPLAY"):
        raise CaptureUnavailable("No DISPLAY is set: screen capture needs X11 or a portal.")


class MssFrameSource:
    """Grabs every monitor (or just `monitor`, 1-based as in mss) as RGB PIL images."""

    BLACK_LIMIT = 3  # consecutive all-black grabs, before any content was seen, that mean "blocked"

    def __init__(self, monitor: int | None = None) -> None:
        check_session()
        self.monitor = monitor
        self._local = threading.local()  # mss handles are per thread on X11
        self._seen_content = False
        self._black_grabs = 0

    def _mss(self) -> Any:
        sct = getattr(self._local, "sct", None)
        if sct is None:
            import mss  # lazy: keeps start-up light, and the import needs a display on Linux

            factory = getattr(mss, "MSS", None) or mss.mss  # mss 10 deprecates mss.mss()
            try:
                sct = factory()
            except Exception as exc:
                raise CaptureUnavailable(f"Cannot open the screen for capture: {exc}") from exc
            self._local.sct = sct
        return sct

    def monitors(self) -> list[Monitor]:
        found = self._mss().monitors  # [0] is the union of all monitors
        picked = range(1, len(found)) if self.monitor is None else [self.monitor]
        if self.monitor is not None and not 1 <= self.monitor < len(found):
            raise ValueError(f"monitor {self.monitor} does not exist (have {len(found) - 1})")
        return [Monitor(i, found[i]["left"], found[i]["top"], found[i]["width"], found[i]["height"]) for i in picked]

    def grab(self) -> list[ScreenFrame]:
        sct = self._mss()
        frames = []
        for mon in self.monitors():
            shot = sct.grab({"left": mon.left, "top": mon.top, "width": mon.width, "height": mon.height})
            image = Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX")
            frames.append(ScreenFrame(image, mon))
        if frames and all(f.black for f in frames):
            self._black_grabs += 1
            if not self._seen_content and self._black_grabs >= self.BLACK_LIMIT:
                raise CaptureUnavailable(
                    "Every screen grab is entirely black: the compositor blocks capture "
                    "(capture needs X11 or a portal) or the screen is off."
                )
        else:
            self._seen_content, self._black_grabs = True, 0
        return frames

    def close(self) -> None:
        sct = getattr(self._local, "sct", None)
        if sct is not None:
            sct.close()
            self._local.sct = None


class StaticImageSource:
    """Yields the given images one grab at a time, then keeps showing the last (a static screen)."""

    def __init__(self, images: Image.Image | Sequence[Image.Image]) -> None:
        self._images = [images] if isinstance(images, Image.Image) else list(images)
        if not self._images:
            raise ValueError("StaticImageSource needs at least one image")
        self._next = 0
        self._lock = threading.Lock()

    def push(self, image: Image.Image) -> None:
        with self._lock:
            self._images.append(image)

    def grab(self) -> list[ScreenFrame]:
        with self._lock:
            image = self._images[min(self._next, len(self._images) - 1)]
            self._next += 1
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        return [ScreenFrame(rgb, Monitor(1, 0, 0, rgb.width, rgb.height))]


def make_thumbnail(image: Image.Image, max_width: int = 640, masks: Iterable[Sequence[int]] = ()) -> Image.Image:
    """Small preview; `masks` (full-resolution boxes, e.g. of redacted text) are painted over."""
    factor = -(-image.width // max_width)
    thumb = image.reduce(factor) if factor > 1 else image.copy()  # box filter: fast and legible
    if thumb.width > max_width:
        thumb = thumb.resize((max_width, round(thumb.height * max_width / thumb.width)))
    sx, sy = thumb.width / image.width, thumb.height / image.height
    draw = ImageDraw.Draw(thumb)
    for x0, y0, x1, y1 in masks:
        draw.rectangle((int(x0 * sx), int(y0 * sy), int(x1 * sx) + 1, int(y1 * sy) + 1), fill=(0, 0, 0))
    return thumb


def encode_webp(thumbnail: Image.Image, quality: int = 50) -> bytes:
    """WebP at quality 50 keeps a 640-px screen thumbnail around 25 KB and its headings readable."""
    buf = io.BytesIO()
    thumbnail.save(buf, "WEBP", quality=quality, method=4)
    return buf.getvalue()
