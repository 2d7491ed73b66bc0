"""`reverie models list|use|download|remove`: see, choose and fetch language models.

Nothing downloads unless the user runs `reverie models download NAME`; the bundled models work
offline. The choice is stored in settings.json (llm_backend, llm_model_path, llm_url, llm_model).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from reverie.errors import UserFacingError

if TYPE_CHECKING:  # the catalogue (httpx) is imported lazily: `reverie --version` stays light
    from reverie.models.model_catalog import Row

SPEED_NOTE = ("CPU speed: 'measured' = llama.cpp on a 2-core x86-64 CPU; 'est.' = estimated from the file size "
              "(CPU decoding is memory-bound). A GPU is many times faster.")


def register(sub: Any) -> None:
    p = sub.add_parser("models", help="list, choose and download language models",
                       description="Bundled models work offline; bigger ones download only when you ask.")
    p.set_defaults(handler=cmd_list, json=False)
    msub = p.add_subparsers(dest="models_command")
    ls = msub.add_parser("list", help="every model: size, state, CPU speed, licence, context")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=cmd_list)
    use = msub.add_parser("use", help="choose the model Reverie answers with")
    use.add_argument("target", nargs="?", metavar="NAME|PATH", help="a name from `reverie models list` or a .gguf file")
    use.add_argument("--url", help="an OpenAI-compatible server instead (llama.cpp server, Ollama, LM Studio)")
    use.add_argument("--model", help="the model name on that server (with --url)")
    use.set_defaults(handler=cmd_use)
    dl = msub.add_parser("download", help="download a recommended model (resumable, sha256-verified)")
    dl.add_argument("name")
    dl.set_defaults(handler=cmd_download)
    rm = msub.add_parser("remove", help="delete a downloaded model file")
    rm.add_argument("name")
    rm.set_defaults(handler=cmd_remove)


def _context() -> tuple[Path, Path, Any]:
    from reverie.paths import models_dir, reverie_home
    from reverie.settings import Settings

    home = reverie_home()
    return home, models_dir(home), Settings.load(home)


def _model_errors() -> type[Exception]:
    from reverie.models.model_files import ModelError

    return ModelError


# ---- list ----------------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    from reverie.models.model_catalog import list_rows

    _, models_dir, settings = _context()
    try:
        rows = list_rows(models_dir, backend=settings.llm_backend, choice=settings.llm_model_path)
    except _model_errors() as exc:
        raise UserFacingError(str(exc)) from exc
    server = {"url": settings.llm_url, "model": settings.llm_model} if settings.llm_backend == "openai" else None
    if args.json:
        print(json.dumps({"models": [r.as_dict() for r in rows], "server": server}, indent=1))
        return 0
    print(_table(rows))
    print()
    if server:
        print(f"In use: the OpenAI-compatible server {server['url']} (model {server['model']}); "
              "no local model is loaded.")
    elif not any(r.active for r in rows):
        print("In use: nothing that works yet — see `reverie doctor`.")
    else:
        print("* = in use.")
    print(SPEED_NOTE)
    print("Download: reverie models download NAME · choose: reverie models use NAME | FILE.gguf | --url URL")
    return 0


def _table(rows: list[Row]) -> str:
    from reverie.models.model_catalog import human_size

    header = ("", "NAME", "KIND", "SIZE", "STATE", "CPU SPEED", "LICENCE", "CONTEXT")
    lines = [header] + [
        ("*" if r.active else "", r.name, r.kind, human_size(r.size), r.status, r.speed, r.licence,
         f"{r.context:,}" if r.context else "?")
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)


# ---- use -----------------------------------------------------------------------------------------


def cmd_use(args: argparse.Namespace) -> int:
    home, models_dir, settings = _context()
    if args.url:
        if args.target:
            raise UserFacingError("give either a model (NAME|PATH) or --url, not both")
        _use_url(settings, args.url, args.model)
    else:
        if args.model:
            raise UserFacingError("--model names the model on a server; it goes with --url")
        if not args.target:
            raise UserFacingError("say which model: reverie models use NAME|PATH (or --url URL --model M)")
        try:
            _use_local(settings, models_dir, args.target)
        except _model_errors() as exc:
            raise UserFacingError(str(exc)) from exc
    settings.save(home)
    print("Saved. A running Reverie picks this up when it restarts.")
    return 0


def _use_local(settings: Any, models_dir: Path, target: str) -> None:
    from reverie.models.model_catalog import READY, UNVERIFIED, USABLE, check_gguf, find_row, human_size

    path = Path(target).expanduser()
    row = None if path.is_file() else find_row(target, models_dir)
    if row is None:
        if not (path.exists() or path.suffix == ".gguf" or "/" in target or "\\" in target):
            raise UserFacingError(f"unknown model {target!r}: see `reverie models list`, or give a .gguf file path")
        header = check_gguf(path)
        value, shown, context = str(path.resolve()), str(path.resolve()), header.context_length
    else:
        if row.state not in USABLE:
            raise UserFacingError(_not_usable(row))
        if row.state != READY and row.sha256 and row.path is not None:
            row = find_row(target, models_dir, verify=True) or row  # hash it now (once; cached afterwards)
            if row.state not in USABLE:
                raise UserFacingError(_not_usable(row))
        if row.kind == "bundled":
            value, shown = row.name, f"{row.name} (bundled, {human_size(row.size)})"
        else:
            assert row.path is not None
            check_gguf(row.path)
            value, shown = str(row.path.resolve()), f"{row.name} ({row.path})"
        context = row.context
        if row.state == UNVERIFIED:
            print(f"warning: {row.name} is not verified: {row.status}", file=sys.stderr)
    settings.llm_backend, settings.llm_model_path = "llamacpp", value
    print(f"Now using {shown}.")
    if context and settings.llm_n_ctx > context:
        print(f"warning: the context setting ({settings.llm_n_ctx} tokens) is larger than this model was "
              f"trained for ({context}); answers may degrade", file=sys.stderr)


def _not_usable(row: Row) -> str:
    from reverie.models.model_catalog import NEEDS_DOWNLOAD, PARTIAL

    if row.state in (NEEDS_DOWNLOAD, PARTIAL):
        return f"{row.name} is not downloaded yet ({row.status}): run `reverie models download {row.name}`"
    return f"{row.name} cannot be used: {row.status}"


def _use_url(settings: Any, url: str, model: str | None) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserFacingError(f"{url!r} is not an http(s) URL (e.g. http://127.0.0.1:8080/v1)")
    model = model or settings.llm_model
    if not model:
        raise UserFacingError("--model is needed: the model's name on that server (e.g. --model qwen2.5:7b)")
    if not _is_loopback(parts.hostname):
        print(f"warning: {parts.hostname} is not this computer. Your questions, and the memories sent with them "
              "as context, will leave this machine.", file=sys.stderr)
    settings.llm_backend, settings.llm_url, settings.llm_model = "openai", url, model
    print(f"Now using the OpenAI-compatible server {url} (model {model}).")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---- download / remove ---------------------------------------------------------------------------


def cmd_download(args: argparse.Namespace) -> int:
    from reverie.models.model_actions import download_model
    from reverie.models.model_catalog import READY, find_recommended, find_row
    from reverie.models.model_manager import BUNDLED

    _, models_dir, _ = _context()
    try:
        rec = find_recommended(args.name, models_dir)
    except _model_errors() as exc:
        raise UserFacingError(str(exc)) from exc
    if rec is None:
        if args.name in {m.name for m in BUNDLED}:
            raise UserFacingError(f"{args.name} is bundled with Reverie: there is nothing to download")
        raise UserFacingError(f"unknown model {args.name!r}: `reverie models list` shows what can be downloaded")
    row = find_row(rec.name, models_dir)
    if row is not None and row.state == READY:
        print(f"{rec.name} is already downloaded and verified: {row.path}")
        return 0
    progress = Progress(rec.name, sys.stderr)
    part = models_dir / (rec.filename + ".part")
    try:
        path = download_model(rec, models_dir, progress)
    except KeyboardInterrupt:
        progress.finish()
        kept = part.stat().st_size if part.exists() else 0
        print(f"reverie: interrupted; {kept:,} bytes kept in {part}. Run the same command again to resume.",
              file=sys.stderr)
        return 130
    except _model_errors() as exc:
        progress.finish()
        raise UserFacingError(str(exc)) from exc
    progress.finish()
    check = f"sha256 verified ({rec.sha256[:12]}…)" if rec.sha256 else \
        "size checked; NOT verified: no sha256 is published for it"
    print(f"{rec.name} downloaded, {check}: {path}")
    print(f"Use it with: reverie models use {rec.name}")
    return 0


class Progress:
    """Download progress on stderr: a redrawn bar on a terminal, a line every 5% otherwise (logs, CI)."""

    def __init__(self, name: str, stream: TextIO, step: int = 5) -> None:
        self.name, self.stream, self.step = name, stream, step
        self.tty = stream.isatty()
        self._last_pct = -1
        self._last_draw = 0.0
        self._start = time.monotonic()
        self._first: int | None = None
        self._drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        from reverie.models.model_catalog import human_size

        if self._first is None:
            self._first = done
        pct = 100 * done // total if total else None
        if self.tty:
            now = time.monotonic()
            if now - self._last_draw < 0.1 and done != total:
                return
            self._last_draw = now
            rate = (done - self._first) / max(now - self._start, 1e-3)
            bar = "#" * ((pct or 0) * 30 // 100)
            shown = f"[{bar:<30}] {pct:3d}%" if pct is not None else human_size(done)
            self.stream.write(f"\r{self.name} {shown} {human_size(done)}/{human_size(total)} "
                              f"{rate / (1 << 20):.1f} MB/s ")
            self._drawn = True
        elif pct is not None:
            if pct // self.step > self._last_pct // self.step:
                self.stream.write(f"{self.name}: {pct}% ({human_size(done)} of {human_size(total)})\n")
            self._last_pct = pct
        elif done // (64 << 20) > self._last_pct:
            self._last_pct = done // (64 << 20)
            self.stream.write(f"{self.name}: {human_size(done)}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


def cmd_remove(args: argparse.Namespace) -> int:
    from reverie.models.model_actions import remove_model

    home, models_dir, settings = _context()
    try:
        removed = remove_model(args.name, models_dir)
    except _model_errors() as exc:
        raise UserFacingError(str(exc)) from exc
    for path in removed:
        print(f"removed {path}")
    chosen = settings.llm_model_path
    if chosen and any(Path(chosen).expanduser().resolve() == p.resolve() for p in removed if p.suffix == ".gguf"):
        settings.llm_model_path = None
        settings.save(home)
        print("It was the model in use; Reverie goes back to the default bundled model.")
    return 0
