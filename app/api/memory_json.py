"""Memory records as API JSON, and the checked edits the API may make to them.

Embeddings are never part of a record's JSON; a vault secret only when the caller asked to reveal
it with the `vault` scope. Type-specific fields are checked against the record class's own
annotations so a plugin cannot store, say, a string where the steps list belongs.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from typing import Any

from reverie.core.types import MEMORY_CLASSES, Memory, MemoryType

# The field a plain `text` edit replaces, per type (the same field `memory_from_text` fills).
TEXT_FIELD: dict[MemoryType, str] = {
    MemoryType.CORE: "value", MemoryType.EPISODIC: "summary", MemoryType.SEMANTIC: "summary",
    MemoryType.PROCEDURAL: "summary", MemoryType.RESOURCE: "content", MemoryType.VAULT: "caption",
}


class BadInput(ValueError):
    """The caller's input cannot be applied (unknown field, wrong type, out-of-range time): 400."""


# Title-like fields `memory_from_text` fills with the first 80 characters of the text.
TITLE_FIELD: dict[MemoryType, str] = {MemoryType.SEMANTIC: "name", MemoryType.RESOURCE: "title"}
_COMMON = {f.name for f in dataclasses.fields(Memory)}
_HIDDEN = {"secret_value"}  # set only through the dedicated `secret` input, with the vault scope


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def memory_json(mem: Memory, secret: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": mem.id, "type": mem.type.value, "text": mem.search_text(),
        "created_at": _iso(mem.created_at), "updated_at": _iso(mem.updated_at),
        "occurred_at": _iso(mem.occurred_at), "valid_from": _iso(mem.valid_from),
        "invalid_at": _iso(mem.invalid_at), "sensitivity": mem.sensitivity.value,
        "recall_count": mem.recall_count, "strength": mem.strength, "archived": mem.archived,
        "app": mem.app, "last_change": mem.last_change, "provenance": list(mem.provenance),
        "fields": mem.body(),
    }
    if secret is not None:
        out["secret_value"] = secret
    return out


def field_types(mtype: MemoryType) -> dict[str, Any]:
    """Type-specific editable fields of a memory type and their annotated types."""
    cls = MEMORY_CLASSES[mtype]
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.name not in _COMMON | _HIDDEN}


def _fits(value: Any, annotation: Any) -> bool:
    if annotation is str:
        return isinstance(value, str)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if typing.get_origin(annotation) is list:
        (inner,) = typing.get_args(annotation)
        return isinstance(value, list) and all(_fits(v, inner) for v in value)
    return False


def set_text(mem: Memory, text: str) -> None:
    """Replace the main text; a title that was derived from the old text follows it."""
    main = TEXT_FIELD[mem.type]
    old = str(getattr(mem, main))
    setattr(mem, main, text)
    title = TITLE_FIELD.get(mem.type)
    if title is not None and getattr(mem, title) == old[:80]:
        setattr(mem, title, text[:80])


def apply_fields(mem: Memory, values: dict[str, Any]) -> None:
    """Set type-specific fields after checking names and value types; ValueError names the bad one."""
    allowed = field_types(mem.type)
    for name, value in values.items():
        if name not in allowed:
            raise BadInput(f"{mem.type.value} memories have no field {name!r} "
                             f"(fields: {', '.join(sorted(allowed))})")
        if not _fits(value, allowed[name]):
            raise BadInput(f"field {name!r} of a {mem.type.value} memory must be {allowed[name]}")
        setattr(mem, name, value)
