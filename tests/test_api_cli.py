"""`reverie token` and `reverie audit` without a running instance, the private files, and the
`running_instance` checks that decide whether the CLI talks to a server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from reverie.api.audit import AuditLog
from reverie.api.discovery import write_client_token, write_discovery
from reverie.api.remote import running_instance
from reverie.api.tokens import TokenStore
from reverie.core.store.keys import KeyOptions
from reverie.core.store.store import MemoryStore
from tests.api_support import run_reverie
from tests.conftest import PASSPHRASE

TOKEN_RE = re.compile(r"rvr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def test_token_create_list_revoke(home: Path) -> None:
    code, out, err = run_reverie("token", "create", "--scope", "read", "--scope", "write", "--name", "obsidian",
                                 "--write-default")
    assert code == 0, err
    token = out.split()[-1]  # the token is the last word of the output
    assert TOKEN_RE.fullmatch(token), out
    path = home / "client-token"
    assert path.read_text().strip() == token
    assert path.stat().st_mode & 0o777 == 0o600

    code, out, err = run_reverie("token", "list", "--json")
    assert code == 0, err
    listed = {t["name"]: t for t in json.loads(out)}
    assert listed["obsidian"]["scopes"] == ["read", "write"] and token not in out

    code, _, err = run_reverie("token", "create", "--scope", "read", "--name", "obsidian")
    assert code == 2 and "exists" in err
    code, _, err = run_reverie("token", "create", "--scope", "sudo")
    assert code == 2 and "invalid choice" in err

    assert run_reverie("token", "revoke", "obsidian")[0] == 0
    code, out, _ = run_reverie("token", "list", "--json")
    assert "obsidian" not in {t["name"] for t in json.loads(out)}
    code, _, err = run_reverie("token", "revoke", "obsidian")
    assert code == 2 and "no live token" in err


def test_private_files_are_0600_whatever_the_umask(home: Path) -> None:
    old = os.umask(0)
    try:
        write_client_token(home, "rvr_x_y")
        write_discovery(home, 1234)
    finally:
        os.umask(old)
    for name in ("client-token", "api.json"):
        assert (home / name).stat().st_mode & 0o777 == 0o600


def test_audit_cli_reads_the_store(home: Path) -> None:
    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE)) as store:
        log = AuditLog(store)
        log.record("plugin", "GET", "/v1/search", 200)
        log.record(None, "GET", "/v1/status", 401)
        log.close()
    code, out, err = run_reverie("audit", "--json", "--limit", "5")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["token"], r["path"], r["status"]) for r in rows] == [(None, "/v1/status", 401),
                                                                    ("plugin", "/v1/search", 200)]
    code, out, _ = run_reverie("audit")
    assert "401  GET    /v1/status  -" in out


def test_running_instance_needs_a_live_owner(home: Path) -> None:
    assert running_instance(home) is None  # no discovery file
    with MemoryStore.open(home, KeyOptions(passphrase=PASSPHRASE)) as store:
        _, token = TokenStore(store).create("cli", ["read"])
    write_client_token(home, token)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_discovery(home, 9)
    (home / "api.json").write_text(json.dumps({"host": "127.0.0.1", "port": 9, "pid": dead.pid}))
    assert running_instance(home) is None  # its process is gone
    (home / "api.json").write_text(json.dumps({"host": "127.0.0.1", "port": 9, "pid": 1}))
    assert running_instance(home) is None  # alive, but not the lock holder
    (home / "api.json").write_text("{torn")
    assert running_instance(home) is None
