"""The chat prompt: retrieved memories in per-type tagged sections, each with a citation tag.

Tags are short ([1], [2]…) so the model can cite them cheaply and we can map them back to ids.
Vault entries appear as captions only: neither `search_text()` nor the chat context carries a
secret value, and chat context is masked again because raw messages may predate the vault.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reverie.core.agents.vault import mask_secrets
from reverie.core.protocols import LLM, ChatMessage
from reverie.core.retrieval.hybrid import SearchHit
from reverie.core.types import CoreMemory, Memory, MemoryType

SYSTEM = """You answer questions about the user's life using only the memories below.
Cite the memories you use by their tags, like [2]. Answer in a few words.
If the memories do not contain the answer, reply exactly: I don't know."""
SECTION_ORDER = (MemoryType.CORE, MemoryType.EPISODIC, MemoryType.SEMANTIC, MemoryType.PROCEDURAL,
                 MemoryType.RESOURCE, MemoryType.VAULT)
CONTEXT_CHARS = 400  # neighbouring chat turns shown under a memory
PROMPT_MARGIN = 64


@dataclass(frozen=True)
class Tagged:
    tag: int
    memory: Memory
    score: float
    context: str = ""

    def line(self) -> str:
        when = f"{self.memory.occurred_at:%d %B %Y}: " if self.memory.occurred_at else ""
        text = " ".join(self.memory.search_text().split())
        if isinstance(self.memory, CoreMemory):
            facts = [ln.strip() for ln in self.memory.value.splitlines() if ln.strip()]
            text = f"{self.memory.label}: " + "; ".join(facts)
        line = f"[{self.tag}] {when}{mask_secrets(text)}"
        if self.memory.invalid_at is not None:  # kept as history; the model must not state it as current
            line += f" (no longer true since {self.memory.invalid_at:%d %B %Y})"
        context = " / ".join(ln.strip() for ln in self.context.splitlines() if ln.strip())
        if context and context != text:
            line += f"\n    (chat: {mask_secrets(context)[:CONTEXT_CHARS]})"
        return line


def build(question: str, core: Sequence[Memory], hits: Sequence[SearchHit], llm: LLM,
          max_tokens: int) -> tuple[list[ChatMessage], list[Tagged]]:
    """Messages for the answer call and the tagged memories they show, within the context budget."""
    budget = llm.context_size - max_tokens - PROMPT_MARGIN - llm.count_tokens(SYSTEM + question) - 16
    tagged: list[Tagged] = []
    for mem in core:
        tagged.append(Tagged(len(tagged) + 1, mem, 1.0))
        budget -= llm.count_tokens(tagged[-1].line())
    for hit in hits:
        candidate = Tagged(len(tagged) + 1, hit.memory, hit.score, hit.context)
        cost = llm.count_tokens(candidate.line())
        if cost > budget:
            break  # hits come best first: the rest matter less than what is already in
        budget -= cost
        tagged.append(candidate)
    return [ChatMessage("system", SYSTEM), ChatMessage("user", render(question, tagged))], tagged


def render(question: str, tagged: Sequence[Tagged]) -> str:
    parts: list[str] = []
    for mtype in SECTION_ORDER:
        lines = [t.line() for t in tagged if t.memory.type is mtype]
        if lines:
            parts.append(f"<{mtype.value}>\n" + "\n".join(lines) + f"\n</{mtype.value}>")
    memories = "\n".join(parts) if parts else "(no memories)"
    return f"{memories}\n\nQuestion: {question}"
