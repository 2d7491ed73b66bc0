"""Settings pages for the language model (bundled / file / OpenAI-compatible URL) and API tokens."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reverie.settings import Settings
from reverie.ui.context import TokenStore
from reverie.ui.theme import GAP, PAD, label

DEFAULT_MODEL = "Default (best bundled model)"


class ModelsPage(QWidget):
    def __init__(self, settings: Settings, bundled: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.use_bundled = QRadioButton("Bundled model (runs on this computer)")
        self.use_file = QRadioButton("A GGUF file on this computer")
        self.use_url = QRadioButton("An OpenAI-compatible server (e.g. a local llama.cpp or Ollama)")
        group = QButtonGroup(self)
        for b in (self.use_bundled, self.use_file, self.use_url):
            group.addButton(b)
        self.bundled = QComboBox()
        self.bundled.addItems([DEFAULT_MODEL, *bundled])
        self.path = QLineEdit(placeholderText="/path/to/model.gguf")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.url = QLineEdit(placeholderText="http://127.0.0.1:11434/v1")
        self.model = QLineEdit(placeholderText="model name")
        self.ctx_size = QSpinBox(minimum=1024, maximum=131072, singleStep=1024, value=settings.llm_n_ctx)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(PAD, PAD, PAD, PAD)
        lay.setSpacing(GAP)
        lay.addWidget(self.use_bundled)
        lay.addWidget(self.bundled)
        lay.addWidget(self.use_file)
        lay.addLayout(file_row)
        lay.addWidget(self.use_url)
        form = QFormLayout()
        form.addRow("Server URL", self.url)
        form.addRow("Model", self.model)
        lay.addLayout(form)
        lay.addSpacing(GAP)
        ctx_form = QFormLayout()
        ctx_form.addRow("Context window (tokens)", self.ctx_size)
        lay.addLayout(ctx_form)
        lay.addWidget(label("Answers never leave this computer unless you point Reverie at a remote server.",
                            "muted"))
        lay.addStretch(1)
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

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a model", "", "GGUF models (*.gguf)")
        if path:
            self.path.setText(path)
            self.use_file.setChecked(True)

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
