"""Did a secret of the screen day end up in stored text, even in the shape OCR gives it?

A literal substring check misses real leaks: OCR splits long tokens ("sk- live-docJ2isAj IhKt…")
and swaps look-alike glyphs (0/O, 1/l/I), so a key that survived redaction is rarely stored
verbatim. Both sides are therefore normalised (case, look-alikes, everything but letters and
digits dropped) and any run of `window` characters of the secret counts as a leak.
"""

from __future__ import annotations

import re

_LOOKALIKES = str.maketrans({"o": "0", "l": "1", "i": "1", "|": "1"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    return _NOT_ALNUM.sub("", text.lower().translate(_LOOKALIKES))


def leaked(secret: str, text: str, window: int = 12) -> bool:
    """True when `text` holds `window` consecutive characters of `secret` (after normalising),
    or all of it when the secret is shorter."""
    s, t = normalise(secret), normalise(text)
    if not s:
        return False
    n = min(window, len(s))
    return any(s[i : i + n] in t for i in range(len(s) - n + 1))
