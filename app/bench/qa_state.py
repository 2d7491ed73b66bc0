"""Checkpoints for long `reverie bench qa` runs: a sidecar `<json>.partial` rewritten atomically
after every ingest batch and every answer, plus the bench's own memory store in `<json>.store/`.

The store itself is resumable (ingest skips batches whose messages are already processed), so
after a kill the run picks up at the first unfinished batch, then the first unanswered question.
A batch cut off mid-way is re-run whole; the memory agents' reconcile step dedups what it stored.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from reverie.errors import UserFacingError

# Settings the stored memories and answers depend on. The others (limit, categories, seed,
# conversations, whether to run the baseline) only pick questions: a resumed run may change them,
# e.g. to widen a 60-question sample to all questions while keeping the answers already paid for.
FIXED = ("data", "sessions", "batch_turns", "n_ctx", "full_context_n_ctx", "model")


class Checkpoint:
    """In-memory state mirrored to disk (when a path is given) after each `save()`."""

    def __init__(self, path: Path | None, config: dict[str, Any], state: dict[str, Any] | None = None) -> None:
        self.path = path
        self.state: dict[str, Any] = state or {"config": config, "conversations": {}}

    @staticmethod
    def sidecars(out: Path) -> tuple[Path, Path]:
        return out.with_name(out.name + ".partial"), out.with_name(out.name + ".store")

    @classmethod
    def open(cls, out: Path | None, config: dict[str, Any], resume: bool) -> Checkpoint:
        if out is None:
            if resume:
                raise UserFacingError("--resume needs --json OUT (the checkpoint sits next to it)")
            return cls(None, config)
        partial, store_dir = cls.sidecars(out)
        if not resume:
            if partial.exists():
                raise UserFacingError(f"a partial run exists at {partial}: pass --resume to continue it, "
                                      "or delete it to start over")
            if store_dir.exists():  # a store with no checkpoint is an orphan from an older run
                shutil.rmtree(store_dir)
            return cls(partial, config)
        if not partial.exists():
            raise UserFacingError(f"nothing to resume: {partial} does not exist")
        try:
            state = json.loads(partial.read_text())
        except ValueError as exc:
            raise UserFacingError(f"cannot resume: {partial} is not valid JSON ({exc})") from exc
        old = state.get("config", {})
        diff = sorted(k for k in FIXED if config.get(k) != old.get(k))
        if diff:
            raise UserFacingError(f"cannot resume {partial}: it was started with other settings ({', '.join(diff)})")
        state["config"] = config  # the question sample may change: answers are kept per question
        return cls(partial, config, state)

    def conversation(self, cid: str) -> dict[str, Any]:
        convs: dict[str, Any] = self.state["conversations"]
        conv: dict[str, Any] = convs.setdefault(cid, {"batches": [], "ingest_done": False, "memory": {},
                                                      "full_context": {}})
        return conv

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.state, indent=1))
        os.replace(tmp, self.path)  # atomic: a kill mid-write leaves the previous checkpoint whole
