"""Conversion between Memory records and rows of the `memories` table."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from reverie.core.types import MEMORY_CLASSES, Memory, MemoryType, Sensitivity

COLUMNS = (
    "seq, id, type, created_at, updated_at, occurred_at, valid_from, invalid_at, sensitivity, "
    "recall_count, strength, archived, app, last_change, provenance, body"
)


def ts(dt: datetime | None) -> float | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def text_hash(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\0{text}".encode()).hexdigest()


def content_hash(mem: Memory) -> str:
    return hashlib.sha256(f"{mem.type.value}\0{mem.search_text()}".encode()).hexdigest()


def to_row(mem: Memory) -> dict[str, Any]:
    return {
        "id": mem.id, "type": mem.type.value, "created_at": ts(mem.created_at),
        "updated_at": ts(mem.updated_at), "occurred_at": ts(mem.occurred_at),
        "valid_from": ts(mem.valid_from), "invalid_at": ts(mem.invalid_at),
        "sensitivity": mem.sensitivity.value, "recall_count": mem.recall_count,
        "strength": mem.strength, "archived": int(mem.archived), "app": mem.app,
        "last_change": mem.last_change, "provenance": json.dumps(mem.provenance),
        "body": json.dumps(mem.body()), "text": mem.search_text(), "content_hash": content_hash(mem),
    }


def from_row(row: tuple[Any, ...]) -> tuple[int, Memory]:
    (seq, mid, mtype, created, updated, occurred, valid_from, invalid_at, sens, recalls, strength,
     archived, app, last_change, prov, body) = row
    cls = MEMORY_CLASSES[MemoryType(mtype)]
    fields: dict[str, Any] = json.loads(body)
    mem = cls(
        id=mid, created_at=dt(created) or datetime.now(UTC), updated_at=dt(updated) or datetime.now(UTC),
        occurred_at=dt(occurred), valid_from=dt(valid_from), invalid_at=dt(invalid_at),
        sensitivity=Sensitivity(sens), recall_count=int(recalls), strength=float(strength),
        archived=bool(archived), app=app, last_change=last_change, provenance=json.loads(prov), **fields,
    )
    return int(seq), mem
