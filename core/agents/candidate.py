"""Candidate memories: what extraction proposes, before guards and reconciliation decide."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reverie.core.agents.batch import Batch, Source
from reverie.core.types import (
    EpisodicMemory,
    Memory,
    MemoryType,
    ProceduralMemory,
    ResourceMemory,
    SemanticMemory,
    Sensitivity,
    VaultEntry,
)


@dataclass
class Candidate:
    type: MemoryType
    fields: dict[str, Any]  # the model's fields for this type (event / name+fact / task+steps …)
    sources: list[Source]  # the batch lines the model cited (provenance after guards re-check it)
    secret: str = field(default="", repr=False)  # vault only: the real value, filled in locally
    local_id: str = ""  # n1, n2 … in the reconciliation prompt
    batch_sources: list[Source] = field(default_factory=list, repr=False)  # for re-attribution
    event_time: datetime | None = None  # when the event happened, if the text says ("yesterday")

    @property
    def text(self) -> str:
        """Everything the model wrote, as one string: what guards check and similarity compares."""
        parts: list[str] = []
        for key in ("name", "fact", "event", "task", "title", "summary", "caption"):
            value = self.fields.get(key)
            if isinstance(value, str) and value.strip():
                parts.append(value.strip())
        steps = self.fields.get("steps")
        if isinstance(steps, list):
            parts.extend(str(s).strip() for s in steps if str(s).strip())
        return ". ".join(parts)

    @property
    def main_text(self) -> str:
        """The field that becomes the record's summary / caption when it updates another record."""
        key = {MemoryType.EPISODIC: "event", MemoryType.SEMANTIC: "fact", MemoryType.PROCEDURAL: "task",
               MemoryType.RESOURCE: "summary", MemoryType.VAULT: "caption", MemoryType.CORE: "fact"}[self.type]
        return str(self.fields.get(key, "")).strip()

    @property
    def provenance(self) -> list[str]:
        return list(dict.fromkeys(s.id for s in self.sources))

    @property
    def occurred_at(self) -> datetime | None:
        if self.event_time is not None:
            return self.event_time
        times = [s.occurred_at for s in self.sources if s.occurred_at is not None]
        return min(times) if times else None

    def to_memory(self) -> Memory:
        common: dict[str, Any] = {"occurred_at": self.occurred_at, "valid_from": self.occurred_at,
                                  "provenance": self.provenance, "app": _app(self.sources)}
        f = self.fields
        if self.type is MemoryType.EPISODIC:
            return EpisodicMemory(summary=f["event"], actor=_actor(self.sources), event_type=_event_type(self.sources),
                                  tree_path=_tree(self.sources), **common)
        if self.type is MemoryType.SEMANTIC:
            return SemanticMemory(name=f["name"], summary=f["fact"], source=_origin(self.sources),
                                  tree_path=_tree(self.sources), **common)
        if self.type is MemoryType.PROCEDURAL:
            return ProceduralMemory(summary=f["task"], steps=[str(s) for s in f["steps"]],
                                    tree_path=_tree(self.sources), **common)
        if self.type is MemoryType.RESOURCE:
            # The content is the source text itself, not the model's retelling of it.
            content = "\n".join(s.text for s in self.sources)
            return ResourceMemory(title=f["title"], summary=f["summary"], content=content,
                                  resource_type="screen_text" if self.sources[0].kind == "frame" else "chat",
                                  tree_path=_tree(self.sources), **common)
        if self.type is MemoryType.VAULT:
            return VaultEntry(caption=f["caption"], entry_type=f["kind"], source=_origin(self.sources),
                              secret_value=self.secret, sensitivity=Sensitivity.HIGH, **common)
        raise ValueError(f"{self.type} candidates are applied to core blocks, not stored as records")


def memory_text(mem: Memory) -> str:
    """A record's main sentence (what a candidate's main_text corresponds to), for prompts and merges."""
    if isinstance(mem, VaultEntry):
        return mem.caption
    if isinstance(mem, ResourceMemory):
        return mem.summary or mem.title
    if isinstance(mem, SemanticMemory):
        return mem.summary if mem.name.lower() in mem.summary.lower() else f"{mem.name}: {mem.summary}"
    summary = getattr(mem, "summary", "")
    return summary if isinstance(summary, str) and summary else mem.search_text()


def candidate_sources(batch: Batch, line_numbers: list[Any]) -> list[Source]:
    """Map 1-based prompt line numbers back to sources, ignoring numbers outside the batch."""
    out: list[Source] = []
    for n in line_numbers:
        if isinstance(n, int) and 1 <= n <= len(batch.sources) and batch.sources[n - 1] not in out:
            out.append(batch.sources[n - 1])
    return out


def _actor(sources: list[Source]) -> str:
    speakers = [s.speaker for s in sources if s.speaker]
    return speakers[0] if speakers else "user"


def _event_type(sources: list[Source]) -> str:
    return "conversation" if all(s.kind == "message" for s in sources) else "screen_activity"


def _app(sources: list[Source]) -> str | None:
    apps = [s.app for s in sources if s.app]
    return apps[0] if apps else ("chat" if sources and sources[0].kind == "message" else None)


def _origin(sources: list[Source]) -> str:
    frame = next((s for s in sources if s.kind == "frame"), None)
    if frame is not None:
        return " — ".join(p for p in (frame.app, frame.title) if p) or "screen"
    return "chat"


def _tree(sources: list[Source]) -> list[str]:
    # Conversation id (msg:<conv>:<turn id>; conversation ids hold no colon) or the app: a coarse topic
    # path the timeline can group by, without spending model tokens on a taxonomy.
    first = sources[0] if sources else None
    if first is None:
        return []
    if first.kind == "message":
        return ["chat", first.id[4:].split(":", 1)[0]]
    return ["screen", first.app or "unknown"]
