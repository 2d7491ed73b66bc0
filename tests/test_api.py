"""The local API in-process (TestClient over the ASGI app): auth, scopes, Host/Origin, rate
limits, audit, vault secrets, CRUD, errors, ask, timeline, thumbnails, events."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reverie.api.audit import read_audit
from reverie.api.events import EventHub
from reverie.api.security import RateLimiter, host_allowed
from reverie.api.tokens import TokenStore
from reverie.core.store.store import MemoryStore
from reverie.core.types import EpisodicMemory, SemanticMemory
from tests.api_support import Api, add_frame, make_api, webp


@pytest.fixture
def api(store: MemoryStore):  # type: ignore[no-untyped-def]
    with make_api(store, allowed_origins=frozenset({"chrome-extension://reverie-helper"})) as a:
        yield a


def _keys(obj: Any) -> set[str]:
    if isinstance(obj, dict):
        return set(obj) | {k for v in obj.values() for k in _keys(v)}
    if isinstance(obj, list):
        return {k for v in obj for k in _keys(v)}
    return set()


def test_no_or_bad_token_is_401(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Bearer rvr_000000000000_x"},
                    {"Authorization": "Basic " + api.tokens["read"]}, {"Authorization": api.tokens["read"]}):
        r = api.client.get("/v1/status", headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["www-authenticate"] == "Bearer"
        assert "error" in r.json()
    # A token with one character changed is refused (and compared in constant time, see tokens.py).
    tok = api.tokens["read"]
    forged = tok[:-1] + ("A" if tok[-1] != "A" else "B")
    assert api.client.get("/v1/status", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    r = api.client.get("/v1/status", headers=api.auth("read"))
    assert r.status_code == 200 and r.json()["token"] == "read" and r.json()["scopes"] == ["read"]


def test_wrong_scope_is_403(api: Api) -> None:
    created = api.client.post("/v1/memories", json={"text": "kept"}, headers=api.auth("write"))
    mid = created.json()["id"]
    refused = [
        api.client.post("/v1/memories", json={"text": "x"}, headers=api.auth("read")),
        api.client.patch(f"/v1/memories/{mid}", json={"text": "y"}, headers=api.auth("read")),
        api.client.delete(f"/v1/memories/{mid}", headers=api.auth("read")),
        api.client.get("/v1/tokens", headers=api.auth("write")),
        api.client.get("/v1/audit", headers=api.auth("vault")),
        api.client.post("/v1/mcp", headers=api.auth("write")),  # not a route: 404 after auth, see below
    ]
    assert [r.status_code for r in refused[:5]] == [403] * 5
    assert all("scope" in r.json()["error"] for r in refused[:5])
    assert api.client.get(f"/v1/memories/{mid}", headers=api.auth("read")).status_code == 200


def test_mcp_endpoint_needs_read_scope(store: MemoryStore) -> None:
    tokens = TokenStore(store)
    _, write_only = tokens.create("w", ["write"])
    from fastapi.testclient import TestClient

    from reverie.api.server import create_app

    with TestClient(create_app(store, tokens=tokens), base_url="http://127.0.0.1:8765") as client:
        r = client.post("/mcp", json={}, headers={"Authorization": f"Bearer {write_only}"})
        assert r.status_code == 403
        assert client.post("/mcp", json={}).status_code == 401


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1:9999", "localhost:80",
                                  "localhost.evil.example:8765", "127.0.0.1.nip.io:8765", "[::2]:8765",
                                  "0.0.0.0:8765", "127.0.0.2:8765", "[::1]x:8765", "localhost:8765@evil"])
def test_foreign_host_is_403(api: Api, host: str) -> None:
    r = api.client.get("/v1/status", headers={**api.auth("admin"), "Host": host})
    assert r.status_code == 403
    assert "Host" in r.json()["error"]


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "LocalHost:8765", "[::1]:8765"])
def test_loopback_hosts_are_allowed(api: Api, host: str) -> None:
    assert api.client.get("/v1/status", headers={**api.auth("read"), "Host": host}).status_code == 200


def test_host_check_unit() -> None:
    assert not host_allowed(None, 8765) and not host_allowed("", 8765)
    assert host_allowed("127.0.0.1", 80) and not host_allowed("127.0.0.1", 8765)
    assert not host_allowed("[::1", 8765)


def test_foreign_origin_is_403_and_no_wildcard_cors(api: Api) -> None:
    for origin in ("http://evil.example", "null", "http://localhost:3000", "http://127.0.0.1:8765",
                   "chrome-extension://someone-else"):
        r = api.client.get("/v1/status", headers={**api.auth("read"), "Origin": origin})
        assert r.status_code == 403, origin
        assert "access-control-allow-origin" not in r.headers
    ok = api.client.get("/v1/status", headers={**api.auth("read"), "Origin": "chrome-extension://reverie-helper"})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == "chrome-extension://reverie-helper"
    assert "Origin" in ok.headers["vary"]
    pre = api.client.options("/v1/search", headers={"Origin": "chrome-extension://reverie-helper",
                                                     "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == "chrome-extension://reverie-helper"
    assert "Authorization" in pre.headers["access-control-allow-headers"]
    bad_pre = api.client.options("/v1/search", headers={"Origin": "http://evil.example",
                                                        "Access-Control-Request-Method": "GET"})
    assert bad_pre.status_code == 403
    # Without an allow-list no browser origin gets in at all.
    assert api.app.state.config.allowed_origins == frozenset({"chrome-extension://reverie-helper"})


def test_rate_limit_is_429_with_retry_after(store: MemoryStore) -> None:
    with make_api(store, rate_per_s=0.5, burst=3) as a:
        codes = [a.client.get("/v1/status", headers=a.auth("read")).status_code for _ in range(3)]
        limited = a.client.get("/v1/status", headers=a.auth("read"))
        assert codes == [200, 200, 200]
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert "rate limit" in limited.json()["error"]
        # Buckets are per token: another token is unaffected.
        assert a.client.get("/v1/status", headers=a.auth("write")).status_code == 200


def test_token_bucket_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(rate=2.0, burst=2, clock=lambda: now[0])
    assert limiter.take("t") == 0 and limiter.take("t") == 0
    wait = limiter.take("t")
    assert wait == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.take("t") == 0


def test_every_access_is_audited_without_query_strings(api: Api) -> None:
    api.client.get("/v1/search", params={"q": "zanzibar-private-term"}, headers=api.auth("read"))
    api.client.get("/v1/status")
    api.client.post("/v1/memories", json={"text": "x"}, headers=api.auth("read"))
    api.client.get("/v1/status", headers={**api.auth("read"), "Host": "evil.example"})
    api.app.state.audit.flush()
    entries = read_audit(api.store, 10)
    got = [(e.token_name, e.method, e.path, e.status) for e in reversed(entries)]
    assert got[-4:] == [("read", "GET", "/v1/search", 200), (None, "GET", "/v1/status", 401),
                        ("read", "POST", "/v1/memories", 403), (None, "GET", "/v1/status", 403)]
    assert all("zanzibar" not in e.path for e in entries)
    listed = api.client.get("/v1/audit", params={"limit": 3}, headers=api.auth("admin")).json()
    assert listed[0]["path"] == "/v1/audit" or listed[0]["at"] >= listed[-1]["at"]


def test_vault_secret_only_with_vault_scope(api: Api) -> None:
    body = {"text": "home wifi", "type": "vault", "secret": "hunter2-wifi", "fields": {"entry_type": "credential"}}
    assert api.client.post("/v1/memories", json=body, headers=api.auth("read")).status_code == 403
    r = api.client.post("/v1/memories", json=body, headers=api.auth("write"))  # storing reveals nothing
    assert r.status_code == 201
    vid = r.json()["id"]
    assert "hunter2" not in r.text and "secret_value" not in r.json()
    assert api.client.get(f"/v1/memories/{vid}", params={"reveal": "true"},
                          headers=api.auth("read")).status_code == 403
    plain = api.client.get(f"/v1/memories/{vid}", headers=api.auth("vault"))
    assert "hunter2" not in plain.text
    shown = api.client.get(f"/v1/memories/{vid}", params={"reveal": "true"}, headers=api.auth("vault"))
    assert shown.status_code == 200 and shown.json()["secret_value"] == "hunter2-wifi"
    hits = api.client.get("/v1/search", params={"q": "wifi"}, headers=api.auth("admin"))
    assert vid in {h["id"] for h in hits.json()} and "hunter2" not in hits.text
    listed = api.client.get("/v1/memories", params={"type": "vault"}, headers=api.auth("admin"))
    assert "hunter2" not in listed.text
    other = api.client.post("/v1/memories", json={"text": "plain"}, headers=api.auth("write")).json()["id"]
    assert api.client.get(f"/v1/memories/{other}", params={"reveal": "true"},
                          headers=api.auth("vault")).status_code == 400
    assert api.client.patch(f"/v1/memories/{vid}", json={"secret": "new"}, headers=api.auth("write")).status_code == 403


def test_memory_crud_and_real_delete(api: Api) -> None:
    w = api.auth("write")
    r = api.client.post("/v1/memories", json={"text": "The launch deadline is Friday", "type": "episodic",
                                              "occurred_at": "2024-05-02T10:00:00+00:00", "app": "Slack"}, headers=w)
    assert r.status_code == 201
    mem = r.json()
    mid = mem["id"]
    assert mem["type"] == "episodic" and mem["app"] == "Slack" and mem["fields"]["summary"].startswith("The launch")
    assert api.client.get(f"/v1/memories/{mid}", headers=w).json()["text"] == mem["text"]
    changed = api.client.patch(f"/v1/memories/{mid}", json={"text": "The launch moved to Monday",
                                                            "fields": {"event_type": "decision"}}, headers=w)
    assert changed.status_code == 200, changed.text
    assert changed.json()["fields"]["event_type"] == "decision" and changed.json()["last_change"] == "api"
    hits = api.client.get("/v1/search", params={"q": "launch Monday", "type": "episodic"}, headers=w).json()
    assert hits[0]["id"] == mid and "Monday" in hits[0]["text"]
    for bounds in ({"since": "2024-05-01T00:00:00Z"}, {"until": "2024-06-01T00:00:00Z"},
                   {"since": "2024-05-01T00:00:00Z", "until": "2024-06-01T00:00:00Z"}):  # open ends too
        found = api.client.get("/v1/search", params={"q": "launch Monday", **bounds}, headers=w)
        assert found.status_code == 200 and found.json()[0]["id"] == mid, bounds
    later = api.client.get("/v1/search", params={"q": "launch Monday", "since": "2024-06-01T00:00:00Z"}, headers=w)
    assert mid not in {h["id"] for h in later.json()}
    assert api.client.patch(f"/v1/memories/{mid}", json={"fields": {"steps": ["a"]}}, headers=w).status_code == 400
    assert api.client.patch(f"/v1/memories/{mid}", json={"fields": {"actor": 3}}, headers=w).status_code == 400
    assert api.client.patch(f"/v1/memories/{mid}", json={"colour": "red"}, headers=w).status_code == 422
    inv = api.client.patch(f"/v1/memories/{mid}", json={"invalidate": True}, headers=w).json()
    assert inv["invalid_at"] is not None
    for i in range(4):
        api.client.post("/v1/memories", json={"text": f"note {i}"}, headers=w)
    page = api.client.get("/v1/memories", params={"limit": 2}, headers=w).json()
    assert len(page["items"]) == 2 and page["next_offset"] == 2
    assert page["items"][0]["fields"]["summary"] == "note 3"  # newest first
    every = [api.client.get("/v1/memories", headers=w).json(), hits, changed.json()]
    assert not _keys(every) & {"embedding", "embeddings", "vec", "vector", "secret"}
    assert api.client.delete(f"/v1/memories/{mid}", headers=w).status_code == 204
    assert api.client.get(f"/v1/memories/{mid}", headers=w).status_code == 404
    assert mid not in {h["id"] for h in api.client.get("/v1/search", params={"q": "launch"}, headers=w).json()}
    assert api.store.get(mid) is None
    assert api.client.delete(f"/v1/memories/{mid}", headers=w).status_code == 404


def test_semantic_text_edit_moves_the_derived_name(api: Api) -> None:
    w = api.auth("write")
    mid = api.client.post("/v1/memories", json={"text": "Bob prefers green tea"}, headers=w).json()["id"]
    out = api.client.patch(f"/v1/memories/{mid}", json={"text": "Bob prefers black coffee"}, headers=w).json()
    assert out["fields"]["name"] == "Bob prefers black coffee" and "green" not in out["text"]


def test_errors_are_json_and_never_500(api: Api) -> None:
    a = api.auth("admin")
    cases = [
        (api.client.get("/v1/nothing-here", headers=a), 404),
        (api.client.put("/v1/memories", headers=a), 405),
        (api.client.get("/v1/search", headers=a), 422),
        (api.client.get("/v1/search", params={"q": "x", "limit": 0}, headers=a), 422),
        (api.client.get("/v1/search", params={"q": "x", "since": "yesterday"}, headers=a), 422),
        (api.client.get("/v1/search", params={"q": "x", "since": "20449223"}, headers=a), 422),
        (api.client.get("/v1/search", params={"q": "\"\x00 OR NEAR(", "type": "episodic"}, headers=a), 200),
        (api.client.get("/v1/search", params={"q": "x", "since": "0001-01-01T00:00:00"}, headers=a), 400),
        (api.client.post("/v1/memories", content=b"{not json", headers={**a, "Content-Type": "application/json"}),
         422),
        (api.client.post("/v1/memories", json={"text": "x", "occurred_at": 20449223}, headers=a), 422),
        (api.client.post("/v1/memories", json={"text": "x", "type": "dream"}, headers=a), 422),
        (api.client.post("/v1/memories", json={"text": "x", "secret": "s"}, headers=a), 400),
        (api.client.post("/v1/memories", content=b"x" * (2 << 20), headers={**a, "Content-Type": "application/json"}),
         413),
        (api.client.get("/v1/timeline", params={"start": "2024-01-02T00:00", "end": "2024-01-01T00:00"},
                        headers=a), 400),
        (api.client.post("/v1/tokens", json={"scopes": ["root"]}, headers=a), 422),
        (api.client.delete("/v1/tokens/no-such-token", headers=a), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert response.headers["content-type"].startswith("application/json")
        if status >= 400:
            assert "error" in response.json()
    allow = api.client.put("/v1/memories/abc", headers=a).headers["allow"]
    assert {"GET", "PATCH", "DELETE"} <= set(allow.split(", "))


def test_ask_json_and_streamed(api: Api) -> None:
    r = api.client.post("/v1/ask", json={"question": "what is due?"}, headers=api.auth("read"))
    assert r.status_code == 200
    assert r.json()["text"] == "You asked: what is due?" and r.json()["usage"]["prompt_tokens"] == 7
    for kwargs in ({"params": {"stream": "true"}}, {"headers": {"Accept": "text/event-stream"}}):
        headers = {**api.auth("read"), **kwargs.get("headers", {})}
        s = api.client.post("/v1/ask", json={"question": "what is due?"}, params=kwargs.get("params"),
                            headers=headers)
        assert s.status_code == 200 and s.headers["content-type"].startswith("text/event-stream")
        events = [(b.split("\n")[0][7:], json.loads(b.split("\n")[1][6:])) for b in s.text.strip().split("\n\n")]
        assert {e for e, _ in events[:-1]} == {"token"} and events[-1][0] == "done"
        assert "".join(d["text"] for _, d in events[:-1]).strip() == "You asked: what is due?"
        assert "citations" in events[-1][1]


def test_ask_without_agent_is_503(store: MemoryStore) -> None:
    with make_api(store, answerer=False) as a:
        r = a.client.post("/v1/ask", json={"question": "hi"}, headers=a.auth("read"))
        assert r.status_code == 503 and "agent" in r.json()["error"]


def test_timeline_and_thumbnail(api: Api) -> None:
    t0 = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    image = webp()
    add_frame(api.store, "f1", t0, image, text="the quarterly numbers")
    add_frame(api.store, "f2", t0 + timedelta(minutes=5), None)
    add_frame(api.store, "f3", t0 + timedelta(days=3), webp((0, 0, 255)))
    api.store.add(EpisodicMemory(summary="Reviewed the quarterly report", occurred_at=t0 + timedelta(minutes=2),
                                 app="Firefox"))
    api.store.add(SemanticMemory(name="Q", summary="not an event", occurred_at=t0))
    r = api.client.get("/v1/timeline", params={"start": "2024-05-02T08:00:00+00:00", "end": "2024-05-02T10:00:00Z"},
                       headers=api.auth("read"))
    assert r.status_code == 200
    body = r.json()
    assert [f["id"] for f in body["frames"]] == ["f1", "f2"]
    assert [f["has_thumbnail"] for f in body["frames"]] == [True, False]
    assert "quarterly numbers" not in r.text  # metadata only: no screen text
    assert [e["summary"] for e in body["events"]] == ["Reviewed the quarterly report"]
    found = api.client.get("/v1/frames/search", params={"q": "quarterly numbers"}, headers=api.auth("read")).json()
    assert [f["frame_id"] for f in found] == ["f1"] and "quarterly" in found[0]["snippet"]
    assert api.client.get("/v1/frames/search", params={"q": "quarterly", "since": "2024-05-03T00:00:00Z"},
                          headers=api.auth("read")).json() == []
    thumb = api.client.get("/v1/frames/f1/thumbnail", headers=api.auth("read"))
    assert thumb.status_code == 200 and thumb.content == image
    assert thumb.headers["content-type"] == "image/webp" and thumb.headers["cache-control"] == "no-store"
    assert api.client.get("/v1/frames/f2/thumbnail", headers=api.auth("read")).status_code == 404
    assert api.client.get("/v1/frames/nope/thumbnail", headers=api.auth("read")).status_code == 404
    assert api.client.get("/v1/frames/f1/thumbnail").status_code == 401


def test_event_hub_bridges_store_events(store: MemoryStore) -> None:
    hub = EventHub(store)

    async def scenario() -> list[bytes]:
        stream = hub.stream(limit=2)
        chunks = [await anext(stream)]
        writer = threading.Thread(target=lambda: store.add(SemanticMemory(name="n", summary="event me")))
        writer.start()
        chunks.append(await asyncio.wait_for(anext(stream), 30))
        hub.publish("job_progress", {"job": "consolidate", "done": 1, "total": 4})
        chunks.append(await asyncio.wait_for(anext(stream), 30))
        writer.join()
        return chunks

    ready, added, progress = asyncio.run(scenario())
    assert b"event: ready" in ready
    assert b"event: memory_added" in added and b'"ids":["' in added
    assert b"event: job_progress" in progress and b'"total":4' in progress
    hub.close()


def test_admin_token_endpoints(api: Api) -> None:
    a = api.auth("admin")
    made = api.client.post("/v1/tokens", json={"name": "obsidian", "scopes": ["read"]}, headers=a)
    assert made.status_code == 201
    token = made.json()["token"]
    assert api.client.get("/v1/status", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert api.client.post("/v1/tokens", json={"name": "obsidian", "scopes": ["read"]}, headers=a).status_code == 409
    listed = api.client.get("/v1/tokens", headers=a)
    assert "obsidian" in {t["name"] for t in listed.json()} and token not in listed.text
    assert all(api.tokens[n] not in listed.text for n in api.tokens)
    assert api.client.delete("/v1/tokens/obsidian", headers=a).json()["revoked"] is True
    assert api.client.get("/v1/status", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_tokens_are_stored_hashed(store: MemoryStore) -> None:
    tokens = TokenStore(store)
    info, token = tokens.create("plugin", ["read", "write"])
    rows = store.read_conn().execute("SELECT * FROM api_tokens").fetchall()
    assert len(rows) == 1 and token not in repr(rows)
    assert hashlib.sha256(token.encode()).hexdigest() in rows[0]
    assert tokens.verify(token) == info
    again = TokenStore(store)  # a restart reloads from the store
    assert again.verify(token) is not None and again.verify(token + "x") is None
    again.revoke("plugin")
    assert again.verify(token) is None
    assert TokenStore(store).verify(token) is None
