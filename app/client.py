"""A small Python client for Reverie's local API.

    from reverie.client import ReverieClient

    client = ReverieClient()          # finds the running instance and the default client token
    for hit in client.search("what did Alice say about the launch", limit=5):
        print(hit["score"], hit["text"])
    client.add("Bob prefers green tea", type="semantic")

`base_url` defaults to the running instance's discovery file (`<home>/api.json`) and `token` to
`$REVERIE_TOKEN`, else the default client token file (`<home>/client-token`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from reverie.api.discovery import read_client_token, read_discovery
from reverie.paths import reverie_home


class ReverieAPIError(RuntimeError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class NotRunning(ReverieAPIError):
    def __init__(self, message: str) -> None:
        super().__init__(0, message)


def _iso(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


class ReverieClient:
    def __init__(self, base_url: str | None = None, token: str | None = None, *, home: Path | None = None,
                 timeout: float = 60.0) -> None:
        home = home or reverie_home()
        if base_url is None:
            found = read_discovery(home)
            if found is None:
                raise NotRunning(f"no running Reverie instance found ({home / 'api.json'} is missing): "
                                 "start one with `reverie serve`")
            base_url = found.base_url
        token = token or os.environ.get("REVERIE_TOKEN") or read_client_token(home)
        if not token:
            raise NotRunning("no API token: pass token=, set REVERIE_TOKEN, or run "
                             "`reverie token create --scope read --write-default`")
        self.base_url = base_url.rstrip("/")
        # trust_env=False: a proxy from the environment must never see loopback traffic or the token.
        self._http = httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {token}"},
                                  timeout=timeout, trust_env=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ReverieClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        if "params" in kw:
            kw["params"] = {k: v for k, v in kw["params"].items() if v is not None}
        resp = self._http.request(method, path, **kw)
        if resp.status_code >= 400:
            try:
                message = str(resp.json().get("error", resp.text))
            except ValueError:
                message = resp.text
            raise ReverieAPIError(resp.status_code, message)
        return None if resp.status_code == 204 else resp.json()

    # ---- the API -----------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/v1/status")
        return result

    def search(self, q: str, *, types: Sequence[str] | None = None, limit: int = 10,
               since: datetime | str | None = None, until: datetime | str | None = None, app: str | None = None,
               current: bool = False, recall: bool = False, context: int = 0) -> list[dict[str, Any]]:
        params = {"q": q, "type": list(types) if types else None, "limit": limit, "since": _iso(since),
                  "until": _iso(until), "app": app, "current": current or None, "recall": recall or None,
                  "context": context or None}
        result: list[dict[str, Any]] = self._call("GET", "/v1/search", params=params)
        return result

    def search_frames(self, q: str, *, limit: int = 10, since: datetime | str | None = None,
                      until: datetime | str | None = None) -> list[dict[str, Any]]:
        """Captured screens whose text matches (what `reverie search` lists after the memories)."""
        result: list[dict[str, Any]] = self._call("GET", "/v1/frames/search", params={
            "q": q, "limit": limit, "since": _iso(since), "until": _iso(until)})
        return result

    def ask(self, question: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/v1/ask", json={"question": question})
        return result

    def ask_stream(self, question: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(event, data) pairs: `token` events with text pieces, then `done` with the citations."""
        with self._http.stream("POST", "/v1/ask", json={"question": question},
                               headers={"Accept": "text/event-stream"}) as resp:
            if resp.status_code >= 400:
                resp.read()
                raise ReverieAPIError(resp.status_code, str(resp.json().get("error")))
            yield from _parse_sse(resp.iter_lines())

    def events(self, limit: int | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        with self._http.stream("GET", "/v1/events", params={"limit": limit} if limit else None,
                               timeout=httpx.Timeout(self._http.timeout.connect, read=None)) as resp:
            if resp.status_code >= 400:
                resp.read()
                raise ReverieAPIError(resp.status_code, str(resp.json().get("error")))
            yield from _parse_sse(resp.iter_lines())

    def add(self, text: str, type: str = "semantic", *, occurred_at: datetime | str | None = None,
            app: str | None = None, fields: dict[str, Any] | None = None, secret: str | None = None,
            sensitivity: str | None = None) -> dict[str, Any]:
        body = {"text": text, "type": type, "occurred_at": _iso(occurred_at), "app": app, "fields": fields,
                "secret": secret, "sensitivity": sensitivity}
        result: dict[str, Any] = self._call("POST", "/v1/memories",
                                            json={k: v for k, v in body.items() if v is not None})
        return result

    def get(self, mem_id: str, *, reveal: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/v1/memories/{mem_id}", params={"reveal": reveal or None})
        return result

    def update(self, mem_id: str, **changes: Any) -> dict[str, Any]:
        """Keys as in PATCH /v1/memories/{id}: text, fields, occurred_at, app, sensitivity, archived, invalidate."""
        body = {k: _iso(v) if isinstance(v, datetime) else v for k, v in changes.items()}
        result: dict[str, Any] = self._call("PATCH", f"/v1/memories/{mem_id}", json=body)
        return result

    def delete(self, mem_id: str) -> bool:
        """Purge a memory; False if there was none with that id."""
        try:
            self._call("DELETE", f"/v1/memories/{mem_id}")
        except ReverieAPIError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def timeline(self, start: datetime | str, end: datetime | str, *, limit: int = 500) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/v1/timeline",
                                            params={"start": _iso(start), "end": _iso(end), "limit": limit})
        return result

    def thumbnail(self, frame_id: str) -> bytes:
        resp = self._http.get(f"/v1/frames/{frame_id}/thumbnail")
        if resp.status_code >= 400:
            raise ReverieAPIError(resp.status_code, str(resp.json().get("error")))
        return resp.content

    # ---- admin scope (the CLI's own token) --------------------------------------------------
    def tokens(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/v1/tokens")
        return result

    def create_token(self, scopes: Sequence[str], name: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/v1/tokens", json={"scopes": list(scopes), "name": name})
        return result

    def revoke_token(self, name_or_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("DELETE", f"/v1/tokens/{name_or_id}")
        return result

    def audit(self, limit: int = 50) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/v1/audit", params={"limit": limit})
        return result

    # Last in the class: defined earlier, this method's name would shadow `list` in later annotations.
    def list(self, type: str | None = None, *, limit: int = 50, offset: int = 0) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/v1/memories",
                                            params={"type": type, "limit": limit, "offset": offset})
        return result


def _parse_sse(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    event, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", list[str]()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
