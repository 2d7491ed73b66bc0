"""Serving the API for a data dir: the CLI token, the app, the loopback socket, the discovery file.

`reverie serve` runs it in the foreground; the desktop app calls `start_background(...)` with the
store it already holds and `stop()`s it on quit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reverie.api.answer import AnswererFactory, default_factory
from reverie.api.config import ApiConfig
from reverie.api.discovery import read_client_token, remove_discovery, write_client_token, write_discovery
from reverie.api.server import create_app
from reverie.api.serving import ApiServer
from reverie.api.tokens import TokenStore
from reverie.core.store.store import MemoryStore
from reverie.settings import Settings

CLI_TOKEN_NAME = "cli"
CLI_SCOPES = ("read", "write", "admin")  # the local user's own client: everything but revealing secrets


def ensure_client_token(tokens: TokenStore, home: Path) -> bool:
    """Make sure <home>/client-token holds a live token for the CLI; True if a new one was made."""
    current = read_client_token(home)
    if current and tokens.verify(current) is not None:
        return False
    if any(t.name == CLI_TOKEN_NAME for t in tokens.list()):
        tokens.revoke(CLI_TOKEN_NAME)  # its file was lost or replaced: nobody can present it any more
    _, token = tokens.create(CLI_TOKEN_NAME, CLI_SCOPES)
    write_client_token(home, token)
    return True


@dataclass
class ApiInstance:
    server: ApiServer
    home: Path
    new_client_token: bool

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def run(self) -> None:
        """Serve in the foreground until SIGINT/SIGTERM, then withdraw the discovery file."""
        try:
            self.server.run()
        finally:
            remove_discovery(self.home)

    def stop(self) -> None:
        remove_discovery(self.home)
        self.server.stop()


def prepare(store: MemoryStore, home: Path, settings: Settings, *, port: int | None = None,
            answerer: AnswererFactory | None = None) -> ApiInstance:
    """Bind 127.0.0.1 (OSError if the port is taken) and announce the instance in <home>/api.json."""
    config = ApiConfig.from_settings(settings, port=port)
    tokens = TokenStore(store)
    made = ensure_client_token(tokens, home)
    app = create_app(store, config=config, tokens=tokens,
                     answerer=answerer or default_factory(store, settings, home))
    server = ApiServer(app, config.port)
    write_discovery(home, server.port)
    return ApiInstance(server, home, made)


def start_background(store: MemoryStore, home: Path, settings: Settings, *, port: int | None = None,
                     answerer: AnswererFactory | None = None) -> ApiInstance:
    instance = prepare(store, home, settings, port=port, answerer=answerer)
    try:
        instance.server.start()
    except BaseException:
        remove_discovery(home)
        raise
    return instance
