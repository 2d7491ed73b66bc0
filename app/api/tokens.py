"""API bearer tokens, kept in the encrypted store as SHA-256 hashes.

A token is `rvr_<id>_<secret>`: the id finds the row, the secret (32 random bytes) is what
proves possession. Only `sha256(token)` is stored; because the secret is high-entropy a plain
hash is enough (no password KDF needed), and it is compared with `hmac.compare_digest` so the
check takes the same time however many characters match.

This process owns the data dir (file lock), so no one else can change the table behind our back:
the tokens are loaded once and the in-memory copy is the one requests are checked against.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from reverie.core.store.store import MemoryStore

SCOPES = ("read", "write", "vault", "admin")
PREFIX = "rvr"
_NAME = re.compile(r"[\w.@-]{1,64}")  # names travel in URL paths (DELETE /v1/tokens/{name})
_LAST_USED_EVERY_S = 60.0  # persist last_used at most once a minute per token: no write per request


class TokenError(ValueError):
    """Bad token request (unknown scope, duplicate name)."""


class TokenNotFound(TokenError):
    """No live token with that name or id."""


class TokenNameTaken(TokenError):
    """A live token already has that name."""


@dataclass(frozen=True)
class TokenInfo:
    id: str
    name: str
    scopes: frozenset[str]
    created_at: float
    last_used: float | None = None
    revoked_at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "scopes": sorted(self.scopes), "created_at": self.created_at,
                "last_used": self.last_used, "revoked": self.revoked_at is not None}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._mutex = threading.Lock()  # guards the dicts; held only for memory operations
        self._changes = threading.Lock()  # serialises create/revoke across their store writes
        self._by_id: dict[str, tuple[TokenInfo, str]] = {}
        self._dirty_last_used: dict[str, float] = {}
        rows = store.read_conn().execute(
            "SELECT id, name, token_hash, scopes, created_at, last_used, revoked_at FROM api_tokens").fetchall()
        for tid, name, digest, scopes, created, last_used, revoked in rows:
            info = TokenInfo(tid, name, frozenset(json.loads(scopes)), created, last_used, revoked)
            self._by_id[tid] = (info, digest)

    def create(self, name: str | None, scopes: list[str] | tuple[str, ...]) -> tuple[TokenInfo, str]:
        """Make a token; returns its record and the token itself (shown once, never stored)."""
        wanted = frozenset(scopes)
        unknown = wanted - set(SCOPES)
        if unknown or not wanted:
            raise TokenError(f"scopes must be a non-empty subset of {', '.join(SCOPES)} (got {sorted(wanted)})")
        tid = secrets.token_hex(6)
        name = name or f"token-{tid}"
        if not _NAME.fullmatch(name):
            raise TokenError("token names are 1-64 letters, digits, '.', '_', '@' or '-'")
        token = f"{PREFIX}_{tid}_{secrets.token_urlsafe(32)}"
        info = TokenInfo(tid, name, wanted, time.time())
        with self._changes:
            if any(i.name == name and i.revoked_at is None for i in self.list()):
                raise TokenNameTaken(f"a live token named {name!r} exists: revoke it first or pick another name")
            self._store.write(lambda c: c.execute(
                "INSERT INTO api_tokens(id, name, token_hash, scopes, created_at) VALUES (?,?,?,?,?)",
                (tid, name, _hash(token), json.dumps(sorted(wanted)), info.created_at)))
            with self._mutex:
                self._by_id[tid] = (info, _hash(token))
        return info, token

    def verify(self, token: str) -> TokenInfo | None:
        """The live token this string proves, or None. Marks it used (persisted lazily)."""
        parts = token.split("_", 2)  # the url-safe secret may itself contain "_"
        if len(parts) != 3 or parts[0] != PREFIX:
            return None
        entry = self._by_id.get(parts[1])
        if entry is None:
            return None
        info, digest = entry
        if not hmac.compare_digest(_hash(token), digest) or info.revoked_at is not None:
            return None
        now = time.time()
        if info.last_used is None or now - info.last_used >= _LAST_USED_EVERY_S:
            with self._mutex:
                self._by_id[info.id] = (replace(info, last_used=now), digest)
                self._dirty_last_used[info.id] = now
        return info

    def flush_last_used(self, conn: Any) -> None:
        """Persist pending last_used times; runs inside the audit log's batched transaction."""
        with self._mutex:
            pending, self._dirty_last_used = self._dirty_last_used, {}
        conn.executemany("UPDATE api_tokens SET last_used = ? WHERE id = ?", [(t, i) for i, t in pending.items()])

    def list(self, include_revoked: bool = False) -> list[TokenInfo]:
        with self._mutex:
            infos = [i for i, _ in self._by_id.values() if include_revoked or i.revoked_at is None]
        return sorted(infos, key=lambda i: i.created_at)

    def revoke(self, name_or_id: str) -> TokenInfo:
        with self._changes:
            live = [i for i in self.list() if name_or_id in (i.id, i.name)]
            if not live:
                raise TokenNotFound(f"no live token named or with id {name_or_id!r}")
            info = live[0]
            now = time.time()
            self._store.write(lambda c: c.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", (now, info.id)))
            with self._mutex:
                revoked = replace(self._by_id[info.id][0], revoked_at=now)
                self._by_id[info.id] = (revoked, self._by_id[info.id][1])
                self._dirty_last_used.pop(info.id, None)
        return revoked
