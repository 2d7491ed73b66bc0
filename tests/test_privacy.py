from __future__ import annotations

import pytest

from reverie.core.privacy import PrivacyPolicy
from reverie.core.protocols import WindowInfo


@pytest.mark.parametrize(
    "window",
    [
        WindowInfo("KeePassXC", "Passwords.kdbx - KeePassXC", 42),
        WindowInfo("keepassxc.exe", "Database"),
        WindowInfo("org.keepassxc.KeePassXC", "db"),
        WindowInfo("1Password", "All Vaults"),
        WindowInfo("Bitwarden", "Vault"),
        WindowInfo("LastPass", "LastPass"),
        WindowInfo("Enpass.exe", "Enpass"),
        WindowInfo("Keychain Access", "login"),
        WindowInfo("Seahorse", "Passwords and Keys"),
        WindowInfo("firefox", "Bank login — Mozilla Firefox Private Browsing"),
        WindowInfo("Google-chrome", "Inbox - Google Chrome (Incognito)"),
        WindowInfo("msedge.exe", "New tab - [InPrivate] - Microsoft Edge"),
        WindowInfo("Safari", "Private Window — Safari"),
        WindowInfo("Tor Browser", "Explore. Privately."),
        WindowInfo("firefox", "Bitwarden Web Vault — Mozilla Firefox"),
    ],
)
def test_default_exclusions(window: WindowInfo) -> None:
    decision = PrivacyPolicy().decide(window)
    assert not decision.keep
    assert decision.reason.startswith("excluded")


@pytest.mark.parametrize(
    "window",
    [
        WindowInfo("firefox", "Python docs — Mozilla Firefox", 7),
        WindowInfo("code", "pipeline.py - reverie - Visual Studio Code"),
        WindowInfo("xterm", "bash: ~/private/notes"),  # "private" alone is not a private window
        WindowInfo("gnome-terminal", "passwords.txt - vim"),
    ],
)
def test_ordinary_windows_are_kept(window: WindowInfo) -> None:
    assert PrivacyPolicy().decide(window).keep


def test_unknown_window_fails_closed_by_default() -> None:
    assert not PrivacyPolicy().decide(None).keep
    assert not PrivacyPolicy().decide(WindowInfo("", " ")).keep
    assert PrivacyPolicy(fail_closed=False).decide(None).keep


def test_custom_lists_replace_the_defaults() -> None:
    policy = PrivacyPolicy(excluded_apps=["Signal"], excluded_title_patterns=[r"\bpayroll\b"])
    assert not policy.decide(WindowInfo("signal-desktop", "Chats")).keep
    assert not policy.decide(WindowInfo("libreoffice", "Payroll 2026.ods")).keep
    assert policy.decide(WindowInfo("KeePassXC", "db")).keep


def test_invalid_pattern_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="invalid excluded title pattern"):
        PrivacyPolicy(excluded_title_patterns=["("])
