"""`reverie doctor`: what is installed, which models are found, how the store is doing."""

from __future__ import annotations

import argparse
import json
import platform
import sys
from typing import Any

from reverie import __version__
from reverie.paths import reverie_home


def register(sub: Any) -> None:
    p = sub.add_parser("doctor", help="check models, keystore and store")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-store", action="store_true", help="don't try to unlock the store")
    p.set_defaults(handler=cmd_doctor)


def _embedder_info() -> dict[str, Any]:
    try:
        from reverie.models.embedder import bundled_model_info

        return dict(bundled_model_info())
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def _providers() -> list[str]:
    try:
        import onnxruntime

        return list(onnxruntime.get_available_providers())
    except Exception as exc:
        return [f"error: {exc}"]


def _llm_info(home: Any) -> dict[str, Any]:
    try:
        from reverie.models.model_manager import resolve_default_llm
        from reverie.settings import Settings

        settings = Settings.load(home)
        if settings.llm_backend == "openai":
            return {"backend": "openai", "url": settings.llm_url, "model": settings.llm_model}
        # Report only: assembling the bundled 491 MB GGUF is left to its first real use.
        info = resolve_default_llm(home / "models", settings.llm_model_path, assemble_parts=False)
        return {k: (str(v) if not isinstance(v, bool | int | float | type(None)) else v)
                for k, v in vars(info).items()}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def _store_info(home: Any) -> dict[str, Any]:
    from reverie.services import open_store

    try:
        with open_store(home, with_embedder=False, interactive=False) as store:
            return {"ok": True, **store.stats()}
    except Exception as exc:
        return {"ok": False, "error": str(exc)}


def collect(check_store: bool = True) -> dict[str, Any]:
    from reverie.core.store.keys import keystore_backend_name

    home = reverie_home()
    report: dict[str, Any] = {
        "version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "home": str(home),
        "execution_providers": _providers(),
        "embedder_model": _embedder_info(),
        "llm_model": _llm_info(home),
        "keyring_backend": keystore_backend_name(),
    }
    if check_store:
        report["store"] = _store_info(home) if (home / "keyfile.json").exists() else {"ok": True, "status": "new"}
    return report


def cmd_doctor(args: argparse.Namespace) -> int:
    report = collect(check_store=not args.no_store)
    if args.json:
        print(json.dumps(report, indent=1, default=str))
        return 0
    for key, value in report.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {k}: {v}")
        else:
            print(f"{key}: {value}")
    return 0
