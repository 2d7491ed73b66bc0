"""JSON schemas the memory agents send to the LLM.

Cost design: one routed extraction call per batch returns candidates for every memory type at
once (each item carries the type the model routed it to); a second,
reconciliation call happens only when candidates collide with similar existing memories.

Schemas stay small and flat on purpose: llama.cpp turns them into a grammar, and 0.5B models
cope with short required fields far better than with nested optional ones. Every string has a
maxLength so a degenerate model (SmolLM2 repeats digits) cannot run to max_tokens.
"""

from __future__ import annotations

from typing import Any

TEXT = 200  # characters per memory: one fact or one chat line, not a paragraph
MAX_MEMORIES = 12
OPS = ("insert", "update", "merge", "invalidate", "delete", "noop")
# The model routes with plain words; each maps to one MIRIX memory type (`core` splits in two blocks).
KINDS = {"event": "episodic", "fact": "semantic", "howto": "procedural", "document": "resource",
         "secret": "vault", "profile": "core", "persona": "core"}


def _string(max_length: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length}


def extraction_schema(max_memories: int = MAX_MEMORIES) -> dict[str, Any]:
    """Schema for the routed extraction call: one flat list, each item routed by its `type`.

    Measured with Qwen2.5-Coder 0.5B on LOCOMO sessions: per-type lists (MIRIX's shape) came back
    either all empty or with the same sentence copied into every list, at ~1,000 output tokens; a
    flat list makes it walk the lines once (~400 tokens); an object keyed by line number (one slot
    per line) made it write the same sentence into every slot. `src` comes first so each item is
    anchored to a line before it is written. Line numbers carry no maximum: llama.cpp's grammar
    does not enforce one, so a bound would only turn a stray number into a failed call; numbers
    outside the batch are dropped when mapping back.
    """
    item = {"type": "object", "additionalProperties": False,
            "properties": {"src": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "integer"}},
                           "text": _string(TEXT),
                           "type": {"type": "string", "enum": list(KINDS)}},
            "required": ["src", "text", "type"]}
    return {"type": "object", "additionalProperties": False, "required": ["memories"],
            "properties": {"memories": {"type": "array", "maxItems": max_memories, "items": item}}}


def max_output_tokens(max_memories: int = MAX_MEMORIES) -> int:
    """Enough tokens for the largest answer the schema allows (≈3.5 characters per token plus
    JSON punctuation), so a full answer is never cut off mid-string."""
    return 24 + max_memories * (TEXT * 2 // 7 + 24)


def reconcile_schema(n_candidates: int) -> dict[str, Any]:
    """One decision per new candidate. Ids are plain short strings, not enums: an invented id
    (m9) must reach our own check and be skipped alone, not fail the whole call's validation."""
    op = {"type": "object", "additionalProperties": False,
          "properties": {"new": _string(4), "op": {"type": "string", "enum": list(OPS)},
                         "targets": {"type": "array", "maxItems": 3, "items": _string(4)},
                         "text": _string(TEXT)},
          "required": ["new", "op", "targets", "text"]}
    return {"type": "object", "required": ["ops"], "additionalProperties": False,
            "properties": {"ops": {"type": "array", "maxItems": max(1, n_candidates), "items": op}}}


def reconcile_max_tokens(n_candidates: int) -> int:
    """Room for the largest answer reconcile_schema allows (a cut-off answer fails as a whole)."""
    return 24 + max(1, n_candidates) * (TEXT * 2 // 7 + 40)
