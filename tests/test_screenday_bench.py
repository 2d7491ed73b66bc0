"""Screen-day benchmark: metric units with fakes, and the whole pipeline on a small real day.

The end-to-end test runs the real thing: RapidOCR on rendered PNGs, the encrypted store, the
memory agents and the chat agent on the bundled Qwen 0.5B GGUF, the ONNX embedder. It uses the
generator's tiny day when the generator exists (capped to keep CI to a few minutes on 2 cores),
else a hand-made day rendered here with Pillow in the same format.
"""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from reverie.bench.screenday import baselines, metrics

SECRETS = ["4111 1111 1111 1111", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "hunter2-Zebra-77"]
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# (file stem, minute of the day, app, title, text, extra sidecar fields)
FRAMES: list[tuple[str, str, str, str, str, dict[str, Any]]] = [
    ("000000", "09:02:14", "Thunderbird", "Inbox - alice@corp.example",
     "From: Bob Martin\nSubject: Q3 report deadline\nHi Alice, the Q3 report is due Friday March 13.\n"
     "Please send the draft to Carol Diaz.", {}),
    ("000001", "09:02:44", "Thunderbird", "Inbox - alice@corp.example",
     "From: Bob Martin\nSubject: Q3 report deadline\nHi Alice, the Q3 report is due Friday March 13.\n"
     "Please send the draft to Carol Diaz.", {}),
    ("000002", "09:15:03", "Slack", "launch - Slack",
     "#launch\nCarol Diaz: We decided to ship version 2.4 on Thursday.\nDan Lee: The budget is 48,500 euros.", {}),
    ("000003", "09:20:40", "KeePassXC", "Passwords.kdbx - KeePassXC",
     "Entry: corp VPN\nUser: alice\nPassword: hunter2-Zebra-77", {}),
    ("000004", "09:31:10", "Terminal", "alice@dev: ~/deploy",
     "$ export STRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc\n$ ./deploy.sh --env prod\nDeploy finished in 42 s", {}),
    ("000005", "10:05:00", "Firefox", "Reset the VPN token - IT Wiki",
     "How to reset the VPN token\n1. Open Settings\n2. Click Security\n3. Press Reset token", {}),
    ("000006", "11:40:22", "Thunderbird", "Inbox - alice@corp.example",
     "From: Bob Martin\nSubject: Update on Q3 report\nThe Q3 report deadline moved to Monday March 16.", {}),
    ("000007", "12:10:05", "Firefox", "Checkout - Office Supplies",
     "Order total 129.90 EUR\nCard number 4111 1111 1111 1111\nExpiry 09/28", {}),
]
QUESTIONS: list[dict[str, Any]] = [
    {"id": "q1", "type": "update", "question": "When is the Q3 report due now?", "answer": "Monday March 16",
     "alternatives": ["March 16"], "evidence": ["000006.png"]},
    {"id": "q2", "type": "who_when", "question": "Who should get the draft of the Q3 report?",
     "answer": "Carol Diaz", "alternatives": ["Carol"], "evidence": ["000000.png"]},
    {"id": "q3", "type": "single", "question": "What is the launch budget?", "answer": "48,500 euros",
     "alternatives": ["48500 euros"], "evidence": ["000002.png"]},
    {"id": "q4", "type": "abstain", "question": "What is the gate number of my flight to Oslo?", "answer": "",
     "alternatives": [], "evidence": []},
]


def render_fixture_day(out: Path) -> Path:
    """A hand-made day in the generator's format (see the screen-day data contract)."""
    frames_dir = out / "frames"
    frames_dir.mkdir(parents=True, exist_ok=True)
    font = ImageFont.truetype(str(FONT), 18) if FONT.exists() else ImageFont.load_default(size=18)
    entries = []
    for stem, clock, app, title, text, extra in FRAMES:
        image = Image.new("RGB", (1920, 1080), "white")
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, 1920, 60), fill="#dddddd")
        draw.text((20, 12), f"{app} - {title}", fill="black", font=font)
        draw.multiline_text((80, 140), text, fill="black", font=font, spacing=12)
        image.save(frames_dir / f"{stem}.png")
        stamp = f"2026-03-10T{clock}+00:00"
        (frames_dir / f"{stem}.json").write_text(json.dumps({"app": app, "title": title, "timestamp": stamp, **extra}))
        entries.append({"file": f"{stem}.png", "timestamp": stamp, "app": app, "title": title, "scene": "fixture",
                        "text": text})
    day = {"seed": 7, "size": "fixture", "date": "2026-03-10", "timezone": "UTC", "frames": entries,
           "facts": [], "secrets": SECRETS, "questions": QUESTIONS}
    path = out / "day.json"
    path.write_text(json.dumps(day, indent=1))
    return path


# ---- answers ---------------------------------------------------------------------------------

def test_answer_scores_exact_match_any_alternative_and_f1() -> None:
    s = metrics.answer_scores("single", "48500 Euros.", "48,500 euros", ["48500 euros"])
    assert s["em"] == 1.0 and s["f1"] == 1.0
    s = metrics.answer_scores("update", "The deadline moved to Monday March 16", "Monday March 16")
    assert s["em"] == 0.0 and s["contains"] == 1.0 and 0.5 < s["f1"] < 1.0
    assert metrics.answer_scores("single", "Tuesday", "Monday March 16") == {"em": 0.0, "f1": 0.0, "contains": 0.0}


def test_abstain_questions_score_only_abstentions() -> None:
    assert metrics.answer_scores("abstain", "I don't know.", "")["f1"] == 1.0
    assert metrics.answer_scores("abstain", "Gate 12", "")["f1"] == 0.0
    # an abstention on an answerable question is wrong even if it repeats the gold words
    assert metrics.answer_scores("single", "I don't know about Carol Diaz", "Carol Diaz")["f1"] == 0.0


def test_summarise_per_type() -> None:
    rows = [{"type": "single", "reverie": {"em": 1.0, "f1": 1.0, "contains": 1.0}},
            {"type": "single", "reverie": {"em": 0.0, "f1": 0.5, "contains": 1.0}},
            {"type": "abstain", "reverie": {"em": 0.0, "f1": 0.0, "contains": 0.0}},
            {"type": "abstain", "reverie": None}]
    out = metrics.summarise(rows, "reverie")
    assert out["n"] == 3 and out["f1"] == 0.5
    assert out["by_type"]["single"] == {"n": 2, "em": 0.5, "f1": 0.75, "contains": 1.0}
    assert out["by_type"]["abstain"]["n"] == 1


# ---- memory support --------------------------------------------------------------------------

def test_support_needs_numbers_and_names_exactly() -> None:
    ref = metrics.Reference("Dan Lee: The budget is 48,500 euros. Launch on Thursday.")
    assert metrics.support("The launch budget is 48500 euros", ref).supported
    wrong_number = metrics.support("The launch budget is 45,000 euros", ref)
    assert not wrong_number.supported and wrong_number.missing_numbers == ["45000"]
    wrong_name = metrics.support("User learned that Dan Smith set the budget", ref)
    assert not wrong_name.supported and wrong_name.missing_names == ["Smith"]
    invented = metrics.support("User plans a holiday trip to sunny beaches", ref)
    assert not invented.supported and invented.word_support < 0.6


def test_memory_precision_prefers_provenance_then_day_and_lists_unsupported() -> None:
    refs = {"frame:a": metrics.Reference("Carol Diaz: We decided to ship version 2.4 on Thursday."),
            "frame:b": metrics.Reference("The Q3 report is due Friday March 13.")}
    day = metrics.Reference(" ".join(r.text for r in refs.values()))
    mems = [
        {"id": "m1", "type": "semantic", "text": "Version 2.4 ships on Thursday", "provenance": ["frame:a"]},
        {"id": "m2", "type": "episodic", "text": "The Q3 report is due Friday March 13", "provenance": ["frame:a"]},
        {"id": "m3", "type": "semantic", "text": "Carol Diaz lives in Berlin with 3 cats", "provenance": ["frame:a"]},
    ]
    out = metrics.memory_precision(mems, refs, day)
    assert (out["supported"], out["supported_by_provenance"], out["memories"]) == (2, 1, 3)
    assert out["precision"] == round(2 / 3, 4)
    assert [u["id"] for u in out["unsupported"]] == ["m3"]
    assert out["unsupported"][0]["missing_numbers"] == ["3"]


# ---- secrets ---------------------------------------------------------------------------------

def test_secret_matcher_finds_variants_in_text_and_files(tmp_path: Path) -> None:
    m = metrics.SecretMatcher(SECRETS)
    assert m.find("card 4111-1111-1111-1111 exp") == [0]
    assert m.find("key SK_LIVE_4eC39HqLyjWDarjtT1zdp7dc") == [1]
    assert m.find("card [REDACTED:card] and a password [secret v1]") == []
    # OCR split the key with spaces and read 0 as o; the redactor's regex missed it, the scan must not
    ocr = metrics.SecretMatcher(["sk-live-docJ2isAjIhKtJ0RlgLKOmxgJTeKdNnF"])
    assert ocr.find("OPENAI_API_KEY=sk- live-docJ2isAj IhKtJoRlgLKOmxgJTeKdNnF") == [0]
    assert ocr.find("key ending ...KtJ0RlgLKOmxgJTeKdNnF") == [0]  # half of it is a leak too
    assert ocr.find("sk-live-[REDACTED:openai_key] docJ2") == []
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "log.txt").write_bytes(b"xx 4111111111111111 yy")
    (tmp_path / "b.bin").write_bytes("hunter2-Zebra-77".encode("utf-16-le"))
    (tmp_path / "c.txt").write_text("nothing here")
    hits = m.scan_files(tmp_path)
    assert hits == [{"file": "a/log.txt", "secret": 0}, {"file": "b.bin", "secret": 2}]
    assert "4eC39" not in metrics.mask(SECRETS[1])


# ---- baselines -------------------------------------------------------------------------------

class _BagEmbedder:
    """Hashing bag-of-words embedder: deterministic, enough to rank chunks by shared words."""

    dim = 64
    model_id = "bag"

    def embed(self, texts: Any) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, sum(map(ord, w)) % self.dim] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def test_rag_index_chunks_by_lines_and_retrieves_the_right_frame() -> None:
    when = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    frames = [baselines.FrameText("f1", when, "Slack", "launch", "budget is 48,500 euros\nship Thursday"),
              baselines.FrameText("f2", when, "Mail", "inbox", "\n".join(f"line {i} about lunch" for i in range(80)))]
    index = baselines.RagIndex.build(frames, _BagEmbedder())
    assert len(index.chunks) > 2 and all(len(c.text) < baselines.CHUNK_CHARS + 80 for c in index.chunks)
    assert index.chunks[0].text.startswith("[09:00 Slack — launch]")
    assert index.search("what is the budget", _BagEmbedder(), k=1)[0].frame_id == "f1"
    size = index.storage()
    assert size["vector_bytes"] == len(index.chunks) * 64 * 4 and size["total_bytes"] > size["text_bytes"]


# ---- end to end ------------------------------------------------------------------------------

def _day_for_ci(tmp_path: Path) -> tuple[Path, int, int]:
    """(day.json, max_frames, max_questions): the generator's tiny day if it exists, else the fixture."""
    if importlib.util.find_spec("reverie.bench.screenday.generate") is not None:
        from reverie.bench.screenday.generate import generate

        return generate(tmp_path / "day", seed=7, size="tiny"), 16, 4
    return render_fixture_day(tmp_path / "day"), 0, 0


def test_screenday_end_to_end_real_pipeline(tmp_path: Path) -> None:
    from reverie.bench.screenday.run import run

    day, max_frames, max_questions = _day_for_ci(tmp_path)
    data = json.loads(day.read_text())
    out = tmp_path / "out"
    # full context with the agents' 4k context: run when the capped day fits, skipped (and said so) when not
    result = run(out_dir=out, day=day, plots=tmp_path / "plots", max_frames=max_frames,
                 max_questions=max_questions, threads=1, full_context_n_ctx=4096)
    # the pipeline completed: frames in, memories out, every question answered by each system
    frames = result["frames"]
    assert frames["errors"] == [] and frames["kept"] > 0 and result["absorb"]["status"] == "ok"
    assert result["memories"]["count"] > 0
    if data["size"] == "fixture":  # the hand-made day has one password-manager frame and one repeat
        assert (frames["excluded_files"], frames["unchanged"]) == (["000003.png"], 1)
    else:
        assert frames["kept"] + frames["unchanged"] + frames["excluded"] == frames["files"]
    assert result["questions"] and all(r["reverie"]["answer"] and r["rag"]["answer"] for r in result["questions"])
    assert any(r["type"] != "abstain" for r in result["questions"])
    # zero secrets anywhere: files of the data dir and temp dir, decrypted rows, the vault
    secrets = result["secrets"]
    assert secrets["secrets_in_day"] == len(data["secrets"]) > 0
    ingested = {s["file"] for s in frames["stored"]}
    shown = metrics.SecretMatcher(data["secrets"])
    assert any(shown.find(f["text"]) for f in data["frames"] if f["file"] in ingested), "no secret on a kept frame"
    assert secrets["stored"] == 0, secrets
    assert secrets["data_dir_files"] == [] and secrets["decrypted_rows"] == []
    assert secrets["llm_prompts_with_secrets"] == 0 and secrets["frames_to_agents_with_secrets"] == []
    assert (out / "home" / "memories.db").stat().st_size > 0  # the scan had something to read
    # metrics present and sane
    for system in ("reverie", "rag"):
        acc = result["accuracy"][system]
        assert acc["n"] == len(result["questions"])
        assert all(0.0 <= acc[k] <= 1.0 for k in ("em", "f1", "contains"))
    precision = result["memory_precision"]
    assert 0.0 <= precision["precision"] <= 1.0 and precision["memories"] == result["memories"]["count"]
    storage = result["storage_compare"]
    assert storage["reverie_bytes"] > 0 and 0 < storage["rag_bytes"] < storage["screenshots_bytes"]
    assert result["llm"]["phases"]["ingest_agents"]["calls"] > 0
    assert result["llm"]["phases"]["answer_rag"]["calls"] == len(result["questions"])
    fits = result["baselines"]["full_context_fits"]
    assert all((r["full_context"] is not None) == fits for r in result["questions"])
    assert set(result["goals"]) == {"accuracy_vs_rag", "storage_vs_rag", "memory_precision", "secrets_stored"}
    assert json.loads((out / "result.json").read_text())["secrets"]["stored"] == 0
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [
        "screenday-accuracy-storage.png", "screenday-cost.png", "screenday-per-type.png"]


def test_cli_passes_its_options_to_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import reverie.bench.screenday.run as bench_run
    from reverie.cli import main

    seen: dict[str, Any] = {}

    def fake_run(**kwargs: Any) -> dict[str, Any]:
        seen.update(kwargs)
        return {"ok": True}

    monkeypatch.setattr(bench_run, "run", fake_run)
    out = tmp_path / "r.json"
    code = main(["bench", "screenday", "--size", "small", "--seed", "3", "--out", str(tmp_path / "o"),
                 "--plots", str(tmp_path / "p"), "--max-questions", "5", "--json", str(out)])
    assert code == 0 and json.loads(out.read_text()) == {"ok": True}
    assert seen == {"size": "small", "seed": 3, "llm_url": None, "llm_model": None, "out_dir": tmp_path / "o",
                    "plots": tmp_path / "p", "max_frames": 0, "max_questions": 5}


def test_pick_questions_needs_ingested_evidence_and_spreads_types(tmp_path: Path) -> None:
    from reverie.bench.screenday.run import Day, pick_questions

    qs = [{"id": "a", "type": "single", "evidence": ["1.png", "9.png"]},
          {"id": "b", "type": "count", "evidence": ["1.png", "9.png"]},
          {"id": "c", "type": "single", "evidence": ["1.png"]},
          {"id": "d", "type": "abstain", "evidence": []},
          {"id": "e", "type": "single", "evidence": ["2.png"]}]
    day = Day(tmp_path / "day.json", {"frames": [], "questions": qs}, tmp_path / "frames")
    ids = [q["id"] for q in pick_questions(day, {"1.png", "2.png"}, 0)]
    assert ids == ["c", "d", "e"]  # a and b miss 9.png
    # a day cut short: one frame showing a fact is enough, but a count needs all of them
    assert [q["id"] for q in pick_questions(day, {"1.png", "2.png"}, 0, partial=True)] == ["a", "c", "d", "e"]
    assert [q["id"] for q in pick_questions(day, {"1.png", "2.png"}, 2)] == ["c", "d"]  # one per type first
