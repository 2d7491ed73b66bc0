"""Files that let clients find the running instance: `<home>/api.json` and `<home>/client-token`.

Both are written atomically with mode 0600 from the start (never world-readable, not even for
the instant between create and chmod), because the token file is a credential.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

DISCOVERY_FILE = "api.json"
CLIENT_TOKEN_FILE = "client-token"


@dataclass(frozen=True)
class Discovery:
    port: int
    pid: int
    host: str = "127.0.0.1"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, readable and writable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # umask cannot widen it, but an existing tmp could have other bits
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_discovery(home: Path, port: int) -> Discovery:
    info = Discovery(port=port, pid=os.getpid())
    write_private(home / DISCOVERY_FILE, json.dumps({"host": info.host, "port": port, "pid": info.pid}))
    return info


def read_discovery(home: Path) -> Discovery | None:
    try:
        raw = json.loads((home / DISCOVERY_FILE).read_text())
        return Discovery(port=int(raw["port"]), pid=int(raw["pid"]), host=str(raw.get("host", "127.0.0.1")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        # A torn or hand-edited file means "no usable instance", not a crash of every CLI command.
        return None


def remove_discovery(home: Path) -> None:
    """Remove api.json, but only if it still names this process (a newer instance may own it)."""
    info = read_discovery(home)
    if info is not None and info.pid == os.getpid():
        (home / DISCOVERY_FILE).unlink(missing_ok=True)


def write_client_token(home: Path, token: str) -> Path:
    path = home / CLIENT_TOKEN_FILE
    write_private(path, token + "\n")
    return path


def read_client_token(home: Path) -> str | None:
    try:
        text = (home / CLIENT_TOKEN_FILE).read_text().strip()
    except FileNotFoundError:
        return None
    return text or None
