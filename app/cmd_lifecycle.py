"""`reverie export FILE`, `reverie import FILE`, `reverie wipe`: backup, moving machines, erasing.

The archive format, snapshot, restore and wipe live in `reverie.core.backup`; this module
asks for passphrases, passes in the app's own files (settings.json) and prints results.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from functools import wraps
from pathlib import Path
from typing import Any

from reverie.errors import UserFacingError

EXPORT_ENV = "REVERIE_EXPORT_PASSPHRASE"
MIN_EXPORT_PASSPHRASE = 8
# App files that travel in an export (the store's own data is handled by core).
EXPORTED_FILES = ("settings.json",)
# What the app keeps in a data dir besides the store (glob patterns): wipe removes these and
# refuses a dir holding anything else. client-token and api.json are machine-local and regenerated.
APP_ENTRIES = ("settings.json", "settings.json.tmp", "api.json", ".api.json.*.tmp", "client-token",
               ".client-token.*.tmp", "capture.paused", "models")

Handler = Callable[[argparse.Namespace], int]


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="write one encrypted backup: memories, chats, frames, thumbnails, settings")
    p.add_argument("file", type=Path, help="the archive to write (outside the data dir)")
    p.add_argument("--overwrite", action="store_true", help="replace FILE if it already exists")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("import", help="restore an export into an empty data dir (REVERIE_HOME)")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("wipe", help="erase the data dir and its key from the OS keystore")
    p.add_argument("--yes", action="store_true", help="do not ask to type 'wipe' first")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(handler=cmd_wipe)


def _user_facing(fn: Handler) -> Handler:
    """Core's BackupError is meant for the user: one line, no traceback."""
    @wraps(fn)
    def run(args: argparse.Namespace) -> int:
        from reverie.core.backup import BackupError

        try:
            return fn(args)
        except BackupError as exc:
            raise UserFacingError(str(exc)) from None
    return run


def _export_passphrase(*, new: bool) -> str:
    value = os.environ.get(EXPORT_ENV)
    if value is None:
        if not sys.stdin.isatty():
            raise UserFacingError(f"set {EXPORT_ENV} to the export passphrase (there is no terminal to ask on)")
        value = getpass.getpass("Export passphrase: ")
        if new and getpass.getpass("Repeat the export passphrase: ") != value:
            raise UserFacingError("the passphrases do not match; nothing was written")
    if not value:
        raise UserFacingError("the export passphrase is empty")
    if new and len(value) < MIN_EXPORT_PASSPHRASE:
        raise UserFacingError(f"use an export passphrase of at least {MIN_EXPORT_PASSPHRASE} characters: "
                              "the archive holds all your memories")
    return value


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


class _ProgressLine:
    """A self-overwriting progress line on a terminal; silent when stderr is not one."""

    def __init__(self, verb: str) -> None:
        self.verb = verb
        self.on = sys.stderr.isatty()
        self._last = 0.0

    def __call__(self, p: Any) -> None:
        now = time.monotonic()
        if self.on and (now - self._last > 0.3 or p.done == p.total):
            self._last = now
            sys.stderr.write(f"\r{self.verb} {p.phase}: {p.done}/{p.total} · {_mb(p.bytes)}\033[K")
            sys.stderr.flush()

    def done(self) -> None:
        if self.on:
            sys.stderr.write("\r\033[K")


@contextlib.contextmanager
def _lock_if_free(home: Path) -> Iterator[int | None]:
    """Hold the data-dir lock when nobody does; else yield the holder's pid and read alongside it."""
    from reverie.core.store.lock import DataDirLock, StoreLocked

    lock = DataDirLock(home)
    try:
        lock.acquire()
    except StoreLocked:
        yield lock.holder_pid() or -1
        return
    try:
        yield None
    finally:
        lock.release()


# ---- export ------------------------------------------------------------------------------------
@_user_facing
def cmd_export(args: argparse.Namespace) -> int:
    from reverie import __version__
    from reverie.core.backup.export import export_data_dir
    from reverie.core.store.keys import KEYFILE, load_or_create_data_key
    from reverie.paths import reverie_home
    from reverie.services import key_options
    from reverie.settings import Settings

    home = reverie_home()
    given = args.file.expanduser()
    out = Path(os.path.realpath(given.parent)) / given.name  # a symlinked path into the data dir is caught too
    if out.is_relative_to(home):
        raise UserFacingError(f"write the export outside the data dir {home}: `reverie wipe` would erase it")
    if out.exists() and not args.overwrite:
        raise UserFacingError(f"{out} already exists; pass --overwrite or choose another name")
    if not out.parent.is_dir():
        raise UserFacingError(f"no such directory: {out.parent}")
    if not (home / KEYFILE).exists():
        raise UserFacingError(f"there is no Reverie store in {home} to export")
    passphrase = _export_passphrase(new=True)
    settings = Settings.load(home)
    files = {n: (home / n).read_bytes() for n in EXPORTED_FILES if (home / n).is_file()}
    partial = out.with_name(out.name + ".partial")
    progress = _ProgressLine("exporting")
    with _lock_if_free(home) as running_pid:
        # An existing key file is only read here, never rewritten.
        data_key = load_or_create_data_key(home, key_options(settings, home))
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as fh:
                summary = export_data_dir(home, data_key, fh, passphrase, files=files, app_version=__version__,
                                          progress=progress)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(partial, out)  # the archive appears complete or not at all
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            progress.done()
    _fsync_dir(out.parent)
    report = {"file": str(out), **asdict(summary), "snapshot_beside_running_pid": running_pid}
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    if running_pid is not None:
        print(f"Reverie is running (pid {running_pid}); exported a consistent snapshot without stopping it.")
    t = summary.tables
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(summary.memories_by_type.items()))
    print(f"exported {t.get('memories', 0)} memories ({kinds or 'none'}), {t.get('messages', 0)} chat messages, "
          f"{t.get('frames', 0)} frames with {summary.thumbnails} thumbnails, {', '.join(summary.files) or 'no files'}")
    if summary.thumbnails_missing:
        print(f"{summary.thumbnails_missing} thumbnails were being deleted meanwhile and are not in the export")
    print(f"wrote {out} ({_mb(summary.bytes)}), encrypted with your export passphrase; keep both safe")
    return 0


def _fsync_dir(path: Path) -> None:
    if sys.platform == "win32":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---- import ------------------------------------------------------------------------------------
def _new_store_key_options(settings: Any) -> Any:
    """How this machine keeps the carried-over data key: the same choice a first run makes."""
    from reverie.core.store.keys import KeyOptions, keystore_available

    passphrase = os.environ.get("REVERIE_PASSPHRASE")
    if passphrase is None and not (settings.use_keystore and keystore_available()) and sys.stdin.isatty():
        passphrase = getpass.getpass("Choose a passphrase for Reverie on this computer: ")
        if getpass.getpass("Repeat it: ") != passphrase:
            raise UserFacingError("the passphrases do not match; nothing was imported")
    return KeyOptions(passphrase=passphrase or None, use_keystore=settings.use_keystore)


@_user_facing
def cmd_import(args: argparse.Namespace) -> int:
    from reverie.core.backup.archive import ArchiveReader
    from reverie.core.backup.restore import existing_store_files, restore_data_dir
    from reverie.core.store.store import MemoryStore
    from reverie.core.store.vector_index import IndexConfig
    from reverie.core.types import MemoryType
    from reverie.paths import reverie_home
    from reverie.services import make_embedder
    from reverie.settings import Settings

    home = reverie_home()
    if not args.file.is_file():
        raise UserFacingError(f"no such file: {args.file}")
    clash = existing_store_files(home, EXPORTED_FILES)
    if clash:
        raise UserFacingError(
            f"{home} already holds Reverie data ({', '.join(clash)}), so nothing was imported. To replace it: "
            "`reverie export OLD-BACKUP` if you want to keep it, then `reverie wipe`, then import again; "
            "or set REVERIE_HOME to an empty directory.")
    passphrase = _export_passphrase(new=False)
    chosen: dict[str, Any] = {}
    progress = _ProgressLine("importing")

    def key_options(staging: Path) -> Any:
        progress.done()  # a passphrase prompt may follow
        chosen["opts"] = _new_store_key_options(Settings.load(staging))
        return chosen["opts"]

    with open(args.file, "rb") as fh:
        reader = ArchiveReader(fh, passphrase)
        try:
            summary = restore_data_dir(reader, home, key_options, allowed_files=EXPORTED_FILES, progress=progress)
        finally:
            progress.done()
    # Opening the store rebuilds the vector index from the embeddings table, and proves the
    # store unlocks with this machine's key setup.
    settings = Settings.load(home)
    if sys.stderr.isatty():
        print("rebuilding the search index from the imported embeddings…", file=sys.stderr)
    try:
        with MemoryStore.open(home, chosen["opts"], make_embedder(),  # type: ignore[arg-type]
                              IndexConfig(mode=settings.index_mode, http_url=settings.index_url)) as store:
            vectors = sum(store.index.count(t) for t in MemoryType) if store.index else 0
            memories = store.count()
    except Exception as exc:  # e.g. an "http" index server from the old machine that is not reachable here
        raise UserFacingError(f"imported into {home}, but opening it failed: {exc}. The data is in place; "
                              "check settings.json (index_mode) and run `reverie doctor`.") from exc
    report = {"home": str(home), **asdict(summary), "memories": memories, "index_vectors": vectors}
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    t = summary.tables
    print(f"imported {memories} memories, {t.get('messages', 0)} chat messages, {t.get('frames', 0)} frames with "
          f"{summary.thumbnails} thumbnails and {', '.join(summary.files) or 'no settings'} into {home}")
    where = "the OS keystore" if summary.key_mode == "keystore" else "your passphrase"
    print(f"the data key is now protected by {where} on this computer; the search index was rebuilt "
          f"({vectors} vectors)")
    return 0


# ---- wipe --------------------------------------------------------------------------------------
@_user_facing
def cmd_wipe(args: argparse.Namespace) -> int:
    from reverie.core.backup.wipe import plan_wipe, wipe_data_dir
    from reverie.core.store.lock import DataDirLock, StoreLocked
    from reverie.paths import reverie_home

    home = reverie_home()
    plan = plan_wipe(home, known=APP_ENTRIES, markers=("settings.json",))
    if not plan.entries:
        print(json.dumps({"home": str(home), "removed": []}) if args.json else f"nothing to wipe: no {home}")
        return 0
    lock = DataDirLock(home)
    try:
        lock.acquire()
    except StoreLocked:
        raise UserFacingError(f"Reverie is running (pid {lock.holder_pid() or '?'}) and holds {home}; quit it "
                              "first (tray menu → Quit, or stop `reverie serve` / `reverie capture`). "
                              "Nothing was deleted.") from None
    try:
        _describe(plan)
        if not args.yes and not _confirmed():
            print("Not wiped: nothing was changed.", file=sys.stderr)
            return 1
        result = wipe_data_dir(plan, lock)
    finally:
        lock.release()
    if args.json:
        print(json.dumps({**asdict(result), "files": plan.files, "bytes": plan.bytes}, indent=1))
        return 0
    for e in result.removed:
        print(f"removed {e.name}{'/' if e.kind == 'dir' else ''}"
              + (f" ({e.files} files, {_mb(e.bytes)})" if e.kind == "dir" else
                 " (a symlink; its target was left alone)" if e.kind == "symlink" else f" ({_mb(e.bytes)})"))
    if result.keystore_entry_removed:
        print(f"removed the data key from the OS keystore ({plan.keystore_user})")
    if _login_start_removed():
        print("removed the login start entry (it would have started Reverie into a new, empty store)")
    print(f"wiped {home}")
    return 0


def _login_start_removed() -> bool:
    """The login entry starts the default data dir: after wiping that one, it has nothing to start."""
    if os.environ.get("REVERIE_HOME"):
        return False
    from reverie import desktop

    try:
        return desktop.sync_autostart(False)
    except (OSError, NotImplementedError) as exc:  # the data is gone either way: say what is left
        print(f"warning: could not remove the login start entry ({exc}); run `reverie autostart off`",
              file=sys.stderr)
        return False


def _describe(plan: Any) -> None:
    err = sys.stderr
    print(f"This permanently erases the Reverie data dir {plan.home}:", file=err)
    for e in plan.entries:
        what = f"{e.files} files" if e.kind == "dir" else e.kind
        print(f"  {e.name:<24} {what:<12} {_mb(e.bytes)}", file=err)
    if plan.key_mode == "keystore":
        print(f"and its data key in the OS keystore ({plan.keystore_user}).", file=err)
    print("Exports you made elsewhere are not touched (`reverie export FILE` makes one now).", file=err)


def _confirmed() -> bool:
    sys.stderr.write('Type "wipe" to erase it all: ')
    sys.stderr.flush()
    answer = sys.stdin.readline()
    return answer.strip() == "wipe"
