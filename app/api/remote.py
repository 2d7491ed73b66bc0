"""Talking to a running instance instead of opening the store (which its lock would refuse).

`running_instance(home)` says whether another process serves this data dir, and how to reach it:
the discovery file names a port and pid, the data-dir lock's holder must be that same live
process, and /v1/status must answer with the default client token. Any miss means "no".
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx

from reverie.api.discovery import read_client_token, read_discovery
from reverie.core.store.lock import DataDirLock
from reverie.core.types import MemoryType


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def running_instance(home: Path, timeout: float = 2.0) -> tuple[str, str] | None:
    """(base_url, token) of the live API serving `home`, or None."""
    found = read_discovery(home)
    if found is None or found.pid == os.getpid():
        return None
    holder = DataDirLock(home).holder_pid()
    if holder != found.pid or not _alive(found.pid):
        return None  # stale discovery file: the process that wrote it is gone or no longer owns the dir
    token = os.environ.get("REVERIE_TOKEN") or read_client_token(home)
    if not token:
        return None
    try:
        resp = httpx.get(f"{found.base_url}/v1/status", headers={"Authorization": f"Bearer {token}"},
                         timeout=timeout, trust_env=False)
    except httpx.HTTPError:
        return None
    if resp.status_code != 200 or resp.json().get("pid") != found.pid:
        return None
    return found.base_url, token


class RemoteBackend:
    """The MCP tools' backend over HTTP, for `reverie mcp` while another process holds the store."""

    def __init__(self, base_url: str, token: str) -> None:
        from reverie.client import ReverieClient

        self.client = ReverieClient(base_url, token)

    def search(self, q: str, *, limit: int = 10) -> list[dict[str, Any]]:
        return self.client.search(q, limit=limit)

    def ask(self, question: str) -> dict[str, Any]:
        return self.client.ask(question)

    def add(self, text: str, mtype: MemoryType = MemoryType.SEMANTIC) -> dict[str, Any]:
        return self.client.add(text, type=mtype.value)

    def list(self, mtype: MemoryType | None = None, *, limit: int = 50) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.client.list(mtype.value if mtype else None, limit=limit)["items"]
        return items

    def get(self, mem_id: str) -> dict[str, Any]:
        return self.client.get(mem_id)

    def core_memory(self) -> dict[str, str]:
        blocks: dict[str, str] = {}
        for mem in self.client.list("core", limit=50)["items"]:
            if mem.get("invalid_at") is None:
                blocks.setdefault(mem["fields"].get("label", "core"), mem["fields"].get("value", ""))
        return blocks
