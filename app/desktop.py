"""Desktop integration: menu entry, icons and AppStream data (XDG), and starting Reverie at login.

The shipped files in `reverie.data` are the single source; installing copies them into the user's
XDG data dirs with `Exec` rewritten to the absolute launcher path, because `~/.local/bin` or a
virtual environment is often not on the PATH a desktop session starts menu entries with.
Login start: an XDG autostart entry on Linux/BSD, a LaunchAgent on macOS, the HKCU Run key on Windows.
"""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from reverie.errors import UserFacingError

APP_ID = "io.github.reverie.Reverie"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# Login start: tray only, no window (the user did not ask for it at that moment).
AUTOSTART_ARGS = ("gui", "--minimized")
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "Reverie"


def data_file(name: str) -> bytes:
    return resources.files("reverie.data").joinpath(name).read_bytes()


def icon_png_name(size: int) -> str:
    return f"{APP_ID}-{size}.png"


# ---- where things go -----------------------------------------------------------------------------

def _xdg(var: str, default: str) -> Path:
    # XDG Base Directory spec: unset, empty or relative values are ignored.
    value = os.environ.get(var, "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / default


@dataclass(frozen=True)
class XdgDirs:
    data_home: Path
    config_home: Path

    @classmethod
    def from_env(cls) -> XdgDirs:
        return cls(_xdg("XDG_DATA_HOME", ".local/share"), _xdg("XDG_CONFIG_HOME", ".config"))

    @property
    def applications(self) -> Path:
        return self.data_home / "applications"

    @property
    def hicolor(self) -> Path:
        return self.data_home / "icons" / "hicolor"

    @property
    def desktop_file(self) -> Path:
        return self.applications / f"{APP_ID}.desktop"

    @property
    def metainfo_file(self) -> Path:
        return self.data_home / "metainfo" / f"{APP_ID}.metainfo.xml"

    @property
    def autostart_file(self) -> Path:
        return self.config_home / "autostart" / f"{APP_ID}.desktop"

    def icon_files(self) -> dict[Path, str]:
        """Installed icon path -> packaged file name."""
        icons = {self.hicolor / f"{n}x{n}" / "apps" / f"{APP_ID}.png": icon_png_name(n) for n in ICON_SIZES}
        icons[self.hicolor / "scalable" / "apps" / f"{APP_ID}.svg"] = f"{APP_ID}.svg"
        return icons

    def installed_files(self) -> list[Path]:
        """Everything `install` writes (the autostart entry is separate: `autostart on` writes it)."""
        return [self.desktop_file, self.metainfo_file, *self.icon_files()]


# ---- the launcher --------------------------------------------------------------------------------

def _executable(path: str | Path | None) -> str | None:
    if not path:
        return None
    full = os.path.abspath(path)  # absolute but not resolved: keep ~/.local/bin links that survive upgrades
    return full if os.path.isfile(full) and os.access(full, os.X_OK) else None


def launcher_command() -> list[str]:
    """The absolute command that starts this Reverie from a menu or at login."""
    if getattr(sys, "frozen", False):  # PyInstaller bundle: the bundle's own executable
        return [os.path.abspath(sys.executable)]
    name = "reverie.exe" if os.name == "nt" else "reverie"
    argv0 = sys.argv[0] if sys.argv and Path(sys.argv[0]).name == name else None
    # The script next to this interpreter (same venv) before whatever `reverie` PATH finds first.
    for candidate in (argv0, Path(sys.executable).parent / name, shutil.which("reverie")):
        found = _executable(candidate)
        if found:
            return [found]
    return [os.path.abspath(sys.executable), "-m", "reverie"]


_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def exec_line(argv: Sequence[str]) -> str:
    """argv as a desktop-entry Exec value: quoted per the spec, then escaped as a string value."""
    def quote(arg: str) -> str:
        arg = arg.replace("%", "%%")
        if arg and not set(arg) & _RESERVED:
            return arg
        return '"' + re.sub(r'(["`$\\])', r"\\\1", arg) + '"'

    return " ".join(quote(a) for a in argv).replace("\\", "\\\\")


def desktop_entry(command: Sequence[str], extra: Sequence[str] = ()) -> str:
    """The shipped entry with Exec set to `command`, plus `extra` lines."""
    lines = []
    for line in data_file(f"{APP_ID}.desktop").decode().splitlines():
        lines.append(f"Exec={exec_line(command)}" if line.startswith("Exec=") else line)
    return "\n".join([*lines, *extra]) + "\n"


# ---- install / uninstall -------------------------------------------------------------------------

@dataclass
class Outcome:
    changed: list[Path] = field(default_factory=list)  # written or removed
    warnings: list[str] = field(default_factory=list)  # cache tools that failed (the files are in place)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _require_xdg() -> None:
    if sys.platform in ("win32", "darwin"):
        raise UserFacingError("install-desktop is for Linux/BSD desktops; on Windows and macOS the installer or "
                              "app bundle adds the menu entry (see packaging/NOTES-windows-macos.md)")


def install(dirs: XdgDirs, command: Sequence[str]) -> Outcome:
    _require_xdg()
    out = Outcome()
    _write(dirs.desktop_file, desktop_entry(command).encode())
    _write(dirs.metainfo_file, data_file(f"{APP_ID}.metainfo.xml"))
    for path, name in dirs.icon_files().items():
        _write(path, data_file(name))
    out.changed = dirs.installed_files()
    out.warnings = _refresh_caches(dirs)
    return out


def uninstall(dirs: XdgDirs) -> Outcome:
    """Remove what `install` and `autostart on` wrote; other apps' files stay."""
    _require_xdg()
    out = Outcome()
    for path in [*dirs.installed_files(), dirs.autostart_file]:
        if path.exists():
            path.unlink()
            out.changed.append(path)
    for icon in dirs.icon_files():
        for parent in (icon.parent, icon.parent.parent):  # <size>/apps, <size>: only if now empty
            if parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
    if out.changed:
        _drop_empty_caches(dirs)
        out.warnings = _refresh_caches(dirs)
    return out


def _drop_empty_caches(dirs: XdgDirs) -> None:
    """A cache that would index nothing is removed rather than rebuilt (install created it)."""
    mime_cache = dirs.applications / "mimeinfo.cache"
    if mime_cache.exists() and not any(dirs.applications.glob("*.desktop")):
        mime_cache.unlink()
    icon_cache = dirs.hicolor / "icon-theme.cache"
    if icon_cache.exists() and not any(p.is_file() for p in dirs.hicolor.glob("*/*/*")):
        icon_cache.unlink()


def _refresh_caches(dirs: XdgDirs) -> list[str]:
    """Run the desktop's cache tools where present. Absent tools are fine (menus rescan without them);
    a tool that fails is reported, not hidden."""
    warnings = []
    jobs = (("update-desktop-database", ["-q", str(dirs.applications)], dirs.applications / "mimeinfo.cache"),
            ("gtk-update-icon-cache", ["-q", "-f", "-t", str(dirs.hicolor)], dirs.hicolor / "icon-theme.cache"))
    for tool, args, cache in jobs:
        exe = shutil.which(tool)
        target = Path(args[-1])
        # After an uninstall that emptied a dir, do not create a fresh cache of nothing.
        if exe is None or not target.is_dir() or (not cache.exists() and not _has_entries(target)):
            continue
        proc = subprocess.run([exe, *args], capture_output=True, text=True, timeout=120, check=False)
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            warnings.append(f"{tool} failed (exit {proc.returncode}): {detail[-1] if detail else 'no output'}")
    return warnings


def _has_entries(target: Path) -> bool:
    if target.name == "applications":
        return any(target.glob("*.desktop"))
    return any(p.is_file() for p in target.glob("*/*/*"))


# ---- login start ---------------------------------------------------------------------------------

class Autostart(Protocol):
    @property
    def location(self) -> str: ...

    def enabled(self) -> bool: ...

    def enable(self, command: Sequence[str]) -> None: ...

    def disable(self) -> bool: ...


class XdgAutostart:
    """$XDG_CONFIG_HOME/autostart/<id>.desktop, read by GNOME, KDE, Xfce, LXQt, Cinnamon, MATE …"""

    def __init__(self, dirs: XdgDirs) -> None:
        self.path = dirs.autostart_file

    @property
    def location(self) -> str:
        return str(self.path)

    def enabled(self) -> bool:
        if not self.path.is_file():
            return False
        keys = dict(line.split("=", 1) for line in self.path.read_text(errors="replace").splitlines() if "=" in line)
        # Desktops also honour these two switches (e.g. a user disabled the entry in their session settings).
        return keys.get("Hidden", "false").strip() != "true" and \
            keys.get("X-GNOME-Autostart-enabled", "true").strip() != "false"

    def enable(self, command: Sequence[str]) -> None:
        _write(self.path, desktop_entry(command, ["X-GNOME-Autostart-enabled=true"]).encode())

    def disable(self) -> bool:
        existed = self.path.exists()
        self.path.unlink(missing_ok=True)
        return existed


class LaunchAgent:
    """~/Library/LaunchAgents/<id>.plist: launchd starts it at the next login (RunAtLoad)."""

    def __init__(self, home: Path) -> None:
        self.path = home / "Library" / "LaunchAgents" / f"{APP_ID}.plist"

    @property
    def location(self) -> str:
        return str(self.path)

    def enabled(self) -> bool:
        if not self.path.is_file():
            return False
        with self.path.open("rb") as f:
            return not plistlib.load(f).get("Disabled", False)

    def enable(self, command: Sequence[str]) -> None:
        plist = {"Label": APP_ID, "ProgramArguments": list(command), "RunAtLoad": True,
                 "ProcessType": "Interactive", "LimitLoadToSessionType": "Aqua"}
        _write(self.path, plistlib.dumps(plist))

    def disable(self) -> bool:
        existed = self.path.exists()
        self.path.unlink(missing_ok=True)
        return existed


class WindowsRunKey:
    """HKCU\\...\\Run value: per user, no admin rights, listed in Task Manager's Startup apps."""

    def __init__(self, registry: Any = None) -> None:
        if registry is None:
            import winreg as registry  # type: ignore[import-not-found,no-redef,unused-ignore]
        self.reg = registry

    @property
    def location(self) -> str:
        return f"HKEY_CURRENT_USER\\{RUN_KEY}\\{RUN_VALUE}"

    def enabled(self) -> bool:
        try:
            with self.reg.OpenKey(self.reg.HKEY_CURRENT_USER, RUN_KEY) as key:
                self.reg.QueryValueEx(key, RUN_VALUE)
        except FileNotFoundError:
            return False
        return True

    def enable(self, command: Sequence[str]) -> None:
        with self.reg.CreateKey(self.reg.HKEY_CURRENT_USER, RUN_KEY) as key:
            self.reg.SetValueEx(key, RUN_VALUE, 0, self.reg.REG_SZ, subprocess.list2cmdline(list(command)))

    def disable(self) -> bool:
        try:
            with self.reg.OpenKey(self.reg.HKEY_CURRENT_USER, RUN_KEY, 0, self.reg.KEY_SET_VALUE) as key:
                self.reg.DeleteValue(key, RUN_VALUE)
        except FileNotFoundError:
            return False
        return True


def autostart_backend(platform: str | None = None) -> Autostart:
    platform = platform or sys.platform
    if platform == "win32":
        return WindowsRunKey()
    if platform == "darwin":
        return LaunchAgent(Path.home())
    return XdgAutostart(XdgDirs.from_env())


def autostart_command() -> list[str]:
    return [*launcher_command(), *AUTOSTART_ARGS]


def sync_autostart(want: bool, backend: Autostart | None = None) -> bool:
    """Make login start match `want`; True when something changed."""
    backend = backend or autostart_backend()
    if backend.enabled() == want:
        return False
    if want:
        backend.enable(autostart_command())
    else:
        backend.disable()
    return True
