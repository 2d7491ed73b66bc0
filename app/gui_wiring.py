"""Adapters between the desktop UI's small interfaces and the rest of Reverie.

The UI asks for plain callables (ui/context.py); this module builds them from the store, the chat
agent, the API token store and the capture pause flag. `forget_recent` is a stop-gap until core
grows a range purge: it only uses the store's public write path and `forget`.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from reverie.core.store.store import MemoryStore
from reverie.core.types import utcnow
from reverie.settings import Settings
from reverie.ui.context import AnswerStream, Final

log = logging.getLogger(__name__)
PAUSE_FLAG = "capture.paused"


class PauseFlag:
    """Capture pause as a file in the data dir, so a capture process outside the GUI honours it too."""

    def __init__(self, home: Path) -> None:
        self.path = home / PAUSE_FLAG

    @property
    def paused(self) -> bool:
        return self.path.exists()

    def set_paused(self, paused: bool) -> None:
        if paused:
            self.path.touch()
        else:
            self.path.unlink(missing_ok=True)


def settings_saver(home: Path, report: Callable[[BaseException], None] | None = None) -> Callable[[Settings], None]:
    """Save settings and apply what lives outside settings.json: login start (`autostart`).

    If the login entry cannot be changed, `autostart` keeps its real state and the error is shown
    (by default in a dialog), so the checkbox never claims what the desktop will not do.
    """
    def save(settings: Settings) -> None:
        from reverie.desktop import sync_autostart
        from reverie.errors import UserFacingError

        try:
            sync_autostart(settings.autostart)
        except (OSError, UserFacingError) as exc:
            log.warning("could not change login start: %s", exc)
            settings.autostart = not settings.autostart  # sync changes only on a mismatch: it is unchanged
            (report or _show_error)(exc)
        settings.save(home)

    return save


def _show_error(exc: BaseException) -> None:
    from reverie.ui.op_runner import show_error

    show_error(None, exc)


def forget_recent(store: MemoryStore, minutes: int) -> dict[str, int]:
    """Purge frames, thumbnails, chat messages and memories from the last `minutes` (call off the GUI)."""
    from reverie.core.frames import forget_recent as purge

    return dict(purge(store, minutes, utcnow()))


def verify_passphrase(home: Path, passphrase: str | None, use_keystore: bool) -> None:
    """Raise WrongPassphrase / KeystoreUnavailable unless this unlocks the data key (Argon2id: slow)."""
    from reverie.core.store.keys import KeyOptions, load_or_create_data_key

    load_or_create_data_key(home, KeyOptions(passphrase=passphrase, use_keystore=use_keystore))


def key_mode(home: Path) -> str | None:
    import json

    from reverie.core.store.keys import KEYFILE

    path = home / KEYFILE
    return str(json.loads(path.read_text()).get("mode")) if path.exists() else None


class Tokens:
    """The API's token store behind the UI's (id, name, created) interface; built on first use."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._impl: Any = None

    def _tokens(self) -> Any:
        if self._impl is None:
            from reverie.api.tokens import TokenStore

            self._impl = TokenStore(self._store)
        return self._impl

    def list(self) -> list[tuple[str, str, str]]:
        return [(t.id, t.name, datetime.fromtimestamp(t.created_at).strftime("%d %b %Y"))
                for t in self._tokens().list()]

    def create(self, name: str) -> str:
        _info, token = self._tokens().create(name, ("read",))
        return str(token)

    def revoke(self, token_id: str) -> None:
        self._tokens().revoke(token_id)


def tokens_for(store: MemoryStore) -> Tokens | None:
    return Tokens(store) if importlib.util.find_spec("reverie.api.tokens") is not None else None


def chat_stream(store: MemoryStore, settings: Settings, home: Path) -> tuple[AnswerStream | None, str]:
    """The chat agent as an answer stream, built lazily on the first question (the LLM loads then)."""
    if importlib.util.find_spec("reverie.core.agents.chat") is None:
        return None, "The chat agent is not part of this build yet."
    from reverie.api.answer import default_factory

    build = default_factory(store, settings, home)
    agent: list[Any] = []
    lock = threading.Lock()

    def answer(question: str) -> Iterator[str | Final]:
        with lock:  # one model, one question at a time; built on a worker thread, never the GUI
            if not agent:
                agent.append(build())
        for event in agent[0].stream(question):
            yield _adapt(event)

    return answer, ""


def _adapt(event: Any) -> str | Final:
    """ChatEvent("delta", text) becomes text; ChatEvent("done", text, answer) becomes Final(answer.citations)."""
    if isinstance(event, str):
        return event
    if getattr(event, "kind", "") == "done":
        answer = getattr(event, "answer", None)
        return Final(list(getattr(answer, "citations", None) or []))
    return str(getattr(event, "text", ""))
