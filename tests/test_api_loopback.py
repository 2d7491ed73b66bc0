"""The one test against a real server: `reverie serve --port 0` in a subprocess, reached over
loopback by the Python client, raw sockets, SSE and the MCP streamable-HTTP client."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx2
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from reverie.api.discovery import read_client_token, read_discovery
from reverie.api.remote import running_instance
from reverie.client import ReverieClient
from tests.api_support import reverie_cmd, run_reverie


def listening_addresses(port: int) -> list[str]:
    """Local addresses in LISTEN state on `port`, from /proc/net/tcp and tcp6 (hex, little-endian v4)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:
                continue
            if len(addr) == 8:
                found.append(".".join(str(b) for b in reversed(bytes.fromhex(addr))))
            else:
                found.append("v6:" + addr)
    return found


def _wait_for_discovery(home: Path, proc: subprocess.Popen[str], timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "serve exited"
        found = read_discovery(home)
        if found is not None and found.pid == proc.pid:
            return found.port
        time.sleep(0.1)
    raise TimeoutError("reverie serve did not write api.json")


async def _mcp_over_http(base_url: str, token: str) -> tuple[list[str], str]:
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http, \
            streamable_http_client(f"{base_url}/mcp", http_client=http) as (read, write), \
            ClientSession(read, write) as session:
        await session.initialize()
        tools = sorted(t.name for t in (await session.list_tools()).tools)
        found = await session.call_tool("search_memory", {"query": "Lisbon flight", "limit": 1})
        return tools, found.content[0].text


async def _mcp_over_stdio(query: str) -> str:
    """`reverie mcp` while the server holds the store: it must relay to the API, not hit the lock."""
    cmd = reverie_cmd("mcp")
    params = StdioServerParameters(command=cmd[0], args=cmd[1:], env=dict(os.environ))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        found = await session.call_tool("search_memory", {"query": query, "limit": 1})
        return str(found.content[0].text)


def test_real_server_over_loopback(home: Path) -> None:
    proc = subprocess.Popen(reverie_cmd("serve", "--port", "0"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ))
    try:
        port = _wait_for_discovery(home, proc)
        # Bound to 127.0.0.1 only: nothing on 0.0.0.0, nothing on any IPv6 address (:: or ::1).
        assert listening_addresses(port) == ["127.0.0.1"]
        for name in ("api.json", "client-token"):
            assert (home / name).stat().st_mode & 0o777 == 0o600

        found = running_instance(home)
        assert found is not None and found[0] == f"http://127.0.0.1:{port}"
        client = ReverieClient()  # defaults: discovery file + default client token
        assert client.status()["pid"] == proc.pid and client.status()["token"] == "cli"

        events: list[tuple[str, dict[str, Any]]] = []
        ready = threading.Event()

        def listen() -> None:
            with ReverieClient() as listener:
                for event in listener.events(limit=1):
                    events.append(event)
                    ready.set()

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        assert ready.wait(30)  # the `ready` event: the subscription is live before we write
        mem = client.add("Dana's flight to Lisbon leaves on June 14", type="episodic")
        thread.join(30)
        assert events[-1] == ("memory_added", {"ids": [mem["id"]]})

        hits = client.search("Lisbon flight", limit=3)
        assert hits[0]["id"] == mem["id"]
        assert client.get(mem["id"])["fields"]["summary"].startswith("Dana")

        tools, text = asyncio.run(_mcp_over_http(found[0], found[1]))
        assert "search_memory" in tools and mem["id"] in text
        assert mem["id"] in asyncio.run(asyncio.wait_for(_mcp_over_stdio("Lisbon flight"), 120))

        # A DNS-rebinding page would reach the socket with its own name in Host.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/v1/status", headers={"Host": f"rebind.evil.example:{port}",
                                                    "Authorization": f"Bearer {found[1]}"})
        assert conn.getresponse().status == 403
        conn.close()

        # CLI commands reach the running instance through the API (its lock keeps them off the store).
        code, out, err = run_reverie("token", "list", "--json")
        assert code == 0, err
        assert "cli" in {t["name"] for t in json.loads(out)}
        code, out, err = run_reverie("audit", "--json", "--limit", "200")
        assert code == 0, err
        paths = {(e["method"], e["path"], e["status"]) for e in json.loads(out)}
        assert ("GET", "/v1/status", 403) in paths and ("POST", "/v1/memories", 201) in paths

        assert client.delete(mem["id"]) is True and client.delete(mem["id"]) is False
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert not (home / "api.json").exists()
    assert read_client_token(home) is not None  # the CLI token outlives the server
