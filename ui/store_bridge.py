"""Turns the store's plain events (emitted on its writer thread) into GUI-thread Qt signals."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from reverie.core.store.store import MemoryStore, StoreEvent


class StoreBridge(QObject):
    # kind: memory_added | memory_updated | memory_deleted | frame_added | frames_deleted
    changed = Signal(str, object)
    memories_changed = Signal(str, object)
    frames_changed = Signal(str, object)
    _relay = Signal(str, object)

    def __init__(self, store: MemoryStore) -> None:
        super().__init__()
        # Queued hop: listeners run on the writer thread, which must never touch widgets.
        self._relay.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = store.subscribe(self._on_event)

    def _on_event(self, event: StoreEvent) -> None:  # writer thread
        self._relay.emit(event.kind, event.ids)

    @Slot(str, object)
    def _deliver(self, kind: str, ids: Any) -> None:
        self.changed.emit(kind, ids)
        if kind.startswith("frame"):
            self.frames_changed.emit(kind, ids)
        else:
            self.memories_changed.emit(kind, ids)

    def close(self) -> None:
        self._unsubscribe()
