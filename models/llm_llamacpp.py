"""In-process llama.cpp chat model (llama-cpp-python), with schema-constrained JSON output."""

from __future__ import annotations

import os
import threading
from collections.abc import Generator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reverie.core.protocols import ChatMessage, Completion, LLMError
from reverie.models.structured_output import RawReply, as_dicts, complete_structured, reply_from_completion

if TYPE_CHECKING:  # llama_cpp is heavy (native library); import it only when the model loads
    from llama_cpp import Llama


def default_threads() -> int:
    """Half the usable cores (llama.cpp's own default: physical cores on SMT machines).

    Never all of them: llama.cpp threads spin on barriers, so when anything else is busy (OCR,
    embeddings, the user's apps) one descheduled thread stalls the rest. Measured on 2 cores with
    a competing process: 2 threads gave 1.4 tok/s, 1 thread 25.6 tok/s.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no sched_getaffinity
        cores = os.cpu_count() or 1
    return max(1, cores // 2)


class LlamaCppLLM:
    """A GGUF model run in this process.

    The model loads lazily (first call or `load()`), so constructing one is cheap and the UI can
    appear first. llama.cpp contexts are not thread-safe: one lock serialises every generation.
    """

    def __init__(
        self,
        model_path: str | Path,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        n_gpu_layers: int = 0,
        chat_format: str | None = None,
        seed: int = 0,
    ) -> None:
        self._path = Path(model_path)
        if not self._path.is_file():
            raise LLMError(f"cannot load model {self._path}: file not found")
        self._n_ctx = n_ctx
        self._n_threads = n_threads or default_threads()
        self._n_gpu_layers = n_gpu_layers
        self._chat_format = chat_format  # None: use the chat template stored in the GGUF
        self._seed = seed
        self._llama: Llama | None = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"llama.cpp:{self._path.name}"

    @property
    def context_size(self) -> int:
        return self._n_ctx

    def load(self) -> Llama:
        with self._load_lock:
            if self._llama is None:
                self._llama = self._open()
            return self._llama

    def _open(self) -> Llama:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMError(f"cannot load model {self._path}: llama-cpp-python is not installed") from exc
        try:
            return Llama(
                model_path=str(self._path),
                n_ctx=self._n_ctx,
                n_threads=self._n_threads,
                n_threads_batch=self._n_threads,
                n_gpu_layers=self._n_gpu_layers,
                chat_format=self._chat_format,
                seed=self._seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise LLMError(f"cannot load model {self._path}: {exc}") from exc

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        schema: Mapping[str, Any] | None = None,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> Completion:
        if schema is None:
            reply = self._generate(messages, None, max_tokens, temperature)
            return Completion(text=reply.text, usage=reply.usage)
        # Grammar-constrained decoding guarantees syntax, so no text repair: a parse failure means
        # truncation and must surface, not be patched over.
        response_format = {"type": "json_object", "schema": dict(schema)}
        return complete_structured(
            lambda msgs: self._generate(msgs, response_format, max_tokens, temperature),
            messages,
            schema,
            repair=False,
            model_name=self.name,
        )

    def _generate(
        self,
        messages: Sequence[ChatMessage],
        response_format: dict[str, Any] | None,
        max_tokens: int,
        temperature: float,
    ) -> RawReply:
        llama = self.load()
        with self._run_lock:
            try:
                result: Any = llama.create_chat_completion(
                    messages=as_dicts(messages),  # type: ignore[arg-type]
                    response_format=response_format,  # type: ignore[arg-type]
                    max_tokens=max_tokens,
                    temperature=temperature,
                )
            except (ValueError, RuntimeError) as exc:  # e.g. prompt longer than the context
                raise LLMError(f"{self.name}: generation failed: {exc}") from exc
        return reply_from_completion(result)

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.0,
    ) -> Generator[str, None, None]:
        llama = self.load()
        # The lock is held while the caller iterates; closing the generator early releases it.
        with self._run_lock:
            try:
                chunks: Any = llama.create_chat_completion(
                    messages=as_dicts(messages),  # type: ignore[arg-type]
                    max_tokens=max_tokens,
                    temperature=temperature,
                    stream=True,
                )
                for chunk in chunks:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            except (ValueError, RuntimeError) as exc:
                raise LLMError(f"{self.name}: generation failed: {exc}") from exc

    def count_tokens(self, text: str) -> int:
        # Tokenising reads only the vocabulary, so it needs no run lock (and may run mid-stream).
        return len(self.load().tokenize(text.encode("utf-8"), add_bos=False, special=False))

