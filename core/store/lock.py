"""One process owns a data dir: an exclusive, non-blocking lock on `<home>/reverie.lock`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO


class StoreLocked(RuntimeError):
    """Another Reverie process holds this data dir."""


class DataDirLock:
    def __init__(self, home: Path) -> None:
        self.path = home / "reverie.lock"
        self._fh: IO[str] | None = None

    def acquire(self) -> None:
        fh = open(self.path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "unknown"
            fh.close()
            raise StoreLocked(
                f"Another Reverie instance (pid {holder}) is using {self.path.parent}. "
                "Close it first, or talk to it through its local API."
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def holder_pid(self) -> int | None:
        try:
            text = self.path.read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None
