"""Everything the widgets need, handed in by the composition root (app/cmd_gui.py).

Plain injected callables instead of a service locator: each piece can be faked in a test, and the
UI never decides how the store is opened, how capture pauses or how a chat answer is produced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from reverie.core.store.store import MemoryStore
from reverie.settings import Settings
from reverie.ui.op_runner import OpRunner
from reverie.ui.store_bridge import StoreBridge


@dataclass(frozen=True)
class Final:
    """Last item of an answer stream: the memory ids the answer cites."""

    citations: Sequence[str] = ()


# answer_stream(question) yields text pieces as they are generated, then one Final.
AnswerStream = Callable[[str], Iterator["str | Final"]]


class CaptureControl(Protocol):
    @property
    def paused(self) -> bool: ...

    def set_paused(self, paused: bool) -> None: ...


class TokenStore(Protocol):
    """API tokens as (id, name, created) rows; `create` returns the token text, shown once."""

    def list(self) -> list[tuple[str, str, str]]: ...

    def create(self, name: str) -> str: ...

    def revoke(self, token_id: str) -> None: ...


@dataclass
class UiContext:
    store: MemoryStore
    runner: OpRunner
    bridge: StoreBridge
    settings: Settings
    save_settings: Callable[[Settings], None]
    answer_stream: AnswerStream | None = None
    chat_note: str = ""  # why there is no answer stream, shown on the chat page
    # forget_recent(minutes) -> {"memories": n, "frames": m}: purges everything newer than now - minutes.
    forget_recent: Callable[[int], dict[str, int]] | None = None
    capture: CaptureControl | None = None
    # verify_unlock(passphrase or None for the keystore) raises on a wrong passphrase.
    verify_unlock: Callable[[str | None], None] | None = None
    key_mode: str = "passphrase"
    tokens: TokenStore | None = None
    vault_hide_ms: int = 20_000
    clipboard_clear_ms: int = 30_000
    extras: dict[str, object] = field(default_factory=dict)
