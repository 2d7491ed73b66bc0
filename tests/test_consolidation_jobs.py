"""Each consolidation job against a real encrypted store (real embedder where vectors matter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from reverie.core.consolidation import (
    absorb,
    abstraction,
    dedup,
    forgetting,
    knowledge_update,
    maintenance,
    retention,
    workflows,
)
from reverie.core.consolidation.config import ConsolidationConfig
from reverie.core.consolidation.jobs_base import JobContext
from reverie.core.store.store import MemoryStore
from reverie.core.types import CoreMemory, EpisodicMemory, MemoryType, ProceduralMemory, SemanticMemory
from tests.consolidation_fakes import FakeClock, ScriptedLLM, add_frames

T0 = datetime(2025, 3, 1, 9, tzinfo=UTC)


def ctx(store: MemoryStore, name: str, clock: FakeClock | None = None, **kw: Any) -> JobContext:
    return JobContext(store, name, clock or FakeClock(), kw.pop("config", ConsolidationConfig()), **kw)


def sem(text: str, days: float = 0, **kw: Any) -> SemanticMemory:
    when = T0 + timedelta(days=days)
    return SemanticMemory(name=text[:80], summary=text, occurred_at=when, created_at=when, **kw)


def live(store: MemoryStore) -> set[str]:
    return {m.search_text() for m in store.list_memories(limit=1000, include_invalid=False)}


def test_dedup_merges_duplicates_keeps_provenance_and_spares_hard_negatives(store: MemoryStore) -> None:
    a = sem("Alice Chen works at Stripe as a designer.", provenance=["msg:1"])
    b = sem("Alice Chen is employed by Stripe as a designer.", 1, provenance=["frame:9"])
    other = sem("Bob Park works at Stripe as a designer.", 2)
    price = sem("Alice Chen's phone plan costs $40 per month.", 3)
    store.add_many([a, b, other, price])
    c = ctx(store, dedup.NAME)
    dedup.run(c)
    assert c.detail["merged"] == 1 and not c.errors
    keeper = [m for m in store.list_memories(MemoryType.SEMANTIC) if "Alice Chen" in m.search_text()
              and "Stripe" in m.search_text()]
    assert len(keeper) == 1 and set(keeper[0].provenance) == {"msg:1", "frame:9"}
    gone = store.get(b.id if keeper[0].id == a.id else a.id)
    assert gone is not None and gone.archived and gone.last_change == f"merged_into:{keeper[0].id}"
    assert store.get(other.id) is not None and not store.get(other.id).archived  # type: ignore[union-attr]
    # Rerunning finds nothing new: the cursor moved past everything.
    again = ctx(store, dedup.NAME)
    dedup.run(again)
    assert again.items == 0 and "merged" not in again.detail


def test_dedup_can_purge_instead_of_archive(store: MemoryStore) -> None:
    store.add_many([sem("Heidi Mensah lives in Montreal."), sem("Heidi Mensah lives in Montreal.", 1)])
    dedup.run(ctx(store, dedup.NAME, config=ConsolidationConfig(dedup_delete_merged=True)))
    assert store.count(MemoryType.SEMANTIC) == 1


def test_knowledge_update_invalidates_the_older_fact_only(store: MemoryStore) -> None:
    old = sem("Alice Chen lives in Boston.")
    new = sem("Alice Chen moved to Denver.", 40)
    bob = sem("Bob Park lives in Seattle.", 10)
    store.add_many([new, old, bob])  # insertion order must not matter, time does
    c = ctx(store, knowledge_update.NAME)
    knowledge_update.run(c)
    got = store.get(old.id)
    assert got is not None and got.invalid_at == new.occurred_at
    assert store.get(new.id).invalid_at is None and store.get(bob.id).invalid_at is None  # type: ignore[union-attr]
    # Still searchable as history.
    assert any(m.id == old.id for m in store.list_memories(MemoryType.SEMANTIC, include_invalid=True))


def test_knowledge_update_asks_the_llm_only_when_rules_are_unsure(store: MemoryStore) -> None:
    store.add_many([sem("Alice Chen has a dog named Rex."), sem("Alice Chen has a cat named Tom.", 30)])
    llm = ScriptedLLM(lambda m, s: {"answer": False})
    knowledge_update.run(ctx(store, knowledge_update.NAME, llm_factory=lambda: llm))
    assert llm.calls and all(m.invalid_at is None for m in store.list_memories())


def test_forgetting_archives_weak_old_memories_and_spares_recalled_ones(store: MemoryStore) -> None:
    clock = FakeClock(T0 + timedelta(days=400))
    old_event = EpisodicMemory(summary="Glanced at a weather widget", created_at=T0, occurred_at=T0)
    recalled = EpisodicMemory(summary="Signed the lease for the flat", created_at=T0, occurred_at=T0)
    fact = sem("Alice Chen is allergic to peanuts.")
    core = CoreMemory(label="human", value="Name: Sam", created_at=T0)
    fresh = EpisodicMemory(summary="Opened the laptop", created_at=clock.now() - timedelta(days=1))
    store.add_many([old_event, recalled, fact, core, fresh])
    store.record_recall([recalled.id])
    c = ctx(store, forgetting.NAME, clock)
    forgetting.run(c)
    assert c.detail.get("archived") == 1
    assert store.get(old_event.id).archived  # type: ignore[union-attr]
    for keep in (recalled, fact, core, fresh):
        assert not store.get(keep.id).archived, keep  # type: ignore[union-attr]
    assert 0 < store.get(fact.id).strength < 1  # type: ignore[union-attr]
    # Archived, not lost: still in the store and listed when asked for.
    assert any(m.id == old_event.id for m in store.list_memories(include_archived=True, limit=100))


def test_retention_purges_old_and_oversize_frames_with_their_blobs(store: MemoryStore) -> None:
    clock = FakeClock(T0 + timedelta(days=100))
    old = add_frames(store, 5, T0)  # 100 days old
    recent = add_frames(store, 5, clock.now() - timedelta(days=1), thumb=b"x" * 1000)
    derived = SemanticMemory(name="from old frames", summary="from old frames", provenance=[f"frame:{old[0]}"])
    store.add(derived)
    blobs = [r[0] for r in store.read_conn().execute("SELECT thumb_blob FROM frames")]
    cfg = ConsolidationConfig(retention_days=90, retention_gb=3 * 1030 / 1e9)  # room for ~3 recent frames
    c = ctx(store, retention.NAME, clock, config=cfg)
    retention.run(c)
    left = [r[0] for r in store.read_conn().execute("SELECT id FROM frames ORDER BY captured_at")]
    assert left == recent[2:]
    assert c.detail["purged_by_age"] == 5 and c.detail["purged_by_size"] == 2
    assert sum(1 for b in blobs if (store.blobs.root / b[:2] / b).exists()) == 3
    assert store.read_conn().execute("SELECT count(*) FROM blob_purge_queue").fetchone()[0] == 0
    assert store.read_conn().execute("SELECT count(*) FROM frames_fts WHERE frames_fts MATCH 'screen'"
                                     ).fetchone()[0] == 3
    assert store.get(derived.id) is not None  # memories made from purged frames stay
    maintenance.run(ctx(store, maintenance.NAME, clock))  # VACUUM requested by the purge
    assert store.read_conn().execute("SELECT count(*) FROM job_state").fetchone()[0] == 0


def test_retention_drains_blobs_left_by_a_crash(store: MemoryStore) -> None:
    blob = store.blobs.put(b"thumb")
    store.write(lambda c: c.execute("INSERT INTO blob_purge_queue(blob_id) VALUES (?)", (blob,)))
    retention.run(ctx(store, retention.NAME))
    assert not (store.blobs.root / blob[:2] / blob).exists()


def test_absorb_without_agents_reports_and_with_agents_never_resends(store: MemoryStore) -> None:
    add_frames(store, 3, T0, processed=0)
    c = ctx(store, absorb.NAME)
    absorb.run(c, None)
    assert c.errors and "memory agents unavailable" in c.errors[0]

    from reverie.core.agents.batch import Batch
    from reverie.core.agents.report import Report

    seen: list[list[str]] = []

    class Agents:
        def process(self, batch: Batch) -> Report:
            seen.append(batch.ids)
            from reverie.core.agents.batch import mark_processed

            mark_processed(store, batch)
            return Report(sources=len(batch), batches=1, processed_batches=1)

    # A crash after the agents stored a memory from frame 0 but before the frames were marked:
    frame0 = store.read_conn().execute("SELECT id FROM frames ORDER BY seq LIMIT 1").fetchone()[0]
    store.add(EpisodicMemory(summary="seen", provenance=[f"frame:{frame0}"]))
    c = ctx(store, absorb.NAME)
    absorb.run(c, Agents())
    assert not c.errors and c.detail["already_absorbed"] == 1
    assert len(seen) == 1 and f"frame:{frame0}" not in seen[0] and len(seen[0]) == 2
    assert absorb.pending_counts(ctx(store, absorb.NAME)) == (0, 0)


def test_workflows_repeated_on_two_days_become_one_procedure(store: MemoryStore) -> None:
    clock = FakeClock(T0 + timedelta(days=3))
    steps = ["Opened the Jira board for Sprint 12", "Ran the integration tests", "Pushed the release branch",
             "Posted the release notes in Slack"]
    for day in (0, 1):
        start = T0 + timedelta(days=day)
        store.add_many([EpisodicMemory(summary=s.replace("12", str(12 + day)), occurred_at=start + timedelta(minutes=i),
                                       provenance=[f"frame:d{day}s{i}"]) for i, s in enumerate(steps)])
        store.add(EpisodicMemory(summary=f"Lunch break {day}", occurred_at=start + timedelta(hours=3)))
    for _ in range(2):  # idempotent: the second run adds nothing
        workflows.run(ctx(store, abstraction.NAME, clock))
    procs = store.list_memories(MemoryType.PROCEDURAL)
    assert len(procs) == 1
    proc = procs[0]
    assert isinstance(proc, ProceduralMemory) and len(proc.steps) == 4
    assert "frame:d0s0" in proc.provenance and "frame:d1s3" in proc.provenance


def test_abstraction_distils_each_finished_day_once(store: MemoryStore) -> None:
    clock = FakeClock(T0 + timedelta(days=2, hours=5))
    store.add_many([EpisodicMemory(summary="Renewed the car insurance with Allianz for 640 euros",
                                   occurred_at=T0 + timedelta(hours=1), provenance=["frame:a"]),
                    EpisodicMemory(summary="Called Allianz about the car insurance renewal",
                                   occurred_at=T0 + timedelta(hours=2), provenance=["msg:b"])])

    def answer(messages: Any, schema: Any) -> Any:
        return {"semantic": [{"name": "Car insurance", "summary": "The car insurance is with Allianz"},
                             {"name": "Invented", "summary": "Sam owns a yacht in Monaco"}],
                "procedural": []}

    llm = ScriptedLLM(answer)
    for _ in range(2):
        c = ctx(store, abstraction.NAME, clock, llm_factory=lambda: llm)
        abstraction.run(c)
    facts = store.list_memories(MemoryType.SEMANTIC)
    assert [m.search_text().splitlines()[0] for m in facts] == ["Car insurance"]
    assert set(facts[0].provenance) >= {"frame:a", "msg:b", f"consolidation:day:{T0.date()}"}
    assert len(llm.calls) == 1  # the day after T0 had no events; today is not finished


def test_core_block_over_limit_is_rewritten_and_the_old_text_kept(store: MemoryStore) -> None:
    block = CoreMemory(label="human", value="Sam likes tea. " * 40, limit=600)
    store.add(block)
    llm = ScriptedLLM(lambda m, s: "Sam likes tea.")
    c = ctx(store, abstraction.NAME, llm_factory=lambda: llm)
    abstraction.run(c)
    assert store.get(block.id).value == "Sam likes tea."  # type: ignore[union-attr]
    backups = store.list_memories(MemoryType.RESOURCE, include_archived=True)
    assert len(backups) == 1 and backups[0].archived and "Sam likes tea. Sam likes tea." in backups[0].search_text()
