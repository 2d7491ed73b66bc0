"""Chat hits as spans of their conversation.

A turn that answers a question seldom repeats the question's words; those are in the turn
before it ("What's your favourite game?" → "Xenoblade, by far"). So a hit on a chat message
is treated as a position in its conversation, not as an isolated document:

1. neighbour smoothing (`smooth`): a chat memory's score gains `weight` × the scores of the
   messages right before and after it, so an exchange that matches as a whole outranks an
   isolated turn sharing one word with the query;
2. spans (`assemble`): a hit inside or next to a better hit's span joins that span instead of
   taking a result slot, so the top results cover more distinct parts of the history and no
   message is shown twice;
3. score-aware context (`grow`): each span grows one message at a time towards its
   better-scoring side while that message scores at least `tau` × the best hit's score, at
   most `reach` messages beyond the outermost hit it holds.

Neighbours are the adjacent messages of the same conversation, and only within one sitting:
two messages more than `gap_s` apart are not each other's context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# Each anchor's window: the messages of its conversation within `radius` rows of it. Rows are
# numbered globally, so where conversations interleave a window holds fewer of them — less
# context, never a wrong neighbour.
_WINDOWS = (
    "SELECT a.id, b.id, b.occurred_at, length(b.speaker) + length(b.text) + 3 FROM messages a JOIN messages b "
    "ON b.conversation = a.conversation AND b.seq BETWEEN a.seq - ? AND a.seq + ? "
    "WHERE a.id IN ({marks}) ORDER BY a.id, b.seq"
)


@dataclass(frozen=True)
class Message:
    id: str
    speaker: str
    text: str

    def line(self) -> str:
        return f"{self.speaker}: {self.text}"


class Thread:
    """Adjacency of chat messages around anchor messages, loaded on demand in batches."""

    def __init__(self, conn: Any, radius: int, gap_s: float) -> None:
        self._conn = conn
        self._radius = radius
        self._gap = gap_s
        self._prev: dict[str, str] = {}
        self._next: dict[str, str] = {}
        self._done: set[str] = set()
        self.known: set[str] = set()  # messages that exist (anchors found in the table)
        self.chars: dict[str, int] = {}  # length of each loaded message's "Speaker: text" line

    def load(self, msg_ids: Iterable[str]) -> None:
        todo = [m for m in dict.fromkeys(msg_ids) if m not in self._done]
        self._done.update(todo)
        for i in range(0, len(todo), 400):
            chunk = todo[i:i + 400]
            sql = _WINDOWS.format(marks=",".join("?" * len(chunk)))
            last: tuple[str, str, float | None] | None = None
            for anchor, mid, at, chars in self._conn.execute(sql, (self._radius, self._radius, *chunk)):
                self.known.add(anchor)
                self.chars[mid] = int(chars)
                if last is not None and last[0] == anchor and self._same_sitting(last[2], at):
                    self._next[last[1]] = mid
                    self._prev[mid] = last[1]
                last = (anchor, mid, at)

    def _same_sitting(self, a: float | None, b: float | None) -> bool:
        return a is None or b is None or abs(b - a) <= self._gap

    def prev(self, msg_id: str) -> str | None:
        return self._prev.get(msg_id)

    def next(self, msg_id: str) -> str | None:
        return self._next.get(msg_id)

    def messages(self, msg_ids: Iterable[str]) -> dict[str, Message]:
        ids = list(dict.fromkeys(msg_ids))
        out: dict[str, Message] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for mid, speaker, text in self._conn.execute(
                    f"SELECT id, speaker, text FROM messages WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                out[mid] = Message(mid, speaker, text)
        return out


def smooth(thread: Thread, own: dict[str, float], weight: float) -> Callable[[str], float]:
    """Score of any loaded message: its own score plus `weight` × its neighbours' own scores.

    `own` maps message id → own score of the (candidate) memory made from that message.
    """
    def score(msg_id: str) -> float:
        s = own.get(msg_id, 0.0)
        for n in (thread.prev(msg_id), thread.next(msg_id)):
            if n is not None:
                s += weight * own.get(n, 0.0)
        return s
    return score


@dataclass
class Span:
    """Consecutive messages of one conversation shown as one hit; `anchors` are the hits it holds."""

    msgs: list[str]
    anchors: set[str]
    absorbed: list[str] = field(default_factory=list)  # memory ids of hits merged into this span


def try_absorb(spans: list[Span], thread: Thread, msg_id: str) -> Span | None:
    """Add `msg_id` to the span that contains it or touches it; None when it is on its own."""
    for span in spans:
        if msg_id in span.anchors or msg_id in span.msgs:
            span.anchors.add(msg_id)
            return span
        if thread.next(span.msgs[-1]) == msg_id:
            span.msgs.append(msg_id)
            span.anchors.add(msg_id)
            return span
        if thread.prev(span.msgs[0]) == msg_id:
            span.msgs.insert(0, msg_id)
            span.anchors.add(msg_id)
            return span
    return None


def grow(spans: list[Span], thread: Thread, score: Callable[[str], float], *, floor: float,
         reach: int, max_len: int, budget: int = 0) -> None:
    """Extend each span, best hit first, by its better-scoring neighbour while that scores ≥ `floor`.

    `budget` (characters, 0 = none) caps the text of all spans together: the best hits get
    their context first.
    """
    taken = {m for span in spans for m in span.msgs}
    used = sum(thread.chars.get(m, 0) for m in taken)
    for span in spans:
        while len(span.msgs) < max_len:
            first = next(i for i, m in enumerate(span.msgs) if m in span.anchors)
            last = max(i for i, m in enumerate(span.msgs) if m in span.anchors)
            options: list[tuple[float, int, str]] = []
            before = thread.prev(span.msgs[0])
            if before is not None and before not in taken and first + 1 <= reach:
                options.append((score(before), 0, before))
            after = thread.next(span.msgs[-1])
            if after is not None and after not in taken and len(span.msgs) - last <= reach:
                options.append((score(after), 1, after))  # on a tie the reply (after) wins
            if not options:
                break
            best, side, mid = max(options)
            cost = thread.chars.get(mid, 0)
            if best < floor or best <= 0.0 or (budget and used + cost > budget):
                break
            if side:
                span.msgs.append(mid)
            else:
                span.msgs.insert(0, mid)
            taken.add(mid)
            used += cost


def render(spans: Iterable[Span], thread: Thread) -> list[tuple[str, list[str]]]:
    """Each span's text ("Speaker: text" lines) and its message provenance."""
    spans = list(spans)
    msgs = thread.messages(m for span in spans for m in span.msgs)
    out = []
    for span in spans:
        shown = [msgs[m] for m in span.msgs if m in msgs]
        out.append(("\n".join(m.line() for m in shown), [f"msg:{m.id}" for m in shown]))
    return out
