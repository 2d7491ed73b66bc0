"""Reverie as an MCP server (official `mcp` SDK): tools over memory, the core memory as a resource.

Two transports, one set of tools: `reverie mcp` speaks stdio (the MCP client starts it), and the
API server mounts streamable HTTP at /mcp behind the same Host/Origin/token gate as /v1. Over
HTTP the caller's token scopes apply (add_memory needs `write`); over stdio the caller is the
local user who launched the process, as with the CLI: read and write, never vault secrets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from reverie import __version__
from reverie.api.security import AUTH_KEY
from reverie.api.tokens import TokenInfo
from reverie.core.types import MemoryType

STDIO_SCOPES = frozenset({"read", "write"})
INSTRUCTIONS = (
    "Reverie is the user's private, local memory of what they saw, did and said. Use search_memory "
    "to find facts, events, procedures and documents; ask_memory for a cited answer; add_memory to "
    "remember something the user asked you to keep. Vault secrets are never available here."
)


class Backend(Protocol):
    """What the tools need; LocalBackend (store in this process) and RemoteBackend (HTTP) provide it."""

    def search(self, q: str, *, limit: int = 10) -> list[dict[str, Any]]: ...

    def ask(self, question: str) -> dict[str, Any]: ...

    def add(self, text: str, mtype: MemoryType = MemoryType.SEMANTIC) -> dict[str, Any]: ...

    def list(self, mtype: MemoryType | None = None, *, limit: int = 50) -> list[dict[str, Any]]: ...

    def get(self, mem_id: str) -> dict[str, Any]: ...

    def core_memory(self) -> dict[str, str]: ...


ScopesOf = Callable[[Context], frozenset[str]]


def scopes_of(ctx: Context) -> frozenset[str]:
    """The caller's scopes: the token the gate verified for HTTP, the local user for stdio."""
    request = ctx.request_context.request
    if request is None:
        return STDIO_SCOPES
    info: TokenInfo | None = request.scope.get(AUTH_KEY)
    return info.scopes if info else frozenset()


def _check(ctx: Context, scope: str, scopes: ScopesOf) -> None:
    if scope not in scopes(ctx):
        raise ToolError(f"this connection's token lacks the '{scope}' scope")


def _slim(mem: dict[str, Any]) -> dict[str, Any]:
    """What a model needs from a record: no recall counters, strengths or change bookkeeping."""
    keep = ("id", "type", "text", "occurred_at", "invalid_at", "app", "provenance", "fields", "score")
    return {k: mem[k] for k in keep if k in mem}


def build_mcp(backend: Backend, scopes: ScopesOf = scopes_of) -> MCPServer:
    # log_level: the SDK calls logging.basicConfig with it when the host has configured no logging.
    server = MCPServer("reverie", title="Reverie memory", version=__version__, instructions=INSTRUCTIONS,
                       log_level="WARNING")

    def guarded(ctx: Context, scope: str, fn: Callable[[], Any]) -> Any:
        _check(ctx, scope, scopes)
        try:
            return fn()
        except LookupError as exc:  # NotFound from the backend, or a 404 from the remote API
            raise ToolError(str(exc.args[0] if exc.args else exc)) from exc
        except ValueError as exc:  # bad input the backend refused
            raise ToolError(str(exc)) from exc

    @server.tool(description="Hybrid (keyword + semantic) search over the user's memories. "
                             "Time words like 'last week' in the query narrow the time range.")
    def search_memory(query: str, ctx: Context, limit: int = 10) -> list[dict[str, Any]]:
        limit = max(1, min(limit, 50))
        return guarded(ctx, "read", lambda: [_slim(h) for h in backend.search(query, limit=limit)])  # type: ignore[no-any-return]

    @server.tool(description="Answer a question from the user's memories, citing the memories used.")
    def ask_memory(question: str, ctx: Context) -> dict[str, Any]:
        return guarded(ctx, "read", lambda: backend.ask(question))  # type: ignore[no-any-return]

    @server.tool(description="Remember something. type is one of core, episodic, semantic, procedural, "
                             "resource, vault (vault stores a caption only).")
    def add_memory(text: str, ctx: Context, type: MemoryType = MemoryType.SEMANTIC) -> dict[str, Any]:
        if not text.strip():
            raise ToolError("text is empty")
        return guarded(ctx, "write", lambda: _slim(backend.add(text, type)))  # type: ignore[no-any-return]

    @server.tool(description="The most recent memories, newest first.")
    def list_recent(ctx: Context, limit: int = 20) -> list[dict[str, Any]]:
        limit = max(1, min(limit, 100))
        return guarded(ctx, "read", lambda: [_slim(m) for m in backend.list(None, limit=limit)])  # type: ignore[no-any-return]

    @server.tool(description="One memory by id (ids come from search_memory or list_recent).")
    def get_memory(id: str, ctx: Context) -> dict[str, Any]:
        return guarded(ctx, "read", lambda: _slim(backend.get(id)))  # type: ignore[no-any-return]

    @server.resource("reverie://core-memory", name="core-memory", mime_type="text/markdown",
                     description="The user's core memory: the persona and human blocks.")
    def core_memory() -> str:
        # No ctx here (the SDK injects none into static resources): over HTTP the gate has
        # already required the `read` scope for all of /mcp.
        blocks = backend.core_memory()
        if not blocks:
            return "# Core memory\n\n(empty)\n"
        return "# Core memory\n\n" + "\n\n".join(f"## {label}\n\n{value}" for label, value in sorted(blocks.items()))

    return server
