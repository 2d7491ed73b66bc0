"""Work around a PySide6 6.12 reference-count bug on Python < 3.12.

PySide6 6.12's wheels return `None` from void methods (setText, fillRect, setAlphaF, …) without
taking a new reference; Python 3.12+ does not care (None is immortal there, PEP 683), but on 3.11
every call takes one reference from None until the interpreter aborts with "none_dealloc:
deallocating None" — after a few thousand paint calls, i.e. seconds of scrolling the timeline.
6.11 is fine. When the bug is detected, None gets a reference count it cannot run out of, which
is what 3.12 does for every process anyway.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)
PROBES = 64
_IMMORTAL_ENOUGH = 1 << 40


def guard_none_refcount() -> bool:
    """Detect the bug with a harmless void call; True when None had to be protected."""
    if sys.version_info >= (3, 12):
        return False
    from PySide6.QtGui import QColor

    color = QColor()
    before = sys.getrefcount(None)
    for _ in range(PROBES):
        color.setAlphaF(0.5)
    lost = before - sys.getrefcount(None)
    if lost < PROBES // 2:  # other threads may move the count a little; the bug loses one per call
        return False
    ctypes.c_ssize_t.from_address(id(None)).value += _IMMORTAL_ENOUGH
    import PySide6

    log.info("PySide6 %s drops references to None on Python %s; protected None (use PySide6 < 6.12 or "
                "Python >= 3.12)", PySide6.__version__, sys.version.split()[0])
    return True
