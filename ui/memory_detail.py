"""One memory: its fields (editable), where it came from, and Save / Invalidate / Delete.

The form is built from the record's own `body()` fields, so every memory type gets the right
editors without a per-type form. Delete is a real purge (store.forget) and asks first.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reverie.core.types import Memory, VaultEntry
from reverie.ui.context import UiContext
from reverie.ui.empty_state import EmptyState
from reverie.ui.memory_text import meta, title
from reverie.ui.theme import GAP, PAD, label
from reverie.ui.vault_reveal import VaultReveal

LONG_FIELDS = {"value", "details", "content", "summary", "steps"}
HIDDEN_FIELDS = {"secret_value", "limit"}


class MemoryDetail(QWidget):
    show_on_timeline = Signal(object)  # the Memory
    changed = Signal(str)
    deleted = Signal(str)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.memory: Memory | None = None
        self._editors: dict[str, QLineEdit | QPlainTextEdit | QSpinBox] = {}
        self.heading = label("", "subheading")
        self.heading.setWordWrap(True)
        self.meta = label("", "muted")
        self.form = QFormLayout()
        self.form.setSpacing(GAP)
        # One long-lived vault widget, kept as the form's last row while the editors above it are
        # rebuilt: its clipboard-clearing timer must survive the user moving on to another memory.
        self.vault = VaultReveal(ctx.runner, ctx.store.reveal_secret, ctx.vault_hide_ms, ctx.clipboard_clear_ms)
        self.form.addRow("Secret", self.vault)
        self.provenance = label("", "muted")
        self.save_btn = QPushButton("Save changes")
        self.save_btn.setProperty("primary", True)
        self.invalidate_btn = QPushButton("Mark superseded")
        self.invalidate_btn.setToolTip("Keep it as history, but no longer as current truth")
        self.timeline_btn = QPushButton("Show on timeline")
        self.delete_btn = QPushButton("Delete…")
        self.delete_btn.setProperty("danger", True)
        buttons = QHBoxLayout()
        buttons.setSpacing(GAP)
        for b in (self.timeline_btn, self.invalidate_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_btn)
        buttons.addWidget(self.save_btn)

        self.body = QWidget()
        col = QVBoxLayout(self.body)
        col.setContentsMargins(PAD, PAD, PAD, PAD)
        col.setSpacing(GAP)
        col.addWidget(self.heading)
        col.addWidget(self.meta)
        col.addSpacing(GAP)
        col.addLayout(self.form)
        col.addWidget(self.provenance)
        col.addStretch(1)
        col.addLayout(buttons)
        self.empty = EmptyState("Select a memory", "Its details, sources and actions show here.", icon="memories")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.body)
        lay.addWidget(self.empty)
        self.save_btn.clicked.connect(self.save)
        self.invalidate_btn.clicked.connect(self.invalidate)
        self.delete_btn.clicked.connect(self.delete)
        self.timeline_btn.clicked.connect(lambda: self.memory and self.show_on_timeline.emit(self.memory))
        self.show_memory(None)

    def show_memory(self, mem: Memory | None) -> None:
        self.memory = mem
        self.body.setVisible(mem is not None)
        self.empty.setVisible(mem is None)
        while self.form.rowCount() > 1:
            self.form.removeRow(0)  # deletes the previous memory's editors, keeps the vault row
        self._editors.clear()
        is_vault = isinstance(mem, VaultEntry)
        self.vault.set_entry(mem.id if mem is not None and is_vault else None)
        self.form.setRowVisible(self.vault, is_vault)
        if mem is None:
            return
        self.heading.setText(title(mem))
        self.meta.setText(meta(mem) + (f" · recalled {mem.recall_count}×" if mem.recall_count else ""))
        for name, value in mem.body().items():
            if name in HIDDEN_FIELDS:
                continue
            editor = self._editor(name, value)
            self._editors[name] = editor
            self.form.insertRow(self.form.rowCount() - 1, name.replace("_", " ").capitalize(), editor)
        sources = ", ".join(mem.provenance[:4]) + (" …" if len(mem.provenance) > 4 else "")
        self.provenance.setText(f"Sources: {sources}" if sources else "No recorded sources")
        self.invalidate_btn.setEnabled(mem.invalid_at is None)

    def _editor(self, name: str, value: Any) -> QLineEdit | QPlainTextEdit | QSpinBox:
        if isinstance(value, list):
            value = "\n".join(str(v) for v in value)
        if name in LONG_FIELDS:
            box = QPlainTextEdit(str(value))
            box.setMaximumHeight(140)
            return box
        return QLineEdit(str(value))

    def edited(self) -> Memory | None:
        """The shown memory with the form's values applied (None when nothing is shown)."""
        if self.memory is None:
            return None
        body = self.memory.body()
        changes: dict[str, Any] = {}
        for name, editor in self._editors.items():
            text = editor.toPlainText() if isinstance(editor, QPlainTextEdit) else str(editor.text())
            if isinstance(body[name], list):
                changes[name] = [line for line in text.splitlines() if line.strip()]
            else:
                changes[name] = type(body[name])(text) if body[name] is not None else text
        return dataclasses.replace(self.memory, **changes)

    def save(self) -> None:
        mem, store = self.edited(), self.ctx.store
        if mem is None:
            return
        self.ctx.runner.op(lambda _: store.update(mem), self, label="update") \
            .success(lambda _: self._after_change(mem.id)).run_in_background()

    def invalidate(self) -> None:
        if self.memory is None:
            return
        mem_id, store = self.memory.id, self.ctx.store
        self.ctx.runner.op(lambda _: store.invalidate(mem_id), self, label="invalidate") \
            .success(lambda _: self._after_change(mem_id)).run_in_background()

    def confirm_delete(self, mem: Memory) -> bool:
        answer = QMessageBox.question(
            self, "Delete memory",
            f"Delete “{title(mem)}” for good?\n\nIt is purged from the store, the search indexes and its "
            "embedding. This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def delete(self) -> None:
        mem = self.memory
        if mem is None or not self.confirm_delete(mem):
            return
        store = self.ctx.store
        self.ctx.runner.op(lambda _: store.forget(mem.id), self, label="forget") \
            .success(lambda _: self._deleted(mem.id)).run_in_background()

    def _deleted(self, mem_id: str) -> None:
        if self.memory is not None and self.memory.id == mem_id:
            self.show_memory(None)
        self.deleted.emit(mem_id)

    def _after_change(self, mem_id: str) -> None:
        store = self.ctx.store
        self.ctx.runner.op(lambda _: store.get(mem_id), self, label="get") \
            .success(lambda m: self._refreshed(mem_id, m)).run_in_background()

    def _refreshed(self, mem_id: str, mem: Memory | None) -> None:
        self.show_memory(mem)
        self.changed.emit(mem_id)
