"""Errors the user should see as one clear line rather than a traceback."""

from __future__ import annotations


class UserFacingError(RuntimeError):
    exit_code = 2


def explain(exc: BaseException) -> str | None:
    """A plain message for known failure kinds (wrong passphrase, second instance, full disk)."""
    from reverie.core.store.db import WrongKey
    from reverie.core.store.keys import KeyAccessError
    from reverie.core.store.lock import StoreLocked
    from reverie.core.store.migrations import NewerStore

    if isinstance(exc, KeyAccessError | StoreLocked | WrongKey | NewerStore):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno == 28:
        return f"The disk is full ({exc.filename or 'data dir'}). Nothing was written; free space and retry."
    return None
