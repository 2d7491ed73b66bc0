"""ChatAgent: question → topic → hybrid retrieval over all six types → tagged prompt → streamed answer.

The topic step needs no model: retrieval's own keyword and time parsing give the keywords and
the time range. Relevance is judged per hit (question keywords found in it, or embedding
similarity); with nothing relevant the agent abstains without calling the model at all. Cited
tags in the answer map back to memory ids; an answer that cites nothing gets the memories its
words come from, flagged as inferred. The exchange is then stored as episodic memory.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from reverie.core.agents import chat_prompt
from reverie.core.agents.guards import content_stems
from reverie.core.agents.vault import mask_secrets
from reverie.core.chat_import import ChatTurn
from reverie.core.protocols import LLM, Usage
from reverie.core.retrieval.hybrid import SearchHit, SearchQuery, search
from reverie.core.retrieval.text_query import keywords
from reverie.core.retrieval.timeparse import TimeRange, parse_time
from reverie.core.store.messages import add_messages
from reverie.core.store.store import MemoryStore
from reverie.core.types import CoreMemory, EpisodicMemory, MemoryType, utcnow

ABSTAIN = "I don't know — nothing in your memories answers that."
CHAT_APP = "reverie-chat"
_ABSTAINS = re.compile(r"(?i)\bI (?:do not|don'?t) know\b|\bno (?:information|memor(?:y|ies))\b|"
                       r"\b(?:not|never) (?:mentioned|stated|specified)\b|\bmemories do not\b")
_TAG = re.compile(r"\[(\d+)\]")
_ABOUT_CHAT = re.compile(r"(?i)\b(?:you (?:said|told|answered)|I asked|did I ask|we (?:talked|discussed|chatted))\b")


@dataclass(frozen=True)
class ChatConfig:
    limit: int = 8  # memories retrieved into the prompt
    expand: int = 1  # neighbouring chat turns attached to chat-derived memories
    min_relevance: float = 0.35  # below this for every hit: abstain without calling the model
    max_tokens: int = 160
    remember: bool = True  # store the exchange as episodic memory


@dataclass(frozen=True)
class Topic:
    keywords: list[str]
    time: TimeRange | None


@dataclass
class Answer:
    text: str
    citations: list[str] = field(default_factory=list)  # memory ids
    usage: Usage = field(default_factory=Usage)
    abstained: bool = False
    inferred_citations: bool = False  # the model cited nothing; ids come from word overlap
    shown: list[str] = field(default_factory=list)  # ids of every memory in the prompt, tag order


@dataclass(frozen=True)
class ChatEvent:
    kind: str  # "delta" (text piece) | "done" (final answer with citations)
    text: str = ""
    answer: Answer | None = None


class ChatAgent:
    def __init__(self, store: MemoryStore, llm: LLM, config: ChatConfig | None = None) -> None:
        self.store = store
        self.llm = llm
        self.config = config or ChatConfig()

    def ask(self, question: str, now: datetime | None = None) -> Answer:
        for event in self.stream(question, now):
            if event.answer is not None:
                return event.answer
        raise AssertionError("stream ended without a final event")  # stream() always ends with one

    def topic(self, question: str, now: datetime | None = None) -> Topic:
        found, cleaned = parse_time(question, now or utcnow().astimezone())
        return Topic(keywords(cleaned), found)

    def retrieve(self, question: str, now: datetime | None = None) -> list[SearchHit]:
        """Hits that clear the relevance bar, best first (time-aware; chat context attached)."""
        hits = search(self.store, SearchQuery(text=question, limit=self.config.limit, expand=self.config.expand,
                                              now=now, include_invalid=True))
        if not _ABOUT_CHAT.search(question):  # past Q&A would echo the question back as "evidence"
            hits = [h for h in hits if h.memory.app != CHAT_APP]
        hits = [h for h in hits if h.memory.type is not MemoryType.CORE]  # core blocks are always shown
        scores = self.relevance(question, hits, now)
        return [h for h, s in zip(hits, scores, strict=True) if s >= self.config.min_relevance]

    def relevance(self, question: str, hits: list[SearchHit], now: datetime | None = None) -> list[float]:
        """Per hit: max(share of topic keywords it contains, cosine similarity to the question)."""
        if not hits:
            return []
        topic = content_stems(" ".join(self.topic(question, now).keywords))
        lexical = [len(topic & content_stems(h.memory.search_text() + " " + h.context)) / len(topic) if topic else 0.0
                   for h in hits]
        if self.store.embedder is None:
            return lexical
        vecs = self.store.embedder.embed([question, *(h.memory.search_text() for h in hits)])
        cosine = (vecs[1:] @ vecs[0]).astype(float).tolist()
        return [max(a, b) for a, b in zip(lexical, cosine, strict=True)]

    def stream(self, question: str, now: datetime | None = None) -> Iterator[ChatEvent]:
        hits = self.retrieve(question, now)
        if not hits:
            answer = Answer(ABSTAIN, abstained=True)
            yield ChatEvent("delta", ABSTAIN)
            self._remember(question, answer)
            yield ChatEvent("done", ABSTAIN, answer)
            return
        core = [m for m in self.store.list_memories(MemoryType.CORE, limit=4, include_invalid=False)
                if isinstance(m, CoreMemory) and m.value.strip()]
        messages, tagged = chat_prompt.build(question, core, hits, self.llm, self.config.max_tokens)
        pieces: list[str] = []
        for piece in self.llm.stream(messages, max_tokens=self.config.max_tokens, temperature=0.0):
            pieces.append(piece)
            yield ChatEvent("delta", piece)
        text = "".join(pieces).strip()
        usage = Usage(sum(self.llm.count_tokens(m.content) for m in messages), self.llm.count_tokens(text), 1)
        answer = self._finish(text, tagged, usage)
        self._remember(question, answer)
        yield ChatEvent("done", answer.text, answer)

    def _finish(self, text: str, tagged: list[chat_prompt.Tagged], usage: Usage) -> Answer:
        shown = [t.memory.id for t in tagged]
        if is_abstention(text):
            return Answer(text if text.lower().startswith("i don't know") else ABSTAIN, [], usage, True, shown=shown)
        by_tag = {t.tag: t.memory.id for t in tagged}
        cited = list(dict.fromkeys(by_tag[n] for n in map(int, _TAG.findall(text)) if n in by_tag))
        if cited:
            return Answer(text, cited, usage, shown=shown)
        inferred = infer_citations(text, tagged)
        return Answer(text, inferred, usage, inferred_citations=bool(inferred), shown=shown)

    def _remember(self, question: str, answer: Answer) -> None:
        """Store the exchange: raw messages (already processed, so the memory agents never
        re-extract recalled memories from the answer) plus one episodic memory per side."""
        if not self.config.remember:
            return
        now = utcnow()
        q_id, a_id = f"{CHAT_APP}:{uuid.uuid4().hex}", f"{CHAT_APP}:{uuid.uuid4().hex}"
        question, reply = mask_secrets(question), mask_secrets(answer.text)
        add_messages(self.store, [ChatTurn(q_id, CHAT_APP, "user", question, now, 0, q_id),
                                  ChatTurn(a_id, CHAT_APP, "assistant", reply, now, 0, a_id)])
        self.store.write(lambda c: c.executemany("UPDATE messages SET processed = 1 WHERE id = ?",
                                                 [(q_id,), (a_id,)]))
        self.store.add_many([
            EpisodicMemory(summary=f"User asked Reverie: {question}", actor="user", event_type="chat",
                           occurred_at=now, provenance=[f"msg:{q_id}"], app=CHAT_APP, tree_path=["chat", CHAT_APP]),
            EpisodicMemory(summary=f"Reverie answered: {reply}", actor="assistant", event_type="chat",
                           occurred_at=now, provenance=[f"msg:{a_id}"], app=CHAT_APP, tree_path=["chat", CHAT_APP]),
        ])


def is_abstention(text: str) -> bool:
    """The model said it cannot answer (or said nothing)."""
    return not text.strip() or bool(_ABSTAINS.search(text))


def infer_citations(text: str, tagged: list[chat_prompt.Tagged], limit: int = 2) -> list[str]:
    """Memories sharing at least two content words (or half the answer's) with an uncited answer."""
    words = content_stems(text)
    if not words:
        return []
    scored = []
    for t in tagged:
        overlap = len(words & content_stems(t.memory.search_text() + " " + t.context))
        if overlap >= min(2, len(words)) or overlap * 2 >= len(words):
            scored.append((overlap, t.memory.id))
    scored.sort(key=lambda x: -x[0])
    return [mid for _, mid in scored[:limit]]
