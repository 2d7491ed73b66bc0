"""Status, search, memories (CRUD), timeline and frame thumbnails."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi import Path as PathParam

from reverie.api import schemas
from reverie.api.backend import LocalBackend
from reverie.api.routes_common import ERRORS, NOT_FOUND, backend
from reverie.api.schemas import IsoTime
from reverie.api.security import ReadToken, WriteToken, need
from reverie.core.types import MemoryType

router = APIRouter(responses=ERRORS)
Backend = Annotated[LocalBackend, Depends(backend)]
MemId = Annotated[str, PathParam(min_length=1, max_length=128)]


@router.get("/v1/status", response_model=schemas.Status, summary="instance status and the caller's token")
def status(b: Backend, token: ReadToken) -> dict[str, Any]:
    return {**b.status(), "token": token.name, "scopes": sorted(token.scopes)}


@router.get("/v1/search", response_model=list[schemas.SearchHit], summary="hybrid search (BM25 + vectors)")
def search(
    b: Backend,
    _: ReadToken,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="free text; \"quoted phrases\" match exactly")],
    type: Annotated[list[MemoryType] | None, Query(description="repeat to search several types")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    since: Annotated[IsoTime | None, Query(description="ISO 8601 date-time; naive means local time")] = None,
    until: Annotated[IsoTime | None, Query()] = None,
    app: Annotated[str | None, Query(max_length=200)] = None,
    current: Annotated[bool, Query(description="leave out superseded (invalidated) memories")] = False,
    recall: Annotated[bool, Query(description="count this search as recalling the top hits")] = False,
    context: Annotated[int, Query(ge=0, le=10, description="neighbouring chat turns to attach to chat hits")] = 0,
) -> list[dict[str, Any]]:
    return b.search(q, types=type, limit=limit, since=since, until=until, app=app, include_invalid=not current,
                    record_recall=recall, context=context)


@router.get("/v1/frames/search", response_model=list[schemas.FrameHit],
            summary="full-text search over captured screen text (redacted), best first")
def search_frames(
    b: Backend,
    _: ReadToken,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="free text; \"quoted phrases\" must all match")],
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    since: Annotated[IsoTime | None, Query(description="ISO 8601 date-time; naive means local time")] = None,
    until: Annotated[IsoTime | None, Query()] = None,
) -> list[dict[str, Any]]:
    return b.search_frames(q, limit=limit, since=since, until=until)


@router.get("/v1/memories", response_model=schemas.MemoryPage, response_model_exclude_unset=True,
            summary="list memories, newest first")
def list_memories(
    b: Backend,
    _: ReadToken,
    type: MemoryType | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    current: bool = False,
) -> dict[str, Any]:
    items = b.list(type, limit=limit, offset=offset, include_invalid=not current)
    return {"items": items, "limit": limit, "offset": offset,
            "next_offset": offset + limit if len(items) == limit else None}


# exclude_unset: `secret_value` appears only when it was revealed, not as null on every record.
@router.post("/v1/memories", response_model=schemas.Memory, response_model_exclude_unset=True, status_code=201,
             summary="add a memory")
def create_memory(b: Backend, body: schemas.MemoryCreate, _: WriteToken) -> dict[str, Any]:
    # Storing a new secret reveals nothing, so `write` suffices (the CLI's `add --secret` works
    # through the API); reading one back, or replacing an existing one, needs `vault`.
    return b.add(body.text, body.type, occurred_at=body.occurred_at, app=body.app, sensitivity=body.sensitivity,
                 fields=body.fields, secret=body.secret)


@router.get("/v1/memories/{mem_id}", response_model=schemas.Memory, response_model_exclude_unset=True,
            responses=NOT_FOUND,
            summary="one memory; vault secrets only with reveal=true and the vault scope")
def get_memory(request: Request, b: Backend, mem_id: MemId, _: ReadToken, reveal: bool = False) -> dict[str, Any]:
    if reveal:
        need(request, "vault")
    return b.get(mem_id, reveal=reveal)


@router.patch("/v1/memories/{mem_id}", response_model=schemas.Memory, response_model_exclude_unset=True,
              responses=NOT_FOUND,
              summary="change some fields (re-embeds when the text changes)")
def update_memory(request: Request, b: Backend, mem_id: MemId, body: Annotated[schemas.MemoryPatch, Body()],
                  _: WriteToken) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if "secret" in changes:
        need(request, "vault")
    return b.update(mem_id, changes)


@router.delete("/v1/memories/{mem_id}", status_code=204, response_class=Response, responses=NOT_FOUND,
               summary="purge a memory for good (row, text index, vector, provenance)")
def delete_memory(b: Backend, mem_id: MemId, _: WriteToken) -> Response:
    b.delete(mem_id)
    return Response(status_code=204)


@router.get("/v1/timeline", response_model=schemas.Timeline, summary="frames and episodic events in a range")
def timeline(b: Backend, _: ReadToken, start: Annotated[IsoTime, Query()], end: Annotated[IsoTime, Query()],
             limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> dict[str, Any]:
    return b.timeline(start, end, limit)


@router.get("/v1/frames/{frame_id}/thumbnail", response_class=Response, summary="a frame's thumbnail (WebP)",
            responses={**NOT_FOUND, 200: {"content": {"image/webp": {"schema": {"type": "string",
                                                                               "format": "binary"}}}}})
def thumbnail(b: Backend, frame_id: MemId, _: ReadToken) -> Response:
    # no-store: decrypted pixels must not land in an HTTP cache on disk.
    return Response(b.thumbnail(frame_id), media_type="image/webp", headers={"Cache-Control": "no-store"})
