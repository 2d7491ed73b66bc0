"""Chat model behind any OpenAI-compatible HTTP server (Ollama, LM Studio, llama.cpp, vLLM...)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Generator, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from reverie.core.protocols import ChatMessage, Completion, LLMError
from reverie.models.structured_output import RawReply, as_dicts, complete_structured, reply_from_completion

log = logging.getLogger(__name__)

# Ways to ask for JSON, strongest first. Servers differ in what they accept, so we step down when
# one is rejected and remember the step for this instance.
_MODES = ("json_schema", "json_object+schema", "json_object", "prompt")
_NO_FALLBACK = {401, 403, 404, 429}  # auth, wrong model/URL, rate limit: a weaker format won't help
_SCHEMA_HINT = "Answer with only a JSON value (no prose, no code fences) matching this JSON schema: "


class _Rejected(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status


class OpenAICompatLLM:
    """Talks to /v1/chat/completions; thread-safe (httpx.Client is), one instance per server+model."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 120.0,
        context_size: int = 4096,
    ) -> None:
        self._model = model
        self._context_size = context_size  # the OpenAI API cannot report it; the user setting decides
        self._api_base = api_base(base_url)
        parts = urlsplit(self._api_base)
        self._root = f"{parts.scheme}://{parts.netloc}"  # llama.cpp's /tokenize lives at the root
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0), headers=headers)
        self._mode_index = 0
        self._tokenize_route: str | None = None
        self._tokenize_probed = False
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"openai:{self._model}"

    @property
    def context_size(self) -> int:
        return self._context_size

    @property
    def structured_mode(self) -> str:
        """How JSON is currently requested from this server (for diagnostics and tests)."""
        return _MODES[self._mode_index]

    def close(self) -> None:
        self._client.close()

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        schema: Mapping[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> Completion:
        base = {"model": self._model, "max_tokens": max_tokens, "temperature": temperature}
        if schema is None:
            try:
                reply = self._chat({**base, "messages": as_dicts(messages)})
            except _Rejected as exc:
                raise LLMError(f"{self.name}: server rejected the request: {exc}") from exc
            return Completion(text=reply.text, usage=reply.usage)
        return complete_structured(
            lambda msgs: self._chat_structured(base, msgs, schema),
            messages,
            schema,
            repair=True,  # servers may ignore response_format entirely; repair covers prose and fences
            model_name=self.name,
        )

    def _chat_structured(
        self, base: dict[str, Any], messages: Sequence[ChatMessage], schema: Mapping[str, Any]
    ) -> RawReply:
        start = self._mode_index
        rejection: _Rejected | None = None
        for index in range(start, len(_MODES)):
            mode = _MODES[index]
            payload = {**base, "messages": as_dicts(_with_hint(messages, schema, mode))}
            response_format = _response_format(mode, schema)
            if response_format is not None:
                payload["response_format"] = response_format
            try:
                reply = self._chat(payload)
            except _Rejected as exc:
                if exc.status in _NO_FALLBACK:
                    raise LLMError(f"{self.name}: server rejected the request: {exc}") from exc
                rejection = exc
                continue
            if index != start:
                # Remember the step only once a weaker form worked: a 400 for another reason
                # (e.g. an over-long prompt) must not downgrade the server for good.
                with self._lock:
                    self._mode_index = max(self._mode_index, index)
            return reply
        raise LLMError(f"{self.name}: server rejected every structured-output form; last: {rejection}")

    def _chat(self, payload: dict[str, Any]) -> RawReply:
        url = f"{self._api_base}/chat/completions"
        try:
            response = self._client.post(url, json=payload)
        except httpx.HTTPError as exc:
            raise LLMError(f"{self.name}: request to {url} failed: {exc!r}") from exc
        if 400 <= response.status_code < 500 or _format_refused(response, payload):
            raise _Rejected(response.status_code, response.text[:300])
        if response.status_code >= 500:
            raise LLMError(f"{self.name}: server error HTTP {response.status_code}: {response.text[:300]}")
        try:
            return reply_from_completion(response.json())
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise LLMError(f"{self.name}: unexpected response from {url}: {response.text[:300]}") from exc

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> Generator[str, None, None]:
        url = f"{self._api_base}/chat/completions"
        payload = {
            "model": self._model,
            "messages": as_dicts(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        try:
            with self._client.stream("POST", url, json=payload) as response:
                if response.status_code >= 400:
                    body = response.read().decode("utf-8", "replace")[:300]
                    raise LLMError(f"{self.name}: HTTP {response.status_code} from {url}: {body}")
                yield from _sse_text(response.iter_lines(), self.name)
        except httpx.HTTPError as exc:
            raise LLMError(f"{self.name}: streaming from {url} failed: {exc!r}") from exc

    @property
    def server_tokenizer(self) -> str | None:
        """The server route used for exact token counts, or None (approximate counts)."""
        return self._tokenize_route

    def count_tokens(self, text: str) -> int:
        if not self._tokenize_probed:
            self._probe_tokenizer(text)
        if self._tokenize_route is not None:
            try:
                exact = self._server_count(self._tokenize_route, text)
            except httpx.TransportError as exc:  # counts feed budgets; an estimate beats failing
                log.warning("%s: token count fell back to an estimate: %r", self.name, exc)
                exact = None
            if exact is not None:
                return exact
        return approximate_tokens(text)

    def _probe_tokenizer(self, sample: str) -> None:
        """Find a server tokenizer once: llama.cpp's /tokenize or llama-cpp-python's count route."""
        for route in ("/tokenize", "/extras/tokenize/count"):
            try:
                found = self._server_count(route, sample) is not None
            except httpx.TransportError:
                return  # server unreachable right now: try again on the next call
            if found:
                self._tokenize_route = route
                break
        self._tokenize_probed = True

    def _server_count(self, route: str, text: str) -> int | None:
        payload = {"content": text} if route == "/tokenize" else {"input": text, "model": self._model}
        response = self._client.post(f"{self._root}{route}", json=payload)
        if response.status_code != 200:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        if isinstance(body.get("tokens"), list):
            return len(body["tokens"])
        if isinstance(body.get("count"), int):
            return int(body["count"])
        return None


def api_base(base_url: str) -> str:
    """'http://host:11434' -> 'http://host:11434/v1'; a URL with a path is taken as given."""
    url = base_url.rstrip("/")
    return url + "/v1" if urlsplit(url).path in ("", "/") else url


def approximate_tokens(text: str) -> int:
    return (len(text) + 3) // 4  # about four characters per token for English BPE vocabularies


def _format_refused(response: httpx.Response, payload: Mapping[str, Any]) -> bool:
    # llama-cpp-python's server reports its request-validation errors as HTTP 500, so a 500 that
    # names response_format is a rejection of the format, not a crash.
    return response.status_code == 500 and "response_format" in payload and "response_format" in response.text


def _response_format(mode: str, schema: Mapping[str, Any]) -> dict[str, Any] | None:
    if mode == "json_schema":
        spec = {"name": "reverie", "schema": dict(schema), "strict": True}
        return {"type": "json_schema", "json_schema": spec}
    if mode == "json_object+schema":  # llama.cpp and llama-cpp-python servers' own form
        return {"type": "json_object", "schema": dict(schema)}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def _with_hint(messages: Sequence[ChatMessage], schema: Mapping[str, Any], mode: str) -> list[ChatMessage]:
    """In the weaker modes the server does not know the schema, so the model must read it."""
    if mode in ("json_schema", "json_object+schema"):
        return list(messages)
    hint = _SCHEMA_HINT + json.dumps(schema, separators=(",", ":"))
    if messages and messages[0].role == "system":
        return [ChatMessage("system", f"{messages[0].content}\n\n{hint}"), *messages[1:]]
    return [ChatMessage("system", hint), *messages]


def _sse_text(lines: Iterator[str], name: str) -> Iterator[str]:
    for line in lines:
        if not line.startswith("data:"):
            continue  # blank separators, comments and `event:` lines carry no text
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            event = json.loads(data)
        except json.JSONDecodeError as exc:
            raise LLMError(f"{name}: malformed stream event: {data[:200]}") from exc
        if "error" in event:
            raise LLMError(f"{name}: server error while streaming: {event['error']}")
        choices = event.get("choices") or []
        piece = (choices[0].get("delta") or {}).get("content") if choices else None
        if piece:
            yield piece

