"""Attach neighbouring chat messages to hits that came from a conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reverie.core.retrieval.hybrid import SearchHit


def expand_context(conn: Any, hits: list[SearchHit], window: int) -> None:
    """For hits with `msg:` provenance, show the messages within `window` turns around them.

    Overlapping windows of different hits are not repeated: a message already shown by a
    higher-ranked hit is left out of later ones, so context tokens are not spent twice.
    """
    shown: set[str] = set()
    for hit in hits:
        msg_ids = [p[4:] for p in hit.provenance if p.startswith("msg:")]
        if not msg_ids:
            continue
        marks = ",".join("?" * len(msg_ids))
        anchors = conn.execute(f"SELECT conversation, seq FROM messages WHERE id IN ({marks})", msg_ids).fetchall()
        rows: dict[int, tuple[str, str, str]] = {}
        for conv, seq in anchors:
            for mid, speaker, text, s in conn.execute(
                "SELECT id, speaker, text, seq FROM messages WHERE conversation = ? AND seq BETWEEN ? AND ? "
                "ORDER BY seq", (conv, seq - window, seq + window)):
                rows[s] = (mid, speaker, text)
        lines, prov = [], []
        for s in sorted(rows):
            mid, speaker, text = rows[s]
            if mid in shown and mid not in msg_ids:
                continue
            shown.add(mid)
            lines.append(f"{speaker}: {text}")
            prov.append(f"msg:{mid}")
        if lines:
            hit.context = "\n".join(lines)
            hit.provenance = sorted(set(hit.provenance) | set(prov))
