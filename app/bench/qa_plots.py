"""Plots for `reverie bench qa` (matplotlib, headless): F1 per category, and tokens per answer vs F1."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

LABELS = {"memory": "memory (Reverie)", "full_context": "full context"}
COLOURS = {"memory": "#2b6cb0", "full_context": "#c05621"}


def write_plots(result: dict[str, Any], out_dir: Path, prefix: str = "locomo",
                extra_points: Sequence[tuple[str, float, float]] = ()) -> list[Path]:
    """Two PNGs; `extra_points` (label, tokens per answer, F1) adds systems from other runs to the
    cost plot, e.g. the full-context baseline cut to a smaller context."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed; safe in CLI and CI
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    model = result.get("model", "")
    paths = [out_dir / f"{prefix}-f1-by-category.png", out_dir / f"{prefix}-tokens-vs-f1.png"]

    cats = result["by_category"]
    keys = list(cats)
    names = [f"{cats[k]['name']}\n(n={cats[k]['n']})" + ("\nabstention acc." if k == "5" else "") for k in keys]
    fig, ax = plt.subplots(figsize=(8, 4.2))
    width = 0.38
    for i, system in enumerate(("memory", "full_context")):
        vals = [cats[k].get(system, {}).get("score", 0.0) for k in keys]
        xs = [x + (i - 0.5) * width for x in range(len(keys))]
        bars = ax.bar(xs, vals, width, label=LABELS[system], color=COLOURS[system])
        ax.bar_label(bars, fmt="%.2f", fontsize=8)
    ax.set_xticks(range(len(keys)), names, fontsize=8)
    ax.set_ylabel("F1 (category 5: accuracy)")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"LOCOMO QA by category — {model}", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(paths[0], dpi=110)
    plt.close(fig)

    summary = result["summary"]
    fig, ax = plt.subplots(figsize=(6, 4.2))
    points = []
    if "memory" in summary:
        s = summary["memory"]
        points.append((LABELS["memory"], s["tokens_per_answer"], s["f1"], COLOURS["memory"], "o"))
        if s.get("ingest_tokens_per_question"):
            points.append(("memory + ingest share", s["tokens_per_answer"] + s["ingest_tokens_per_question"],
                           s["f1"], COLOURS["memory"], "s"))
    if "full_context" in summary:
        s = summary["full_context"]
        points.append((LABELS["full_context"], s["tokens_per_answer"], s["f1"], COLOURS["full_context"], "o"))
    points += [(label, tokens, f1, "#718096", "^") for label, tokens, f1 in extra_points]
    for i, (label, tokens, f1, colour, marker) in enumerate(points):
        ax.scatter([max(tokens, 1.0)], [f1], s=80, color=colour, marker=marker, label=label)
        ax.annotate(f"{tokens:,.0f} tok, F1 {f1:.3f}", (max(tokens, 1.0), f1), textcoords="offset points",
                    xytext=(6, 6 if i % 2 == 0 else -14), fontsize=8)  # alternate sides: close points overlap
    ax.set_xscale("log")
    xs = [max(p[1], 1.0) for p in points] or [1.0]
    ax.set_xlim(min(xs) / 2, max(xs) * 4)  # room for the labels right of each point
    ax.set_xlabel("tokens per answer (prompt + completion, log scale)")
    ax.set_ylabel("F1 (categories 1-4)")
    ax.set_ylim(0, max([p[2] for p in points] + [0.1]) * 1.6)
    ax.set_title(f"Cost vs quality — {model}", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(paths[1], dpi=110)
    plt.close(fig)
    return paths
