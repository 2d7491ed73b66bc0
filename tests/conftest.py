"""Shared fixtures. Every test gets its own data dir; nothing touches the user's real one."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
LOCOMO = SHARED / "data" / "locomo" / "locomo_dev.json"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    home = tmp_path / "home"
    monkeypatch.setenv("REVERIE_HOME", str(home))
    monkeypatch.setenv("REVERIE_PASSPHRASE", PASSPHRASE)
    # Keep keyring from finding a real desktop keystore on a developer machine.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    # Settings saves apply autostart: never touch a developer's real ~/.config/autostart or menu.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    yield


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    from reverie.models.embedder import OnnxEmbedder

    return OnnxEmbedder()


@pytest.fixture
def store(home: Path, embedder):  # type: ignore[no-untyped-def]
    from reverie.core.store.keys import KeyOptions
    from reverie.core.store.store import MemoryStore

    s = MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE), embedder)
    yield s
    s.close()


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> tuple[int, str, str]:
    """Run `python -m reverie ARGS` in a subprocess with the test's environment."""
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "reverie", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def scan_for(root: Path, needle: bytes) -> list[Path]:
    """Every file under root whose raw bytes contain needle (plaintext leak check)."""
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and needle in path.read_bytes():
            hits.append(path)
    return hits
