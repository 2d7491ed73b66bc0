"""Settings pages for the language model (bundled / downloaded / any GGUF / OpenAI-compatible URL) and API tokens.

The model table comes from reverie.models.model_catalog (the same rows as `reverie models list`).
A download runs on the page's own one-thread OpRunner, so a multi-GB transfer never holds one of the
store/LLM worker threads; the worker only reports (done, total) and never touches a widget.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reverie.models import model_catalog as catalog
from reverie.models.model_actions import download_model
from reverie.models.model_files import ModelError
from reverie.settings import Settings
from reverie.ui.context import TokenStore
from reverie.ui.op_runner import Op, OpContext, OpRunner
from reverie.ui.theme import GAP, PAD, label

DEFAULT_MODEL = "Default (best bundled model)"
COLUMNS = ("Model", "Size", "CPU speed", "State")  # licence, context and notes: the line under the table
_NAME_COL, _STATE_COL = 0, 3


class ModelsPage(QWidget):
    def __init__(self, settings: Settings, bundled: Sequence[str], parent: QWidget | None = None, *,
                 models_dir: Path | None = None) -> None:
        super().__init__(parent)
        if models_dir is None:
            from reverie.paths import models_dir as default_models_dir

            models_dir = default_models_dir()
        self.models_dir = models_dir
        self._saved = (settings.llm_backend, settings.llm_model_path)
        self.runner = OpRunner(threads=1, media_threads=1)
        self.runner.pool.setExpiryTimeout(30_000)  # no per-thread store connection here: let the thread go
        self.runner.busy_changed.connect(self._busy_changed)
        self._download: Op[Path] | None = None
        self._rows: list[catalog.Row] = []
        self._hooked = False

        self.use_bundled = QRadioButton("Bundled model")
        self.use_file = QRadioButton("GGUF file")
        self.use_url = QRadioButton("OpenAI-compatible server")
        self.use_bundled.setToolTip("Comes with Reverie and runs on this computer, offline")
        self.use_file.setToolTip("A model you downloaded below, or any GGUF file on this computer")
        self.use_url.setToolTip("e.g. a local llama.cpp server, Ollama or LM Studio")
        group = QButtonGroup(self)
        for b in (self.use_bundled, self.use_file, self.use_url):
            group.addButton(b)
        self.bundled = QComboBox()
        self.bundled.addItems([DEFAULT_MODEL, *bundled])
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_NAME_COL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(_STATE_COL, QHeaderView.ResizeMode.Interactive)  # long states elide
        header.resizeSection(_STATE_COL, 230)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setMinimumHeight(125)  # about four rows: the list is the point of this page
        self.detail = label("", "muted")  # everything about the selected row, columns elide
        self.detail.setWordWrap(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.use_btn = QPushButton("Use this model")
        self.download_btn = QPushButton("Download")
        self.cancel_btn = QPushButton("Cancel download")
        self.use_btn.clicked.connect(self.use_selected)
        self.download_btn.clicked.connect(self.download_selected)
        self.cancel_btn.clicked.connect(self.cancel_download)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.status = label("", "muted")
        self.status.setWordWrap(True)
        self.status.hide()
        self.path = QLineEdit(placeholderText="/path/to/model.gguf")
        browse = QPushButton("Choose GGUF file…")
        browse.clicked.connect(self._browse)
        self.url = QLineEdit(placeholderText="http://127.0.0.1:11434/v1")
        self.model = QLineEdit(placeholderText="model name on the server")
        self.ctx_size = QSpinBox(minimum=1024, maximum=131072, singleStep=1024, value=settings.llm_n_ctx)

        buttons = QHBoxLayout()
        for button in (self.use_btn, self.download_btn, self.cancel_btn):
            buttons.addWidget(button)
        buttons.addStretch(1)
        # One row per way of running a model, so the model table gets the height.
        choices = QGridLayout()
        choices.setHorizontalSpacing(GAP)
        choices.addWidget(self.use_bundled, 0, 0)
        choices.addWidget(self.bundled, 0, 1, 1, 2)
        choices.addWidget(self.use_file, 1, 0)
        choices.addWidget(self.path, 1, 1)
        choices.addWidget(browse, 1, 2)
        choices.addWidget(self.use_url, 2, 0)
        server = QHBoxLayout()
        server.addWidget(self.url, 2)
        server.addWidget(self.model, 1)
        choices.addLayout(server, 2, 1, 1, 2)
        choices.setColumnStretch(1, 1)
        ctx_row = QHBoxLayout()
        ctx_row.addWidget(QLabel("Context window (tokens)"))
        ctx_row.addWidget(self.ctx_size)
        ctx_row.addStretch(1)

        content = QWidget()
        lay = QVBoxLayout(content)
        lay.setContentsMargins(PAD, PAD, PAD, PAD)
        lay.setSpacing(GAP)
        lay.addLayout(choices)
        lay.addWidget(label("Bigger models answer better but run slower. Downloads happen only when you press "
                            "Download, and resume where they stopped. Answers never leave this computer unless "
                            "you point Reverie at a remote server.", "muted"))
        lay.addWidget(self.table, 1)
        lay.addWidget(self.detail)
        lay.addLayout(buttons)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addLayout(ctx_row)
        # Settings and onboarding have fixed minimum sizes: scroll rather than overlap on small screens.
        scroll = QScrollArea(widgetResizable=True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        choice = settings.llm_model_path
        if settings.llm_backend == "openai":
            self.use_url.setChecked(True)
        elif choice and choice not in bundled:
            self.use_file.setChecked(True)
        else:
            self.use_bundled.setChecked(True)
        self.bundled.setCurrentText(choice if choice and choice in bundled else DEFAULT_MODEL)
        self.path.setText(choice if choice and choice not in bundled else "")
        self.url.setText(settings.llm_url or "")
        self.model.setText(settings.llm_model or "")
        self.refresh()

    # ---- the table -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the catalogue (cheap: stats and the verification cache, never hashing)."""
        selected = self.selected()
        try:
            self._rows = catalog.list_rows(self.models_dir, backend=self._saved[0], choice=self._saved[1],
                                           verify=False)
        except ModelError as exc:  # e.g. a broken catalog.json: say so, keep the rest of the page usable
            self._rows = []
            self._say(str(exc))
        self.table.setRowCount(len(self._rows))
        for i, row in enumerate(self._rows):
            state = row.status + ("  · in use" if row.active else "")
            cells = (row.name, catalog.human_size(row.size), row.speed, state)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(_describe(row))
                if row.active:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(i, col, item)
            if selected is not None and row.name == selected.name:
                self.table.selectRow(i)
        self._update_buttons()

    def selected(self) -> catalog.Row | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self._rows[rows[0].row()] if rows and rows[0].row() < len(self._rows) else None

    def select(self, name: str) -> None:
        for i, row in enumerate(self._rows):
            if row.name == name:
                self.table.selectRow(i)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _update_buttons(self) -> None:
        row, busy = self.selected(), self._download is not None
        downloadable = row is not None and row.kind in ("recommended", "catalog") and row.state != catalog.READY
        self.download_btn.setEnabled(downloadable and not busy)
        self.download_btn.setText("Resume download" if row and row.state == catalog.PARTIAL else "Download")
        self.cancel_btn.setEnabled(busy)
        self.use_btn.setEnabled(row is not None and row.state in catalog.USABLE)
        self.detail.setText(_describe(row) if row else "")

    # ---- actions ---------------------------------------------------------------------------------

    def use_selected(self) -> None:
        row = self.selected()
        if row is None or row.state not in catalog.USABLE:
            return
        if row.kind == "bundled":
            if self.bundled.findText(row.name) < 0:
                self.bundled.addItem(row.name)
            self.bundled.setCurrentText(row.name)
            self.use_bundled.setChecked(True)
        elif row.path is not None:
            self.path.setText(str(row.path))
            self.use_file.setChecked(True)
        self._say(f"{row.name} will be used once you press OK.")

    def download_selected(self) -> None:
        row = self.selected()
        rec = catalog.find_recommended(row.name, self.models_dir) if row else None
        if rec is None or self._download is not None:
            return
        models_dir = self.models_dir

        def work(ctx: OpContext) -> Path:  # pool thread: reports numbers only
            return download_model(rec, models_dir, lambda done, total: ctx.report((done, total)))

        window = self.window()
        if not self._hooked and isinstance(window, QDialog):  # closing Settings stops the download (resumable)
            window.finished.connect(self.cancel_download)
            self._hooked = True
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.show()
        self._say(f"Downloading {rec.name}…")
        self._download = self.runner.op(work, self, label=f"download {rec.name}") \
            .progress(self._on_progress).success(self._on_downloaded).failure(self._on_failed)
        self._update_buttons()
        self._download.run_in_background()

    def cancel_download(self) -> None:
        if self._download is None:
            return
        self._download.cancel()  # the worker stops at its next chunk; the .part file stays for a resume
        self._say("Download cancelled. The part already fetched is kept: Download resumes it.")

    def _on_progress(self, value: Any) -> None:
        done, total = value
        if total:
            self.progress.setRange(0, 100)
            self.progress.setValue(100 * done // total)
            self._say(f"Downloading: {catalog.human_size(done)} of {catalog.human_size(total)}")
        else:
            self.progress.setRange(0, 0)  # size unknown: a busy bar
            self._say(f"Downloading: {catalog.human_size(done)}")

    def _on_downloaded(self, path: Path) -> None:
        self.progress.setRange(0, 100)
        self.progress.setValue(100)
        self._say(f"Downloaded and checked: {path.name}. Press “Use this model” to choose it.")

    def _on_failed(self, exc: BaseException) -> None:
        self.progress.hide()
        self._say(f"Download failed: {exc}")

    def _busy_changed(self, busy: bool) -> None:
        if not busy:  # the download op was delivered (done, failed or cancelled)
            self._download = None
            self.refresh()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a model", "", "GGUF models (*.gguf)")
        if path:
            self.choose_file(Path(path))

    def choose_file(self, path: Path) -> bool:
        """Take a GGUF file the user picked, refusing anything that is not one."""
        try:
            header = catalog.check_gguf(path)
        except ModelError as exc:
            self._say(str(exc))
            return False
        self.path.setText(str(path))
        self.use_file.setChecked(True)
        context = f", context {header.context_length:,} tokens" if header.context_length else ""
        self._say(f"{path.name}: GGUF {header.architecture or 'model'}{context}.")
        return True

    def apply(self, s: Settings) -> None:
        s.llm_n_ctx = self.ctx_size.value()
        if self.use_url.isChecked():
            s.llm_backend, s.llm_url, s.llm_model = "openai", self.url.text().strip() or None, \
                self.model.text().strip() or None
            return
        s.llm_backend = "llamacpp"
        if self.use_file.isChecked():
            s.llm_model_path = self.path.text().strip() or None
        else:
            name = self.bundled.currentText()
            s.llm_model_path = None if name == DEFAULT_MODEL else name


def _describe(row: catalog.Row) -> str:
    context = f"context {row.context:,} tokens" if row.context else "context unknown"
    parts = [f"{row.name}: {row.status}", f"licence {row.licence}", context, f"CPU {row.speed}", row.note]
    return " · ".join(p for p in parts if p)


class ApiPage(QWidget):
    def __init__(self, settings: Settings, tokens: TokenStore | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tokens = tokens
        self.port = QSpinBox(minimum=1024, maximum=65535, value=settings.api_port)
        self.list = QListWidget()
        self.new_btn, self.revoke_btn = QPushButton("New token…"), QPushButton("Revoke")
        form = QFormLayout()
        form.addRow("Local API port", self.port)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_btn)
        buttons.addWidget(self.revoke_btn)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(PAD, PAD, PAD, PAD)
        lay.setSpacing(GAP)
        lay.addLayout(form)
        lay.addWidget(label("API tokens", "subheading"))
        lay.addWidget(label("Apps you allow to read your memories over the local API (127.0.0.1 only).", "muted"))
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        self.new_btn.clicked.connect(self._new)
        self.revoke_btn.clicked.connect(self._revoke)
        for w in (self.list, self.new_btn, self.revoke_btn):
            w.setEnabled(tokens is not None)
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        if self.tokens is None:
            self.list.addItem("Tokens can be created once the local API is installed.")
            return
        for token_id, name, created in self.tokens.list():
            item = QListWidgetItem(f"{name}  ·  created {created}")
            item.setData(256, token_id)
            self.list.addItem(item)

    def _new(self) -> None:
        name, ok = QInputDialog.getText(self, "New API token", "What will use this token?")
        if ok and name.strip() and self.tokens is not None:
            token = self.tokens.create(name.strip())
            QMessageBox.information(self, "New API token", f"Copy it now; it is not shown again:\n\n{token}")
            self.refresh()

    def _revoke(self) -> None:
        item = self.list.currentItem()
        if item is not None and self.tokens is not None and item.data(256):
            self.tokens.revoke(item.data(256))
            self.refresh()

    def apply(self, s: Settings) -> None:
        s.api_port = self.port.value()
