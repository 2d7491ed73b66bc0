"""`reverie install-desktop`, `reverie uninstall-desktop`, `reverie autostart on|off|status`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reverie.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("install-desktop", help="add Reverie to the desktop's app menu (icons, AppStream data)")
    p.set_defaults(handler=cmd_install)
    p = sub.add_parser("uninstall-desktop", help="remove the menu entry, icons and login start that Reverie added")
    p.set_defaults(handler=cmd_uninstall)
    p = sub.add_parser("autostart", help="start Reverie (tray only) when you log in")
    p.add_argument("state", choices=["on", "off", "status"])
    p.set_defaults(handler=cmd_autostart)


def _warn(warnings: list[str]) -> None:
    for line in warnings:
        print(f"reverie: warning: {line}", file=sys.stderr)


def cmd_install(args: argparse.Namespace) -> int:
    from reverie.desktop import XdgDirs, install, launcher_command

    command = launcher_command()
    out = install(XdgDirs.from_env(), command)
    for path in out.changed:
        print(f"wrote {path}")
    print(f"menu entry runs: {' '.join(command)}")
    _warn(out.warnings)
    return 0


def cmd_uninstall(args: argparse.Namespace) -> int:
    from reverie.desktop import XdgDirs, uninstall
    from reverie.paths import reverie_home

    home = reverie_home()
    settings = _load_settings(home)
    out = uninstall(XdgDirs.from_env())
    for path in out.changed:
        print(f"removed {path}")
    if not out.changed:
        print("nothing to remove: the desktop entry was not installed")
    if settings.autostart:  # the autostart entry went with the rest
        settings.autostart = False
        settings.save(home)
    _warn(out.warnings)
    return 0


def cmd_autostart(args: argparse.Namespace) -> int:
    from reverie.desktop import autostart_backend, autostart_command
    from reverie.paths import reverie_home

    home = reverie_home()
    settings = _load_settings(home)  # before any change: a broken settings.json changes nothing
    backend = autostart_backend()
    if args.state == "status":
        enabled = backend.enabled()
        print(f"autostart: {'on' if enabled else 'off'} ({backend.location})")
        if enabled != settings.autostart:
            print(f"note: settings.json says {'on' if settings.autostart else 'off'}; "
                  f"run `reverie autostart {'on' if enabled else 'off'}` to bring it in step")
        return 0
    want = args.state == "on"
    if want:
        command = autostart_command()
        backend.enable(command)  # always rewritten, so a moved launcher is picked up
        print(f"autostart: on ({backend.location})\nruns at login: {' '.join(command)}")
    else:
        removed = backend.disable()
        print(f"autostart: off ({'removed ' + backend.location if removed else 'was not set'})")
    if settings.autostart != want:
        settings.autostart = want
        settings.save(home)
    return 0


def _load_settings(home: Path) -> Settings:
    from reverie.errors import UserFacingError

    try:
        return Settings.load(home)
    except (ValueError, TypeError) as exc:
        raise UserFacingError(f"{home / 'settings.json'} is not valid ({exc}); fix or delete it and retry") from exc
