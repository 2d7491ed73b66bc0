"""Knowledge-vault secrecy: secret values are swapped for placeholders before any prompt.

The model sees `[secret v1]` and answers with the reference `v1` plus a caption; the value is
put back locally into `VaultEntry.secret_value`, which the store seals (AEAD) and never indexes.
Detection reuses the screen redactor and adds the plain phrasings people use in chat
("my wifi password is …"), which the screen redactor deliberately leaves alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from reverie.core.agents.batch import Batch, Source
from reverie.core.redaction import redact

_CHAT_SECRET = re.compile(
    r"(?i)\b(?:password|passcode|passphrase|pin(?: code)?|pin number|security code)\b(?: for [\w .'-]{1,30}?)?"
    r"\s+(?:is|was|=|:)\s+[\"'“]?(?P<v>[^\s\"'”]{3,64}?)[\"'”]?(?=[\s.,;!?)]|$)"
)
PLACEHOLDER = re.compile(r"\[secret (v\d+)\]")
_KIND_TO_ENTRY = {"password": "credential", "card": "credential", "private_key": "credential"}


@dataclass
class SecretMap:
    """Placeholder ref → secret value (and detector kind) for one batch."""

    values: dict[str, str] = field(default_factory=dict, repr=False)
    kinds: dict[str, str] = field(default_factory=dict)
    where: dict[str, Source] = field(default_factory=dict)  # the masked source each secret was in

    @property
    def refs(self) -> list[str]:
        return list(self.values)

    def entry_type(self, ref: str) -> str:
        kind = self.kinds.get(ref, "secret")
        return _KIND_TO_ENTRY.get(kind, "api_key")


def secret_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of each secret value in text, leftmost first, without overlaps."""
    spans = [(m.start("v"), m.end("v"), "password") for m in _CHAT_SECRET.finditer(text) if _secretish(m.group("v"))]
    spans += list(redact(text).spans)
    spans.sort(key=lambda s: (s[0], s[0] - s[1]))
    chosen: list[tuple[int, int, str]] = []
    for span in spans:
        if chosen and span[0] < chosen[-1][1]:
            continue
        chosen.append(span)
    return chosen


def _secretish(value: str) -> bool:
    """"the password is hunter2" yes, "the password is wrong" no: ask for a digit, symbol or inner capital."""
    return any(c.isdigit() for c in value) or any(not c.isalnum() for c in value) or any(
        c.isupper() for c in value[1:])


def mask_secrets(text: str) -> str:
    """Text with every secret value replaced by `[REDACTED:<kind>]` (for storing raw messages)."""
    out, last = [], 0
    for start, end, kind in secret_spans(text):
        out += [text[last:start], f"[REDACTED:{kind}]"]
        last = end
    return "".join(out) + text[last:]


def hide_secrets(batch: Batch) -> tuple[Batch, SecretMap]:
    """A copy of the batch whose texts carry placeholders instead of secret values."""
    secrets = SecretMap()
    masked: list[Source] = []
    for source in batch.sources:
        spans = secret_spans(source.text)
        if not spans:
            masked.append(source)
            continue
        out, last = [], 0
        for start, end, kind in spans:
            ref = f"v{len(secrets.values) + 1}"
            secrets.values[ref] = source.text[start:end]
            secrets.kinds[ref] = kind
            out += [source.text[last:start], f"[secret {ref}]"]
            last = end
        hidden = replace(source, text="".join(out) + source.text[last:])
        for ref in PLACEHOLDER.findall(hidden.text):
            secrets.where[ref] = hidden
        masked.append(hidden)
    return Batch(masked), secrets


def strip_placeholders(text: str) -> str:
    """Memories other than vault entries keep a neutral marker, never a placeholder ref."""
    return PLACEHOLDER.sub("[secret]", text)


def fallback_caption(ref: str, secrets: SecretMap) -> str:
    """A caption for a secret the model did not route to the vault: its line, value masked."""
    source = secrets.where.get(ref)
    if source is None:
        return f"{secrets.kinds.get(ref, 'secret')}"
    line = strip_placeholders(source.text)
    who = source.speaker or " — ".join(p for p in (source.app, source.title) if p) or "screen"
    return f"{who}: {line}"[:120]
