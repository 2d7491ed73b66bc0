"""The Settings page for models, offscreen: download with progress from a loopback server, cancel, resume, use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from model_server import ModelServer, serve, tiny_gguf

from reverie.models.model_manager import BUNDLED
from reverie.settings import Settings
from reverie.ui.settings_models import ModelsPage

pytestmark = pytest.mark.gui
MB = 1 << 20


@pytest.fixture
def server() -> Iterator[ModelServer]:
    with serve(tiny_gguf(3 * MB)) as state:
        yield state


@pytest.fixture
def page(qtbot, home: Path, server: ModelServer) -> Iterator[ModelsPage]:  # type: ignore[no-untyped-def]
    server.write_catalog(home / "models")
    widget = ModelsPage(Settings(), [m.name for m in BUNDLED])
    qtbot.addWidget(widget)
    yield widget
    widget.runner.shutdown()


def _row_state(page: ModelsPage, name: str) -> str:
    return next(row.state for row in page._rows if row.name == name)


def test_download_shows_progress_to_100_then_use_it(qtbot, page: ModelsPage, home: Path,  # type: ignore[no-untyped-def]
                                                    server: ModelServer) -> None:
    names = [page.table.item(i, 0).text() for i in range(page.table.rowCount())]
    assert {"qwen2.5-coder-0.5b-instruct", "qwen2.5-7b-instruct", "tiny-test"} <= set(names)
    page.select("tiny-test")
    assert page.download_btn.isEnabled() and not page.use_btn.isEnabled()
    seen: list[int] = []
    page.progress.valueChanged.connect(seen.append)
    page.download_btn.click()
    assert not page.download_btn.isEnabled() and page.cancel_btn.isEnabled()
    qtbot.waitUntil(lambda: page._download is None, timeout=60_000)

    dest = home / "models" / "tiny-test.gguf"
    assert dest.read_bytes() == server.data
    assert page.progress.value() == 100 and seen[-1] == 100 and any(0 < v < 100 for v in seen)
    assert "Downloaded" in page.status.text()
    assert _row_state(page, "tiny-test") == "ready"
    assert page.use_btn.isEnabled() and not page.download_btn.isEnabled()
    page.use_btn.click()
    chosen = Settings()
    page.apply(chosen)
    assert (chosen.llm_backend, chosen.llm_model_path) == ("llamacpp", str(dest))


def test_cancel_keeps_the_part_file_and_download_resumes(qtbot, page: ModelsPage, home: Path,  # type: ignore[no-untyped-def]
                                                         server: ModelServer) -> None:
    part = home / "models" / "tiny-test.gguf.part"
    server.slow_after = MB + 1  # the first megabyte arrives at once, the rest at ~320 KB/s
    page.select("tiny-test")
    page.download_btn.click()
    qtbot.waitUntil(lambda: page.progress.value() > 0, timeout=60_000)
    page.cancel_btn.click()
    assert "cancelled" in page.status.text()
    qtbot.waitUntil(lambda: page._download is None, timeout=60_000)  # the worker stops at its next chunk

    assert part.exists() and MB <= part.stat().st_size < len(server.data)
    assert not (home / "models" / "tiny-test.gguf").exists()
    assert _row_state(page, "tiny-test") == "partial"
    assert page.download_btn.text() == "Resume download" and not page.cancel_btn.isEnabled()

    kept = part.stat().st_size
    server.slow_after = None
    page.download_btn.click()
    qtbot.waitUntil(lambda: page._download is None, timeout=60_000)
    assert server.requests[-1] == f"bytes={kept}-"
    assert (home / "models" / "tiny-test.gguf").read_bytes() == server.data and not part.exists()


def test_choose_gguf_file_refuses_other_files(page: ModelsPage, tmp_path: Path) -> None:
    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    assert not page.choose_file(text)
    assert "not a GGUF model file" in page.status.text() and page.path.text() == ""
    model = tmp_path / "mine.gguf"
    model.write_bytes(tiny_gguf(2048, context=4096))
    assert page.choose_file(model)
    assert page.use_file.isChecked() and page.path.text() == str(model) and "4,096" in page.status.text()


def test_closing_settings_cancels_a_download(qtbot, home: Path, server: ModelServer) -> None:  # type: ignore[no-untyped-def]
    from reverie.ui.settings_dialog import SettingsDialog

    server.write_catalog(home / "models")
    server.slow_after = MB + 1
    dialog = SettingsDialog(Settings(), [m.name for m in BUNDLED])
    qtbot.addWidget(dialog)
    dialog.show()
    page = dialog.models_page
    page.select("tiny-test")
    page.download_btn.click()
    qtbot.waitUntil(lambda: page.progress.value() > 0, timeout=60_000)
    dialog.reject()
    qtbot.waitUntil(lambda: page._download is None, timeout=60_000)
    part = home / "models" / "tiny-test.gguf.part"
    assert part.exists() and part.stat().st_size < len(server.data)
    assert not (home / "models" / "tiny-test.gguf").exists()
    page.runner.shutdown()
