"""Token management and the audit log, for the `admin` scope (the CLI's own token has it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool

from reverie.api import schemas
from reverie.api.audit import AuditLog, read_audit
from reverie.api.routes_common import CONFLICT, ERRORS, NOT_FOUND
from reverie.api.security import AdminToken
from reverie.api.tokens import TokenStore

router = APIRouter(responses=ERRORS)


def _tokens(request: Request) -> TokenStore:
    found: TokenStore = request.app.state.tokens
    return found


@router.get("/v1/tokens", response_model=list[schemas.Token], summary="live tokens (never the tokens themselves)")
def list_tokens(request: Request, _: AdminToken) -> list[dict[str, Any]]:
    return [t.as_dict() for t in _tokens(request).list()]


@router.post("/v1/tokens", response_model=schemas.TokenCreated, status_code=201, responses=CONFLICT,
             summary="create a token")
def create_token(request: Request, body: schemas.TokenCreate, _: AdminToken) -> dict[str, Any]:
    info, token = _tokens(request).create(body.name, list(body.scopes))
    return {"token": token, "info": info.as_dict()}


@router.delete("/v1/tokens/{name_or_id}", response_model=schemas.Token, responses=NOT_FOUND,
               summary="revoke a token by name or id")
def revoke_token(request: Request, name_or_id: Annotated[str, PathParam(min_length=1, max_length=64)],
                 _: AdminToken) -> dict[str, Any]:
    return _tokens(request).revoke(name_or_id).as_dict()


@router.get("/v1/audit", response_model=list[schemas.AuditEntry], summary="recent API accesses, newest first")
async def audit(request: Request, _: AdminToken,
                limit: Annotated[int, Query(ge=1, le=10_000)] = 50) -> list[dict[str, Any]]:
    log: AuditLog = request.app.state.audit
    await run_in_threadpool(log.flush)  # include the requests of the last second
    entries = await run_in_threadpool(read_audit, request.app.state.backend.store, limit)
    return [e.as_dict() for e in entries]
