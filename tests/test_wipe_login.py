"""Wiping the default data dir also removes the login entry that would start Reverie into an empty store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def _default_home_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REVERIE_HOME"}
    env["HOME"] = str(tmp_path / "user")  # platformdirs: XDG_DATA_HOME (tmp, from conftest)/reverie
    return env


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "reverie", *args], capture_output=True, text=True, env=env,
                          timeout=180)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("custom_home", [False, True])
def test_wipe_turns_login_start_off_only_for_the_default_data_dir(tmp_path: Path, custom_home: bool) -> None:
    env = _default_home_env(tmp_path)
    if custom_home:
        env["REVERIE_HOME"] = str(tmp_path / "elsewhere")
    home = Path(env["REVERIE_HOME"]) if custom_home else Path(os.environ["XDG_DATA_HOME"]) / "reverie"
    assert _run(env, "add", "--type", "semantic", "--text", "Login start canary")[0] == 0
    assert home.is_dir()
    assert _run(env, "autostart", "on")[0] == 0
    entry = Path(os.environ["XDG_CONFIG_HOME"]) / "autostart" / "io.github.reverie.Reverie.desktop"
    assert entry.exists()

    code, out, err = _run(env, "wipe", "--yes")
    assert code == 0, err
    assert not home.exists()
    assert entry.exists() == custom_home  # another data dir's wipe leaves the default app's login start alone
    assert ("removed the login start entry" in out) != custom_home
