"""/v1/ask (JSON, or server-sent events) and /v1/events (live store and job events)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from reverie.api import schemas
from reverie.api.backend import LocalBackend
from reverie.api.events import EventHub, sse
from reverie.api.routes_common import ERRORS, _err, backend
from reverie.api.schemas import SSE_EVENT
from reverie.api.security import ReadToken

log = logging.getLogger(__name__)
router = APIRouter(responses=ERRORS)
Backend = Annotated[LocalBackend, Depends(backend)]
_SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
_ASK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Answer"}},
                      "text/event-stream": {"schema": SSE_EVENT}},
          "description": "the answer; with stream=true or `Accept: text/event-stream`, `token` events then `done`"},
    503: _err("no chat agent or language model available"),
}


@router.post("/v1/ask", response_model=schemas.Answer, responses=_ASK_RESPONSES,
             summary="answer a question from memory, with citations")
async def ask(request: Request, b: Backend, body: schemas.AskIn, _: ReadToken,
              stream: Annotated[bool, Query(description="stream as server-sent events")] = False) -> Any:
    wants_sse = stream or body.stream or "text/event-stream" in request.headers.get("accept", "")
    if not wants_sse:
        return JSONResponse(await run_in_threadpool(b.ask, body.question))
    events = await run_in_threadpool(b.ask_stream, body.question)
    return StreamingResponse(_sse_answer(events), media_type="text/event-stream", headers=_SSE_HEADERS)


async def _sse_answer(events: Iterator[tuple[str, dict[str, Any]]]) -> AsyncIterator[bytes]:
    """Pull the agent's (blocking) generator on worker threads; always close it, even on disconnect."""
    try:
        while True:
            item = await run_in_threadpool(_next_or_none, events)
            if item is None:
                return
            yield sse(*item)
    except Exception as exc:
        # The status line (200) is already sent: report the failure in-band, and log it with its trace.
        log.exception("streaming an answer failed")
        yield sse("error", {"error": f"answering failed: {type(exc).__name__}"})
    finally:
        await run_in_threadpool(events.close)  # type: ignore[attr-defined]


def _next_or_none(events: Iterator[tuple[str, dict[str, Any]]]) -> tuple[str, dict[str, Any]] | None:
    return next(events, None)


@router.get("/v1/events", summary="live events as server-sent events",
            responses={200: {"content": {"text/event-stream": {"schema": SSE_EVENT}},
                             "description": "`ready`, then memory_added / memory_updated / memory_deleted / "
                                            "frame_added / frames_deleted / job_progress events"}})
async def events(request: Request, _: ReadToken,
                 limit: Annotated[int | None, Query(ge=1, le=100_000, description="end after N events")] = None,
                 ) -> StreamingResponse:
    hub: EventHub = request.app.state.events
    return StreamingResponse(hub.stream(limit=limit), media_type="text/event-stream", headers=_SSE_HEADERS)
