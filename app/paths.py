"""Where Reverie keeps its data: platformdirs, overridden by REVERIE_HOME."""

from __future__ import annotations

import os
from pathlib import Path


def reverie_home() -> Path:
    override = os.environ.get("REVERIE_HOME")
    if override:
        return Path(override).expanduser().resolve()
    from platformdirs import user_data_dir

    return Path(user_data_dir("reverie", appauthor=False))


def models_dir(home: Path | None = None) -> Path:
    return (home or reverie_home()) / "models"
