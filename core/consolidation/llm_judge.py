"""Optional LLM confirmation for pairs the rules leave unsure. No answer counts as "no"."""

from __future__ import annotations

from reverie.core.consolidation.jobs_base import JobContext
from reverie.core.protocols import LLM, ChatMessage, LLMError

_YES_NO = {"type": "object", "properties": {"answer": {"type": "boolean"}}, "required": ["answer"]}

_SAME = ("You deduplicate a personal memory store. Two records are the same only if they state the "
         "same fact or describe the same event, with the same people, places, numbers and dates. "
         "If either says anything the other contradicts, they are not the same. "
         'Reply with JSON {"answer": true} or {"answer": false}.')
_UPDATE = ("You maintain a personal memory store. Decide whether the NEWER record replaces the OLDER "
           "one: both are about the same subject and the same attribute (where someone lives, a price, "
           "a date, a job…), and the value changed, so the older one is no longer true. Two facts that "
           'can both be true at once are not an update. Reply with JSON {"answer": true} or {"answer": false}.')


def _ask(ctx: JobContext, llm: LLM, system: str, user: str) -> bool | None:
    try:
        done = llm.complete([ChatMessage("system", system), ChatMessage("user", user)],
                            schema=_YES_NO, max_tokens=16)
    except LLMError as exc:
        ctx.error(f"LLM confirmation failed: {exc}")
        return None
    data = done.data
    if isinstance(data, dict) and isinstance(data.get("answer"), bool):
        ctx.count("llm_calls")
        return bool(data["answer"])
    ctx.error(f"LLM confirmation gave no yes/no: {done.text[:80]!r}")
    return None


def same_memory(ctx: JobContext, llm: LLM, a: str, b: str) -> bool:
    return _ask(ctx, llm, _SAME, f"Record A: {a}\nRecord B: {b}\nSame?") is True


def is_update(ctx: JobContext, llm: LLM, older: str, newer: str) -> bool:
    return _ask(ctx, llm, _UPDATE, f"OLDER: {older}\nNEWER: {newer}\nDoes NEWER replace OLDER?") is True
