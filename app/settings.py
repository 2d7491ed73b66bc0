"""User settings (non-sensitive preferences) in `<home>/settings.json`."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any


@dataclass
class Settings:
    index_mode: str = "persistent"  # persistent | memory (no vectors on disk) | http
    index_url: str | None = None
    use_keystore: bool = True
    llm_backend: str = "llamacpp"  # llamacpp | openai
    llm_model_path: str | None = None
    llm_url: str | None = None
    llm_model: str | None = None
    llm_n_gpu_layers: int = 0
    llm_n_ctx: int = 4096
    capture_interval_s: float = 2.0
    capture_monitors: str = "all"
    excluded_apps: list[str] = field(default_factory=list)
    excluded_titles: list[str] = field(default_factory=list)
    capture_fail_closed: bool = True
    retention_days: int = 90
    retention_gb: float = 10.0
    lock_timeout_min: int = 15
    api_port: int = 8765
    api_allowed_origins: list[str] = field(default_factory=list)  # browser origins allowed to call the API
    api_rate_per_s: float = 20.0
    api_burst: int = 60
    autostart: bool = False
    onboarded: bool = False

    @classmethod
    def load(cls, home: Path) -> Settings:
        path = home / "settings.json"
        if not path.exists():
            return cls()
        raw: dict[str, Any] = json.loads(path.read_text())
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})

    def save(self, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        tmp = home / "settings.json.tmp"
        tmp.write_text(json.dumps(asdict(self), indent=2))
        os.replace(tmp, home / "settings.json")
