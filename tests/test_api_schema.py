"""The committed OpenAPI schema is current, and schemathesis finds no 5xx and no response that
breaks it (bounded: 20 examples per operation, in-process against the ASGI app)."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from reverie.api.config import ApiConfig
from reverie.api.openapi_doc import build_schema, render
from reverie.api.server import create_app
from reverie.api.tokens import TokenStore
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore
from reverie.core.types import EpisodicMemory, VaultEntry
from tests.api_support import BASE_URL, FakeAgent, add_frame, webp

DOC = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def test_committed_openapi_is_current() -> None:
    assert DOC.exists(), "run: python -m reverie.api.openapi_doc"
    assert DOC.read_text() == render(build_schema()), "docs/openapi.json is stale: python -m reverie.api.openapi_doc"


def test_served_schema_is_the_committed_one(tmp_path: Path) -> None:
    with MemoryStore.open(tmp_path / "h", KeyOptions(passphrase="x", use_keystore=False)) as store:
        app = create_app(store, mcp=False)
        from fastapi.testclient import TestClient

        with TestClient(app, base_url=BASE_URL) as client:
            served = client.get("/v1/openapi.json")  # public: no token needed, Host still checked
            assert served.status_code == 200
            assert served.json() == json.loads(DOC.read_text())
            assert client.get("/v1/openapi.json", headers={"Host": "evil.example"}).status_code == 403
            assert client.get("/docs").status_code == 401  # no Swagger UI pulling scripts from a CDN


def _fuzz_target() -> tuple[object, MemoryStore, str]:
    """One app and store for the whole module: the schema is loaded at import (parametrize needs it)."""
    from reverie.models.embedder import OnnxEmbedder

    home = Path(tempfile.mkdtemp(prefix="reverie-schemathesis-"))
    store = MemoryStore.open(home, KeyOptions(passphrase="x", use_keystore=False), OnnxEmbedder())
    # Some data, so searches reach the vector index and the time filters, and gets can find records.
    store.add_many([EpisodicMemory(summary=f"Meeting {i} about the launch plan", app="Slack",
                                   occurred_at=datetime(2024, 5, 1 + i, 9, tzinfo=UTC)) for i in range(5)])
    store.add(VaultEntry(caption="router admin password", secret_value="fuzz-secret"))
    add_frame(store, "frame-1", datetime(2024, 5, 2, 9, tzinfo=UTC), webp())
    tokens = TokenStore(store)
    _, token = tokens.create("fuzz", ["read", "write", "vault", "admin"])
    app = create_app(store, config=ApiConfig(rate_per_s=1e6, burst=1_000_000), tokens=tokens, mcp=False,
                     answerer=lambda: FakeAgent(store))
    return app, store, token


APP, STORE, TOKEN = _fuzz_target()
CONFIG = schemathesis.Config.from_dict({
    "auth": {"openapi": {"HTTPBearer": {"bearer": TOKEN}}},
    # 400 is how the API answers input that fits the schema but not the data (start >= end, a secret
    # on a non-vault memory, reveal on a non-vault id): a deliberate answer, not a rejected valid request.
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]}},
})
schema = schemathesis.openapi.from_dict(json.loads(DOC.read_text()), config=CONFIG)
schema.app = APP


@pytest.fixture(scope="module", autouse=True)
def _close_fuzz_app() -> Iterator[None]:
    yield
    APP.state.close()  # type: ignore[attr-defined]
    STORE.close()
    shutil.rmtree(STORE.home)


@schema.parametrize()
@settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_schemathesis(case: schemathesis.Case) -> None:
    case.call_and_validate(base_url=BASE_URL)
