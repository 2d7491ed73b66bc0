"""Baselines over the raw OCR text of every kept frame, answered by the same LLM as Reverie.

RAG: each frame's stored (already redacted) OCR text is cut into chunks of whole lines, each
chunk headed by the frame's time and window and embedded with Reverie's own embedder; a question
retrieves chunks by reciprocal-rank fusion of cosine similarity and BM25 (the same two signals
Reverie's hybrid search fuses), and as many as fit a fixed token budget go into the prompt.

Full context: every kept frame's text in capture order, in one prompt, only when it fits the
model's context (no truncation: a cut day answers a different question set).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from reverie.bench.qa import ANSWER_TOKENS
from reverie.core.protocols import LLM, ChatMessage, Embedder

SYSTEM = """You answer questions about what was on the user's screen today, using only the screen text below.
Answer in a few words. If the screen text does not contain the answer, reply exactly: I don't know."""
CHUNK_CHARS = 700  # ≈ 180 tokens: within the embedder's 256-token window with the header
RAG_TOKENS = 1500  # retrieved text per question, about what the chat agent shows of memories
RAG_K = 8
PROMPT_MARGIN = 96
_TERM = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class FrameText:
    id: str
    captured_at: datetime
    app: str
    title: str
    text: str

    def header(self) -> str:
        where = " — ".join(p for p in (self.app, self.title) if p)
        return f"[{self.captured_at:%H:%M} {where}]"


@dataclass(frozen=True)
class Chunk:
    frame_id: str
    text: str  # with its frame header


def chunk_frames(frames: Sequence[FrameText], max_chars: int = CHUNK_CHARS) -> list[Chunk]:
    chunks: list[Chunk] = []
    for fr in frames:
        lines = [ln for ln in fr.text.splitlines() if ln.strip()]
        part: list[str] = []
        size = 0
        for line in lines:
            if part and size + len(line) > max_chars:
                chunks.append(Chunk(fr.id, fr.header() + "\n" + "\n".join(part)))
                part, size = [], 0
            part.append(line[:max_chars])
            size += len(line) + 1
        if part:
            chunks.append(Chunk(fr.id, fr.header() + "\n" + "\n".join(part)))
    return chunks


def _terms(text: str) -> list[str]:
    return _TERM.findall(text.lower())


@dataclass
class RagIndex:
    chunks: list[Chunk]
    vectors: np.ndarray[Any, Any]
    terms: list[Counter[str]] = field(default_factory=list)
    df: Counter[str] = field(default_factory=Counter)

    @classmethod
    def build(cls, frames: Sequence[FrameText], embedder: Embedder) -> RagIndex:
        chunks = chunk_frames(frames)
        vectors = embedder.embed([c.text for c in chunks]) if chunks else np.zeros((0, embedder.dim), np.float32)
        terms = [Counter(_terms(c.text)) for c in chunks]
        df: Counter[str] = Counter()
        for t in terms:
            df.update(t.keys())
        return cls(chunks, np.asarray(vectors, dtype=np.float32), terms, df)

    def storage(self) -> dict[str, int]:
        """Bytes a RAG store keeps: the chunk text (UTF-8) and one float32 vector per chunk."""
        text = sum(len(c.text.encode()) for c in self.chunks)
        vectors = int(self.vectors.shape[0] * self.vectors.shape[1] * 4) if self.vectors.size else 0
        return {"text_bytes": text, "vector_bytes": vectors, "total_bytes": text + vectors, "chunks": len(self.chunks)}

    def _bm25(self, query: str, k1: float = 1.2, b: float = 0.75) -> list[float]:
        n = len(self.chunks)
        avg = sum(sum(t.values()) for t in self.terms) / max(1, n)
        q = set(_terms(query))
        scores = []
        for t in self.terms:
            length = sum(t.values())
            s = 0.0
            for term in q:
                tf = t.get(term, 0)
                if tf:
                    idf = math.log(1 + (n - self.df[term] + 0.5) / (self.df[term] + 0.5))
                    s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / max(1.0, avg)))
            scores.append(s)
        return scores

    def search(self, query: str, embedder: Embedder, k: int = RAG_K) -> list[Chunk]:
        if not self.chunks:
            return []
        qv = np.asarray(embedder.embed([query]), dtype=np.float32)[0]
        dense = (self.vectors @ qv).tolist()
        sparse = self._bm25(query)
        fused: dict[int, float] = {}
        for scores in (dense, sparse):
            order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
            for rank, i in enumerate(order):
                if scores is sparse and scores[i] <= 0:
                    break
                fused[i] = fused.get(i, 0.0) + 1.0 / (60 + rank)
        best = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        return [self.chunks[i] for i in best]


def _answer(llm: LLM, context: str, question: str) -> tuple[str, int, int]:
    messages = [ChatMessage("system", SYSTEM), ChatMessage("user", f"{context}\n\nQuestion: {question}")]
    reply = llm.complete(messages, max_tokens=ANSWER_TOKENS, temperature=0.0)
    return reply.text.strip(), reply.usage.prompt_tokens, reply.usage.completion_tokens


def rag_answer(llm: LLM, index: RagIndex, embedder: Embedder, question: str,
               budget: int = RAG_TOKENS) -> dict[str, Any]:
    hits = index.search(question, embedder)
    picked: list[str] = []
    left = budget
    for chunk in hits:
        cost = llm.count_tokens(chunk.text)
        if cost > left:
            continue
        picked.append(chunk.text)
        left -= cost
    text, prompt_tokens, completion_tokens = _answer(llm, "\n\n".join(picked), question)
    return {"answer": text, "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "chunks": len(picked), "frames": sorted({c.frame_id for c in hits if c.text in picked})}


def day_text(frames: Sequence[FrameText]) -> str:
    return "\n\n".join(f"{fr.header()}\n{fr.text.strip()}" for fr in frames if fr.text.strip())


def full_context_fits(llm: LLM, text: str, question: str) -> tuple[bool, int]:
    """Whether the whole day plus the question fits the context; the day's token count."""
    tokens = llm.count_tokens(text)
    budget = llm.context_size - ANSWER_TOKENS - llm.count_tokens(SYSTEM + question) - PROMPT_MARGIN
    return tokens <= budget, tokens


def full_context_answer(llm: LLM, text: str, question: str) -> dict[str, Any]:
    answer, prompt_tokens, completion_tokens = _answer(llm, text, question)
    return {"answer": answer, "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}
