"""The routed extraction call: one prompt per batch, candidates for all memory types at once.

Prompts are compact because small local models lose the thread in long instructions and every
prompt token costs time on a CPU. Lines are numbered so candidates can cite them (`src`), and
days are printed once as headers rather than on every line. The model is told to copy time
words ("yesterday") as written: we resolve them to dates ourselves, which a 0.5B model cannot
do reliably.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reverie.core.agents.batch import Batch, Source
from reverie.core.agents.candidate import Candidate, candidate_sources
from reverie.core.agents.dates import absolute_dates, event_day
from reverie.core.agents.guards import is_filler
from reverie.core.agents.schemas import KINDS, MAX_MEMORIES, extraction_schema, max_output_tokens
from reverie.core.agents.vault import PLACEHOLDER, SecretMap, fallback_caption, strip_placeholders
from reverie.core.protocols import LLM, ChatMessage, LLMError, Usage
from reverie.core.retrieval.text_query import STOPWORDS
from reverie.core.types import MemoryType

log = logging.getLogger(__name__)

SYSTEM = """You save memories from chats and screens. For each numbered line that tells something worth \
remembering, write one memory:
src: the line numbers.
text: a short sentence in the third person that names the person, e.g. "Ann started a job at the bakery". \
Copy time words like "yesterday" as written.
type: event (something that happened), fact (lasting fact about a person or thing: job, likes, family, plans), \
howto (steps to do a task), document (a file or page being read), secret (a password, shown as [secret vN]), \
profile (a fact about the owner of this computer), persona (how the assistant should behave).
Skip greetings, questions and small talk. Use only what the lines say."""

PROMPT_MARGIN = 64  # chat-template tokens the count does not see
FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|my|me|mine|myself)\b")


class PromptTooLong(ValueError):
    """The batch does not fit the model's context; the caller splits it."""


@dataclass
class Extraction:
    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (item, reason)
    usage: Usage = field(default_factory=Usage)
    rerouted: list[tuple[str, str]] = field(default_factory=list)  # (item, how its type was repaired)
    source_text: str = ""  # the numbered lines as the model saw them (guards check against this)


def render(batch: Batch) -> str:
    lines: list[str] = []
    day = None
    for n, source in enumerate(batch.sources, start=1):
        if source.occurred_at is not None and source.occurred_at.date() != day:
            day = source.occurred_at.date()
            lines.append(f"-- {_when(source.occurred_at)} --")
        lines.append(f"[{n}] {source.label()} {' '.join(source.text.split())}")
    return "\n".join(lines)


def messages_for(batch: Batch) -> list[ChatMessage]:
    return [ChatMessage("system", SYSTEM), ChatMessage("user", render(batch))]


def extract(llm: LLM, batch: Batch, secrets: SecretMap, max_memories: int = MAX_MEMORIES) -> Extraction:
    """Run the extraction call (plus one retry when most items are broken). Raises LLMError / PromptTooLong."""
    messages = messages_for(batch)
    max_tokens = max_output_tokens(max_memories)
    budget = llm.context_size - max_tokens - PROMPT_MARGIN
    used = sum(llm.count_tokens(m.content) for m in messages)
    if used > budget:
        raise PromptTooLong(f"batch of {len(batch)} sources needs {used} prompt tokens, budget {budget}")
    schema = extraction_schema(max_memories)
    result = Extraction(source_text=messages[1].content)
    reply = llm.complete(messages, schema=schema, max_tokens=max_tokens)
    result.usage.add(reply.usage)
    items = _items(reply.data)
    errors = [f"memories[{i}]: {p}" for i, it in enumerate(items) if (p := _item_problem(it, len(batch)))]
    # Schema errors are retried by the runtime; these are ours. A stray item is skipped; an
    # answer that is mostly broken is worth one more call with the problems spelled out.
    if errors and len(errors) * 2 >= len(items):
        retry = [*messages, ChatMessage("assistant", json.dumps(reply.data)[:2000]),
                 ChatMessage("user", "Some memories are invalid: " + "; ".join(errors[:5])
                             + f". src must be line numbers 1 to {len(batch)}. Reply again with the corrected JSON.")]
        try:
            second = llm.complete(retry, schema=schema, max_tokens=max_tokens)
            result.usage.add(second.usage)
            items = _items(second.data)
        except LLMError as exc:
            log.info("extraction retry failed (%s); keeping the first answer's valid items", exc)
    result.candidates, result.skipped, result.rerouted = parse(items, batch, secrets)
    return result


def parse(items: list[Any], batch: Batch,
          secrets: SecretMap) -> tuple[list[Candidate], list[tuple[str, str]], list[tuple[str, str]]]:
    """Candidates from the model's items; (item, reason) for those skipped and those re-routed."""
    candidates: list[Candidate] = []
    skipped: list[tuple[str, str]] = []
    rerouted: list[tuple[str, str]] = []
    claimed: set[str] = set()
    for i, item in enumerate(items):
        desc = f"memories[{i}] {json.dumps(item)[:120]}"
        problem = _item_problem(item, len(batch))
        if problem:
            skipped.append((desc, problem))
            continue
        text = " ".join(str(item["text"]).split())
        kind = str(item["type"])
        new_kind, why = route_check(kind, text, batch, candidate_sources(batch, item["src"]))
        if new_kind != kind:
            rerouted.append((desc, why))
            kind = new_kind
        cand = _candidate(kind, text, candidate_sources(batch, item["src"]), batch, secrets)
        claimed.update(PLACEHOLDER.findall(text))
        candidates.append(cand)
    for ref in secrets.refs:  # a secret the model did not route still belongs in the vault
        if ref not in claimed:
            candidates.append(Candidate(MemoryType.VAULT, {"kind": secrets.entry_type(ref),
                                                           "caption": fallback_caption(ref, secrets)},
                                        [secrets.where[ref]], secret=secrets.values[ref]))
    return candidates, skipped, rerouted


_STEPS = re.compile(r"(?i)\bhow to\b|\bsteps?\b|;|->|→|\b\d\.\s|\bfirst\b.*\bthen\b")
_DOCUMENT = re.compile(r"(?i)https?://|www\.|\.(?:pdf|docx?|md|txt|py|html?)\b|\b(?:document|article|book|paper|"
                       r"page|file|report|slides|spreadsheet|readme|manual|novel|website)s?\b")


def route_check(kind: str, text: str, batch: Batch, sources: list[Source]) -> tuple[str, str]:
    """Repair routing the text itself contradicts (small models pick types almost at random).

    Only cheap, conservative checks: a secret needs a placeholder, a how-to needs steps, a
    document needs something document-like; anything else stays where the model put it.
    """
    if kind == "secret" and not PLACEHOLDER.search(text):
        return "fact", "secret → fact: no [secret vN] in it"
    if kind == "howto" and not _STEPS.search(text):
        return "fact", "howto → fact: no steps in it"
    if kind == "document" and not _DOCUMENT.search(text) and not any(s.kind == "frame" for s in sources):
        return "fact", "document → fact: names no document"
    return kind, ""


def _candidate(kind: str, text: str, sources: list[Source], batch: Batch, secrets: SecretMap) -> Candidate:
    mtype = MemoryType(KINDS[kind])
    fields: dict[str, Any]
    secret = ""
    if mtype is MemoryType.EPISODIC:
        fields = {"event": text}
    elif mtype is MemoryType.SEMANTIC:
        fields = {"name": subject(text, sources), "fact": text}
    elif mtype is MemoryType.PROCEDURAL:
        steps = [s.strip(" .") for s in re.split(r";|->|→|\bthen\b|\b\d\.\s", text) if s.strip(" .")]
        fields = {"task": re.split(r"[:;.]", text, maxsplit=1)[0][:80], "steps": steps or [text]}
    elif mtype is MemoryType.RESOURCE:
        fields = {"title": re.split(r"[:;.]", text, maxsplit=1)[0][:80], "summary": text}
    elif mtype is MemoryType.VAULT:
        refs = PLACEHOLDER.findall(text)
        ref = next((r for r in refs if r in secrets.values), "")
        secret = secrets.values.get(ref, "")
        fields = {"kind": secrets.entry_type(ref) if ref else "credential", "caption": strip_placeholders(text)}
    else:
        fields = {"block": "persona" if kind == "persona" else "human", "fact": text}
    return Candidate(mtype, fields, sources, secret=secret, batch_sources=batch.sources)


def subject(text: str, sources: list[Source]) -> str:
    """Who or what a fact is about: a speaker it names, else the speaker of a first-person line,
    else the first name-like word (not an interjection like "Wow"), else the line's speaker."""
    speakers: list[str] = [s.speaker for s in sources if s.speaker]
    words: list[str] = [w.removesuffix("'s").removesuffix("’s") for w in re.findall(r"\b[A-Z][\w'’-]+", text)]
    for name in words:
        if name in speakers:
            return name
    if speakers and FIRST_PERSON.search(text):
        return speakers[0]
    names = [w for w in words[1:] if w.isalpha() and w.lower() not in STOPWORDS and not is_filler(w)]
    if names:
        return names[0]
    return speakers[0] if speakers else text[:40]


def _items(data: Any) -> list[Any]:
    items = data.get("memories") if isinstance(data, dict) else None
    return items if isinstance(items, list) else []


def _item_problem(item: Any, n_sources: int) -> str | None:
    if not isinstance(item, dict):
        return "not an object"
    if not str(item.get("text", "")).strip():
        return "empty text"
    if item.get("type") not in KINDS:
        return f"unknown type {item.get('type')!r}"
    src = item.get("src")
    if not isinstance(src, list) or not any(isinstance(n, int) and 1 <= n <= n_sources for n in src):
        return f"src {src!r} names no line in 1..{n_sources}"
    return None


def resolve_dates(cand: Candidate) -> None:
    """Rewrite relative time words against the source's time. Runs after the guards, which
    check the model's own words: the dates added here come from us, not from the model."""
    when = cand.occurred_at
    if when is None or cand.type not in (MemoryType.EPISODIC, MemoryType.SEMANTIC, MemoryType.CORE):
        return
    for key in ("event", "fact"):
        if isinstance(cand.fields.get(key), str):
            if cand.type is MemoryType.EPISODIC:
                cand.event_time = event_day(cand.fields[key], when)
            cand.fields[key] = absolute_dates(cand.fields[key], when)


def _when(t: datetime) -> str:
    return f"{t.day} {t:%B %Y} ({t:%A}), {t:%I:%M %p}".replace(" 0", " ")
