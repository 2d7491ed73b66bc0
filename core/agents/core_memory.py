"""Core memory: the `persona` and `human` blocks, always in the chat prompt, so kept short.

Facts are appended one per line. Past 90% of a block's limit the block is rewritten to about
half by the LLM (MIRIX's rule); if the model's rewrite is missing, too long or not supported by
the old block, a deterministic trim keeps the newest distinct lines instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from reverie.core.agents.guards import SourceText, check, jaccard
from reverie.core.protocols import LLM, ChatMessage, LLMError, Usage
from reverie.core.store.store import MemoryStore
from reverie.core.types import CoreMemory, MemoryType

log = logging.getLogger(__name__)

LABELS = ("human", "persona")
MAX_PROVENANCE = 200  # a block lives forever; its source list must not grow without bound
REWRITE_PROMPT = (
    "Rewrite the notes below in at most {chars} characters. Keep lasting facts, drop repeats and "
    "trivia, one fact per line. Reply with the notes only."
)


@dataclass(frozen=True)
class CoreConfig:
    limit: int = 5000
    rewrite_at: float = 0.9
    target: float = 0.5


@dataclass
class CoreOutcome:
    op: str  # "insert" (appended) | "noop" (already there)
    block_id: str
    rewritten: str = ""  # "", "llm" or "trim"
    reason: str = ""


class CoreBlocks:
    def __init__(self, store: MemoryStore, llm: LLM, config: CoreConfig | None = None) -> None:
        self.store = store
        self.llm = llm
        self.config = config or CoreConfig()
        self.usage = Usage()

    def get(self, label: str) -> CoreMemory | None:
        for mem in self.store.list_memories(MemoryType.CORE, limit=20, include_invalid=False):
            if isinstance(mem, CoreMemory) and mem.label == label:
                return mem
        return None

    def add_fact(self, label: str, fact: str, provenance: list[str]) -> CoreOutcome:
        label = label if label in LABELS else "human"
        fact = " ".join(fact.split())
        block = self.get(label)
        if block is None:
            block = CoreMemory(label=label, value=fact, limit=self.config.limit, provenance=list(provenance))
            self.store.add(block)
            return CoreOutcome("insert", block.id)
        lines = [ln for ln in block.value.splitlines() if ln.strip()]
        if any(jaccard(fact, ln) >= 0.8 for ln in lines):
            return CoreOutcome("noop", block.id, reason="already in the core block")
        block.value = "\n".join([*lines, fact])
        block.provenance = list(dict.fromkeys([*block.provenance, *provenance]))[-MAX_PROVENANCE:]
        outcome = CoreOutcome("insert", block.id)
        if len(block.value) > self.config.rewrite_at * block.limit:
            outcome.rewritten, outcome.reason = self._shrink(block)
        self.store.update(block, change="rewrite" if outcome.rewritten else "update")
        return outcome

    def _shrink(self, block: CoreMemory) -> tuple[str, str]:
        target = int(block.limit * self.config.target)
        old = block.value
        text = ""
        try:
            reply = self.llm.complete(
                [ChatMessage("system", REWRITE_PROMPT.format(chars=target)), ChatMessage("user", old)],
                max_tokens=max(32, target // 3), temperature=0.0)
            self.usage.add(reply.usage)
            text = reply.text.strip()
            problem = _rewrite_problem(text, old, target)
        except LLMError as exc:
            problem = f"model failed: {exc}"
        if problem is None:
            block.value = text
            return "llm", ""
        log.info("core block %s: rewrite rejected (%s); trimming instead", block.label, problem)
        block.value = trim(old, target)
        return "trim", problem


def _rewrite_problem(text: str, old: str, target: int) -> str | None:
    if not text:
        return "empty rewrite"
    if len(text) > target * 1.2:
        return f"rewrite has {len(text)} characters, wanted about {target}"
    unsupported = check(text, SourceText(old))
    return f"rewrite not supported by the block: {unsupported}" if unsupported else None


def trim(value: str, target: int) -> str:
    """Newest distinct lines that fit in `target` characters (newer facts supersede older ones)."""
    kept: list[str] = []
    size = 0
    for line in reversed([ln.strip() for ln in value.splitlines() if ln.strip()]):
        if any(jaccard(line, k) >= 0.8 for k in kept):
            continue
        if size + len(line) + 1 > target:
            break
        kept.append(line)
        size += len(line) + 1
    if not kept:  # a single line longer than the target: cut it
        return value.strip()[-target:]
    return "\n".join(reversed(kept))
