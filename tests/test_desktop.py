"""Desktop integration: shipped files validate, install/uninstall round trip, login start, settings checkbox."""

from __future__ import annotations

import inspect
import os
import plistlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

import reverie
from reverie import desktop
from reverie.desktop import APP_ID, ICON_SIZES, XdgDirs
from tests.conftest import run_cli

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication

DATA = Path(__file__).resolve().parents[1] / "app" / "data"
DESKTOP = DATA / f"{APP_ID}.desktop"
METAINFO = DATA / f"{APP_ID}.metainfo.xml"
CACHES = {"mimeinfo.cache", "icon-theme.cache"}  # written by the desktop's cache tools when they are installed


def _need(tool: str) -> str:
    exe = shutil.which(tool)
    if exe is None:
        pytest.skip(f"{tool} is not installed (apt-get install desktop-file-utils appstream; CI's .ci/run does)")
    return exe


def validate_desktop(path: Path) -> None:
    proc = subprocess.run([_need("desktop-file-validate"), str(path)], capture_output=True, text=True)
    assert proc.returncode == 0 and "error" not in proc.stdout, proc.stdout + proc.stderr


def entry(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> XdgDirs:
    dirs = XdgDirs(tmp_path / "xdg-data", tmp_path / "xdg-config")
    monkeypatch.setenv("XDG_DATA_HOME", str(dirs.data_home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(dirs.config_home))
    return dirs


def files_under(*roots: Path) -> set[Path]:
    return {p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}


# ---- shipped files -------------------------------------------------------------------------------

def test_shipped_desktop_file_validates_and_matches_the_app() -> None:
    validate_desktop(DESKTOP)
    keys = entry(DESKTOP)
    assert (keys["Exec"], keys["Icon"], keys["Terminal"], keys["Type"]) == ("reverie", APP_ID, "false", "Application")
    assert keys["Categories"] == "Utility;" and keys["Name"] == "Reverie" and keys["Keywords"]
    # The window manager matches windows to this entry by WM_CLASS (X11) / app id (Wayland): both set by `gui`.
    from reverie import cmd_gui

    source = inspect.getsource(cmd_gui.cmd_gui)
    assert f'setApplicationName("{keys["StartupWMClass"]}")' in source
    assert f'setDesktopFileName("{APP_ID}")' in source


def test_metainfo_validates_with_appstreamcli() -> None:
    proc = subprocess.run([_need("appstreamcli"), "validate", "--no-net", str(METAINFO)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not [line for line in proc.stdout.splitlines() if line.startswith(("E:", "W:"))], proc.stdout
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("project_license") == "Apache-2.0"
    assert root.findtext("provides/binary") == "reverie"
    assert root.find("releases/release").get("version") == reverie.__version__  # type: ignore[union-attr]


def test_icon_pngs_have_their_sizes_and_match_the_svg(qapp) -> None:  # type: ignore[no-untyped-def]
    import numpy as np
    from PIL import Image
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    for size in ICON_SIZES:
        with Image.open(DATA / desktop.icon_png_name(size)) as im:
            assert (im.format, im.size, im.mode) == ("PNG", (size, size), "RGBA")
    svg = DATA / f"{APP_ID}.svg"
    assert ET.parse(svg).getroot().get("viewBox") == "0 0 128 128"
    # The committed PNGs are what packaging/linux/render_icons.py makes from the SVG (not a stale drawing).
    renderer = QSvgRenderer(str(svg))
    img = QImage(48, 48, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(Qt.GlobalColor.transparent)
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, 48, 48))
    painter.end()
    rendered = img.convertToFormat(QImage.Format.Format_RGBA8888)
    fresh = np.frombuffer(bytes(rendered.constBits()), dtype=np.uint8).astype(int)
    with Image.open(DATA / desktop.icon_png_name(48)) as shipped:
        committed = np.frombuffer(shipped.convert("RGBA").tobytes(), dtype=np.uint8).astype(int)
    assert fresh.shape == committed.shape
    # Another Qt version may anti-alias edges a little differently; a changed shape or colour moves many pixels.
    moved = (np.abs(fresh - committed).reshape(-1, 4).max(axis=1) > 24).mean()
    assert moved < 0.01, f"{moved:.1%} of pixels differ: run packaging/linux/render_icons.py"


def test_window_and_tray_use_the_packaged_mark(qapp) -> None:  # type: ignore[no-untyped-def]
    from reverie.ui.icons import app_icon

    sizes = {(s.width(), s.height()) for s in app_icon().availableSizes()}
    assert sizes == {(n, n) for n in ICON_SIZES}


# ---- Exec and the launcher -----------------------------------------------------------------------

def test_exec_line_quotes_paths_per_the_spec(tmp_path: Path) -> None:
    odd = "/opt/My Apps/re\"v$ie%"
    line = desktop.exec_line([odd, "gui", "--minimized"])
    # Quoted, inner " and $ escaped, % doubled; then every backslash escaped again as a string value.
    assert line == '"/opt/My Apps/re\\\\"v\\\\$ie%%" gui --minimized'
    path = tmp_path / f"{APP_ID}.desktop"
    path.write_text(desktop.desktop_entry([odd, "gui"]))
    validate_desktop(path)


def test_launcher_prefers_the_bundle_then_the_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "Reverie" / "reverie"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(bundle))
    assert desktop.launcher_command() == [str(bundle)]
    monkeypatch.delattr(sys, "frozen")
    env = tmp_path / "venv" / "bin"
    env.mkdir(parents=True)
    monkeypatch.setattr(sys, "executable", str(env / "python"))
    monkeypatch.setattr(sys, "argv", [str(tmp_path / "src" / "__main__.py")])
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert desktop.launcher_command() == [str(env / "python"), "-m", "reverie"]  # no launcher anywhere
    script = env / "reverie"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert desktop.launcher_command() == [str(script)]


# ---- install / uninstall -------------------------------------------------------------------------

def test_install_and_uninstall_round_trip(xdg: XdgDirs) -> None:
    # Another app's files in the same dirs must survive both directions untouched.
    other_entry = xdg.applications / "org.example.Other.desktop"
    other_icon = xdg.hicolor / "48x48" / "apps" / "org.example.Other.png"
    for path in (other_entry, other_icon):
        path.parent.mkdir(parents=True, exist_ok=True)
    other_entry.write_text("[Desktop Entry]\nType=Application\nName=Other\nExec=other\n")
    other_icon.write_bytes((DATA / desktop.icon_png_name(48)).read_bytes())
    before = {p: p.read_bytes() for p in files_under(xdg.data_home)}

    code, out, err = run_cli("install-desktop")
    assert code == 0, err
    assert "warning" not in err, err
    ours = set(xdg.installed_files())
    after = files_under(xdg.data_home, xdg.config_home)
    assert {p for p in after - ours - set(before) if p.name not in CACHES} == set()
    assert ours <= after
    for path in xdg.installed_files():
        assert str(path) in out
    exec_path = entry(xdg.desktop_file)["Exec"]
    assert os.path.isabs(exec_path) and os.access(exec_path, os.X_OK), exec_path
    assert entry(xdg.desktop_file)["Icon"] == APP_ID
    for path, name in xdg.icon_files().items():
        assert path.read_bytes() == (DATA / name).read_bytes()
    assert xdg.metainfo_file.read_bytes() == METAINFO.read_bytes()

    code, out, err = run_cli("uninstall-desktop")
    assert code == 0, err
    left = files_under(xdg.data_home, xdg.config_home)
    assert {p for p in left if p.name not in CACHES} == set(before)
    assert all(p.read_bytes() == data for p, data in before.items())
    assert not (xdg.hicolor / "512x512").exists()  # emptied size dirs go too; the other app's 48x48 stays


def test_installed_and_autostart_entries_validate(xdg: XdgDirs) -> None:
    _need("desktop-file-validate")
    assert run_cli("install-desktop")[0] == 0
    assert run_cli("autostart", "on")[0] == 0
    validate_desktop(xdg.desktop_file)
    validate_desktop(xdg.autostart_file)


def test_uninstall_from_clean_dirs_leaves_nothing(xdg: XdgDirs) -> None:
    assert run_cli("install-desktop")[0] == 0
    assert run_cli("autostart", "on")[0] == 0
    code, out, err = run_cli("uninstall-desktop")
    assert code == 0, err
    assert str(xdg.autostart_file) in out
    assert files_under(xdg.data_home, xdg.config_home) == set()  # no caches of nothing, no autostart entry
    code, out, _ = run_cli("uninstall-desktop")
    assert code == 0 and "nothing to remove" in out


def test_install_desktop_is_refused_off_linux(xdg: XdgDirs, monkeypatch: pytest.MonkeyPatch) -> None:
    from reverie.errors import UserFacingError

    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(UserFacingError, match="Linux/BSD"):
        desktop.install(xdg, ["/usr/bin/reverie"])
    assert files_under(xdg.data_home) == set()


# ---- login start ---------------------------------------------------------------------------------

def _autostart_setting(home: Path) -> bool:
    from reverie.settings import Settings

    return Settings.load(home).autostart


def test_autostart_on_off_status_keeps_settings_in_step(xdg: XdgDirs, home: Path) -> None:
    code, out, _ = run_cli("autostart", "status")
    assert code == 0 and out.startswith("autostart: off")

    code, out, err = run_cli("autostart", "on")
    assert code == 0, err
    keys = entry(xdg.autostart_file)
    assert keys["X-GNOME-Autostart-enabled"] == "true"
    launcher, *rest = keys["Exec"].split(" ")
    assert rest == ["gui", "--minimized"] and os.path.isabs(launcher) and os.access(launcher, os.X_OK)
    assert _autostart_setting(home) is True
    assert run_cli("autostart", "status")[1].startswith("autostart: on")

    # Switched off in the desktop's own session settings: reported as off, with a hint to bring settings in step.
    xdg.autostart_file.write_text(xdg.autostart_file.read_text().replace("enabled=true", "enabled=false"))
    code, out, _ = run_cli("autostart", "status")
    assert out.startswith("autostart: off") and "settings.json says on" in out

    code, out, err = run_cli("autostart", "off")
    assert code == 0, err
    assert not xdg.autostart_file.exists()
    assert _autostart_setting(home) is False


def test_autostart_with_broken_settings_changes_nothing(xdg: XdgDirs, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "settings.json").write_text("{not json")
    code, _, err = run_cli("autostart", "on")
    assert code == 2
    assert err.startswith("reverie: ") and "settings.json is not valid" in err and len(err.splitlines()) == 1
    assert not xdg.autostart_file.exists()
    assert (home / "settings.json").read_text() == "{not json"


def test_launch_agent_on_macos(tmp_path: Path) -> None:
    agent = desktop.LaunchAgent(tmp_path)
    assert not agent.enabled()
    desktop.sync_autostart(True, agent)
    plist = plistlib.loads(agent.path.read_bytes())
    assert plist["Label"] == APP_ID and plist["RunAtLoad"] is True
    assert plist["ProgramArguments"][-2:] == ["gui", "--minimized"]
    assert agent.path == tmp_path / "Library" / "LaunchAgents" / f"{APP_ID}.plist"
    assert agent.enabled() and desktop.sync_autostart(False, agent) and not agent.path.exists()


class FakeWinreg:
    """The few winreg calls WindowsRunKey makes (winreg's own names), over a dict: this runs on Linux."""

    HKEY_CURRENT_USER, REG_SZ, KEY_SET_VALUE = "HKCU", 1, 2

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, tuple[int, str]]] = {}

    class _Key:
        def __init__(self, values: dict[str, tuple[int, str]]) -> None:
            self.values = values

        def __enter__(self) -> FakeWinreg._Key:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

    def OpenKey(self, root: str, sub: str, *_: object) -> _Key:
        if f"{root}\\{sub}" not in self.keys:
            raise FileNotFoundError(sub)
        return self._Key(self.keys[f"{root}\\{sub}"])

    def CreateKey(self, root: str, sub: str) -> _Key:
        return self._Key(self.keys.setdefault(f"{root}\\{sub}", {}))

    def QueryValueEx(self, key: _Key, name: str) -> tuple[str, int]:
        if name not in key.values:
            raise FileNotFoundError(name)
        kind, value = key.values[name]
        return value, kind

    def SetValueEx(self, key: _Key, name: str, _reserved: int, kind: int, value: str) -> None:
        key.values[name] = (kind, value)

    def DeleteValue(self, key: _Key, name: str) -> None:
        if name not in key.values:
            raise FileNotFoundError(name)
        del key.values[name]


def test_windows_run_key() -> None:
    reg = FakeWinreg()
    run = desktop.WindowsRunKey(reg)
    assert not run.enabled() and not run.disable()
    run.enable([r"C:\Program Files\Reverie\reverie.exe", "gui", "--minimized"])
    assert reg.keys[f"HKCU\\{desktop.RUN_KEY}"]["Reverie"] == \
        (reg.REG_SZ, '"C:\\Program Files\\Reverie\\reverie.exe" gui --minimized')
    assert run.enabled() and run.disable() and not run.enabled()


# ---- the app applies the Settings checkbox -------------------------------------------------------

def test_failed_login_entry_keeps_the_setting_honest(xdg: XdgDirs, home: Path) -> None:
    from reverie.gui_wiring import settings_saver
    from reverie.settings import Settings

    xdg.config_home.mkdir(parents=True)
    (xdg.config_home / "autostart").write_text("a file where the autostart dir should be")
    errors: list[BaseException] = []
    settings = Settings(autostart=True)
    settings_saver(home, errors.append)(settings)
    assert len(errors) == 1 and isinstance(errors[0], OSError)
    assert settings.autostart is False and _autostart_setting(home) is False


@pytest.fixture
def window(store, xdg: XdgDirs, qtbot) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The main window wired by the real composition root (make_boot), over the real store."""
    from reverie.cmd_gui import make_boot
    from reverie.ui.context import UiContext
    from reverie.ui.main_window import MainWindow
    from reverie.ui.op_runner import OpRunner
    from reverie.ui.store_bridge import StoreBridge

    boot = make_boot()
    runner, bridge = OpRunner(), StoreBridge(store)
    ctx = UiContext(store=store, runner=runner, bridge=bridge, settings=boot.settings,
                    save_settings=boot.save_settings)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    yield win
    runner.shutdown()
    bridge.close()


@pytest.mark.gui
def test_settings_checkbox_toggles_login_start(window, xdg: XdgDirs, home: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtWidgets import QDialogButtonBox

    from reverie.ui.settings_dialog import SettingsDialog

    def toggle_and_ok() -> None:
        window.open_settings()
        dlg = [d for d in window.findChildren(SettingsDialog) if d.isVisible()][-1]
        dlg.tabs.setCurrentIndex(dlg.tabs.count() - 1)  # Security: where the checkbox lives
        was = dlg.autostart.isChecked()
        box = dlg.autostart
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(box.height() // 2, box.height() // 2))
        assert dlg.autostart.isChecked() is not was
        ok = dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        assert not dlg.isVisible()

    toggle_and_ok()
    assert xdg.autostart_file.exists()
    assert entry(xdg.autostart_file)["Exec"].endswith(" gui --minimized")
    assert window.ctx.settings.autostart is True and _autostart_setting(home) is True

    toggle_and_ok()
    assert not xdg.autostart_file.exists()
    assert window.ctx.settings.autostart is False and _autostart_setting(home) is False


@pytest.mark.gui
@pytest.mark.parametrize("tray", [True, False])
def test_gui_minimized_starts_in_the_tray(store, qapp, qtbot, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                          tray: bool) -> None:
    """`reverie gui --minimized` (the login entry): no window, unless there is no tray to reach it from."""
    from reverie.settings import Settings
    from reverie.ui.app_shell import AppShell, Boot
    from reverie.ui.context import UiContext
    from reverie.ui.store_bridge import StoreBridge
    from reverie.ui.tray import Tray

    monkeypatch.setattr(Tray, "available", staticmethod(lambda: tray))  # offscreen Qt has no tray of its own
    boot = Boot(settings=Settings(onboarded=True), save_settings=lambda s: None, open_store=lambda _pw: store,
                make_context=lambda st, runner: UiContext(store=st, runner=runner, bridge=StoreBridge(st),
                                                          settings=Settings(), save_settings=lambda s: None),
                needs_passphrase=False, start_minimized=True)
    shell = AppShell(qapp, boot)
    with qtbot.waitSignal(shell.ready, timeout=30_000):
        shell.start()
    try:
        assert shell.window is not None and shell.window.isVisible() is (not tray)
        if tray:
            shell.open_window()  # the tray's "Open Reverie"
            assert shell.window.isVisible()
    finally:
        shell.runner.shutdown()
        assert shell.ctx is not None
        shell.ctx.bridge.close()
        shell.tray.icon.hide()
