"""Build the configured LLM backend from plain settings values."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from reverie.core.protocols import LLM, LLMError

Backend = Literal["llamacpp", "openai"]


def make_llm(
    backend: Backend = "llamacpp",
    *,
    model_path: str | Path | None = None,
    url: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
    n_gpu_layers: int = 0,
    n_ctx: int = 4096,
    threads: int | None = None,
    timeout: float = 120.0,
) -> LLM:
    """`llamacpp` needs model_path (see model_manager.resolve_default_llm); `openai` needs url and model."""
    if backend == "llamacpp":
        if model_path is None:
            raise LLMError("llamacpp backend needs model_path")
        from reverie.models.llm_llamacpp import LlamaCppLLM

        return LlamaCppLLM(model_path, n_ctx=n_ctx, n_threads=threads, n_gpu_layers=n_gpu_layers)
    if backend == "openai":
        if not url or not model:
            raise LLMError("openai backend needs url and model")
        from reverie.models.llm_openai import OpenAICompatLLM

        return OpenAICompatLLM(url, model, api_key=api_key, timeout=timeout, context_size=n_ctx)
    raise LLMError(f"unknown LLM backend {backend!r} (expected 'llamacpp' or 'openai')")
