"""Generate the screen-day benchmark: a scripted working day rendered as 1920x1080 screenshots.

    python -m reverie.bench.screenday.generate OUT [--size tiny|small|report] [--seed 7]

writes OUT/frames/NNNNNN.png with NNNNNN.json sidecars (app, title, timestamp; the format of
`reverie ingest-frames`) and OUT/day.json with each frame's ground-truth text, the day's facts,
the secrets that must never be stored, and questions with gold answers and evidence frames.
Output is a pure function of (seed, size): no clock, no global random state, fixed PNG settings.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from reverie.bench.screenday.questions import TYPES, Question, build_questions
from reverie.bench.screenday.render import Canvas
from reverie.bench.screenday.scenes import render
from reverie.bench.screenday.script import DAY, SCALES, Script, Shot, build

SIZES = tuple(SCALES)
_FRAME_FILE = re.compile(r"\d{6}\.(?:png|json)")


def clock_text(shot: Shot) -> str:
    return f"{shot.t:%a %b} {shot.t.day} {shot.t:%H:%M}"


def render_shot(shot: Shot) -> tuple[Canvas, str]:
    """The frame image and its ground-truth text (what was drawn, in reading order)."""
    canvas = Canvas()
    render(canvas, shot.state, shot.title, clock_text(shot))
    return canvas, canvas.reading_text()


def _evidence(q: Question, frames: list[dict[str, Any]]) -> list[str]:
    if q.type == "abstain":
        return []
    found = []
    for f in frames:
        if f.get("private") or (q.scene and f["scene"] != q.scene):
            continue
        if q.after and f["timestamp"][11:19] < q.after:
            continue
        if any(n in f["text"] for n in q.needles):
            found.append(f["file"])
    if not found:
        raise AssertionError(f"question {q.question!r}: no frame shows any of {q.needles}")
    return found


def _clear_frames(folder: Path) -> None:
    """Remove frames of an earlier run (a smaller size would otherwise leave extra frames behind)."""
    for path in folder.iterdir():
        if path.is_file() and _FRAME_FILE.fullmatch(path.name):
            path.unlink()


def generate(out_dir: Path, *, seed: int = 7, size: str = "tiny") -> Path:
    """Write the day for (seed, size) into `out_dir`; returns the path of day.json."""
    if size not in SCALES:
        raise ValueError(f"unknown size {size!r}; expected one of {', '.join(SIZES)}")
    out_dir = Path(out_dir)
    folder = out_dir / "frames"
    folder.mkdir(parents=True, exist_ok=True)
    _clear_frames(folder)
    day = build_day(seed, size, folder)
    path = out_dir / "day.json"
    path.write_text(json.dumps(day, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def build_day(seed: int, size: str, folder: Path | None = None) -> dict[str, Any]:
    """The content of day.json; with `folder`, each frame's PNG and sidecar are written there too."""
    script: Script = build(seed, size)
    frames: list[dict[str, Any]] = []
    previous = None
    for i, shot in enumerate(script.shots):
        if previous is not None and shot.t <= previous:
            raise AssertionError(f"frame {i} is not later than the frame before it")
        previous = shot.t
        canvas, text = render_shot(shot)
        name = f"{i:06d}.png"
        if folder is not None:
            # Fixed encoder settings and no metadata chunks: the bytes depend on the pixels only.
            canvas.image.save(folder / name, format="PNG", optimize=False, compress_level=6)
            sidecar: dict[str, Any] = {"app": shot.app, "title": shot.title, "timestamp": shot.t.isoformat()}
            if shot.private:
                sidecar["private"] = True
            (folder / f"{i:06d}.json").write_text(json.dumps(sidecar, ensure_ascii=False) + "\n", encoding="utf-8")
        entry: dict[str, Any] = {"file": name, "timestamp": shot.t.isoformat(), "app": shot.app, "title": shot.title,
                 "scene": shot.scene, "text": text}
        if shot.private:
            entry["private"] = True
        frames.append(entry)
    facts = []
    for fact in script.facts:
        shown = [f["file"] for f in frames if not f.get("private") and (fact.scene in (None, f["scene"]))
                 and any(n in f["text"] for n in fact.needles)]
        if not shown:
            raise AssertionError(f"fact {fact.id} is on no frame (needles {fact.needles})")
        facts.append({"id": fact.id, "kind": fact.kind, "text": fact.text, "frames": shown})
    questions = []
    for n, q in enumerate(build_questions(script), start=1):
        questions.append({"id": f"q{n}", "type": q.type, "question": q.question, "answer": q.answer,
                          "alternatives": q.alternatives, "evidence": _evidence(q, frames)})
    missing = set(TYPES) - {q["type"] for q in questions}
    if missing:
        raise AssertionError(f"question types missing: {sorted(missing)}")
    return {"seed": seed, "size": size, "date": DAY.date().isoformat(), "timezone": "UTC", "frames": frames,
            "facts": facts, "secrets": script.secrets, "questions": questions}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reverie.bench.screenday.generate",
                                     description="Render the screen-day benchmark (frames, sidecars, day.json).")
    parser.add_argument("out", type=Path, help="output folder (frames/ and day.json are written into it)")
    parser.add_argument("--size", choices=SIZES, default="tiny")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path = generate(args.out, seed=args.seed, size=args.size)
    day = json.loads(path.read_text(encoding="utf-8"))
    print(f"{path}: {len(day['frames'])} frames, {len(day['facts'])} facts, {len(day['questions'])} questions "
          f"in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
