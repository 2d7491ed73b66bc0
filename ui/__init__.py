"""Reverie's desktop UI (PySide6): shows and forwards; owns no logic."""

from reverie.ui.qt_compat import guard_none_refcount

# Before any widget paints: see qt_compat for the PySide6 6.12 bug this guards against.
guard_none_refcount()
