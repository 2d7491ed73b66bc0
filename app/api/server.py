"""The local API as a FastAPI app: `create_app(store, ...)`.

Serve it only on 127.0.0.1 (see cmd_api.serve); the gate additionally refuses foreign Host and
Origin headers, so even a browser tricked by DNS rebinding gets nothing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from mcp.server.transport_security import TransportSecuritySettings
from starlette.exceptions import HTTPException
from starlette.routing import Match

from reverie import __version__
from reverie.api import routes_admin, routes_data, routes_stream
from reverie.api.answer import AnswererFactory, AnswererUnavailable
from reverie.api.audit import AuditLog
from reverie.api.backend import LocalBackend, NotFound
from reverie.api.config import ApiConfig
from reverie.api.events import EventHub
from reverie.api.gate import GateMiddleware
from reverie.api.mcp_server import build_mcp
from reverie.api.memory_json import BadInput
from reverie.api.security import ApiError, RateLimiter
from reverie.api.tokens import TokenError, TokenNameTaken, TokenNotFound, TokenStore
from reverie.core.store.store import MemoryStore

log = logging.getLogger(__name__)
DESCRIPTION = """Reverie's local plugin API. Listens on 127.0.0.1 only; every request needs
`Authorization: Bearer <token>` (create one with `reverie token create`). Scopes: `read`, `write`,
`vault` (reveal vault secrets, store secrets), `admin` (tokens, audit log). The MCP endpoint is
`/mcp` (streamable HTTP) under the same rules."""


def create_app(store: MemoryStore, *, config: ApiConfig | None = None, answerer: AnswererFactory | None = None,
               tokens: TokenStore | None = None, mcp: bool = True) -> FastAPI:
    config = config or ApiConfig()
    tokens = tokens or TokenStore(store)
    audit = AuditLog(store, hooks=[tokens.flush_last_used])
    hub = EventHub(store)
    backend = LocalBackend(store, answerer)
    mcp_server = build_mcp(backend) if mcp else None

    def close() -> None:
        hub.close()
        audit.close()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            if mcp_server is not None:
                async with mcp_server.session_manager.run():
                    yield
            else:
                yield
        finally:
            close()

    app = FastAPI(title="Reverie local API", version=__version__, description=DESCRIPTION,
                  openapi_url="/v1/openapi.json", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.backend = backend
    app.state.tokens = tokens
    app.state.audit = audit
    app.state.events = hub
    app.state.config = config
    app.state.close = close  # for hosts that drive the app without its lifespan (ASGI test clients)
    for module in (routes_data, routes_stream, routes_admin):
        app.include_router(module.router)
    if mcp_server is not None:
        # The SDK's own rebinding guard stays on as a second line behind our gate.
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True, allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
            allowed_origins=sorted(config.allowed_origins))
        mcp_app = mcp_server.streamable_http_app(streamable_http_path="/mcp", transport_security=security)
        app.router.routes.extend(mcp_app.routes)
    _install_error_handlers(app)
    app.add_middleware(GateMiddleware, config=config, tokens=tokens, audit=audit,
                       limiter=RateLimiter(config.rate_per_s, config.burst))
    return app


def _error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


def _methods_for(request: Request) -> set[str]:
    """Methods some route serves at this path: probe each one (routers nest, so ask them to match)."""
    methods: set[str] = set()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes):
            methods.add(method)
    return methods


def _install_error_handlers(app: FastAPI) -> None:
    """Every error is JSON {"error": …}; bad input is a 4xx, never a 500."""

    @app.exception_handler(ApiError)
    async def api_error(_r: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.message, exc.headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette lists only the first matching route's methods; a path has one route per method.
            headers["Allow"] = ", ".join(sorted(_methods_for(request)))
        return _error(exc.status_code, str(exc.detail), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_r: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return _error(422, "invalid request", details=jsonable_encoder(details))

    @app.exception_handler(BadInput)
    async def bad_input(_r: Request, exc: BadInput) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(NotFound)
    async def not_found(_r: Request, exc: NotFound) -> JSONResponse:
        return _error(404, str(exc))

    @app.exception_handler(TokenError)
    async def token_error(_r: Request, exc: TokenError) -> JSONResponse:
        status = 404 if isinstance(exc, TokenNotFound) else 409 if isinstance(exc, TokenNameTaken) else 400
        return _error(status, str(exc))

    @app.exception_handler(AnswererUnavailable)
    async def no_answerer(_r: Request, exc: AnswererUnavailable) -> JSONResponse:
        return _error(503, str(exc))

    @app.exception_handler(Exception)
    async def crash(_r: Request, exc: Exception) -> JSONResponse:
        log.error("API request failed", exc_info=exc)
        return _error(500, "internal error (see the server log)")
