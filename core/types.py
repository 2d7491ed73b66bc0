"""The six MIRIX memory types as typed records.

Every record shares identity, time, provenance, validity, sensitivity and recall strength;
each type adds its own fields. `search_text()` is what full-text and vector search see —
for the knowledge vault it is the caption only, never the secret value.
"""

from __future__ import annotations

import abc
import enum
import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, ClassVar


class MemoryType(enum.StrEnum):
    CORE = "core"
    EPISODIC = "episodic"
    SEMANTIC = "semantic"
    PROCEDURAL = "procedural"
    RESOURCE = "resource"
    VAULT = "vault"


class Sensitivity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(kw_only=True)
class Memory(abc.ABC):
    """Fields common to every memory type."""

    TYPE: ClassVar[MemoryType]

    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    occurred_at: datetime | None = None
    # Source frame ids ("frame:<id>") and message ids ("msg:<id>") this memory came from.
    provenance: list[str] = field(default_factory=list)
    valid_from: datetime | None = None
    invalid_at: datetime | None = None  # superseded facts are invalidated, not deleted
    sensitivity: Sensitivity = Sensitivity.LOW
    recall_count: int = 0
    strength: float = 1.0
    archived: bool = False
    app: str | None = None  # application the memory was observed in, for filtering
    last_change: str = "insert"

    @property
    def type(self) -> MemoryType:
        return self.TYPE

    @abc.abstractmethod
    def search_text(self) -> str:
        """Text that full-text and vector search index for this record."""

    def body(self) -> dict[str, Any]:
        """Type-specific fields only, JSON-serialisable."""
        common = {f.name for f in fields(Memory)}
        return {k: v for k, v in asdict(self).items() if k not in common}


@dataclass(kw_only=True)
class CoreMemory(Memory):
    TYPE: ClassVar[MemoryType] = MemoryType.CORE
    label: str  # "persona" or "human"
    value: str = ""
    limit: int = 5000

    def search_text(self) -> str:
        return f"{self.label}: {self.value}"


@dataclass(kw_only=True)
class EpisodicMemory(Memory):
    TYPE: ClassVar[MemoryType] = MemoryType.EPISODIC
    summary: str
    details: str = ""
    event_type: str = "event"
    actor: str = "user"
    tree_path: list[str] = field(default_factory=list)

    def search_text(self) -> str:
        return _join(self.summary, self.details)


@dataclass(kw_only=True)
class SemanticMemory(Memory):
    TYPE: ClassVar[MemoryType] = MemoryType.SEMANTIC
    name: str
    summary: str = ""
    details: str = ""
    source: str = ""
    tree_path: list[str] = field(default_factory=list)

    def search_text(self) -> str:
        return _join(self.name, self.summary, self.details)


@dataclass(kw_only=True)
class ProceduralMemory(Memory):
    TYPE: ClassVar[MemoryType] = MemoryType.PROCEDURAL
    summary: str
    entry_type: str = "workflow"  # workflow | guide | script
    steps: list[str] = field(default_factory=list)
    tree_path: list[str] = field(default_factory=list)

    def search_text(self) -> str:
        return _join(self.summary, "\n".join(f"{i + 1}. {s}" for i, s in enumerate(self.steps)))


@dataclass(kw_only=True)
class ResourceMemory(Memory):
    TYPE: ClassVar[MemoryType] = MemoryType.RESOURCE
    title: str
    summary: str = ""
    resource_type: str = "doc"
    content: str = ""
    tree_path: list[str] = field(default_factory=list)

    def search_text(self) -> str:
        return _join(self.title, self.summary, self.content[:2000])


@dataclass(kw_only=True)
class VaultEntry(Memory):
    TYPE: ClassVar[MemoryType] = MemoryType.VAULT
    caption: str
    entry_type: str = "credential"  # credential | bookmark | api_key | contact
    source: str = ""
    # Never searchable, never embedded, never in a prompt; stored AEAD-encrypted in the store.
    secret_value: str = field(default="", repr=False)

    def search_text(self) -> str:
        return _join(self.caption, self.entry_type, self.source)

    def body(self) -> dict[str, Any]:
        data = super().body()
        data.pop("secret_value", None)
        return data


MEMORY_CLASSES: dict[MemoryType, type[Memory]] = {
    cls.TYPE: cls
    for cls in (CoreMemory, EpisodicMemory, SemanticMemory, ProceduralMemory, ResourceMemory, VaultEntry)
}


def memory_from_text(mtype: MemoryType, text: str, **common: Any) -> Memory:
    """Build a record of `mtype` from free text (CLI `add`, API create)."""
    if mtype is MemoryType.CORE:
        return CoreMemory(label=common.pop("label", "human"), value=text, **common)
    if mtype is MemoryType.EPISODIC:
        return EpisodicMemory(summary=text, **common)
    if mtype is MemoryType.SEMANTIC:
        return SemanticMemory(name=text[:80], summary=text, **common)
    if mtype is MemoryType.PROCEDURAL:
        return ProceduralMemory(summary=text, **common)
    if mtype is MemoryType.RESOURCE:
        return ResourceMemory(title=text[:80], content=text, **common)
    return VaultEntry(caption=text, **common)


def _join(*parts: str) -> str:
    # A name or title cut from the text it heads ("add --type semantic") would be said twice.
    kept = [p for i, p in enumerate(parts) if p and not any(q.startswith(p) for q in parts[i + 1:])]
    return "\n".join(kept)
