"""Embedding throughput benchmark: the tuned `OnnxEmbedder` against a naive loop, in one run.

The naive baseline is what a first implementation does: default session options, batches of 64 in
input order, each padded to its longest text. Both paths embed the same texts with the same model and
tokenizer, so the ratio isolates the effect of the tuning (length sorting, batch size, threads).
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reverie.core.protocols import FloatArray
from reverie.models.embedder import (
    DIM,
    OnnxEmbedder,
    bundled_model_info,
    load_tokenizer,
    model_path,
    physical_cores,
)

NAIVE_BATCH = 64

# A small mixed vocabulary (work, chat, screen text) so that word-piece counts resemble real memories:
# mostly whole-word tokens, some names, numbers, paths and identifiers that split into several pieces.
_VOCAB = """
the a to of and in for on with at from by about after before during into over under
i you we they she he it my our your their this that these those there here
is was are were be been have has had do did will would can could should may might must
meeting project deadline email report budget review draft design document slides notes
call team manager client customer invoice contract proposal schedule calendar agenda
bug issue fix release deploy build test branch commit merge server database query index
password account login settings update install download upload file folder backup
morning afternoon evening tonight tomorrow yesterday today week month weekend holiday
coffee lunch dinner restaurant train flight hotel ticket doctor appointment gym birthday
mother father sister brother friend colleague neighbour partner kids dog cat
remember forgot need want think said asked told sent received bought paid booked moved
finished started cancelled postponed confirmed shared opened closed read wrote watched
quick important urgent new old next last first final late early small big good great
because but so if when while until although since though however also just still
spreadsheet dashboard quarterly revenue forecast onboarding roadmap milestone retrospective
"""
_PROPER = "Alice Bob Priya Mateo Chen Fatima Olga Kwame Sofia Jonas Berlin Lisbon Slack Zoom Jira Figma"
_SYMBOLIC = """
Q3-2024 #4512 v2.13.1 ~/Documents/taxes.pdf https://example.org/login 14:30 €1,250
api_gateway.yaml TODO: re: fwd: 555-0142 PR-2281 k8s OAuth2 ISO-8601 3.5GB
"""
_WORDS, _NAMES, _ODD = (tuple(t.split()) for t in (_VOCAB, _PROPER, _SYMBOLIC))


def make_texts(n: int, seed: int = 1234, min_words: int = 5, max_words: int = 60) -> list[str]:
    """Deterministic sentence-like texts of min..max words (uniform), some punctuation and odd tokens."""
    rng = random.Random(seed)
    texts: list[str] = []
    for _ in range(n):
        words: list[str] = []
        for i in range(rng.randint(min_words, max_words)):
            r = rng.random()
            w = rng.choice(_NAMES) if r < 0.08 else rng.choice(_ODD) if r < 0.12 else rng.choice(_WORDS)
            if i and rng.random() < 0.07:
                words[-1] += rng.choice((",", ".", ";", "?", "!"))
                if words[-1][-1] in ".?!":
                    w = w.capitalize()
            words.append(w)
        words[0] = words[0].capitalize()
        texts.append(" ".join(words) + rng.choice((".", ".", "?", "!", "")))
    return texts


class NaiveEmbedder:
    """Baseline: default SessionOptions, fixed batches of 64 in input order, pad to batch max."""

    def __init__(self, providers: Sequence[str], max_length: int) -> None:
        import onnxruntime as ort

        self._tok = load_tokenizer(max_length)
        self._session = ort.InferenceSession(str(model_path()), providers=list(providers))

    def embed(self, texts: Sequence[str]) -> FloatArray:
        out: list[FloatArray] = []
        for start in range(0, len(texts), NAIVE_BATCH):
            enc = self._tok.encode_batch(list(texts[start : start + NAIVE_BATCH]))
            width = max(len(e.ids) for e in enc)
            ids = np.array([e.ids + [0] * (width - len(e.ids)) for e in enc], dtype=np.int64)
            mask = (ids != 0).astype(np.int64)  # [PAD] is id 0 and never occurs inside a text
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, feeds)[0]
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        return np.concatenate(out).astype(np.float32)


class _Runs:
    """Wall-clock and process-CPU throughput of repeated runs."""

    def __init__(self) -> None:
        self.rates: list[float] = []
        self.cpu_s: list[float] = []
        self.others: list[float] = []
        self.last: FloatArray = np.empty((0, DIM), dtype=np.float32)

    def time(self, fn: Callable[[list[str]], FloatArray], texts: list[str]) -> None:
        b0, c0, t0 = _busy_cpu_s(), time.process_time(), time.perf_counter()
        self.last = fn(texts)
        wall, cpu, b1 = time.perf_counter() - t0, time.process_time() - c0, _busy_cpu_s()
        self.rates.append(len(texts) / wall)
        self.cpu_s.append(cpu)
        if b0 is not None and b1 is not None:
            self.others.append(max(0.0, b1 - b0 - cpu) / (wall * (os.cpu_count() or 1)))

    def summary(self) -> dict[str, Any]:
        return {
            "texts_per_s": round(statistics.median(self.rates), 1),
            "runs_texts_per_s": [round(r, 1) for r in self.rates],
            "median_cpu_s": round(statistics.median(self.cpu_s), 2),
            # Share of the machine's CPU time that other processes used during each run (Linux):
            # near 0 means the wall-clock rate can be trusted; cpu_s is robust either way.
            "other_cpu_frac": [round(x, 2) for x in self.others] or None,
        }


def run(
    n: int = 2000,
    out_json: str | None = None,
    *,
    repeats: int = 3,
    seed: int = 1234,
    naive: bool = True,
    embedder: OnnxEmbedder | None = None,
) -> dict[str, Any]:
    """Benchmark embedding throughput; returns (and optionally writes) a JSON-able report.

    Tuned and naive runs alternate, so that load from other processes hits both alike: the ratio is
    more trustworthy than either absolute figure on a shared machine.
    """
    import onnxruntime as ort

    texts = make_texts(n, seed=seed)
    t0 = time.perf_counter()
    emb = embedder or OnnxEmbedder()
    load_s = time.perf_counter() - t0
    lengths = emb.token_counts(texts)
    base = NaiveEmbedder(emb.active_providers, emb.max_length) if naive and n else None

    # First runs allocate arenas and pick kernels; keep them out of the timings.
    warm = texts[: min(len(texts), 256)]
    emb.embed(warm)
    if base is not None:
        base.embed(warm)
    tuned, plain = _Runs(), _Runs()
    for _ in range(repeats):
        tuned.time(emb.embed, texts)
        if base is not None:
            plain.time(base.embed, texts)

    report: dict[str, Any] = {
        "benchmark": "embed",
        "texts": n,
        "seed": seed,
        "repeats": repeats,
        "tokens": {
            "mean": round(statistics.fmean(lengths), 1) if lengths else 0,
            "min": min(lengths, default=0),
            "max": max(lengths, default=0),
            "total": sum(lengths),
        },
        "model": bundled_model_info() | {"model_id": emb.model_id},
        "onnxruntime": ort.__version__,
        "load_s": round(load_s, 3),
        "tuned": tuned.summary()
        | {
            "providers": emb.active_providers,
            "workers": emb.workers,
            "intra_op_threads": emb.intra_op_threads,
            "batch_size": emb.batch_size,
            "max_batch_tokens": emb.max_batch_tokens,
            "max_length": emb.max_length,
            "sort_by_length": emb.sort_by_length,
        },
        "host": {
            "machine": platform.machine(),
            "python": platform.python_version(),
            "logical_cpus": os.cpu_count() or 1,
            "physical_cores": physical_cores(),
            "load_avg_1m": _load_avg(),
        },
    }
    if base is not None and repeats:
        report["naive"] = plain.summary() | {
            "providers": emb.active_providers,
            "batch_size": NAIVE_BATCH,
            "sort_by_length": False,
            "session_options": "default",
        }
        report["speedup"] = round(report["tuned"]["texts_per_s"] / report["naive"]["texts_per_s"], 2)
        # Same model, same tokens: the vectors must agree up to float noise from different batching.
        report["max_abs_diff_vs_naive"] = float(np.abs(tuned.last - plain.last).max())
    if out_json:
        path = Path(out_json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def _busy_cpu_s() -> float | None:
    """CPU seconds all processes spent busy since boot (the first line of /proc/stat)."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            f = [int(x) for x in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = f[3] + (f[4] if len(f) > 4 else 0)  # idle + iowait; guest time is already in user
    return (sum(f[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _load_avg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)  # other processes on the machine skew wall-clock rates
    except (AttributeError, OSError):
        return None
