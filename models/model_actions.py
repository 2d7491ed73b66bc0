"""Changing model files: download a catalogue model (disk-space check, one writer per file, resume,
sha256) and remove a downloaded one. Runs only when the user asks (`reverie models download`, the
Settings page's Download button); nothing here is called at start-up.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from reverie.models.model_catalog import find_recommended, human_size
from reverie.models.model_files import (
    ChecksumError,
    DownloadError,
    ModelError,
    ProgressCallback,
    VerifiedCache,
    download,
)
from reverie.models.model_manager import BUNDLED, RecommendedModel

HEADROOM = 64 << 20  # never fill the disk to the last byte: the encrypted store lives on it too


class NotEnoughSpace(ModelError):
    """The download would not fit on the disk; nothing was fetched."""


class DownloadBusy(ModelError):
    """Another process or window is downloading the same file right now."""


def download_model(rec: RecommendedModel, models_dir: Path, progress_cb: ProgressCallback | None = None) -> Path:
    """Fetch one catalogue model into models_dir, resuming its `.part` file; verified by sha256 when known.

    Raises NotEnoughSpace before anything is fetched, DownloadBusy when another download of the
    same file runs, DownloadError (the `.part` is kept) and ChecksumError (the bad file is deleted).
    Exceptions from progress_cb (a cancel, Ctrl-C) propagate and keep the `.part` for a later resume.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    dest = models_dir / rec.filename
    part = dest.with_name(dest.name + ".part")
    with _exclusive(models_dir / f".{rec.filename}.lock", rec.name):
        if dest.is_file():
            if rec.sha256 is None and (rec.size is None or dest.stat().st_size == rec.size):
                return dest
            if rec.sha256 is not None and VerifiedCache(models_dir).check(dest, rec.sha256):
                return dest
            dest.unlink()  # a damaged or foreign file under this name: fetch it again
        total = rec.size if rec.size is not None else _remote_size(rec.url)
        if total is not None:
            ensure_space(models_dir, rec.name, total, part.stat().st_size if part.exists() else 0)
        path = download(rec.url, dest, rec.sha256, progress_cb)
        if rec.sha256 is None and rec.size is not None and path.stat().st_size != rec.size:
            got = path.stat().st_size
            path.unlink()
            raise ChecksumError(f"{rec.name}: got {got} bytes, expected {rec.size}; the file was deleted")
        return path


def ensure_space(directory: Path, name: str, total: int, have: int) -> None:
    free = shutil.disk_usage(directory).free
    missing = max(0, total - have)
    if free < missing + HEADROOM:
        raise NotEnoughSpace(
            f"not enough free space in {directory} for {name}: it needs {human_size(missing)} more "
            f"(plus {human_size(HEADROOM)} to spare) and only {human_size(free)} is free. "
            "Free some space and run the download again."
        )


def _remote_size(url: str) -> int | None:
    """Size the server declares, for the disk-space check of entries with no published size."""
    try:
        response = httpx.head(url, follow_redirects=True, timeout=30.0)
    except httpx.HTTPError as exc:
        raise DownloadError(f"cannot reach {url}: {exc!r}") from exc
    length = response.headers.get("Content-Length", "")
    return int(length) if response.status_code == 200 and length.isdigit() else None


@contextmanager
def _exclusive(lock_path: Path, name: str) -> Iterator[None]:
    """One writer per `.part` file across processes (the CLI and the Settings page may both try)."""
    handle = open(lock_path, "a+")  # noqa: SIM115 - held for the lock's lifetime
    try:
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise DownloadBusy(f"{name} is already being downloaded (by another Reverie window or command)") from None
        yield
    finally:
        handle.close()


def remove_model(name: str, models_dir: Path) -> list[Path]:
    """Delete a downloaded model (and its partial file), or the assembled copy of a multi-part bundled
    model. Never a bundled package file, and never a file Reverie did not download."""
    rec = find_recommended(name, models_dir)
    if rec is not None:
        dest = models_dir / rec.filename
        return _unlink_all([dest, dest.with_name(dest.name + ".part"), models_dir / f".{rec.filename}.lock"],
                           f"{name} is not downloaded")
    bundled = next((m for m in BUNDLED if m.name == name), None)
    if bundled is not None:
        if len(bundled.parts) == 1:
            raise ModelError(f"{name} ships inside the {bundled.parts[0][0].replace('_', '-')} package; "
                             "Reverie never deletes package files")
        return _unlink_all([models_dir / bundled.filename],
                           f"{name} has not been assembled; its bundled parts stay installed")
    if any(p.stem == name for p in (models_dir.glob("*.gguf") if models_dir.is_dir() else [])):
        raise ModelError(f"{name} was not downloaded by Reverie; delete {models_dir / (name + '.gguf')} "
                         "yourself if you want it gone")
    raise ModelError(f"unknown model {name!r}; see `reverie models list`")


def _unlink_all(paths: Sequence[Path], nothing: str) -> list[Path]:
    removed = [p for p in paths if p.exists()]
    if not any(p.suffix in (".gguf", ".part") for p in removed):
        raise ModelError(nothing)
    for p in removed:
        p.unlink()
    return [p for p in removed if not p.name.startswith(".")]
