"""How a memory is named in lists, links and citations (one line, never a vault secret)."""

from __future__ import annotations

from reverie.core.types import (
    CoreMemory,
    Memory,
    MemoryType,
    ProceduralMemory,
    ResourceMemory,
    SemanticMemory,
    VaultEntry,
)

TYPE_LABELS = {
    MemoryType.CORE: "Core", MemoryType.EPISODIC: "Episodic", MemoryType.SEMANTIC: "Semantic",
    MemoryType.PROCEDURAL: "Procedural", MemoryType.RESOURCE: "Resources", MemoryType.VAULT: "Vault",
}
TYPE_HINTS = {
    MemoryType.CORE: "Who you are and how you like to work.",
    MemoryType.EPISODIC: "Things that happened, with when and where.",
    MemoryType.SEMANTIC: "Facts about people, projects and things.",
    MemoryType.PROCEDURAL: "How-tos and workflows you have followed.",
    MemoryType.RESOURCE: "Documents, pages and files you worked with.",
    MemoryType.VAULT: "Credentials and contacts; secrets stay hidden until you reveal them.",
}


def title(mem: Memory) -> str:
    if isinstance(mem, CoreMemory):
        text = f"{mem.label}: {mem.value}"
    elif isinstance(mem, SemanticMemory):
        text = mem.name or mem.summary
    elif isinstance(mem, ResourceMemory):
        text = mem.title
    elif isinstance(mem, VaultEntry):
        text = mem.caption
    elif isinstance(mem, ProceduralMemory):
        text = mem.summary
    else:
        text = getattr(mem, "summary", "") or mem.search_text()
    first = text.strip().splitlines()[0] if text.strip() else "(empty)"
    return first if len(first) <= 140 else first[:139] + "…"


def meta(mem: Memory) -> str:
    when = mem.occurred_at or mem.created_at
    parts = [TYPE_LABELS[mem.type], when.astimezone().strftime("%d %b %Y, %H:%M")]
    if mem.app:
        parts.append(mem.app)
    if mem.invalid_at is not None:
        parts.append("superseded")
    return " · ".join(parts)
