"""Memory records: the text that is indexed, embedded and shown."""

from __future__ import annotations

from reverie.core.types import MemoryType, SemanticMemory, memory_from_text


def test_a_name_cut_from_the_summary_is_not_said_twice() -> None:
    for mtype in (MemoryType.SEMANTIC, MemoryType.RESOURCE):
        mem = memory_from_text(mtype, "Bob owns the billing service")
        assert mem.search_text() == "Bob owns the billing service"


def test_a_real_name_still_heads_the_text() -> None:
    mem = SemanticMemory(name="Billing service", summary="Bob owns it", details="Runs on k8s")
    assert mem.search_text() == "Billing service\nBob owns it\nRuns on k8s"
