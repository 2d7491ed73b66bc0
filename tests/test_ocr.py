"""Real RapidOCR on Pillow-rendered text (the models ship inside the rapidocr-onnxruntime wheel)."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from PIL import Image, ImageDraw

from reverie.bench.capture import load_font
from reverie.core.ocr_layout import reading_order
from reverie.core.protocols import OCR, OCRLine
from reverie.models.ocr import RapidOCREngine

pytestmark = pytest.mark.slow
LINES = ["Quarterly budget review moved to Friday", "Invoice 2031 sent to Acme Corporation"]


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


@pytest.fixture(scope="module")
def engine() -> RapidOCREngine:
    return RapidOCREngine()


@pytest.fixture(scope="module")
def page() -> Image.Image:
    img = Image.new("RGB", (1280, 400), "white")
    draw = ImageDraw.Draw(img)
    for i, text in enumerate(LINES):
        draw.text((60, 80 + 120 * i), text, font=load_font(34), fill="black")
    return img


def test_reads_known_text_in_reading_order(engine: RapidOCREngine, page: Image.Image) -> None:
    assert isinstance(engine, OCR)
    lines = engine.read(page)
    text = norm(" ".join(ln.text for ln in lines))
    assert norm(LINES[0]) in text and norm(LINES[1]) in text
    assert text.index("quarterly") < text.index("invoice")
    first = next(ln for ln in lines if "quarterly" in ln.text.lower())
    assert 40 <= first.box[0] <= 80 and 60 <= first.box[1] <= 100  # boxes in source pixels
    assert 0.5 <= first.confidence <= 1.0


def test_region_crop_reports_boxes_in_full_image_coordinates(engine: RapidOCREngine, page: Image.Image) -> None:
    lines = engine.read(page, region=(0, 180, 1280, 280))
    assert norm(" ".join(ln.text for ln in lines)) == norm(LINES[1])
    assert all(ln.box[1] >= 180 for ln in lines)
    assert 190 <= lines[0].box[1] <= 215


def test_blank_image_reads_nothing(engine: RapidOCREngine) -> None:
    assert engine.read(Image.new("RGB", (640, 360), "white")) == []


def test_bad_input_is_a_clear_value_error(engine: RapidOCREngine, page: Image.Image) -> None:
    with pytest.raises(ValueError, match="None"):
        engine.read(None)
    with pytest.raises(ValueError, match="PIL image"):
        engine.read("not an image")
    buf = io.BytesIO()
    page.save(buf, "PNG")
    truncated = Image.open(io.BytesIO(buf.getvalue()[:2000]))
    with pytest.raises(ValueError, match="corrupt"):
        engine.read(truncated)
    with pytest.raises(ValueError, match="outside"):
        engine.read(page, region=(0, 0, 5000, 10))


def test_reading_order_groups_rows() -> None:
    lines = [
        OCRLine("right", (600, 102, 700, 120), 0.9),
        OCRLine("below", (10, 150, 100, 170), 0.9),
        OCRLine("left", (10, 100, 100, 118), 0.9),
    ]
    assert [ln.text for ln in reading_order(lines)] == ["left", "right", "below"]


def test_import_is_lazy() -> None:
    code = "import sys, reverie.models.ocr; print('rapidocr_onnxruntime' in sys.modules, 'onnxruntime' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
