"""`reverie serve | token | mcp | audit`: the local plugin API and its credentials."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reverie.errors import UserFacingError

if TYPE_CHECKING:
    from reverie.client import ReverieClient

SCOPE_CHOICES = ("read", "write", "vault", "admin")


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the local API (127.0.0.1 only) without the desktop UI")
    p.add_argument("--port", type=int, help="TCP port (default: settings api_port, 8765; 0 picks a free one)")
    p.set_defaults(handler=cmd_serve)

    token = sub.add_parser("token", help="API tokens for plugins and scripts").add_subparsers(dest="token_cmd")
    p = token.add_parser("create", help="create a token (printed once, as the last word of the output)")
    p.add_argument("--scope", action="append", choices=SCOPE_CHOICES, required=True,
                   help="repeat for several: read, write, vault (secrets), admin (tokens, audit)")
    p.add_argument("--name", help="a label for the token (letters, digits, . _ @ -)")
    p.add_argument("--write-default", action="store_true",
                   help="also save it as the default client token (<home>/client-token, mode 0600)")
    p.set_defaults(handler=cmd_token_create)
    p = token.add_parser("list", help="live tokens (names, scopes, last use; never the tokens)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_token_list)
    p = token.add_parser("revoke", help="revoke a token by name or id")
    p.add_argument("token", metavar="NAME|ID")
    p.set_defaults(handler=cmd_token_revoke)

    p = sub.add_parser("mcp", help="MCP server over stdio (for Claude Desktop, VS Code, Cursor …)")
    p.add_argument("--idle-close", type=float, default=30.0, help="seconds before an idle store is closed")
    p.set_defaults(handler=cmd_mcp)

    p = sub.add_parser("audit", help="recent local API accesses, newest first")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(handler=cmd_audit)


def _home() -> Path:
    from reverie.paths import reverie_home

    return reverie_home()


def _remote(home: Path) -> ReverieClient | None:
    """A client for the running instance, or None when no instance serves this data dir."""
    from reverie.api.remote import running_instance
    from reverie.client import ReverieClient

    found = running_instance(home)
    return ReverieClient(*found, home=home) if found else None


def _open_store_plain(home: Path) -> Any:
    """The store without the embedder: token and audit commands never embed anything."""
    from reverie.services import open_store

    return open_store(home, with_embedder=False)


def _api_error(exc: Exception) -> UserFacingError:
    return UserFacingError(f"the running instance refused: {exc}")


# ---- serve ------------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from reverie.api.instance import prepare
    from reverie.api.serving import BindError
    from reverie.services import open_store
    from reverie.settings import Settings

    home = _home()
    settings = Settings.load(home)
    with open_store(home, settings=settings) as store:
        try:
            instance = prepare(store, home, settings, port=args.port)
        except BindError as exc:
            raise UserFacingError(f"{exc.strerror} (pick another with --port)") from exc
        if instance.new_client_token:
            print(f"wrote a new CLI client token to {home / 'client-token'} (mode 0600)", flush=True)
        print(f"Reverie API listening on {instance.base_url} (Ctrl-C to stop)", flush=True)
        instance.run()
    return 0


# ---- tokens -----------------------------------------------------------------------------------
def cmd_token_create(args: argparse.Namespace) -> int:
    from reverie.api.discovery import write_client_token
    from reverie.api.tokens import TokenError, TokenStore
    from reverie.client import ReverieAPIError

    home = _home()
    scopes = list(dict.fromkeys(args.scope))
    client = _remote(home)
    try:
        if client is not None:
            with client:
                made = client.create_token(scopes, args.name)
            info, token = made["info"], made["token"]
        else:
            with _open_store_plain(home) as store:
                record, token = TokenStore(store).create(args.name, scopes)
            info = record.as_dict()
    except TokenError as exc:
        raise UserFacingError(str(exc)) from exc
    except ReverieAPIError as exc:
        raise _api_error(exc) from exc
    print(f"created token {info['name']!r} (id {info['id']}) with scopes {', '.join(info['scopes'])}")
    if args.write_default:
        print(f"saved as the default client token in {write_client_token(home, token)} (mode 0600)")
    print(f"it is shown only now; store it safely:\n{token}")
    return 0


def _list_tokens(home: Path) -> list[dict[str, Any]]:
    from reverie.api.tokens import TokenStore
    from reverie.client import ReverieAPIError

    client = _remote(home)
    if client is not None:
        with client:
            try:
                return client.tokens()
            except ReverieAPIError as exc:
                raise _api_error(exc) from exc
    with _open_store_plain(home) as store:
        return [t.as_dict() for t in TokenStore(store).list()]


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else "never"


def cmd_token_list(args: argparse.Namespace) -> int:
    rows = _list_tokens(_home())
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print("No tokens. Create one with `reverie token create --scope read`.")
    for t in rows:
        print(f"{t['name']:<20} {t['id']}  {','.join(t['scopes']):<22} created {_when(t['created_at'])}  "
              f"last used {_when(t['last_used'])}")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from reverie.api.tokens import TokenError, TokenStore
    from reverie.client import ReverieAPIError

    home = _home()
    client = _remote(home)
    try:
        if client is not None:
            with client:
                info = client.revoke_token(args.token)
        else:
            with _open_store_plain(home) as store:
                info = TokenStore(store).revoke(args.token).as_dict()
    except TokenError as exc:
        raise UserFacingError(str(exc)) from exc
    except ReverieAPIError as exc:
        raise _api_error(exc) from exc
    print(f"revoked token {info['name']!r} (id {info['id']})")
    return 0


# ---- mcp, audit -------------------------------------------------------------------------------
def cmd_mcp(args: argparse.Namespace) -> int:
    from reverie.api.answer import default_factory
    from reverie.api.mcp_stdio import run_stdio
    from reverie.services import open_store
    from reverie.settings import Settings

    home = _home()
    settings = Settings.load(home)
    # interactive=False: stdin is the MCP pipe, so no passphrase prompt can ever be shown there.
    run_stdio(home, lambda: open_store(home, settings=settings, interactive=False),
              lambda store: default_factory(store, settings, home), idle_s=args.idle_close)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from reverie.api.audit import read_audit
    from reverie.client import ReverieAPIError

    home = _home()
    client = _remote(home)
    if client is not None:
        with client:
            try:
                rows = client.audit(args.limit)
            except ReverieAPIError as exc:
                raise _api_error(exc) from exc
    else:
        with _open_store_plain(home) as store:
            rows = [e.as_dict() for e in read_audit(store, args.limit)]
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    if not rows:
        print("No API accesses recorded.")
    for r in rows:
        when = datetime.fromtimestamp(r["at"]).strftime("%Y-%m-%d %H:%M:%S")
        print(f"{when}  {r['status']}  {r['method']:<6} {r['path']}  {r['token'] or '-'}")
    return 0
