"""OnnxEmbedder through the real bundled model (no mocks): shapes, semantics, batching invariants."""

from __future__ import annotations

import numpy as np
import pytest

from reverie.core.protocols import Embedder
from reverie.models.embedder import (
    DIM,
    EXPECTED_SHA256,
    EXPECTED_SIZE,
    OnnxEmbedder,
    available_execution_providers,
    bundled_model_info,
)

pytestmark = pytest.mark.slow

# Mixed lengths (empty, one word, long, over the truncation limit) so that sorting reorders them.
TEXTS = [
    "Dentist appointment moved to Thursday at 3pm.",
    "",
    "ok",
    "Alice shared the quarterly revenue forecast spreadsheet in the #finance channel and asked "
    "everyone to review the assumptions before Friday's board meeting.",
    "git push origin main",
    "Remember to buy milk, eggs and bread on the way home.",
    " ".join(["lorem ipsum dolor sit amet"] * 120),  # ~600 words: truncated to max_length tokens
    "Flight LH1234 Berlin → Lisbon boards at 07:40, gate B12.",
    "😀 emoji and ünïcödé text",
    "The meeting with the client went well; they want a proposal by next week.",
]


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedder:
    return OnnxEmbedder(providers=["CPUExecutionProvider"])


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))  # rows are unit length


def test_implements_protocol(embedder: OnnxEmbedder) -> None:
    assert isinstance(embedder, Embedder)
    assert embedder.dim == DIM == 384
    assert embedder.active_providers[-1] == "CPUExecutionProvider"
    assert "CPUExecutionProvider" in available_execution_providers()


def test_shape_dtype_unit_norm(embedder: OnnxEmbedder) -> None:
    vecs = embedder.embed(TEXTS)
    assert vecs.shape == (len(TEXTS), DIM)
    assert vecs.dtype == np.float32
    assert np.all(np.isfinite(vecs))
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_empty_input(embedder: OnnxEmbedder) -> None:
    vecs = embedder.embed([])
    assert vecs.shape == (0, DIM)
    assert vecs.dtype == np.float32


def test_empty_strings(embedder: OnnxEmbedder) -> None:
    vecs = embedder.embed(["", ""])
    assert vecs.shape == (2, DIM)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vecs[0], vecs[1], atol=1e-6)


def test_bare_string_rejected(embedder: OnnxEmbedder) -> None:
    with pytest.raises(TypeError):
        embedder.embed("not a list")


def test_batch_equals_one_by_one(embedder: OnnxEmbedder) -> None:
    """Length sorting and padding must not change any vector nor the order of the rows."""
    together = embedder.embed(TEXTS)
    alone = np.stack([embedder.embed([t])[0] for t in TEXTS])
    np.testing.assert_allclose(together, alone, atol=1e-4)


def test_batch_boundaries_and_workers() -> None:
    """Many small batches spread over worker threads still land in the right rows."""
    texts = [f"note {i}: " + "word " * (i % 37) for i in range(150)]
    small = OnnxEmbedder(providers=["cpu"], batch_size=4, max_batch_tokens=64, workers=2)
    single = OnnxEmbedder(providers=["cpu"], batch_size=150, max_batch_tokens=10**6, workers=1)
    unsorted = OnnxEmbedder(providers=["cpu"], batch_size=7, sort_by_length=False, workers=2)
    try:
        ref = single.embed(texts)
        np.testing.assert_allclose(small.embed(texts), ref, atol=1e-4)
        np.testing.assert_allclose(unsorted.embed(texts), ref, atol=1e-4)
    finally:
        small.close()
        unsorted.close()


def test_truncation(embedder: OnnxEmbedder) -> None:
    long = "alpha beta gamma " * 400
    assert embedder.token_counts([long]) == [embedder.max_length]
    # Everything after the limit is ignored.
    np.testing.assert_allclose(embedder.embed([long]), embedder.embed([long + " omega" * 50]), atol=1e-5)


def test_semantic_sanity(embedder: OnnxEmbedder) -> None:
    a, b, c, d = embedder.embed(
        [
            "The cat is sleeping on the sofa.",
            "A kitten naps on the couch.",
            "Quarterly tax returns are due at the end of April.",
            "How do I reset my router's wifi password?",
        ]
    )
    assert _cos(a, b) > 0.5
    assert _cos(a, b) > _cos(a, c) + 0.3
    assert _cos(a, b) > _cos(a, d) + 0.3
    q, hit, miss = embedder.embed(
        [
            "when is my dentist appointment",
            "Dentist appointment moved to Thursday at 3pm.",
            "Alice shared the quarterly revenue forecast spreadsheet.",
        ]
    )
    assert _cos(q, hit) > _cos(q, miss) + 0.2


def test_deterministic(embedder: OnnxEmbedder) -> None:
    np.testing.assert_array_equal(embedder.embed(TEXTS[:4]), embedder.embed(TEXTS[:4]))


def test_model_id_stable(embedder: OnnxEmbedder) -> None:
    other = OnnxEmbedder(providers=["CPUExecutionProvider"], batch_size=3, workers=1)
    assert embedder.model_id == other.model_id == embedder.model_id
    assert embedder.model_id == "all-MiniLM-L6-v2-int8:" + EXPECTED_SHA256[:12]


def test_bundled_model_info() -> None:
    info = bundled_model_info()
    assert info["sha256"] == EXPECTED_SHA256
    assert info["sha256_ok"] is True
    assert info["size"] == EXPECTED_SIZE == 22_928_619
    assert info["path"].endswith("model.onnx")


def test_unknown_provider_falls_back_to_cpu() -> None:
    emb = OnnxEmbedder(providers=["NoSuchExecutionProvider"], workers=1)
    assert emb.active_providers == ["CPUExecutionProvider"]


def test_env_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVERIE_EP", "cpu")
    emb = OnnxEmbedder(workers=1)
    assert emb.active_providers == ["CPUExecutionProvider"]
    assert emb.embed(["hello"]).shape == (1, DIM)


@pytest.mark.skipif(
    "CUDAExecutionProvider" not in available_execution_providers(), reason="onnxruntime has no CUDA provider"
)
def test_cuda_matches_cpu(embedder: OnnxEmbedder) -> None:
    gpu = OnnxEmbedder(providers=["cuda"])
    assert gpu.active_providers[0] == "CUDAExecutionProvider"
    np.testing.assert_allclose(gpu.embed(TEXTS), embedder.embed(TEXTS), atol=2e-3)
