"""Erase a data dir and its data key, refusing anything that does not look like one.

The key goes first (crypto-shredding): once the OS keystore entry is deleted and the key file
overwritten, any ciphertext left behind (SSD blocks, file-system snapshots, old backups of the
dir) no longer opens. Deletion never follows a symlink: a link inside the dir is removed, its
target is left alone. A dir with entries Reverie does not know is refused rather than emptied,
so a mistyped REVERIE_HOME cannot cost the user their documents.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from reverie.core.backup import BackupError
from reverie.core.store.keys import KEYFILE, KEYRING_SERVICE, delete_keystore_entry
from reverie.core.store.lock import DataDirLock

# What the store itself keeps in a data dir (the app adds its own names).
STORE_ENTRIES = (KEYFILE, f"{KEYFILE}.tmp", "memories.db", "memories.db-*", "blobs", "index", "reverie.lock")
STORE_MARKERS = (KEYFILE, "memories.db")
# Files an OS file manager drops into any folder it shows.
OS_LITTER = (".DS_Store", "Thumbs.db", "desktop.ini")


@dataclass(frozen=True)
class WipeEntry:
    name: str
    kind: str  # file | dir | symlink
    files: int
    bytes: int


@dataclass
class WipePlan:
    home: Path
    entries: list[WipeEntry] = field(default_factory=list)
    key_mode: str = ""  # keystore | passphrase | "" (no key file)
    keystore_user: str = ""

    @property
    def files(self) -> int:
        return sum(e.files for e in self.entries)

    @property
    def bytes(self) -> int:
        return sum(e.bytes for e in self.entries)


@dataclass
class WipeResult:
    home: str
    removed: list[WipeEntry]
    keystore_entry_removed: bool
    key_mode: str


def plan_wipe(home: Path, known: Collection[str] = (), markers: Collection[str] = ()) -> WipePlan:
    """Check that `home` is a Reverie data dir and list what wiping it removes.

    `known` adds the app's own entry names (glob patterns), `markers` names that prove the dir
    is Reverie's besides the store's key file and database.
    """
    home = Path(os.path.abspath(home))
    _refuse_dangerous(home)
    plan = WipePlan(home)
    if not os.path.lexists(home):
        return plan
    if home.is_symlink() or not home.is_dir():
        raise BackupError(f"{home} is not a plain directory (a symlink or a file); set REVERIE_HOME to the "
                          "real data dir. Nothing was deleted.")
    names = sorted(os.listdir(home))
    patterns = (*STORE_ENTRIES, *OS_LITTER, *known)
    unknown = [n for n in names if not any(fnmatch.fnmatchcase(n, p) for p in patterns)]
    if not any(n in (*STORE_MARKERS, *markers) for n in names):
        raise BackupError(f"{home} does not look like a Reverie data dir (no {KEYFILE}, memories.db or settings); "
                          "check REVERIE_HOME. Nothing was deleted.")
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        raise BackupError(f"{home} holds entries Reverie did not create ({shown}); move them out first "
                          "(or check REVERIE_HOME). Nothing was deleted.")
    plan.entries = [_measure(home, n) for n in names]
    keyfile = home / KEYFILE
    if keyfile.is_file() and not keyfile.is_symlink():
        try:
            meta = json.loads(keyfile.read_text())
            plan.key_mode = str(meta.get("mode", ""))
            if plan.key_mode == "keystore":
                plan.keystore_user = f"{KEYRING_SERVICE} / data-key:{meta.get('key_id')}"
        except (OSError, ValueError, AttributeError):
            plan.key_mode = "unreadable"
    return plan


def _refuse_dangerous(home: Path) -> None:
    if home == Path(home.anchor):
        raise BackupError(f"refusing to wipe {home}: it is a file-system root. Check REVERIE_HOME.")
    try:
        user_home = Path.home().resolve()
    except RuntimeError:  # no home directory can be determined
        return
    if home == user_home or home in user_home.parents:
        raise BackupError(f"refusing to wipe {home}: it is your home directory or above it. Check REVERIE_HOME.")


def _measure(home: Path, name: str) -> WipeEntry:
    path = home / name
    st = path.lstat()
    if path.is_symlink():
        return WipeEntry(name, "symlink", 0, 0)
    if not path.is_dir():
        return WipeEntry(name, "file", 1, st.st_size)
    files = size = 0
    for root, dirs, fnames in os.walk(path, followlinks=False):
        for f in (*fnames, *(d for d in dirs if os.path.islink(os.path.join(root, d)))):
            files += 1
            size += os.lstat(os.path.join(root, f)).st_size
    return WipeEntry(name, "dir", files, size)


def wipe_data_dir(plan: WipePlan, lock: DataDirLock) -> WipeResult:
    """Delete what `plan` lists. `lock` must be held by the caller (no instance may run meanwhile)."""
    home = plan.home
    removed_key = False
    if plan.key_mode == "keystore":
        removed_key = _delete_key_from_keystore(home)
    keyfile = home / KEYFILE
    if keyfile.is_file() and not keyfile.is_symlink():
        _overwrite(keyfile)  # the wrapped key is gone even if the unlink below leaves blocks behind
    removed: list[WipeEntry] = []
    for entry in plan.entries:
        if entry.name == "reverie.lock":
            continue  # last: it is the lock we hold
        path = home / entry.name
        if entry.kind == "dir":
            shutil.rmtree(path)  # never follows symlinks inside (fd-based on Linux)
        else:
            path.unlink(missing_ok=True)
        removed.append(entry)
    lock.release()  # before the unlink: Windows cannot delete a file it holds open
    (home / "reverie.lock").unlink(missing_ok=True)
    removed += [e for e in plan.entries if e.name == "reverie.lock"]
    try:
        home.rmdir()
    except OSError as exc:  # something appeared meanwhile: say so rather than delete what we did not list
        raise BackupError(f"wiped the listed entries but {home} is not empty now ({exc}); remove it by hand") from None
    return WipeResult(str(home), removed, removed_key, plan.key_mode)


def _delete_key_from_keystore(home: Path) -> bool:
    from keyring.errors import PasswordDeleteError

    try:
        return delete_keystore_entry(home)
    except PasswordDeleteError:
        return False  # already gone
    except Exception as exc:
        raise BackupError(f"could not remove the data key from the OS keystore ({exc}); nothing was deleted. "
                          "Unlock the keystore and retry.") from exc


def _overwrite(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.write(b"\0" * size)
        fh.flush()
        os.fsync(fh.fileno())
