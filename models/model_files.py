"""Model-file integrity: sha256 checks with a size+mtime cache, and resumable verified downloads."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int | None], None]  # (bytes done, total bytes if known)
CHUNK = 1 << 20
VERIFIED_FILE = ".verified.json"


class ModelError(RuntimeError):
    """A model file is missing, corrupt, or could not be fetched or assembled."""


class ChecksumError(ModelError):
    """The bytes do not hash to the expected sha256; the bad file has been removed."""


class DownloadError(ModelError):
    """The transfer failed; the `.part` file is kept so the next call resumes."""


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class VerifiedCache:
    """Remembers which files hashed correctly, keyed by path, size and mtime.

    Re-hashing a 0.5-1 GB model on every start costs seconds; a changed size or mtime (the file was
    replaced or touched) invalidates the entry, which is the tampering/corruption case we care about.
    """

    def __init__(self, directory: Path) -> None:
        self._file = directory / VERIFIED_FILE

    def is_verified(self, path: Path, sha256: str) -> bool:
        entry = self._load().get(str(path.resolve()))
        if entry is None or not path.is_file():
            return False
        return entry == _fingerprint(path, sha256)

    def mark(self, path: Path, sha256: str) -> None:
        entries = self._load()
        entries[str(path.resolve())] = _fingerprint(path, sha256)
        self._file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._file.parent, prefix=VERIFIED_FILE, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entries, handle, indent=1, sort_keys=True)
        os.replace(tmp, self._file)

    def check(self, path: Path, sha256: str) -> bool:
        """True if the file matches sha256, hashing it only when the cache cannot vouch for it."""
        if self.is_verified(path, sha256):
            return True
        if not path.is_file() or sha256_file(path) != sha256.lower():
            return False
        self.mark(path, sha256)
        return True

    def _load(self) -> dict[str, dict[str, int | str]]:
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (ValueError, OSError) as exc:  # the cache only saves re-hashing; rebuild it
            log.warning("ignoring unreadable verification cache %s: %s", self._file, exc)
            return {}
        return data if isinstance(data, dict) else {}


def _fingerprint(path: Path, sha256: str) -> dict[str, int | str]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256.lower()}


def download(
    url: str,
    dest: Path,
    sha256: str | None,
    progress_cb: ProgressCallback | None = None,
    *,
    timeout: float = 60.0,
) -> Path:
    """Fetch url to dest, resuming `dest.part` with an HTTP Range request; verify, then rename.

    A transfer error raises DownloadError and keeps the partial file; a checksum mismatch deletes
    it and raises ChecksumError. Exceptions from progress_cb (e.g. a user cancel) propagate as-is.
    sha256=None (no published hash): the file is only checked against the size the server declared,
    and is never recorded as verified.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    cache = VerifiedCache(dest.parent)
    if sha256 is not None and cache.check(dest, sha256):
        return dest
    part = dest.with_name(dest.name + ".part")
    offset = part.stat().st_size if part.exists() else 0
    digest = _hash_existing(part)
    total: int | None = None
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client:
            headers = {"Range": f"bytes={offset}-"} if offset else {}
            with client.stream("GET", url, headers=headers) as response:
                if not (offset and response.status_code == 416):  # 416: the .part is already complete
                    start, total = _start_and_total(response, offset, url)
                    if start == 0:
                        digest = hashlib.sha256()  # the server ignored Range: start over
                    _write_body(response, part, start, total, digest, progress_cb)
    except httpx.HTTPError as exc:
        size = part.stat().st_size if part.exists() else 0
        if not size:
            raise DownloadError(f"download of {url} failed: {exc!r}") from exc
        raise DownloadError(f"download of {url} interrupted at {size} bytes (call again to resume): {exc!r}") from exc
    if sha256 is None:
        size = part.stat().st_size
        if total is not None and size != total:
            raise DownloadError(f"download of {url} stopped at {size} of {total} bytes (call again to resume)")
        os.replace(part, dest)
        return dest
    actual = digest.hexdigest()
    if actual != sha256.lower():
        part.unlink(missing_ok=True)
        raise ChecksumError(f"{url}: sha256 is {actual}, expected {sha256}; the partial file was deleted")
    os.replace(part, dest)
    cache.mark(dest, sha256)
    return dest


def _hash_existing(part: Path) -> hashlib._Hash:
    digest = hashlib.sha256()
    if part.exists():
        with part.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    return digest


def _start_and_total(response: httpx.Response, offset: int, url: str) -> tuple[int, int | None]:
    length = response.headers.get("Content-Length")
    if response.status_code == 206:
        content_range = response.headers.get("Content-Range", "")  # "bytes 1048576-3145727/3145728"
        first, _, total = content_range.removeprefix("bytes ").partition("/")
        if first.split("-")[0] != str(offset):
            raise DownloadError(f"{url}: server answered range {content_range!r}, asked from byte {offset}")
        return offset, int(total) if total.isdigit() else None
    if response.status_code == 200:
        return 0, int(length) if length and length.isdigit() else None
    raise DownloadError(f"download of {url} failed: HTTP {response.status_code}")


def _write_body(
    response: httpx.Response,
    part: Path,
    start: int,
    total: int | None,
    digest: hashlib._Hash,
    progress_cb: ProgressCallback | None,
) -> None:
    done = start
    with part.open("ab" if start else "wb") as handle:
        for chunk in response.iter_bytes(CHUNK):
            handle.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if progress_cb is not None:
                progress_cb(done, total)
