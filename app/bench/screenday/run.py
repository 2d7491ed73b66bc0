"""`reverie bench screenday`: a synthetic screen day through the whole pipeline, then questions.

Stages, each through the code path its CLI command uses:
  1. the generator renders the day (PNG frames + sidecars + day.json with facts, secrets, questions);
  2. `reverie ingest-frames`: privacy policy, change detection, RapidOCR, redaction, encrypted store;
  3. `reverie jobs run absorb` (forced, not gated by idle): the memory agents turn frames into memories;
     then `dedup` and `knowledge_update`, the consolidation the scheduler runs while the user is away;
  4. `reverie ask` (the ChatAgent, `remember` off so earlier answers cannot feed later ones), with
     the clock set to the end of the synthetic day so "this morning" means that day;
  5. baselines with the same LLM: RAG over the stored OCR text, and the whole day's OCR text in
     one prompt when it fits `full_context_n_ctx` (a second instance of the model with a bigger
     context; never truncated, since a cut day answers a different question set).
Then metrics: answer EM/F1 per question type, memory precision, secrets anywhere (data dir
files, decrypted rows, the vault, LLM prompts), storage, time and tokens per frame.

Deterministic for a seed up to the LLM: temperature 0 and a fixed sampler seed, but llama.cpp's
multi-threaded float sums can still differ between machines and thread counts.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from reverie.bench.screenday import baselines, metrics
from reverie.core.protocols import LLM, OCR, ChatMessage, Completion, Embedder, OCRLine
from reverie.core.store.keys import KeyOptions
from reverie.core.store.records import dt
from reverie.core.store.store import MemoryStore

log = logging.getLogger(__name__)
PASSPHRASE = "screenday-bench"  # a throwaway store; the key file sits next to it
SYSTEMS = ("reverie", "rag", "full_context")
_MEMORY_TABLES = ("memories", "memories_fts", "provenance", "embeddings")


def progress(message: str) -> None:
    """A stage line on stderr: runs take minutes to hours on a CPU; stdout stays pure JSON."""
    print(f"[screenday {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---- meters ----------------------------------------------------------------------------------

@dataclass
class PhaseStats:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    prompts_with_secrets: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "seconds": round(self.seconds, 2), "prompts_with_secrets": self.prompts_with_secrets}


class MeteredLLM:
    """Wraps the LLM: calls, tokens and time per phase, and prompts that carry a day's secret.

    Prompts are checked in memory and never kept. Streamed calls report no usage, so their tokens
    are counted with the model's tokenizer (what `ChatAgent` does for its own Usage).
    """

    def __init__(self, inner: LLM, matcher: metrics.SecretMatcher) -> None:
        self.inner = inner
        self.matcher = matcher
        self.phase = "setup"
        self.phases: dict[str, PhaseStats] = {}

    @property
    def name(self) -> str:
        return str(self.inner.name)

    @property
    def context_size(self) -> int:
        return int(self.inner.context_size)

    def count_tokens(self, text: str) -> int:
        return int(self.inner.count_tokens(text))

    def _stats(self, messages: Sequence[ChatMessage]) -> PhaseStats:
        stats = self.phases.setdefault(self.phase, PhaseStats())
        stats.calls += 1
        if self.matcher.find("\n".join(m.content for m in messages)):
            stats.prompts_with_secrets += 1
        return stats

    def complete(self, messages: Sequence[ChatMessage], *, schema: Mapping[str, Any] | None = None,
                 max_tokens: int = 512, temperature: float = 0.0) -> Completion:
        stats = self._stats(messages)
        started = time.perf_counter()
        try:
            reply = self.inner.complete(messages, schema=schema, max_tokens=max_tokens, temperature=temperature)
        finally:
            stats.seconds += time.perf_counter() - started
        usage = reply.usage
        stats.prompt_tokens += usage.prompt_tokens or sum(self.count_tokens(m.content) for m in messages)
        stats.completion_tokens += usage.completion_tokens or self.count_tokens(reply.text)
        return reply

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int = 512,
               temperature: float = 0.0) -> Iterator[str]:
        stats = self._stats(messages)
        pieces: list[str] = []
        started = time.perf_counter()
        try:
            for piece in self.inner.stream(messages, max_tokens=max_tokens, temperature=temperature):
                pieces.append(piece)
                yield piece
        finally:
            stats.seconds += time.perf_counter() - started
            stats.prompt_tokens += sum(self.count_tokens(m.content) for m in messages)
            stats.completion_tokens += self.count_tokens("".join(pieces))


@dataclass
class TimedOCR:
    inner: OCR
    calls: int = 0
    seconds: float = 0.0

    def read(self, image: Any) -> list[OCRLine]:
        started = time.perf_counter()
        try:
            return list(self.inner.read(image))
        finally:
            self.calls += 1
            self.seconds += time.perf_counter() - started


@contextmanager
def private_tempdir(path: Path) -> Iterator[Path]:
    """Temp files of this process go under `path` for the run, so the secret scan can read them."""
    path.mkdir(parents=True, exist_ok=True)
    before = tempfile.tempdir
    tempfile.tempdir = str(path)
    try:
        yield path
    finally:
        tempfile.tempdir = before


# ---- the day ---------------------------------------------------------------------------------

@dataclass
class Day:
    path: Path  # day.json
    data: dict[str, Any]
    frames_dir: Path
    by_file: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, day_json: Path) -> Day:
        data = json.loads(day_json.read_text(encoding="utf-8"))
        day = cls(day_json, data, day_json.parent / "frames")
        day.by_file = {f["file"]: f for f in data["frames"]}
        return day

    def end(self) -> datetime:
        return max(datetime.fromisoformat(f["timestamp"]) for f in self.data["frames"]) + timedelta(minutes=1)


def make_day(out: Path, size: str, seed: int, day: Path | None) -> Day:
    if day is not None:
        return Day.load(day / "day.json" if day.is_dir() else day)
    from reverie.bench.screenday.generate import generate

    return Day.load(generate(out / "day", seed=seed, size=size))


def cap_frames(day: Day, dest: Path, max_frames: int) -> Path:
    """The first `max_frames` frames (with sidecars) in a folder of their own; 0 = all."""
    if not max_frames:
        return day.frames_dir
    if dest.exists():  # a rerun with another cap must not see the last run's frames
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for f in day.data["frames"][:max_frames]:
        for suffix in (".png", ".json"):
            src = (day.frames_dir / f["file"]).with_suffix(suffix)
            if src.exists():
                shutil.copyfile(src, dest / src.name)
    return dest


# Question types whose gold answer is not text on a screen (so coverage diagnostics skip them).
_NOT_SHOWN = (metrics.ABSTAIN_TYPE, "count")
# Their answer depends on every evidence frame (a count) or on the last one (an update, an order).
_NEEDS_ALL_EVIDENCE = frozenset({"count", "update", "temporal"})


def pick_questions(day: Day, files: set[str], max_questions: int, partial: bool = False) -> list[dict[str, Any]]:
    """Questions whose evidence was ingested; with a cap, spread over the types round-robin.

    `partial` (a day cut short by max_frames): a question whose fact is shown on several frames
    counts once any of them was ingested, except types that need all of them.
    """
    def answerable(q: dict[str, Any]) -> bool:
        evidence = set(q.get("evidence") or [])
        if partial and q["type"] not in _NEEDS_ALL_EVIDENCE and evidence & files:
            return True
        return evidence <= files

    qs = [q for q in day.data["questions"] if answerable(q)]
    if not max_questions or len(qs) <= max_questions:
        return qs
    by_type: dict[str, list[dict[str, Any]]] = {}
    for q in qs:
        by_type.setdefault(q["type"], []).append(q)
    picked: list[dict[str, Any]] = []
    while len(picked) < max_questions:
        for t in sorted(by_type):
            if by_type[t] and len(picked) < max_questions:
                picked.append(by_type[t].pop(0))
    return sorted(picked, key=lambda q: qs.index(q))


# ---- the run ---------------------------------------------------------------------------------

def make_llm(llm_url: str | None, llm_model: str | None, n_ctx: int, threads: int | None) -> LLM:
    from reverie.bench.qa import make_llm as qa_make_llm
    from reverie.core.protocols import LLMError
    from reverie.errors import UserFacingError
    from reverie.models.model_manager import ModelError

    try:
        return qa_make_llm(llm_url, llm_model, n_ctx, threads)
    except (ModelError, LLMError) as exc:
        raise UserFacingError(f"no usable LLM: {exc}") from exc


def run(size: str = "tiny", seed: int = 7, llm_url: str | None = None, llm_model: str | None = None,
        out_dir: Path | None = None, plots: Path | None = None, *, day: Path | None = None,
        max_frames: int = 0, max_questions: int = 0, n_ctx: int = 4096, threads: int | None = None,
        full_context: bool = True, full_context_n_ctx: int = 32768,
        llm: LLM | None = None, embedder: Embedder | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the result (also written to OUT/result.json when out_dir is given)."""
    if out_dir is None:
        with tempfile.TemporaryDirectory(prefix="reverie-screenday-") as tmp:
            return run(size, seed, llm_url, llm_model, Path(tmp), plots, day=day, max_frames=max_frames,
                       max_questions=max_questions, n_ctx=n_ctx, threads=threads, full_context=full_context,
                       full_context_n_ctx=full_context_n_ctx, llm=llm, embedder=embedder)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    home = out / "home"
    if home.exists():  # a rerun starts from an empty store, never on top of the last one
        shutil.rmtree(home)
    started = time.perf_counter()
    the_day = make_day(out, size, seed, day)
    progress(f"day: {len(the_day.data['frames'])} frames, {len(the_day.data['questions'])} questions "
             f"({the_day.path})")
    matcher = metrics.SecretMatcher(the_day.data.get("secrets", []))
    given_llm = llm is not None
    if llm is None:
        llm = make_llm(llm_url, llm_model, n_ctx, threads)
    if embedder is None:
        from reverie.models.embedder import OnnxEmbedder

        embedder = OnnxEmbedder()
    meter = MeteredLLM(llm, matcher)
    fc_meter = None
    if full_context:
        # The same model with a context big enough for a whole day, when the day fits; the weights
        # are mmapped, so the second instance mostly adds its KV cache.
        fc_llm = llm if given_llm else make_llm(llm_url, llm_model, full_context_n_ctx, threads)
        fc_meter = MeteredLLM(fc_llm, matcher)
        fc_meter.phases = meter.phases  # one table of phases for both
    with private_tempdir(out / "tmp") as tmp:
        frames_dir = cap_frames(the_day, out / "frames-capped", max_frames)
        result = _pipeline(the_day, frames_dir, home, meter, fc_meter, embedder, matcher, max_questions)
        result["secrets"]["data_dir_files"] = matcher.scan_files(home)
        result["secrets"]["temp_files"] = matcher.scan_files(tmp)
    _count_leaks(result["secrets"], matcher)
    result["llm"] = {"model": meter.name, "context": meter.context_size,
                     "phases": {k: v.as_dict() for k, v in sorted(meter.phases.items())}}
    result["config"] = {"size": size, "seed": seed, "day": str(the_day.path), "max_frames": max_frames,
                        "max_questions": max_questions, "n_ctx": meter.context_size,
                        "full_context_n_ctx": fc_meter.context_size if fc_meter else None,
                        "rag_tokens": baselines.RAG_TOKENS, "rag_k": baselines.RAG_K,
                        "chunk_chars": baselines.CHUNK_CHARS}
    _derive(result)
    result["seconds_total"] = round(time.perf_counter() - started, 1)
    if plots is not None:
        from reverie.bench.screenday.report import plot

        result["plots"] = [str(p) for p in plot(result, Path(plots))]
    (out / "result.json").write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return result


def _pipeline(day: Day, frames_dir: Path, home: Path, meter: MeteredLLM, fc_meter: MeteredLLM | None,
              embedder: Embedder, matcher: metrics.SecretMatcher, max_questions: int) -> dict[str, Any]:
    from reverie.capture_runtime import default_ocr, privacy_policy
    from reverie.core.frame_batches import assign_batches
    from reverie.frame_ingest import ingest_dir
    from reverie.idle import BatteryProbe, FirstAnswer
    from reverie.jobs import JobRunner, consolidation_config
    from reverie.settings import Settings

    settings = Settings.load(home)
    key = KeyOptions(passphrase=PASSPHRASE, use_keystore=False)
    # 2. ingest-frames (as `reverie ingest-frames`: a store without the embedder)
    ocr = TimedOCR(default_ocr())
    progress("ingest-frames: privacy, change detection, OCR, redaction, store")
    t0 = time.perf_counter()
    with MemoryStore.open(home, key, None) as store:
        summary = ingest_dir(store, frames_dir, ocr, privacy_policy(settings))
        assign_batches(store)
    ingest_s = time.perf_counter() - t0
    stored_files = {s["id"]: s["file"] for s in summary.stored}
    progress(f"ingested in {ingest_s:.0f} s: {len(summary.stored)} kept, {len(summary.unchanged)} unchanged, "
             f"{len(summary.excluded)} excluded; absorb (memory agents)")
    # 3. absorb, as `reverie jobs run absorb`
    with MemoryStore.open(home, key, embedder) as store:
        meter.phase = "ingest_agents"
        t0 = time.perf_counter()
        runner = JobRunner(store, FirstAnswer([]), BatteryProbe(), config=consolidation_config(settings),
                           llm_factory=lambda: meter)
        def absorbed(items: int) -> None:  # the job's running count of sources done
            progress(f"absorb: {items} of {len(summary.stored)} frames")

        outcome = runner.run("absorb", "manual", force=True, on_item=absorbed)
        agents_s = time.perf_counter() - t0
        progress(f"absorb {outcome.status} in {agents_s:.0f} s: {store.count()} memories")
        # The end of the day, as the scheduler would run it while the user is away: merge duplicates,
        # then invalidate facts that later ones superseded (the day's knowledge updates).
        meter.phase = "consolidation"
        t0 = time.perf_counter()
        consolidation = {job: runner.run(job, "manual", force=True).as_dict() for job in ("dedup", "knowledge_update")}
        consolidation_s = time.perf_counter() - t0
        progress(f"dedup + knowledge_update in {consolidation_s:.0f} s")
        frames = _frames(store)
        memories = _memories(store)
        storage = _storage(store, home)
        secrets = _decrypted_secrets(store, matcher)
        # 4. questions, through the chat agent
        ingested = {s["file"] for s in summary.stored} | set(summary.unchanged)
        partial = frames_dir != day.frames_dir
        questions = pick_questions(day, ingested, max_questions, partial)
        answerable = pick_questions(day, ingested, 0, partial)
        rows, baseline = _answer_all(day, store, meter, fc_meter, embedder, frames, questions)
    _coverage(rows, memories, frames)
    kept = len(summary.stored)
    storage["screenshots_png_bytes"] = sum((frames_dir / s["file"]).stat().st_size for s in summary.stored)
    result: dict[str, Any] = {
        "frames": {"files": summary.files, "kept": kept, "unchanged": len(summary.unchanged),
                   "stored": [{"file": s["file"], "id": s["id"]} for s in summary.stored],
                   "excluded": len(summary.excluded), "errors": summary.errors, "excluded_files": summary.excluded},
        "absorb": outcome.as_dict(),
        "consolidation": consolidation,
        "timing": {"ingest_frames_s": round(ingest_s, 2), "ocr_s": round(ocr.seconds, 2), "ocr_calls": ocr.calls,
                   "agents_s": round(agents_s, 2), "consolidation_s": round(consolidation_s, 2)},
        "memories": {"count": len(memories), "by_type": _count_by(m["type"] for m in memories),
                     "examples": [m["text"][:200] for m in memories[:12]]},
        "memory_precision": _precision(day, memories, frames, stored_files, summary.unchanged),
        "storage": storage,
        "baselines": baseline,
        "secrets": secrets,
        "questions": rows,
        "question_counts": {"in_day": len(day.data["questions"]), "evidence_ingested": len(answerable),
                            "asked": len(questions)},
    }
    return result


def _gold_in_retrieved(agent: Any, question: str, golds: list[str], now: datetime) -> bool:
    """Diagnosis: did the chat agent's retrieval (what its prompt shows) hold the gold answer?"""
    hits = agent.retrieve(question, now)
    return bool(metrics.answer_present(golds, "\n".join(h.memory.search_text() + " " + h.context for h in hits)))


def _coverage(rows: list[dict[str, Any]], memories: list[dict[str, Any]],
              frames: Sequence[baselines.FrameText]) -> None:
    """Diagnosis: is the gold answer in what each system keeps (memories / OCR text) at all?"""
    memory_text = "\n".join(m["text"] for m in memories)
    ocr_text = "\n".join(f.text for f in frames)
    for row in rows:
        if row["type"] not in _NOT_SHOWN:  # a count is computed, not shown anywhere
            golds = [row["gold"], *row["alternatives"]]
            row["gold_in_memories"] = metrics.answer_present(golds, memory_text)
            row["gold_in_ocr"] = metrics.answer_present(golds, ocr_text)


def _precision(day: Day, memories: list[dict[str, Any]], frames: Sequence[baselines.FrameText],
               stored_files: dict[str, str], unchanged: Sequence[str]) -> dict[str, Any]:
    refs = _references(day, frames, stored_files)
    day_ref = metrics.Reference(" ".join([r.text for r in refs.values()] +
                                         [day.by_file[f]["text"] for f in unchanged if f in day.by_file]))
    precision: dict[str, Any] = metrics.memory_precision(memories, refs, day_ref)
    return precision


def rescore(out_dir: Path, plots: Path | None = None) -> dict[str, Any]:
    """Recompute the metrics of a finished run from OUT/result.json and its kept data dir, without
    any model call (for metric fixes after a run that took hours)."""
    out = Path(out_dir)
    result: dict[str, Any] = json.loads((out / "result.json").read_text())
    day = Day.load(Path(result["config"]["day"]))
    matcher = metrics.SecretMatcher(day.data.get("secrets", []))
    with MemoryStore.open(out / "home", KeyOptions(passphrase=PASSPHRASE, use_keystore=False), None) as store:
        frames = _frames(store)
        memories = _memories(store)
        secrets = _decrypted_secrets(store, matcher)
    secrets["data_dir_files"] = matcher.scan_files(out / "home")
    secrets["temp_files"] = matcher.scan_files(out / "tmp")
    # Prompts are never kept: their count stays the run's (from the matcher of that version).
    secrets["llm_prompts_with_secrets"] = result["secrets"].get("llm_prompts_with_secrets")
    _count_leaks(secrets, matcher)
    result["secrets"] = secrets
    stored = result["frames"].get("stored")
    if stored is None:  # results from before the mapping was recorded: match frames by capture time
        by_time = {datetime.fromisoformat(f["timestamp"]).timestamp(): f["file"] for f in day.data["frames"]}
        stored = [{"id": fr.id, "file": by_time.get(fr.captured_at.timestamp(), "")} for fr in frames]
        result["frames"]["stored"] = stored
    stored_files = {s["id"]: s["file"] for s in stored}
    unchanged = sorted(set(day.by_file) - set(stored_files.values()) - set(result["frames"]["excluded_files"]))
    result["memory_precision"] = _precision(day, memories, frames, stored_files, unchanged)
    for row in result["questions"]:
        for system in SYSTEMS:
            if row.get(system) is not None:
                row[system].update(metrics.answer_scores(row["type"], row[system]["answer"], row["gold"],
                                                         row["alternatives"]))
    _coverage(result["questions"], memories, frames)
    if any("gold_in_retrieved" not in r for r in result["questions"] if r["type"] not in _NOT_SHOWN):
        from reverie.core.agents.chat import ChatAgent
        from reverie.models.embedder import OnnxEmbedder

        with MemoryStore.open(out / "home", KeyOptions(passphrase=PASSPHRASE, use_keystore=False),
                              OnnxEmbedder()) as store:
            agent = ChatAgent(store, None)  # type: ignore[arg-type]  # retrieval only: no model call
            for row in result["questions"]:
                if row["type"] not in _NOT_SHOWN:
                    row["gold_in_retrieved"] = _gold_in_retrieved(agent, row["question"],
                                                                  [row["gold"], *row["alternatives"]], day.end())
    result["question_counts"] = result.get("question_counts") or {
        "in_day": len(day.data["questions"]), "asked": len(result["questions"])}
    _derive(result)
    if plots is not None:
        from reverie.bench.screenday.report import plot

        result["plots"] = [str(p) for p in plot(result, Path(plots))]
    (out / "result.json").write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return result


def _frames(store: MemoryStore) -> list[baselines.FrameText]:
    rows = store.read_conn().execute("SELECT id, captured_at, app, title, text FROM frames ORDER BY captured_at, seq")
    return [baselines.FrameText(fid, dt(when) or datetime.min, app or "", title or "", text or "")
            for fid, when, app, title, text in rows]


def _memories(store: MemoryStore) -> list[dict[str, Any]]:
    from reverie.core.agents.chat import CHAT_APP

    out = []
    offset = 0
    while batch := store.list_memories(limit=500, offset=offset, include_invalid=True, include_archived=True,
                                       newest_first=False):
        offset += len(batch)
        out += [{"id": m.id, "type": m.type.value, "text": m.search_text(), "provenance": list(m.provenance),
                 "invalid": m.invalid_at is not None} for m in batch if m.app != CHAT_APP]
    return out


def _references(day: Day, frames: Sequence[baselines.FrameText],
                stored_files: dict[str, str]) -> dict[str, metrics.Reference]:
    """frame:<id> → the frame's ground-truth text, its stored OCR text, window and time."""
    refs = {}
    for fr in frames:
        truth = day.by_file.get(stored_files.get(fr.id, ""), {}).get("text", "")
        refs[f"frame:{fr.id}"] = metrics.Reference(
            f"{truth}\n{fr.text}\n{fr.app} {fr.title}\n{metrics.date_forms(fr.captured_at)}")
    return refs


def _storage(store: MemoryStore, home: Path) -> dict[str, Any]:
    """Bytes, defined per store so that systems compare like with like (see docs/BENCHMARKS.md).

    memory_payload: what Reverie keeps to answer: each memory's searchable text (UTF-8) plus its
    float32 embedding. memory_rows: the same rows as stored (JSON body, FTS text, provenance).
    frames_text: the OCR text of the kept frames; thumbnails: their encrypted thumbnail blobs;
    data_dir: every file of the data dir on disk (SQLCipher pages, Chroma index, blobs, key file).
    """
    conn = store.read_conn()
    text, body = conn.execute("SELECT coalesce(sum(length(CAST(text AS BLOB))), 0), "
                              "coalesce(sum(length(CAST(body AS BLOB))), 0) FROM memories "
                              "WHERE coalesce(app, '') != 'reverie-chat'").fetchone()
    (vectors,) = conn.execute("SELECT coalesce(sum(length(vec)), 0) FROM embeddings").fetchone()
    (prov,) = conn.execute("SELECT coalesce(sum(length(CAST(source AS BLOB))), 0) FROM provenance").fetchone()
    (frames_text,) = conn.execute("SELECT coalesce(sum(length(CAST(text AS BLOB))), 0) FROM frames").fetchone()
    data_dir = sum(p.stat().st_size for p in home.rglob("*") if p.is_file())
    index_dir = home / "index"
    return {
        "memory_payload_bytes": int(text + vectors),
        "memory_text_bytes": int(text), "memory_vector_bytes": int(vectors),
        "memory_rows_bytes": int(text * 2 + body + vectors + prov),  # text twice: the row and the FTS index
        "frames_text_bytes": int(frames_text), "thumbnail_bytes": store.blobs.total_bytes(),
        "index_dir_bytes": sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()),
        "data_dir_bytes": data_dir,
    }


def _count_leaks(secrets: dict[str, Any], matcher: metrics.SecretMatcher) -> None:
    leaked = {h["secret"] for h in secrets["data_dir_files"] + secrets["temp_files"]}
    leaked |= set(secrets["decrypted_rows_secrets"]) | set(secrets["vault_secrets"])
    secrets["stored"] = len(leaked)
    secrets["which"] = [metrics.mask(matcher.secrets[i]) for i in sorted(leaked)]


def _decrypted_secrets(store: MemoryStore, matcher: metrics.SecretMatcher) -> dict[str, Any]:
    """Secrets in any decrypted row of any table, and values sealed in the knowledge vault."""
    conn = store.read_conn()
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    rows: list[dict[str, Any]] = []
    for table in tables:
        for row in conn.execute(f'SELECT * FROM "{table}"'):  # table names come from sqlite_master
            text = " ".join(str(v) if not isinstance(v, bytes) else v.decode("utf-8", "replace") for v in row)
            rows += [{"table": table, "secret": i} for i in matcher.find(text)]
    vault: set[int] = set()
    from reverie.core.types import MemoryType

    for entry in store.list_memories(MemoryType.VAULT, limit=10_000):
        vault.update(matcher.find(store.reveal_secret(entry.id)))
    from reverie.core.agents.batch import FRAME_TEXT_CHARS

    # What the memory agents read of each frame (the batch cuts its text): a secret there reached a prompt.
    to_agents = [fid for fid, text in conn.execute("SELECT id, text FROM frames")
                 if matcher.find(text[:FRAME_TEXT_CHARS])]
    return {"decrypted_rows": rows, "decrypted_rows_secrets": sorted({r["secret"] for r in rows}),
            "frames_to_agents_with_secrets": to_agents,
            "vault_secrets": sorted(vault), "secrets_in_day": len(matcher.secrets)}


def _answer_all(day: Day, store: MemoryStore, meter: MeteredLLM, fc_meter: MeteredLLM | None, embedder: Embedder,
                frames: list[baselines.FrameText],
                questions: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Reverie and RAG per question, then every full-context answer in a row: those prompts share
    the whole day as one prefix, which llama.cpp keeps in its KV cache between calls."""
    from reverie.core.agents.chat import ChatAgent, ChatConfig

    agent = ChatAgent(store, meter, ChatConfig(remember=False))
    now = day.end()
    meter.phase = "rag_index"
    index = baselines.RagIndex.build(frames, embedder)
    rows = []
    for n, q in enumerate(questions, start=1):
        progress(f"question {n}/{len(questions)} ({q['type']}): reverie, rag")
        question, qtype = str(q["question"]), str(q["type"])
        gold, alts = str(q.get("answer", "")), [str(a) for a in q.get("alternatives", [])]
        row: dict[str, Any] = {"id": q["id"], "type": qtype, "question": question, "gold": gold,
                               "alternatives": alts, "evidence": q.get("evidence", []), "full_context": None}
        meter.phase = "answer_reverie"
        if qtype not in _NOT_SHOWN:
            row["gold_in_retrieved"] = _gold_in_retrieved(agent, question, [gold, *alts], now)
        t0 = time.perf_counter()
        answer = agent.ask(question, now=now)
        row["reverie"] = {"answer": answer.text, "abstained": answer.abstained, "citations": len(answer.citations),
                          "prompt_tokens": answer.usage.prompt_tokens, "seconds": round(time.perf_counter() - t0, 2),
                          **metrics.answer_scores(qtype, answer.text, gold, alts)}
        meter.phase = "answer_rag"
        t0 = time.perf_counter()
        rag = baselines.rag_answer(meter, index, embedder, question)
        row["rag"] = {**rag, "seconds": round(time.perf_counter() - t0, 2),
                      **metrics.answer_scores(qtype, rag["answer"], gold, alts)}
        rows.append(row)
    whole = baselines.day_text(frames)
    baseline: dict[str, Any] = {"rag_storage": index.storage(), "day_text_bytes": len(whole.encode()),
                                "full_context_n_ctx": None, "day_text_tokens": None, "full_context_fits": False}
    if fc_meter is not None:
        fc_meter.phase = "answer_full_context"
        fits, tokens = baselines.full_context_fits(fc_meter, whole, max((r["question"] for r in rows), key=len,
                                                                        default=""))
        baseline.update(full_context_n_ctx=fc_meter.context_size, day_text_tokens=tokens, full_context_fits=fits)
        for n, row in enumerate(rows if fits else [], start=1):
            progress(f"question {n}/{len(rows)}: full context ({tokens} tokens of screen text)")
            t0 = time.perf_counter()
            fc = baselines.full_context_answer(fc_meter, whole, row["question"])
            row["full_context"] = {**fc, "seconds": round(time.perf_counter() - t0, 2),
                                   **metrics.answer_scores(row["type"], fc["answer"], row["gold"],
                                                           row["alternatives"])}
    return rows, baseline


def _count_by(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 4) if a is not None and b else None


def _derive(result: dict[str, Any]) -> None:
    """Summaries computed from the raw numbers: accuracy per system, storage ratios, costs, goals."""
    rows = result["questions"]
    acc = {s: metrics.summarise(rows, s) for s in SYSTEMS}
    result["accuracy"] = acc
    storage, base = result["storage"], result["baselines"]
    compare = {
        "reverie_bytes": storage["memory_payload_bytes"], "rag_bytes": base["rag_storage"]["total_bytes"],
        "full_context_bytes": base["day_text_bytes"], "screenshots_bytes": storage["screenshots_png_bytes"],
    }
    compare["reverie_over_rag"] = _ratio(compare["reverie_bytes"], compare["rag_bytes"])
    compare["reverie_over_screenshots"] = _ratio(compare["reverie_bytes"], compare["screenshots_bytes"])
    compare["reverie_rows_over_rag"] = _ratio(storage["memory_rows_bytes"], compare["rag_bytes"])
    result["storage_compare"] = compare
    frames, timing = result["frames"], result["timing"]
    phases = result["llm"]["phases"]
    agents = phases.get("ingest_agents", {})
    kept, files = max(1, frames["kept"]), max(1, frames["files"])
    n_q = max(1, len(rows))
    answerable = [r for r in rows if r["type"] not in _NOT_SHOWN]
    result["gold_coverage"] = {
        "questions": len(answerable),  # answer shown on screen: neither abstain nor count questions
        "in_memories": sum(bool(r.get("gold_in_memories")) for r in answerable),
        "in_ocr_text": sum(bool(r.get("gold_in_ocr")) for r in answerable),
        "in_reverie_retrieval": sum(bool(r.get("gold_in_retrieved")) for r in answerable),
    }
    result["per_frame"] = {
        "ingest_s_per_frame": round(timing["ingest_frames_s"] / files, 3),
        "ocr_s_per_call": round(timing["ocr_s"] / max(1, timing["ocr_calls"]), 3),
        "agents_s_per_kept_frame": round(timing["agents_s"] / kept, 3),
        "agents_llm_calls_per_kept_frame": round(agents.get("calls", 0) / kept, 3),
        "agents_prompt_tokens_per_kept_frame": round(agents.get("prompt_tokens", 0) / kept, 1),
        "agents_completion_tokens_per_kept_frame": round(agents.get("completion_tokens", 0) / kept, 1),
    }
    result["per_question"] = {
        s: {"seconds": round(phases.get(f"answer_{s}", {}).get("seconds", 0.0) / n_q, 2),
            "prompt_tokens": round(phases.get(f"answer_{s}", {}).get("prompt_tokens", 0) / n_q, 1),
            "completion_tokens": round(phases.get(f"answer_{s}", {}).get("completion_tokens", 0) / n_q, 1),
            "llm_calls": round(phases.get(f"answer_{s}", {}).get("calls", 0) / n_q, 2)}
        for s in SYSTEMS}
    prompts_with_secrets = sum(p.get("prompts_with_secrets", 0) for p in phases.values())
    result["secrets"]["llm_prompts_with_secrets"] = prompts_with_secrets
    f1_ratio = _ratio(acc["reverie"]["f1"], acc["rag"]["f1"])
    precision = result["memory_precision"]["precision"]
    result["goals"] = {
        "accuracy_vs_rag": {"target": ">= 1.35", "f1_ratio": f1_ratio,
                            "em_ratio": _ratio(acc["reverie"]["em"], acc["rag"]["em"]),
                            "met": f1_ratio is not None and f1_ratio >= 1.35},
        "storage_vs_rag": {"target": "<= 0.01", "ratio": compare["reverie_over_rag"],
                           "met": compare["reverie_over_rag"] is not None and compare["reverie_over_rag"] <= 0.01},
        "memory_precision": {"target": ">= 0.9", "value": precision, "met": precision is not None and precision >= 0.9},
        "secrets_stored": {"target": "== 0", "value": result["secrets"]["stored"],
                           "met": result["secrets"]["stored"] == 0},
    }
