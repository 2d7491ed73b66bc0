"""The `reverie` command line. Subcommands live in small modules; this file only wires them."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from reverie import __version__

Handler = Callable[[argparse.Namespace], int]


# Each module adds its subcommands with `register(subparsers)`.
COMMAND_MODULES = ("doctor", "cmd_memory", "cmd_agents", "cmd_bench", "cmd_jobs", "cmd_gui", "cmd_capture", "cmd_api",
                   "cmd_lifecycle", "cmd_desktop", "cmd_models")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    p = argparse.ArgumentParser(prog="reverie", description="Private, local-first memory for your computer.")
    p.add_argument("--version", action="version", version=f"reverie {__version__}")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = p.add_subparsers(dest="command")
    for name in COMMAND_MODULES:
        importlib.import_module(f"reverie.{name}").register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:  # bare `reverie` opens the desktop app
        args = parser.parse_args(["gui"])
        handler = args.handler
    from reverie.errors import UserFacingError, explain

    try:
        return handler(args)
    except UserFacingError as exc:
        print(f"reverie: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:
        message = explain(exc)
        if message is None:
            raise
        print(f"reverie: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
