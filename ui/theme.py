"""Calm, readable look that follows the system's dark/light preference.

Fusion is the one style that renders the same on every platform and honours a custom palette,
so the palette (not per-widget colours) carries the theme and widgets stay stock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel

GAP = 8  # between related controls
PAD = 16  # page margins and between groups
RADIUS = 8


@dataclass(frozen=True)
class Colors:
    window: str
    base: str
    alt: str
    text: str
    muted: str
    accent: str
    border: str
    danger: str


LIGHT = Colors("#f5f4f0", "#ffffff", "#f0efeb", "#1f2328", "#6a6f76", "#3f63c9", "#dedcd5", "#b42318")
DARK = Colors("#1c1d20", "#25262a", "#2c2d31", "#e7e7e9", "#9a9ca3", "#8aa2f8", "#37383d", "#f97066")

# One hue per memory type, readable on both palettes.
TYPE_COLORS = {
    "core": "#c2410c", "episodic": "#2563eb", "semantic": "#059669",
    "procedural": "#7c3aed", "resource": "#b45309", "vault": "#be123c",
}


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = hints.colorScheme()
    if scheme != Qt.ColorScheme.Unknown:
        return bool(scheme == Qt.ColorScheme.Dark)
    # Platforms that do not report a scheme still hand us their palette.
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def colors() -> Colors:
    app = QApplication.instance()
    dark = bool(app and app.property("reverie_dark"))
    return DARK if dark else LIGHT


def apply(app: QApplication, dark: bool | None = None) -> Colors:
    """Style the whole app; `dark=None` follows the system (or REVERIE_THEME=dark|light) and keeps following it."""
    forced = os.environ.get("REVERIE_THEME", "").lower()
    if dark is None and forced in ("dark", "light"):
        dark = forced == "dark"
    use_dark = system_prefers_dark() if dark is None else dark
    c = DARK if use_dark else LIGHT
    app.setProperty("reverie_dark", use_dark)
    app.setStyle("Fusion")
    pal = QPalette()
    role = QPalette.ColorRole
    for r, value in ((role.Window, c.window), (role.Base, c.base), (role.AlternateBase, c.alt),
                     (role.Text, c.text), (role.WindowText, c.text), (role.ButtonText, c.text),
                     (role.Button, c.alt), (role.Highlight, c.accent), (role.Link, c.accent),
                     (role.ToolTipBase, c.base), (role.ToolTipText, c.text), (role.PlaceholderText, c.muted),
                     (role.Mid, c.border), (role.Midlight, c.border), (role.Dark, c.border)):
        pal.setColor(r, QColor(value))
    pal.setColor(role.HighlightedText, QColor("#ffffff" if not use_dark else "#111111"))
    for r in (role.Text, role.WindowText, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, QColor(c.muted))
    app.setPalette(pal)
    app.setStyleSheet(_stylesheet(c))
    if dark is None and not app.property("reverie_follows_scheme"):
        app.setProperty("reverie_follows_scheme", True)
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _s: apply(app))
    return c


def _stylesheet(c: Colors) -> str:
    return f"""
    QWidget {{ font-size: 10pt; }}
    QLineEdit, QPlainTextEdit, QTextEdit, QTextBrowser {{
        background: {c.base}; border: 1px solid {c.border}; border-radius: 6px; padding: 4px 8px;
        selection-background-color: {c.accent};
    }}
    QDialogButtonBox {{ dialogbuttonbox-buttons-have-icons: 0; }}
    QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus {{ border: 1px solid {c.accent}; }}
    QPushButton {{ background: {c.alt}; border: 1px solid {c.border}; border-radius: 6px; padding: 6px 14px; }}
    QPushButton:hover {{ border-color: {c.accent}; }}
    QPushButton:disabled {{ color: {c.muted}; }}
    QPushButton[primary="true"] {{ background: {c.accent}; color: {c.base}; border-color: {c.accent}; }}
    QPushButton[danger="true"] {{ color: {c.danger}; }}
    QListView, QTreeView, QTableView {{ background: {c.base}; border: 1px solid {c.border}; border-radius: 6px; }}
    QListView::item {{ padding: 6px; }}
    QListView::item:selected {{ background: {c.accent}; color: {c.base}; border-radius: 4px; }}
    QListWidget#nav {{ background: transparent; border: none; font-size: 10.5pt; outline: 0;
                       show-decoration-selected: 1; }}
    QListWidget#nav::item {{ padding: 9px 12px; margin: 1px 0; border-radius: 6px; }}
    QListWidget#nav::item:selected {{ background: {_tint(c.accent, 0.16)}; color: {c.text}; }}
    QListWidget#nav::item:hover:!selected {{ background: {_tint(c.accent, 0.07)}; }}
    QFrame#card {{ background: {c.base}; border: 1px solid {c.border}; border-radius: {RADIUS}px; }}
    QFrame#popup {{ background: {c.base}; border: 1px solid {c.border}; border-radius: 12px; }}
    QLabel[muted="true"] {{ color: {c.muted}; }}
    QLabel[heading="true"] {{ font-size: 15pt; font-weight: 600; }}
    QLabel[subheading="true"] {{ font-size: 11pt; font-weight: 600; }}
    QTabBar::tab {{ padding: 7px 14px; border: none; color: {c.muted}; }}
    QTabBar::tab:selected {{ color: {c.text}; border-bottom: 2px solid {c.accent}; font-weight: 600; }}
    QTabWidget::pane {{ border: none; }}
    QGroupBox {{ border: 1px solid {c.border}; border-radius: {RADIUS}px; margin-top: 14px; padding: 12px; }}
    QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; font-weight: 600; }}
    QStatusBar {{ color: {c.muted}; }}
    QToolTip {{ border: 1px solid {c.border}; padding: 4px; }}
    """


def _tint(hex_color: str, alpha: float) -> str:
    q = QColor(hex_color)
    return f"rgba({q.red()}, {q.green()}, {q.blue()}, {alpha})"


def label(text: str, kind: str = "") -> QLabel:
    """A label with a semantic style: "heading", "subheading" or "muted"."""
    w = QLabel(text)
    if kind:
        w.setProperty(kind, True)
    w.setWordWrap(kind in ("muted", ""))
    return w


def mono_font() -> QFont:
    f = QFont("DejaVu Sans Mono")
    f.setStyleHint(QFont.StyleHint.Monospace)
    return f
