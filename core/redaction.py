"""Redact secrets from OCR'd screen text before it is stored or sent to a model.

Detectors find spans in the original text; overlaps are resolved (longest first, then the more
specific kind) and each span becomes `[REDACTED:<kind>]`. Values are checked for randomness so
that prose, dates, version strings and Luhn-failing numbers survive untouched.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

Span = tuple[int, int, str]  # start, end, kind — offsets into the original text


@dataclass(frozen=True)
class RedactionResult:
    text: str
    counts: dict[str, int]
    spans: tuple[Span, ...] = ()  # in the *input* text, so callers can map them back to OCR boxes

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# Specific token formats, in priority order (earlier wins when two detectors claim the same span).
_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")),
    ("aws_key", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    ("github_token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("slack_token", re.compile(r"\bxox[bpasr]-[A-Za-z0-9-]{10,}")),
    ("stripe_key", re.compile(r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("openai_key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    ("google_key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
)
_KEYWORD = r"(?:api[_ -]?key|apikey|secret|token|access[_-]?key|private[_-]?key|credentials?|auth)"
# `client_secret = "…"`, `"apiKey": "…"`, `GITHUB_TOKEN=…`: keep the name, redact the value.
# The value may be split by OCR ("sk- live-docJ2isAj IhKtJo…"): up to 8 space-separated pieces, of
# which `_split_value` keeps the token-like run.
_PIECE = r"[A-Za-z0-9_\-+/=.~]+"
_ASSIGNMENT = re.compile(
    rf"(?i)\b[\w.-]*{_KEYWORD}[\w.-]*[\"']?\s*(?::=|=>|[:=])\s*[\"']?(?P<v>{_PIECE}(?: {_PIECE}){{0,7}})"
)
# A known key prefix followed by OCR-split pieces; `openai_key` etc. in `_TOKENS` catch the unsplit form.
_SPLIT_PREFIXED = re.compile(rf"\b(?:sk|pk|rk)[-_] ?{_PIECE}(?: {_PIECE}){{1,7}}")
_BEARER = re.compile(r"\b(?:Bearer|Basic|Token)\s+(?P<v>[A-Za-z0-9._~+/-]{16,}=*)")
# `password: x`, `passwd=x`, `pwd x`; plain "password <word>" is prose far more often than a secret.
_PASSWORD = re.compile(
    r"(?i)\b(?:password|passphrase|passwd|pwd)\s*(?::=|[:=])\s*(?P<v>\"[^\"\n]+\"|'[^'\n]+'|\S+)"
    r"|\b(?:passwd|pwd)[ \t]+(?P<w>\S+)"
)
_URL_CREDENTIALS = re.compile(r"://[^/\s:@]+:(?P<v>[^/\s@]+)@")
_NEAR_WORD = re.compile(r"(?i)\b(?:key|secret|token|password|passwd|credentials?|auth|bearer|signature)\b")
_CANDIDATE = re.compile(r"[A-Za-z0-9+/_=.~-]{20,}")
_CARD = re.compile(r"(?<![\d.-])\d(?:[ -]?\d){12,18}(?![\d-])")
_CARD_PREFIX = re.compile(r"^(?:4|5[0-8]|2[2-7]|3[0-9]|6)")
_PEM_BEGIN = re.compile(r"-*[ \t]*BEGIN[ \t]+(?:[A-Z0-9]+[ \t]+)*PRIVATE[ \t]+KEY(?:[ \t]+BLOCK)?[ \t]*-*")
_PEM_END = re.compile(r"-*[ \t]*END[ \t]+(?:[A-Z0-9]+[ \t]+)*PRIVATE[ \t]+KEY(?:[ \t]+BLOCK)?[ \t]*-*")
_PEM_FULL = re.compile(rf"{_PEM_BEGIN.pattern}.{{0,12000}}?{_PEM_END.pattern}", re.DOTALL)
_B64_RUN = re.compile(r"[A-Za-z0-9+/=]{16,}")
_PEM_HEADER_LINE = re.compile(r"^[A-Za-z-]+:\s")  # Proc-Type: / DEK-Info: inside encrypted PEM
_B64_TAIL = re.compile(r"[A-Za-z0-9+/]{2,}={1,2}")  # the short last line of a base64 body


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values()) if n else 0.0


def looks_random(value: str) -> bool:
    """True for machine-made secrets (hex, base64, base62), false for words and identifiers."""
    core = value.strip("=\"'")
    if len(core) < 16:
        return False
    digits = sum(ch.isdigit() for ch in core)
    upper = sum(ch.isupper() for ch in core)
    if digits and any(ch.isalpha() for ch in core):
        # Identifiers and file names carry a digit or two; random strings are dense in them.
        return entropy(core) >= 3.0 and (digits + upper) / len(core) >= 0.25
    # Digit-free base64: CamelCase identifiers stay under ~25% capitals.
    return len(core) >= 24 and entropy(core) >= 4.0 and 0.3 <= upper / len(core) < 0.9


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


_LOOKALIKE = str.maketrans({"l": "1", "I": "1", "|": "1", "O": "0", "o": "0", "S": "5", "B": "8"})


def _ocr_digits(text: str) -> str:
    """The text with OCR look-alikes next to a digit read as digits ("111l" → "1111"); same length.

    OCR misreads one glyph of a card number often enough that a Luhn check on the raw text would
    let the number through; spans found in this copy map 1:1 onto the original.
    """
    chars = list(text)
    for i, ch in enumerate(text):
        if ch in "lI|OoSB" and ((i > 0 and text[i - 1].isdigit()) or (i + 1 < len(text) and text[i + 1].isdigit())):
            chars[i] = ch.translate(_LOOKALIKE)
    return "".join(chars)


def _cards(text: str) -> Iterator[Span]:
    for m in _CARD.finditer(_ocr_digits(text)):
        groups = re.split(r"[ -]", m.group())
        digits = "".join(groups)
        # Card numbers print in groups of 4-6; lone single digits joined by spaces are tables.
        if len(groups) > 1 and min(len(g) for g in groups) < 3:
            continue
        if _CARD_PREFIX.match(digits) and len(set(digits)) > 1 and luhn_ok(digits):
            yield m.start(), m.end(), "card"


# A card number half typed into a payment field fails Luhn, yet it is most of a card number: next
# to a card label (same line or the line above, where OCR puts field labels) groups of digits go.
_CARD_LABEL = re.compile(r"(?i)\b(?:card\s*(?:number|no\.?|#)|credit\s*card|debit\s*card|visa|mastercard|"
                         r"amex|cc\s*(?:number|no\.?|#)|pan)\b")
_CARD_GROUPS = re.compile(r"(?<![\d.-])\d{4}(?:[ -]\d{1,4}){1,4}(?![\d-])")


def _partial_cards(text: str) -> Iterator[Span]:
    digits_text = _ocr_digits(text)
    for m in _CARD_GROUPS.finditer(digits_text):
        if len(re.sub(r"\D", "", m.group())) < 8 or not _CARD_PREFIX.match(m.group()):
            continue
        line_start, line_end = _line_bounds(text, m.start())
        above = _line_bounds(text, line_start - 1)[0] if line_start > 0 else line_start
        if _CARD_LABEL.search(text, above, line_end):
            yield m.start(), m.end(), "card"


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


def _keyish(line: str) -> bool:
    run = max((m.group() for m in _B64_RUN.finditer(line)), key=len, default="")
    stripped = line.strip()
    if len(run) >= 0.7 * len(stripped):
        return True
    return bool(_PEM_HEADER_LINE.match(stripped) or _B64_TAIL.fullmatch(stripped))


def _private_keys(text: str) -> Iterator[Span]:
    """PEM blocks, including ones cut off by the screen edge (OCR returns them line by line)."""
    whole = [(m.start(), m.end()) for m in _PEM_FULL.finditer(text)]
    yield from ((s, e, "private_key") for s, e in whole)

    def covered(pos: int) -> bool:
        return any(s <= pos < e for s, e in whole)

    for m in _PEM_BEGIN.finditer(text):  # header without footer: eat the base64 lines below it
        if covered(m.start()):
            continue
        end = _line_bounds(text, m.end())[1]
        while end < len(text):
            nxt = _line_bounds(text, end + 1)
            if not text[nxt[0] : nxt[1]].strip() or not _keyish(text[nxt[0] : nxt[1]]):
                break
            end = nxt[1]
        yield m.start(), end, "private_key"
    for m in _PEM_END.finditer(text):  # footer without header (block scrolled in from the top)
        if covered(m.start()):
            continue
        start = _line_bounds(text, m.start())[0]
        while start > 0:
            prev = _line_bounds(text, start - 1)
            if not text[prev[0] : prev[1]].strip() or not _keyish(text[prev[0] : prev[1]]):
                break
            start = prev[0]
        yield start, m.end(), "private_key"


def _token_piece(piece: str) -> bool:
    """A piece of an OCR-split secret: has a digit, inner capitals (base62), or ends at a separator.
    Words of prose ("Project", "launch") are none of these, so they stop a split value."""
    inner_caps = sum(ch.isupper() for ch in piece[1:])
    return any(ch.isdigit() for ch in piece) or inner_caps >= 2 or piece.endswith(("-", "_"))


def _split_value(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of a (possibly OCR-split) random value starting at `start`, or None.

    Pieces are joined while each next piece looks token-like; the join must look random, as an
    unsplit value must."""
    pieces = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
    first = text[start + pieces[0][0] : start + pieces[0][1]]
    if len(first) < 16 and not _token_piece(first):  # "Basic …", "Bearer …": a scheme word, not a value
        return None
    last = pieces[0]
    for ps, pe in pieces[1:]:
        if not _token_piece(text[start + ps : start + pe]):
            break
        last = (ps, pe)
    span_end = start + last[1]
    joined = text[start:span_end].replace(" ", "")
    return (start, span_end) if looks_random(joined) else None


def _values(text: str) -> Iterator[Span]:
    for m in _ASSIGNMENT.finditer(text):
        found = _split_value(text, m.start("v"), m.end("v"))
        if found:
            yield found[0], found[1], "secret"
    for m in _SPLIT_PREFIXED.finditer(text):
        found = _split_value(text, m.start(), m.end())
        if found and found[1] - found[0] > len(m.group().split(" ", 1)[0]):  # really split: else `_TOKENS`
            yield found[0], found[1], "secret"
    for m in _BEARER.finditer(text):
        if looks_random(m.group("v")):
            yield m.start("v"), m.end("v"), "token"
    for m in _PASSWORD.finditer(text):
        group = "v" if m.group("v") is not None else "w"
        if m.group(group).strip("*•●·") and not m.group(group).startswith("[REDACTED"):
            yield m.start(group), m.end(group), "password"
    for m in _URL_CREDENTIALS.finditer(text):
        yield m.start("v"), m.end("v"), "password"
    for m in _NEAR_WORD.finditer(text):  # label and value often land on separate OCR lines
        line_end = _line_bounds(text, m.end())[1]
        window_end = min(_line_bounds(text, line_end + 1)[1] if line_end < len(text) else line_end, m.end() + 160)
        for c in _CANDIDATE.finditer(text, m.end(), window_end):
            if looks_random(c.group()):
                yield c.start(), c.end(), "secret"


def _spans(text: str) -> list[Span]:
    found: list[tuple[int, int, str, int]] = []
    found += [(s, e, k, 0) for s, e, k in _private_keys(text)]
    for rank, (kind, pattern) in enumerate(_TOKENS, start=1):
        found += [(m.start(), m.end(), kind, rank) for m in pattern.finditer(text)]
    found += [(s, e, k, 20) for s, e, k in _cards(text)]
    found += [(s, e, k, 21) for s, e, k in _partial_cards(text)]
    found += [(s, e, k, 30) for s, e, k in _values(text)]
    found.sort(key=lambda f: (f[0], f[0] - f[1], f[3]))  # leftmost, then longest, then most specific
    chosen: list[Span] = []
    for start, end, kind, _ in found:
        if chosen and start < chosen[-1][1]:
            continue
        chosen.append((start, end, kind))
    return chosen


def redact(text: str) -> RedactionResult:
    spans = _spans(text)
    if not spans:
        return RedactionResult(text, {})
    parts: list[str] = []
    last = 0
    for start, end, kind in spans:
        parts += [text[last:start], f"[REDACTED:{kind}]"]
        last = end
    parts.append(text[last:])
    return RedactionResult("".join(parts), dict(Counter(kind for _, _, kind in spans)), tuple(spans))
