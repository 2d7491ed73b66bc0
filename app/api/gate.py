"""The ASGI gate in front of every route (REST, SSE and the mounted MCP endpoint alike).

Order matters: audit wraps everything (refused requests are the interesting ones), then Host,
then Origin, then body size, then CORS preflight, then the bearer token, then the rate limit.
It is plain ASGI rather than BaseHTTPMiddleware so streamed responses (SSE, MCP) pass through
untouched.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from reverie.api.audit import AuditLog
from reverie.api.config import ApiConfig
from reverie.api.security import AUTH_KEY, RateLimiter, host_allowed, origin_allowed
from reverie.api.tokens import TokenInfo, TokenStore

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PUBLIC_PATHS = frozenset({"/v1/openapi.json"})
# Mounted apps have no FastAPI dependencies to check scopes, so the gate does it for them.
PATH_SCOPES = {"/mcp": "read"}
_CORS_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"
_CORS_HEADERS = "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID"


async def send_error(send: Send, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class GateMiddleware:
    def __init__(self, app: ASGIApp, *, config: ApiConfig, tokens: TokenStore, audit: AuditLog,
                 limiter: RateLimiter) -> None:
        self.app = app
        self.config = config
        self.tokens = tokens
        self.audit = audit
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets here
            await send({"type": "websocket.close", "code": 1008})
            return
        status = [500]  # what gets logged if the app dies before answering
        origin = _header(scope, b"origin")
        cors = origin is not None and origin_allowed(origin, self.config.allowed_origins)

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
                if cors:
                    assert origin is not None
                    message["headers"] = [*message.get("headers", []), *_cors_headers(origin)]
            await send(message)

        try:
            await self._gate(scope, receive, send_logged, origin)
        finally:
            info: TokenInfo | None = scope.get(AUTH_KEY)
            self.audit.record(info.name if info else None, scope["method"], scope["path"], status[0])

    async def _gate(self, scope: Scope, receive: Receive, send: Send, origin: str | None) -> None:
        server = scope.get("server")
        port = int(server[1]) if server and server[1] is not None else self.config.port
        if not host_allowed(_header(scope, b"host"), port):
            await send_error(send, 403, "Host not allowed: use 127.0.0.1, localhost or [::1] with this port")
            return
        if not origin_allowed(origin, self.config.allowed_origins):
            await send_error(send, 403, "Origin not allowed (add it to the API's allowed origins to permit it)")
            return
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.config.max_body_bytes):
            await send_error(send, 413, f"request body over {self.config.max_body_bytes} bytes")
            return
        if scope["method"] == "OPTIONS" and origin is not None and _header(scope, b"access-control-request-method"):
            await send({"type": "http.response.start", "status": 204, "headers": [
                (b"access-control-allow-methods", _CORS_METHODS.encode()),
                (b"access-control-allow-headers", _CORS_HEADERS.encode()),
                (b"access-control-max-age", b"600")]})
            await send({"type": "http.response.body", "body": b""})
            return
        if scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        auth = _header(scope, b"authorization") or ""
        scheme, _, token = auth.partition(" ")
        info = self.tokens.verify(token.strip()) if scheme.lower() == "bearer" else None
        if info is None:
            await send_error(send, 401, "a valid bearer token is required (see `reverie token create`)",
                             {"WWW-Authenticate": "Bearer"})
            return
        scope[AUTH_KEY] = info
        needed = PATH_SCOPES.get(scope["path"].rstrip("/"))
        if needed is not None and needed not in info.scopes:
            await send_error(send, 403, f"this token lacks the '{needed}' scope")
            return
        wait = self.limiter.take(info.id)
        if wait > 0:
            await send_error(send, 429, "rate limit exceeded for this token",
                             {"Retry-After": RateLimiter.retry_after(wait)})
            return
        await self.app(scope, receive, send)


def _cors_headers(origin: str) -> list[tuple[bytes, bytes]]:
    return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin"),
            (b"access-control-expose-headers", b"Retry-After, Mcp-Session-Id")]
