"""The CLI contract other capabilities and checks rely on, through real subprocesses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import LOCOMO, run_cli


def test_version() -> None:
    code, out, _ = run_cli("--version")
    assert code == 0 and out.startswith("reverie ")


def test_add_search_forget(home: Path) -> None:
    code, out, err = run_cli("add", "--type", "episodic", "--text", "Alice said the launch deadline is Friday",
                             "--json")
    assert code == 0, err
    mid = json.loads(out)["id"]
    run_cli("add", "--type", "semantic", "--text", "Bob prefers green tea")
    code, out, err = run_cli("search", "when is the launch deadline", "--json", "--limit", "5")
    assert code == 0, err
    hits = json.loads(out)
    assert hits[0]["id"] == mid
    assert {"id", "type", "text", "score"} <= set(hits[0])
    code, out, _ = run_cli("search", "tea", "--type", "episodic", "--json")
    assert all(h["type"] == "episodic" for h in json.loads(out))
    assert run_cli("forget", mid)[0] == 0
    code, out, _ = run_cli("search", "launch deadline", "--json")
    assert mid not in {h["id"] for h in json.loads(out)}
    code, _, err = run_cli("forget", mid)
    assert code == 2 and "no memory" in err


def test_wrong_passphrase_is_a_clear_error(home: Path) -> None:
    assert run_cli("add", "--text", "first")[0] == 0
    code, _, err = run_cli("search", "first", env={"REVERIE_PASSPHRASE": "wrong"})
    assert code == 2
    assert "Wrong passphrase" in err and "Traceback" not in err


def test_doctor_json(home: Path) -> None:
    code, out, err = run_cli("doctor", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert {"version", "home", "execution_providers", "embedder_model", "llm_model"} <= set(report)
    assert report["home"] == str(home)
    assert "CPUExecutionProvider" in report["execution_providers"]
    assert report["embedder_model"]["sha256_ok"] is True


@pytest.mark.skipif(not LOCOMO.exists(), reason="shared LOCOMO data not present")
def test_import_chat_raw_keeps_dates_and_dia_ids(home: Path, tmp_path: Path) -> None:
    data = json.loads(LOCOMO.read_text())[0]
    conv = data["conversation"]
    small = {k: v for k, v in conv.items()
             if not re.match(r"session_\d+", k) or re.match(r"session_[12](_|$)", k)}
    path = tmp_path / "small.json"
    path.write_text(json.dumps([{"sample_id": "conv-x", "conversation": small, "qa": []}]))
    code, out, err = run_cli("import-chat", str(path), "--format", "locomo", "--raw", "--json")
    assert code == 0, err
    n_turns = len(small["session_1"]) + len(small["session_2"])
    assert json.loads(out)["memories"] == n_turns
    first = small["session_1"][0]
    code, out, _ = run_cli("search", first["text"][:60], "--json", "--limit", "3")
    hit = json.loads(out)[0]
    assert hit["provenance"] == [f"msg:conv-x:{first['dia_id']}"]
    assert hit["occurred_at"].startswith("2023-05-08")


def test_bench_search_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    code, _, err = run_cli("bench", "search", "--n", "300", "--queries", "3", "--json", str(out))
    assert code == 0, err
    result = json.loads(out.read_text())
    assert result["n"] == 300 and result["p95_ms"] >= result["p50_ms"] > 0 and result["ingest_per_s"] > 0
