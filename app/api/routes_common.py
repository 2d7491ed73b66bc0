"""Pieces every router shares: the backend from app state and the documented error responses."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from reverie.api.backend import LocalBackend
from reverie.api.schemas import Error


def _err(description: str) -> dict[str, Any]:
    return {"model": Error, "description": description}


# Documented on every protected route so schemathesis (and client authors) know what to expect.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _err("input the server understood but cannot apply"),
    401: _err("missing or invalid bearer token"),
    403: _err("token lacks the scope, or Host/Origin not allowed"),
    413: _err("request body too large"),
    422: _err("malformed request (types, ranges, unknown keys)"),
    429: _err("rate limit exceeded; see Retry-After"),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: _err("no such memory, frame or token")}
CONFLICT: dict[int | str, dict[str, Any]] = {409: _err("a live token already has that name")}


def backend(request: Request) -> LocalBackend:
    found: LocalBackend = request.app.state.backend
    return found
