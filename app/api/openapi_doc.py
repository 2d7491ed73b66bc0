"""Write (or check) the committed OpenAPI schema, docs/openapi.json.

    python -m reverie.api.openapi_doc            # regenerate
    python -m reverie.api.openapi_doc --check    # exit 1 if the committed file is stale

tests/test_api_schema.py runs the same comparison, so a route change without a regenerated
schema fails the suite.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

DOC = Path("docs") / "openapi.json"  # run from the repository root


def build_schema() -> dict[str, Any]:
    from reverie.api.server import create_app
    from reverie.core.store.keys import KeyOptions
    from reverie.core.store.store import MemoryStore

    # The schema depends only on the routes, but the app is built around a store: use a throwaway one.
    with tempfile.TemporaryDirectory(prefix="reverie-openapi-") as tmp, \
            MemoryStore.open(Path(tmp), KeyOptions(passphrase="schema", use_keystore=False)) as store:
        app = create_app(store, mcp=False)
        schema: dict[str, Any] = app.openapi()
        app.state.close()
    return schema


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args(argv)
    text = render(build_schema())
    if args.check:
        if not args.out.exists() or args.out.read_text() != text:
            print(f"{args.out} is stale: run `python -m reverie.api.openapi_doc`", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
