"""Backup and lifecycle: the encrypted export archive, snapshot, restore and data-dir wipe.

Qt-free and app-free: the app passes in what it owns (settings files, key options, its own
file names) and turns `BackupError` into a one-line message.
"""

from __future__ import annotations


class BackupError(RuntimeError):
    """An export, import or wipe that cannot go ahead; the message is meant for the user."""
