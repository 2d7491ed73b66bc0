"""Settings: capture, exclusions, retention, models, API, lock and autostart.

Edits a copy of the settings; the caller saves it (ctx.save_settings) only on OK.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QPlainTextEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reverie.settings import Settings
from reverie.ui.context import TokenStore
from reverie.ui.settings_models import ApiPage, ModelsPage
from reverie.ui.theme import GAP, PAD, label

MONITORS = {"all": "All monitors", "primary": "Primary monitor only"}


def _lines(box: QPlainTextEdit) -> list[str]:
    return [line.strip() for line in box.toPlainText().splitlines() if line.strip()]


def _page() -> tuple[QWidget, QFormLayout]:
    page = QWidget()
    form = QFormLayout(page)
    form.setContentsMargins(PAD, PAD, PAD, PAD)
    form.setSpacing(GAP + 2)
    return page, form


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, bundled_models: Sequence[str] = (), tokens: TokenStore | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reverie settings")
        self.setMinimumSize(780, 540)  # room for the model table without eliding names
        self._settings = copy.deepcopy(settings)
        s = self._settings
        tabs = QTabWidget()

        page, form = _page()
        self.interval = QDoubleSpinBox(minimum=0.5, maximum=60.0, singleStep=0.5, suffix=" s",
                                       value=s.capture_interval_s)
        self.monitors = QComboBox()
        for key, text in MONITORS.items():
            self.monitors.addItem(text, key)
        if s.capture_monitors not in MONITORS:
            self.monitors.addItem(f"Monitors {s.capture_monitors}", s.capture_monitors)
        self.monitors.setCurrentIndex(max(0, self.monitors.findData(s.capture_monitors)))
        self.fail_closed = QCheckBox("Skip a moment when its window cannot be identified")
        self.fail_closed.setChecked(s.capture_fail_closed)
        form.addRow("Capture every", self.interval)
        form.addRow("Monitors", self.monitors)
        form.addRow("", self.fail_closed)
        tabs.addTab(page, "Capture")

        page, form = _page()
        self.apps = QPlainTextEdit("\n".join(s.excluded_apps))
        self.titles = QPlainTextEdit("\n".join(s.excluded_titles))
        form.addRow(label("Reverie never captures these. One per line; window titles are patterns "
                          "(e.g. “Private Browsing”).", "muted"))
        form.addRow("Excluded apps", self.apps)
        form.addRow("Excluded window titles", self.titles)
        tabs.addTab(page, "Exclusions")

        page, form = _page()
        self.days = QSpinBox(minimum=1, maximum=3650, suffix=" days", value=s.retention_days)
        self.gb = QDoubleSpinBox(minimum=0.5, maximum=2000, suffix=" GB", value=s.retention_gb)
        form.addRow(label("Older screenshots are deleted first; memories distilled from them stay.", "muted"))
        form.addRow("Keep screenshots for", self.days)
        form.addRow("Use at most", self.gb)
        tabs.addTab(page, "Storage")

        self.models_page = ModelsPage(s, bundled_models)
        tabs.addTab(self.models_page, "Models")
        self.api_page = ApiPage(s, tokens)
        tabs.addTab(self.api_page, "API")

        page, form = _page()
        self.lock = QSpinBox(minimum=0, maximum=1440, suffix=" min", value=s.lock_timeout_min)
        self.lock.setSpecialValueText("Never")
        self.autostart = QCheckBox("Start Reverie when I log in")
        self.autostart.setChecked(s.autostart)
        form.addRow("Lock after idle", self.lock)
        form.addRow("", self.autostart)
        tabs.addTab(page, "Security")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(PAD, PAD, PAD, PAD)
        lay.addWidget(tabs, 1)
        lay.addWidget(buttons)
        self.tabs = tabs

    def result_settings(self) -> Settings:
        s = copy.deepcopy(self._settings)
        s.capture_interval_s = self.interval.value()
        s.capture_monitors = str(self.monitors.currentData())
        s.capture_fail_closed = self.fail_closed.isChecked()
        s.excluded_apps = _lines(self.apps)
        s.excluded_titles = _lines(self.titles)
        s.retention_days = self.days.value()
        s.retention_gb = self.gb.value()
        s.lock_timeout_min = self.lock.value()
        s.autostart = self.autostart.isChecked()
        self.models_page.apply(s)
        self.api_page.apply(s)
        return s
