"""Which windows may be captured at all. Excluded windows are dropped before any pixel is kept."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from reverie.core.protocols import WindowInfo

DEFAULT_EXCLUDED_APPS: tuple[str, ...] = (
    "KeePass",
    "KeePassXC",
    "1Password",
    "Bitwarden",
    "LastPass",
    "Enpass",
    "Keychain Access",
    "Seahorse",
    "Passwords and Keys",
    "Tor Browser",
    "Reverie",  # our own timeline shows memories; capturing it would re-ingest them as new
)
DEFAULT_EXCLUDED_TITLES: tuple[str, ...] = (
    r"Private Browsing",
    r"\bIncognito\b",
    r"\bInPrivate\b",
    r"Private Window",
    r"Tor Browser",
    # Password managers also show up as browser tabs (web vaults) and in other apps' titles.
    r"\b(?:KeePass(?:XC)?|1Password|Bitwarden|LastPass|Enpass|Keychain Access|Passwords and Keys)\b",
)


def _norm(name: str) -> str:
    """`KeePassXC.exe`, `keepassxc`, `org.keepassxc.KeePassXC` all normalise to comparable text."""
    name = name.lower().removesuffix(".exe").removesuffix(".app")
    return re.sub(r"[^a-z0-9]+", "", name)


@dataclass(frozen=True)
class Decision:
    keep: bool
    reason: str


class PrivacyPolicy:
    """Decides per frame whether the active window may be captured.

    `excluded_apps` match the app/class/process name case-insensitively, ignoring punctuation and
    `.exe`; `excluded_title_patterns` are case-insensitive regular expressions searched in the
    title. With `fail_closed` (the default) a frame whose window cannot be identified is skipped.
    """

    def __init__(
        self,
        excluded_apps: Sequence[str] = DEFAULT_EXCLUDED_APPS,
        excluded_title_patterns: Sequence[str] = DEFAULT_EXCLUDED_TITLES,
        fail_closed: bool = True,
    ) -> None:
        self.excluded_apps = tuple(excluded_apps)
        self.excluded_title_patterns = tuple(excluded_title_patterns)
        self.fail_closed = fail_closed
        self._apps = {_norm(a): a for a in excluded_apps if _norm(a)}
        try:
            self._titles = [re.compile(p, re.IGNORECASE) for p in excluded_title_patterns]
        except re.error as exc:
            raise ValueError(f"invalid excluded title pattern: {exc}") from exc

    def decide(self, window: WindowInfo | None) -> Decision:
        if window is None or not (window.app.strip() or window.title.strip()):
            if self.fail_closed:
                return Decision(False, "window unknown (fail closed)")
            return Decision(True, "window unknown (fail open)")
        app = _norm(window.app)
        for norm, original in self._apps.items():
            # Contains, not equals: WM_CLASS and bundle ids wrap the name (`org.keepassxc.KeePassXC`).
            if app and norm in app:
                return Decision(False, f"excluded app: {original}")
        for pattern in self._titles:
            if pattern.search(window.title):
                return Decision(False, f"excluded title: {pattern.pattern}")
        return Decision(True, "allowed")
