"""`reverie mcp` as MCP clients run it: a subprocess on stdio, driven by the SDK's own client."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from reverie.api.backend import LocalBackend
from reverie.api.mcp_stdio import OnDemandBackend
from reverie.core.store.keys import KeyOptions
from reverie.core.store.lock import StoreLocked
from reverie.core.store.store import MemoryStore
from reverie.core.types import MemoryType
from tests.api_support import reverie_cmd
from tests.conftest import PASSPHRASE


def _json(result: Any) -> Any:
    assert not result.is_error if hasattr(result, "is_error") else not result.isError, result
    return json.loads(result.content[0].text) if len(result.content) == 1 else [
        json.loads(c.text) for c in result.content]


async def _session_run() -> dict[str, Any]:
    cmd = reverie_cmd("mcp")
    params = StdioServerParameters(command=cmd[0], args=cmd[1:], env=dict(os.environ))
    out: dict[str, Any] = {}
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        init = await session.initialize()
        out["server"] = init.server_info.name if hasattr(init, "server_info") else init.serverInfo.name
        out["tools"] = sorted(t.name for t in (await session.list_tools()).tools)
        added = _json(await session.call_tool(
            "add_memory", {"text": "Dana's flight to Lisbon leaves on June 14 from gate B22", "type": "episodic"}))
        out["added"] = added
        await session.call_tool("add_memory", {"text": "Eve keeps her bike in the basement"})
        out["hits"] = _json(await session.call_tool("search_memory", {"query": "when does Dana fly to Lisbon",
                                                                      "limit": 3}))
        out["got"] = _json(await session.call_tool("get_memory", {"id": added["id"]}))
        out["recent"] = _json(await session.call_tool("list_recent", {"limit": 5}))
        missing = await session.call_tool("get_memory", {"id": "does-not-exist"})
        out["missing"] = missing.content[0].text
        resource = await session.read_resource("reverie://core-memory")
        out["core"] = resource.contents[0].text
    return out


def test_mcp_stdio_add_and_search_back() -> None:
    out = asyncio.run(asyncio.wait_for(_session_run(), 240))
    assert out["server"] == "reverie"
    assert out["tools"] == ["add_memory", "ask_memory", "get_memory", "list_recent", "search_memory"]
    hits = out["hits"] if isinstance(out["hits"], list) else [out["hits"]]
    assert hits[0]["id"] == out["added"]["id"]
    assert "Lisbon" in hits[0]["text"]
    assert out["got"]["fields"]["summary"].startswith("Dana's flight")
    recent = out["recent"] if isinstance(out["recent"], list) else [out["recent"]]
    assert len(recent) == 2
    assert "does-not-exist" in out["missing"]
    assert out["core"].startswith("# Core memory")


def test_stdio_backend_lets_go_of_the_store_when_idle(home: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    opened: list[MemoryStore] = []

    def open_local() -> LocalBackend:
        opened.append(MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder))
        return LocalBackend(opened[-1])

    backend = OnDemandBackend(home, open_local, idle_s=0.3)
    try:
        backend.add("Frank waters the plants on Sundays", MemoryType.SEMANTIC)
        assert backend.search("who waters the plants", limit=1)[0]["text"].startswith("Frank")
        with pytest.raises(StoreLocked):
            MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the idle timer closes it; then the desktop app may start
            try:
                MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE)).close()
                break
            except StoreLocked:
                time.sleep(0.1)
        else:
            pytest.fail("the idle store was never closed")
        assert backend.list(None, limit=5)[0]["fields"]["name"].startswith("Frank")  # reopens on demand
        assert len(opened) == 2
    finally:
        backend.close()
