"""Plots of a screen-day result (matplotlib, Agg backend, imported only here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

LABELS = {"reverie": "Reverie (memories)", "rag": "RAG (OCR text)", "full_context": "Full context (OCR text)"}
COLOURS = {"reverie": "#1b7837", "rag": "#2166ac", "full_context": "#b2182b"}
SYSTEMS = ("reverie", "rag", "full_context")


def plot(result: dict[str, Any], out_dir: Path, prefix: str = "screenday") -> list[Path]:
    """Write the three report PNGs into out_dir; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    title = f"screen day: size {result['config']['size']}, seed {result['config']['seed']}, {result['llm']['model']}"
    paths = [
        _accuracy_storage(plt, result, out_dir / f"{prefix}-accuracy-storage.png", title),
        _per_type(plt, result, out_dir / f"{prefix}-per-type.png", title),
        _cost(plt, result, out_dir / f"{prefix}-cost.png", title),
    ]
    plt.close("all")
    return paths


def _accuracy_storage(plt: Any, result: dict[str, Any], path: Path, title: str) -> Path:
    compare, acc = result["storage_compare"], result["accuracy"]
    sizes = {"reverie": compare["reverie_bytes"], "rag": compare["rag_bytes"],
             "full_context": compare["full_context_bytes"]}
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=110)
    for s in SYSTEMS:
        if acc[s]["f1"] is None or not sizes[s]:
            continue
        ax.scatter(sizes[s], acc[s]["f1"], s=90, color=COLOURS[s], label=f"{LABELS[s]}: token F1", zorder=3)
        ax.scatter(sizes[s], acc[s]["em"], s=90, facecolors="none", edgecolors=COLOURS[s],
                   label=f"{LABELS[s]}: exact match", zorder=3)
        ax.annotate(_bytes(sizes[s]), (sizes[s], acc[s]["f1"]), textcoords="offset points", xytext=(6, 6),
                    fontsize=8)
    if compare.get("screenshots_bytes"):
        ax.axvline(compare["screenshots_bytes"], color="grey", linestyle=":", linewidth=1)
        ax.annotate(f"kept screenshots (PNG)\n{_bytes(compare['screenshots_bytes'])}",
                    (compare["screenshots_bytes"], 0.02), fontsize=8, color="grey", ha="right")
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_xlabel("storage, bytes (log scale): text + float32 vectors")
    ax.set_ylabel("answer accuracy")
    ax.set_title("Accuracy vs storage\n" + title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    return path


def _per_type(plt: Any, result: dict[str, Any], path: Path, title: str) -> Path:
    acc = result["accuracy"]
    types = sorted({t for s in SYSTEMS for t in acc[s]["by_type"]})
    systems = [s for s in SYSTEMS if acc[s]["n"]]
    fig, ax = plt.subplots(figsize=(max(7.5, 1.2 * len(types) + 2), 4.6), dpi=110)
    width = 0.8 / max(1, len(systems))
    for k, s in enumerate(systems):
        xs = [i + (k - (len(systems) - 1) / 2) * width for i in range(len(types))]
        ys = [acc[s]["by_type"].get(t, {}).get("f1") or 0.0 for t in types]
        ax.bar(xs, ys, width, color=COLOURS[s], label=LABELS[s])
        for x, y in zip(xs, ys, strict=True):  # zero bars would be invisible otherwise
            ax.annotate(f"{y:.2f}", (x, y), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=6)
    counts = [acc["reverie"]["by_type"].get(t, {}).get("n", 0) for t in types]
    ax.set_xticks(range(len(types)), [f"{t}\n(n={n})" for t, n in zip(types, counts, strict=True)], fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("token F1 (abstain: 1 if it abstained)")
    ax.set_title("Accuracy per question type\n" + title, fontsize=10)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    return path


def _cost(plt: Any, result: dict[str, Any], path: Path, title: str) -> Path:
    per_frame, per_q = result["per_frame"], result["per_question"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.4), dpi=110)
    stages = {"capture + OCR\n(per input frame)": per_frame["ingest_s_per_frame"],
              "memory agents\n(per kept frame)": per_frame["agents_s_per_kept_frame"]}
    stages.update({f"answer: {s}\n(per question)": per_q[s]["seconds"] for s in SYSTEMS if per_q[s]["llm_calls"]})
    left.barh(list(stages), list(stages.values()), color="#762a83")
    for y, v in enumerate(stages.values()):
        left.annotate(f"{v:.2f}s", (v, y), xytext=(3, -3), textcoords="offset points", fontsize=8)
    left.set_xlabel("seconds")
    left.set_title("Time", fontsize=10)
    left.invert_yaxis()
    tokens = {"memory agents\n(per kept frame)": (per_frame["agents_prompt_tokens_per_kept_frame"],
                                                  per_frame["agents_completion_tokens_per_kept_frame"])}
    tokens.update({f"answer: {s}\n(per question)": (per_q[s]["prompt_tokens"], per_q[s]["completion_tokens"])
                   for s in SYSTEMS if per_q[s]["llm_calls"]})
    names = list(tokens)
    prompt = [tokens[n][0] for n in names]
    completion = [tokens[n][1] for n in names]
    ys = range(len(names))
    right.barh([y - 0.2 for y in ys], prompt, 0.4, color="#5aae61", label="prompt")
    right.barh([y + 0.2 for y in ys], completion, 0.4, color="#e08214", label="completion")
    for y, (p_tok, c_tok) in enumerate(zip(prompt, completion, strict=True)):
        for value, at in ((p_tok, y - 0.2), (c_tok, y + 0.2)):
            right.annotate(f"{value:,.0f}", (max(value, 1), at), xytext=(3, -3), textcoords="offset points",
                           fontsize=7)
    right.set_yticks(list(ys), names)
    right.set_xscale("log")
    right.set_xlabel("LLM tokens (log scale)")
    right.set_title("Tokens", fontsize=10)
    right.invert_yaxis()
    right.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    return path


def _bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
