"""Core memory blocks past 90% of their limit are rewritten down to about half (MIRIX) by the LLM.

The previous text is first kept as an archived resource memory, so a poor rewrite loses nothing:
it is out of search but still in the store and in exports. Without an LLM the block is left as
it is and the run says so; text is never cut blindly.
"""

from __future__ import annotations

import hashlib

from reverie.core.consolidation.jobs_base import JobContext
from reverie.core.protocols import ChatMessage, LLMError
from reverie.core.types import CoreMemory, MemoryType, ResourceMemory

_TAG = "consolidation:core_rewrite:"
_SYSTEM = ("You maintain a memory block about the user or the assistant. Rewrite it to at most {n} "
           "characters: keep every durable fact (names, relationships, preferences, commitments), drop "
           "repetition and passing details, and never add anything not in the block. Reply with the "
           "rewritten block only.")


def run(ctx: JobContext) -> None:
    cfg = ctx.config
    for mem in ctx.store.list_memories(MemoryType.CORE, limit=100, include_invalid=False):
        if not isinstance(mem, CoreMemory) or len(mem.value) <= cfg.core_rewrite_at * mem.limit:
            continue
        llm = ctx.llm()
        if llm is None:
            ctx.detail.setdefault("core_blocks_over_limit", []).append(mem.label)
            continue
        target = int(cfg.core_rewrite_to * mem.limit)
        try:
            done = llm.complete([ChatMessage("system", _SYSTEM.format(n=target)), ChatMessage("user", mem.value)],
                                max_tokens=max(256, target // 2))
        except LLMError as exc:
            ctx.error(f"core block {mem.label!r} not rewritten: {exc}")
            continue
        text = done.text.strip()
        if not text or len(text) > cfg.core_rewrite_at * mem.limit:
            ctx.error(f"core block {mem.label!r}: rewrite rejected ({len(text)} chars for a {mem.limit} limit)")
            continue
        tag = _TAG + hashlib.sha256(f"{mem.id}\0{mem.value}".encode()).hexdigest()[:16]
        if not ctx.store.ids_for_source(tag):
            ctx.store.add(ResourceMemory(
                title=f"Core memory '{mem.label}' before a rewrite", resource_type="core_backup",
                content=mem.value, provenance=[tag, *mem.provenance], archived=True, last_change="core_backup"))
        mem.value = text
        ctx.store.update(mem, change="rewrite")
        ctx.count("core_rewritten")
        ctx.item()
