"""A scripted LLM for agent tests: queued replies per call, every prompt recorded.

Structured calls behave like the real runtimes (models/structured_output.py): a reply that is not
JSON matching the schema is retried once, and a second bad reply raises LLMError.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from reverie.core.protocols import ChatMessage, Completion, LLMError, Usage
from reverie.models.json_schema import find_errors

Reply = Any  # dict / str / Exception, or a callable(messages) -> one of those


class ScriptedLLM:
    def __init__(self, replies: Sequence[Reply] = (), context_size: int = 4096) -> None:
        self.replies: deque[Reply] = deque(replies)
        self.prompts: list[list[ChatMessage]] = []
        self.schemas: list[Mapping[str, Any] | None] = []
        self._context_size = context_size

    @property
    def name(self) -> str:
        return "scripted"

    @property
    def context_size(self) -> int:
        return self._context_size

    @property
    def calls(self) -> int:
        return len(self.prompts)

    def all_prompt_text(self) -> str:
        return "\n".join(m.content for p in self.prompts for m in p)

    def _next(self, messages: Sequence[ChatMessage]) -> Any:
        self.prompts.append(list(messages))
        if not self.replies:
            raise AssertionError(f"unexpected LLM call #{len(self.prompts)}: {messages[-1].content[:200]}")
        reply = self.replies.popleft()
        if callable(reply):
            reply = reply(messages)
        if isinstance(reply, Exception):
            raise reply
        return reply

    def complete(self, messages: Sequence[ChatMessage], *, schema: Mapping[str, Any] | None = None,
                 max_tokens: int = 512, temperature: float = 0.0) -> Completion:
        self.schemas.append(schema)
        reply = self._next(messages)
        if schema is None:
            return Completion(str(reply), Usage(self.count_tokens(_flat(messages)), self.count_tokens(str(reply)), 1))
        usage = Usage(self.count_tokens(_flat(messages)), 20, 1)
        problem = _problem(reply, schema)
        if problem is None:
            return Completion(json.dumps(reply), usage, reply)
        retry = [*messages, ChatMessage("assistant", str(reply)), ChatMessage("user", f"invalid: {problem}")]
        self.schemas.append(schema)
        second = self._next(retry)
        usage.add(Usage(self.count_tokens(_flat(retry)), 20, 1))
        if _problem(second, schema) is not None:
            raise LLMError(f"scripted: structured output still invalid after one retry: {problem}")
        return Completion(json.dumps(second), usage, second)

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int = 512,
               temperature: float = 0.0) -> Iterator[str]:
        self.schemas.append(None)
        text = str(self._next(messages))
        yield from re.findall(r"\S+\s*", text)

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def _flat(messages: Sequence[ChatMessage]) -> str:
    return "\n".join(m.content for m in messages)


def _problem(reply: Any, schema: Mapping[str, Any]) -> str | None:
    if isinstance(reply, str):
        try:
            reply = json.loads(reply)
        except json.JSONDecodeError as exc:
            return f"not JSON: {exc}"
    errors = find_errors(reply, schema)
    return "; ".join(errors) if errors else None


def line_id(prompt: str, fragment: str) -> str:
    """The local id (m1, n2 …) or tag ([3] → '3') of the prompt line containing `fragment`."""
    for line in prompt.splitlines():
        if fragment in line:
            m = re.match(r"\s*(?:\[(\d+)\]|([mn]\d+):)", line)
            if m:
                return m.group(1) or m.group(2)
    raise AssertionError(f"{fragment!r} not in prompt:\n{prompt}")


def extraction(*items: tuple[list[int], str, str]) -> dict[str, Any]:
    return {"memories": [{"src": src, "text": text, "type": kind} for src, text, kind in items]}


def reconcile(fn: Callable[[str], list[dict[str, Any]]]) -> Callable[[Sequence[ChatMessage]], dict[str, Any]]:
    """A reply built from the reconciliation prompt (so tests can look up local ids in it)."""
    return lambda messages: {"ops": fn(messages[1].content)}
