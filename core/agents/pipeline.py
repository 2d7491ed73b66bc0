"""MemoryAgents: a batch of sources in, memory operations applied to the store, a Report out.

Steps: hide secrets → one routed extraction call → guards → resolve dates → core blocks /
reconciliation (a second call only on collisions) → apply ops → mark sources processed.
Model failures never raise out of `process`: the report says what was skipped and why, and a
batch whose extraction failed stays unprocessed so a later run picks it up again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from reverie.core.agents.apply import apply_op
from reverie.core.agents.batch import Batch, Source, mark_processed, pending_batch
from reverie.core.agents.candidate import Candidate
from reverie.core.agents.core_memory import CoreBlocks, CoreConfig
from reverie.core.agents.extract import FIRST_PERSON, SYSTEM, PromptTooLong, extract, resolve_dates
from reverie.core.agents.guards import GuardConfig, SourceText, check, content_stems, near_duplicate, stem, tokens
from reverie.core.agents.reconcile import ReconcileConfig, plan
from reverie.core.agents.report import Report
from reverie.core.agents.schemas import MAX_MEMORIES
from reverie.core.agents.vault import hide_secrets, strip_placeholders
from reverie.core.protocols import LLM, LLMError
from reverie.core.store.store import MemoryStore
from reverie.core.types import Memory, MemoryType

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentConfig:
    max_memories: int = MAX_MEMORIES  # per extraction call; bounds its output tokens (keep batches ≤ ~10 lines)
    guards: GuardConfig = field(default_factory=GuardConfig)
    reconcile: ReconcileConfig = field(default_factory=ReconcileConfig)
    core: CoreConfig = field(default_factory=CoreConfig)
    # Chat lines no kept candidate came from become episodic memories of their own (guards still
    # apply): small models loop or stop early, and a fact they skipped is otherwise lost for good.
    cover_lines: bool = True


class MemoryAgents:
    def __init__(self, store: MemoryStore, llm: LLM, config: AgentConfig | None = None) -> None:
        self.store = store
        self.llm = llm
        self.config = config or AgentConfig()
        self._instructions = SourceText(SYSTEM)

    def process_pending(self) -> Report:
        batch = pending_batch(self.store)
        return self.process(batch) if batch.sources else Report()

    def process(self, batch: Batch, recalled: list[Memory] | None = None) -> Report:
        """Extract, reconcile and store memories from `batch`.

        `recalled` are memories that were shown to the user or a model around these sources (a
        chat answer quoting them): candidates repeating them are re-extractions, not new facts.
        """
        started = time.perf_counter()
        report = Report(sources=len(batch), batches=1)
        try:
            self._process(batch, report, recalled or [])
        except LLMError as exc:
            report.error = f"model failed: {exc}"
            report.skipped.append((f"batch of {len(batch)} sources", f"{report.error}; left unprocessed for a retry"))
            log.warning("memory agents: batch of %d sources left unprocessed: %s", len(batch), exc)
        else:
            mark_processed(self.store, batch)
            report.processed_batches = 1
        report.seconds = time.perf_counter() - started
        return report

    def _process(self, batch: Batch, report: Report, recalled: list[Memory]) -> None:
        hidden, secrets = hide_secrets(batch)
        try:
            # A few more items than lines at most: degenerate models fill every slot they are given.
            extraction = extract(self.llm, hidden, secrets, min(self.config.max_memories, len(batch) + 2))
        except PromptTooLong as exc:
            if len(batch) < 2:
                raise LLMError(str(exc)) from exc
            log.info("%s: splitting the batch", exc)
            half = len(batch) // 2
            self._process(Batch(batch.sources[:half]), report, recalled)
            self._process(Batch(batch.sources[half:]), report, recalled)
            return
        report.usage.add(extraction.usage)
        report.skipped += extraction.skipped
        report.rerouted += extraction.rerouted
        times = [s.occurred_at for s in batch.sources if s.occurred_at is not None]
        source = SourceText(extraction.source_text, times)
        kept = self._guard(extraction.candidates, source, recalled, report)
        if self.config.cover_lines:
            fallback = self._guard(uncovered(hidden, kept), source, recalled, report, prior=kept)
            report.ops["line_fallback"] += len(fallback)
            kept += fallback
        core = CoreBlocks(self.store, self.llm, self.config.core)
        for cand in [c for c in kept if c.type is MemoryType.CORE]:
            outcome = core.add_fact(str(cand.fields.get("block", "human")), cand.main_text, cand.provenance)
            report.ops[f"core_{outcome.op}"] += 1
            if outcome.op == "insert":
                report.stored.append(outcome.block_id)
            if outcome.rewritten:
                report.ops[f"core_rewrite_{outcome.rewritten}"] += 1
        report.usage.add(core.usage)
        decided = plan(self.store, self.llm, [c for c in kept if c.type is not MemoryType.CORE],
                       self.config.reconcile)
        report.usage.add(decided.usage)
        report.rejected += decided.duplicates
        report.skipped += decided.skipped
        gone: set[str] = set()
        for op in decided.ops:
            lost = [t.id for t in op.targets if t.id in gone]
            if lost:  # an earlier op of this batch merged or removed the record this one targets
                report.skipped.append((f"{op.kind} {op.candidate.text[:80]}", f"target {lost[0]} already changed"))
                continue
            applied = apply_op(self.store, op)
            gone.update(applied.removed)
            report.ops[applied.kind] += 1
            report.stored += applied.ids

    def _guard(self, candidates: list[Candidate], source: SourceText, recalled: list[Memory],
               report: Report, prior: list[Candidate] | None = None) -> list[Candidate]:
        kept: list[Candidate] = []
        earlier = prior or []
        shown = [(m.id, m.search_text()) for m in recalled]
        for cand in candidates:
            if cand.type is not MemoryType.VAULT:
                for key, value in cand.fields.items():
                    if isinstance(value, str):
                        cand.fields[key] = strip_placeholders(value)
            desc = f"{cand.type.value}: {cand.text[:100]}"
            reason = check(cand.text, source, self._instructions, self.config.guards)
            if reason is None and (dup := near_duplicate(cand.text, shown, self.config.guards.duplicate_jaccard)):
                reason = f"re-extracts recalled memory {dup}"
            if reason is None and (twin := near_duplicate(cand.text, [(c.type.value, c.text) for c in earlier + kept],
                                                          self.config.guards.duplicate_jaccard)):
                reason = f"duplicate within the batch (kept as {twin})"
            if reason is not None:
                log.info("guard rejected %s: %s", desc, reason)
                report.rejected.append((desc, reason))
                continue
            attribute(cand)
            name_speaker(cand)
            resolve_dates(cand)
            kept.append(cand)
        return kept


def uncovered(batch: Batch, kept: list[Candidate]) -> list[Candidate]:
    """Episodic candidates for the batch's chat lines that no kept candidate cites."""
    cited = {p for c in kept for p in c.provenance}
    return [Candidate(MemoryType.EPISODIC, {"event": f"{s.speaker}: {s.text}" if s.speaker else s.text}, [s],
                      batch_sources=batch.sources)
            for s in batch.sources if s.kind == "message" and s.id not in cited]


def attribute(cand: Candidate) -> None:
    """Point provenance at the lines that support the candidate.

    Small models often cite the wrong line (Qwen 0.5B skips a line and is off by one from then
    on). If the cited lines hold under half of the candidate's content words, lines of the batch
    are picked greedily instead: the best-covering one, then others only while each adds at
    least two more of the candidate's words.
    """
    words = content_stems(cand.main_text)
    if not words:
        return

    def have(text: str) -> set[str]:
        return words & {stem(t) for t in tokens(text)}

    if len(have(" ".join(s.text for s in cand.sources))) * 2 >= len(words):
        return
    pool = cand.batch_sources or cand.sources
    chosen: list[Source] = []
    covered: set[str] = set()
    while len(chosen) < 3:
        best = max(pool, key=lambda s: len(have(s.text) - covered), default=None)
        if best is None or len(have(best.text) - covered) < (1 if not chosen else 2):
            break
        chosen.append(best)
        covered |= have(best.text)
    if chosen:
        cand.sources = sorted(chosen, key=pool.index)


def name_speaker(cand: Candidate) -> None:
    """"I went to a support group" → "Caroline: I went to a support group".

    Small models copy chat lines verbatim; without the speaker a first-person memory is useless
    once it leaves its conversation (whose "I"?). Only when every cited line has one speaker.
    """
    speakers = {s.speaker for s in cand.sources if s.speaker}
    if len(speakers) != 1 or any(s.kind != "message" for s in cand.sources):
        return
    speaker = speakers.pop()
    for key in ("event", "fact", "task", "summary"):
        value = cand.fields.get(key)
        if isinstance(value, str) and FIRST_PERSON.search(value) and speaker.lower() not in value.lower():
            cand.fields[key] = f"{speaker}: {value}"
