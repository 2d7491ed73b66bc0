"""OCR through RapidOCR (PP-OCRv4 ONNX models shipped inside the rapidocr-onnxruntime wheel)."""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from reverie.core.ocr_layout import reading_order
from reverie.core.protocols import OCRLine

log = logging.getLogger(__name__)


def _as_rgb(image: Any) -> Image.Image:
    if image is None:
        raise ValueError("OCR got no image (None)")
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    if not isinstance(image, Image.Image):
        raise ValueError(f"OCR needs a PIL image, got {type(image).__name__}")
    try:
        image.load()  # truncated or corrupt files fail here, not deep inside onnxruntime
    except (OSError, SyntaxError) as exc:
        raise ValueError(f"OCR got a corrupt image: {exc}") from exc
    if image.width < 1 or image.height < 1:
        raise ValueError(f"OCR got an empty image ({image.width}x{image.height})")
    return image if image.mode == "RGB" else image.convert("RGB")


class RapidOCREngine:
    """Implements `reverie.core.protocols.OCR`.

    Downscale policy: screen text reads best at about 0.7x of a 96-dpi screen (measured on a
    rendered editor: full resolution drops spaces between words, 0.5x garbles 13-px UI text), and
    detection cost grows with pixels, so images are scaled by `scale` and further until they fit
    `max_pixels` (a HiDPI 4K screen has larger text and tolerates the extra reduction).
    """

    def __init__(self, scale: float = 0.7, max_pixels: int = 1_100_000, threads: int | None = None) -> None:
        if not 0 < scale <= 1:
            raise ValueError("scale must be in (0, 1]")
        self.scale, self.max_pixels = scale, max_pixels
        # A background app should leave the user most of the CPU: half the cores, at most 4.
        self.threads = threads or max(1, min(4, (os.cpu_count() or 2) // 2))
        self._engine: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._engine is None:
                from rapidocr_onnxruntime import RapidOCR  # lazy: pulls in onnxruntime and OpenCV

                # "max": never upscale (the default "min" blows a one-line crop up to 736 px high);
                # no direction classifier: screen text is upright.
                self._engine = RapidOCR(
                    use_cls=False,
                    det_limit_type="max",
                    intra_op_num_threads=self.threads,
                    inter_op_num_threads=1,
                )
                log.info("RapidOCR loaded (%d threads)", self.threads)
            return self._engine

    def factor(self, width: int, height: int) -> float:
        return min(self.scale, math.sqrt(self.max_pixels / max(1, width * height)))

    def read(self, image: Any, region: Sequence[int] | None = None) -> list[OCRLine]:
        """OCR `image` (or the `region` box of it); boxes are in the coordinates of `image`."""
        rgb = _as_rgb(image)
        ox, oy = 0, 0
        if region is not None:
            x0, y0, x1, y1 = (int(v) for v in region)
            if not (0 <= x0 < x1 <= rgb.width and 0 <= y0 < y1 <= rgb.height):
                raise ValueError(f"region {tuple(region)} is outside the {rgb.width}x{rgb.height} image")
            rgb, ox, oy = rgb.crop((x0, y0, x1, y1)), x0, y0
        f = self.factor(rgb.width, rgb.height)
        if f < 1:
            rgb = rgb.resize((max(1, round(rgb.width * f)), max(1, round(rgb.height * f))), Image.Resampling.BILINEAR)
        result, _ = self._load()(np.asarray(rgb)[:, :, ::-1])  # RapidOCR takes arrays as BGR
        lines = []
        for points, text, score in result or []:
            xs = [p[0] / f for p in points]
            ys = [p[1] / f for p in points]
            if str(text).strip():
                box = (int(min(xs)) + ox, int(min(ys)) + oy, math.ceil(max(xs)) + ox, math.ceil(max(ys)) + oy)
                lines.append(OCRLine(str(text).strip(), box, float(score)))
        return reading_order(lines)
