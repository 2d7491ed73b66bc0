"""Parsing chat exports into messages. LOCOMO format: conversations of dated sessions of turns."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ChatTurn:
    id: str  # "<conversation>:<dia_id>"
    conversation: str
    speaker: str
    text: str
    occurred_at: datetime | None
    session: int
    dia_id: str


def parse_locomo_date(value: str) -> datetime | None:
    """'1:56 pm on 8 May, 2023' → aware datetime (UTC; LOCOMO gives no zone)."""
    value = re.sub(r"\s+", " ", value.strip())
    for fmt in ("%I:%M %p on %d %B, %Y", "%I:%M %p on %d %b, %Y", "%I:%M %p on %B %d, %Y"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def turn_text(turn: dict[str, Any]) -> str:
    text = str(turn.get("text", "")).strip()
    caption = turn.get("blip_caption")
    if caption:
        text = f"{text} [shared a photo: {caption}]".strip()
    return text


def iter_locomo(path: Path) -> Iterator[tuple[str, list[ChatTurn]]]:
    data = json.loads(Path(path).read_text())
    items = data if isinstance(data, list) else [data]
    for n, item in enumerate(items):
        conv = item.get("conversation")
        if not isinstance(conv, dict):
            raise ValueError(f"item {n} has no 'conversation' object: not a LOCOMO file")
        cid = str(item.get("sample_id") or f"conv-{n}")
        turns: list[ChatTurn] = []
        sessions = sorted((int(k.split("_")[1]), k) for k in conv if re.fullmatch(r"session_\d+", k))
        for number, key in sessions:
            when = parse_locomo_date(str(conv.get(f"{key}_date_time", "")))
            for turn in conv[key]:
                dia = str(turn["dia_id"])
                turns.append(ChatTurn(f"{cid}:{dia}", cid, str(turn["speaker"]), turn_text(turn), when, number, dia))
        yield cid, turns
