"""Shared structured-output loop for LLM backends: parse, (optionally) repair, validate, retry once.

Both backends funnel schema calls through `complete_structured`, so the contract "valid data or
LLMError, never a crash and never unvalidated data" lives in one place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reverie.core.protocols import ChatMessage, Completion, LLMError, Usage
from reverie.models.json_schema import SchemaValidationError, validate

MAX_ECHO_CHARS = 2000  # how much of a bad answer we show the model again; bounds the retry prompt
_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)


class InvalidOutput(ValueError):
    """The model's text is not JSON matching the schema (message says why)."""


@dataclass(frozen=True)
class RawReply:
    text: str
    usage: Usage
    truncated: bool = False  # the model stopped because it hit max_tokens


Sender = Callable[[Sequence[ChatMessage]], RawReply]


def as_dicts(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    """Chat messages in the OpenAI wire format, which llama.cpp's chat API takes too."""
    return [{"role": m.role, "content": m.content} for m in messages]


def reply_from_completion(body: Mapping[str, Any]) -> RawReply:
    """A RawReply from an OpenAI-format chat completion (llama.cpp returns the same shape).
    KeyError / IndexError / TypeError when the body is not one: callers say where it came from."""
    choice = body["choices"][0]
    usage = body.get("usage") or {}
    return RawReply(
        text=choice["message"].get("content") or "",
        usage=Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0), 1),
        truncated=choice.get("finish_reason") == "length",
    )


def complete_structured(
    send: Sender,
    messages: Sequence[ChatMessage],
    schema: Mapping[str, Any],
    *,
    repair: bool,
    model_name: str,
) -> Completion:
    """Call `send`, validate; on failure retry once with the error shown to the model."""
    total = Usage()
    reply = send(messages)
    total.add(reply.usage)
    try:
        data = parse_and_validate(reply, schema, repair=repair)
    except InvalidOutput as first:
        retry = [
            *messages,
            ChatMessage("assistant", reply.text[:MAX_ECHO_CHARS]),
            ChatMessage("user", retry_prompt(str(first), schema)),
        ]
        reply = send(retry)
        total.add(reply.usage)
        try:
            data = parse_and_validate(reply, schema, repair=repair)
        except InvalidOutput as second:
            raise LLMError(
                f"{model_name}: structured output still invalid after one retry: {second} (first attempt: {first})"
            ) from second
    return Completion(text=reply.text, usage=total, data=data)


def retry_prompt(error: str, schema: Mapping[str, Any]) -> str:
    return (
        f"Your previous reply was not valid: {error}. Reply again with only the corrected JSON, "
        f"no prose, matching this JSON schema: {json.dumps(schema, separators=(',', ':'))}"
    )


def parse_and_validate(reply: RawReply, schema: Mapping[str, Any], *, repair: bool) -> Any:
    cut = " (the answer was cut off at max_tokens)" if reply.truncated else ""
    try:
        data = extract_json(reply.text) if repair else json.loads(reply.text)
    except (json.JSONDecodeError, InvalidOutput) as exc:
        raise InvalidOutput(f"not parseable as JSON: {exc}{cut}") from exc
    try:
        validate(data, schema)
    except SchemaValidationError as exc:
        raise InvalidOutput(f"JSON does not match the schema: {exc}{cut}") from exc
    return data


def extract_json(text: str) -> Any:
    """Best-effort recovery of the first JSON object/array in model prose.

    Handles code fences, leading/trailing chatter and trailing commas; anything else (truncated
    output, single quotes) is reported rather than guessed at.
    """
    fenced = _FENCE.search(text)
    candidate = fenced.group(1) if fenced else text
    try:
        return json.loads(candidate)
    except json.JSONDecodeError:
        pass  # fall through to the extraction steps below
    span = _first_balanced(candidate)
    if span is None:
        raise InvalidOutput("no complete JSON object or array found in the reply")
    try:
        return json.loads(span)
    except json.JSONDecodeError:
        return json.loads(_drop_trailing_commas(span))


def _first_balanced(text: str) -> str | None:
    """Return the first {...} or [...] with balanced brackets, ignoring brackets inside strings."""
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if not starts:
        return None
    start = min(starts)
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
    return None


def _drop_trailing_commas(text: str) -> str:
    out: list[str] = []
    in_string, escaped = False, False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "," and text[index + 1 :].lstrip()[:1] in ("}", "]"):
            continue
        out.append(char)
    return "".join(out)
