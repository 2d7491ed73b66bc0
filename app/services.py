"""Composition root: builds the store with its embedder and key options from settings + env."""

from __future__ import annotations

import getpass
import logging
import os
import sys
from pathlib import Path

from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore
from reverie.core.store.vector_index import IndexConfig
from reverie.paths import reverie_home
from reverie.settings import Settings

log = logging.getLogger(__name__)


def key_options(settings: Settings, home: Path, *, interactive: bool | None = None) -> KeyOptions:
    passphrase = os.environ.get("REVERIE_PASSPHRASE")
    if passphrase is None and (interactive if interactive is not None else sys.stdin.isatty()):
        from reverie.core.store.keys import KEYFILE, keystore_available

        keyfile = home / KEYFILE
        needs = (keyfile.exists() and '"passphrase"' in keyfile.read_text()) or (
            not keyfile.exists() and not (settings.use_keystore and keystore_available()))
        if needs:
            passphrase = getpass.getpass("Reverie passphrase: ")
    return KeyOptions(passphrase=passphrase, use_keystore=settings.use_keystore)


def make_embedder() -> object:
    from reverie.models.embedder import OnnxEmbedder

    return OnnxEmbedder()


def open_store(home: Path | None = None, *, with_embedder: bool = True,
               settings: Settings | None = None, interactive: bool | None = None) -> MemoryStore:
    home = home or reverie_home()
    settings = settings or Settings.load(home)
    embedder = make_embedder() if with_embedder else None
    index = IndexConfig(mode=settings.index_mode, http_url=settings.index_url)
    return MemoryStore.open(home, key_options(settings, home, interactive=interactive),
                            embedder,  # type: ignore[arg-type]
                            index)


def llm_from_settings(settings: Settings, home: Path | None = None, *, url: str | None = None,
                      model: str | None = None, n_ctx: int | None = None, threads: int | None = None) -> object:
    """The LLM the settings name: an OpenAI-compatible server, else a local GGUF (chosen or bundled).

    `url` / `model` / `n_ctx` / `threads` override the settings (CLI flags). Raises LLMError,
    ModelError or OSError; each caller decides what a missing model means for it."""
    from reverie.models.llm_factory import make_llm
    from reverie.models.model_manager import ModelError, resolve_default_llm
    from reverie.paths import models_dir

    home = home or reverie_home()
    n_ctx = n_ctx or settings.llm_n_ctx
    url = url or (settings.llm_url if settings.llm_backend == "openai" else None)
    if url:
        name = model or settings.llm_model
        if not name:
            raise ModelError("an OpenAI-compatible server needs a model name (--llm-model, or `reverie models use "
                             "--url URL --model NAME`)")
        return make_llm("openai", url=url, model=name, n_ctx=n_ctx, api_key=os.environ.get("REVERIE_LLM_API_KEY"))
    info = resolve_default_llm(models_dir(home), model or settings.llm_model_path)
    return make_llm("llamacpp", model_path=info.path, n_ctx=n_ctx, threads=threads,
                    n_gpu_layers=settings.llm_n_gpu_layers)
