"""Request and response bodies: what /v1/openapi.json publishes and schemathesis checks against."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from reverie.core.types import MemoryType, Sensitivity

Scope = Literal["read", "write", "vault", "admin"]
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_time_only(value: Any) -> Any:
    """Times must be ISO 8601 date-times, as the schema says: no bare dates, no epoch numbers
    (pydantic would read 20449223 as a Unix time — a plausible typo becoming a 1970 memory)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_TIME.match(value.strip()):
        raise ValueError("expected an ISO 8601 date-time such as 2024-05-01T14:30:00+02:00")
    return value


IsoTime = Annotated[datetime, BeforeValidator(_iso_time_only)]
MAX_TEXT = 50_000


# One server-sent event as schemathesis and client generators read it: `data` is JSON text.
SSE_EVENT: dict[str, Any] = {
    "type": "object", "required": ["data"],
    "properties": {"event": {"type": "string"}, "data": {"type": "string", "description": "a JSON object"},
                   "id": {"type": "string"}},
}


class Error(BaseModel):
    error: str
    details: list[Any] | None = None


class Status(BaseModel):
    app: str
    version: str
    pid: int
    uptime_s: float
    memories: int
    by_type: dict[str, int]
    frames: int
    index_mode: str
    token: str
    scopes: list[str]


class SearchHit(BaseModel):
    id: str
    type: MemoryType
    text: str
    score: float
    occurred_at: datetime | None
    invalid_at: datetime | None
    app: str | None
    provenance: list[str]
    ranks: dict[str, int]


class FrameHit(BaseModel):
    """A captured screen whose (redacted) text matched; keys shared with SearchHit where they mean the same."""

    id: str
    frame_id: str
    type: Literal["frame"]
    kind: Literal["frame"]
    captured_at: datetime
    app: str
    title: str
    score: float
    snippet: str
    text: str
    provenance: list[str]


class Memory(BaseModel):
    id: str
    type: MemoryType
    text: str = Field(description="what search sees; for vault entries the caption, never the secret")
    created_at: datetime
    updated_at: datetime
    occurred_at: datetime | None
    valid_from: datetime | None
    invalid_at: datetime | None = Field(description="set when a newer fact superseded this one")
    sensitivity: Sensitivity
    recall_count: int
    strength: float
    archived: bool
    app: str | None
    last_change: str
    provenance: list[str]
    fields: dict[str, Any] = Field(description="type-specific fields (e.g. summary, steps, caption)")
    secret_value: str | None = Field(None, description="vault only, with ?reveal=true and the vault scope")


class MemoryPage(BaseModel):
    items: list[Memory]
    limit: int
    offset: int
    next_offset: int | None


class MemoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    type: MemoryType = MemoryType.SEMANTIC
    occurred_at: IsoTime | None = None
    app: str | None = Field(None, max_length=200)
    sensitivity: Sensitivity | None = None
    fields: dict[str, Any] | None = Field(None, description="type-specific fields, checked against the type")
    secret: str | None = Field(None, max_length=MAX_TEXT, description="vault only; stored encrypted, never searchable")


class MemoryPatch(BaseModel):
    """Only the keys present are changed; `null` clears occurred_at, valid_from or app."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    fields: dict[str, Any] | None = None
    occurred_at: IsoTime | None = None
    valid_from: IsoTime | None = None
    app: str | None = Field(None, max_length=200)
    sensitivity: Sensitivity | None = None
    archived: StrictBool | None = None
    invalidate: StrictBool | None = Field(None, description="mark as superseded (kept as history)")
    secret: str | None = Field(None, max_length=MAX_TEXT,
                               description="vault only; replacing a secret needs the vault scope")


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=4000)
    stream: StrictBool = False


class Answer(BaseModel):
    text: str
    citations: list[Any]
    usage: dict[str, Any]


class TimelineFrame(BaseModel):
    id: str
    captured_at: datetime
    app: str | None
    title: str | None
    monitor: int
    has_thumbnail: bool


class TimelineEvent(BaseModel):
    id: str
    occurred_at: datetime
    app: str | None
    summary: str
    event_type: str
    actor: str


class Timeline(BaseModel):
    start: datetime
    end: datetime
    frames: list[TimelineFrame]
    events: list[TimelineEvent]


class Token(BaseModel):
    id: str
    name: str
    scopes: list[str]
    created_at: float
    last_used: float | None
    revoked: bool


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=64)
    scopes: list[Scope] = Field(min_length=1)


class TokenCreated(BaseModel):
    token: str = Field(description="shown once; only its hash is stored")
    info: Token


class AuditEntry(BaseModel):
    at: float
    token: str | None
    method: str
    path: str
    status: int
