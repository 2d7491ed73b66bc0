"""`reverie capture | ingest-frames | forget-recent`: headless screen capture into the store."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

from reverie.errors import UserFacingError


def register(sub: Any) -> None:
    p = sub.add_parser("capture", help="capture the screen into the store until Ctrl-C (X11, Windows, macOS)")
    p.add_argument("--interval", type=float, help="seconds between captures (default: settings, 2 s)")
    p.add_argument("--once", action="store_true", help="capture and store one screen, then exit")
    p.add_argument("--monitor", type=int, help="only this monitor (1 = first); default: all")
    p.add_argument("--status-every", type=float, default=60.0, help="seconds between status lines")
    p.add_argument("--json", action="store_true", help="with --once: print the result as JSON")
    p.set_defaults(handler=cmd_capture)

    p = sub.add_parser("ingest-frames", help="replay screenshots (PNG/JPEG, name order) through the capture path")
    p.add_argument("dir", type=Path)
    p.add_argument("--interval", type=float, default=2.0, help="seconds between frames without a sidecar timestamp")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_ingest_frames)

    p = sub.add_parser("forget-recent", help="purge everything recorded in the last N minutes")
    p.add_argument("minutes", type=float)
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_forget_recent)


def _err(message: str) -> None:
    print(f"reverie: {message}", file=sys.stderr, flush=True)


def cmd_capture(args: argparse.Namespace) -> int:
    from reverie.capture.screen import CaptureUnavailable, MssFrameSource

    started = time.perf_counter()
    try:
        source = MssFrameSource(args.monitor)
        source.monitors()  # opens the display now: no DISPLAY, Wayland or a bad monitor fail before the store
    except CaptureUnavailable as exc:
        _err(str(exc))
        return 2
    except ValueError as exc:
        raise UserFacingError(str(exc)) from exc
    try:
        return _capture(args, source, started)
    except CaptureUnavailable as exc:
        _err(str(exc))
        return 2
    except KeyboardInterrupt:  # Ctrl-C while the store or the OCR model was still loading
        _err("interrupted before capture started")
        return 130
    finally:
        source.close()


def _capture(args: argparse.Namespace, source: Any, started: float) -> int:
    from reverie.capture.pipeline import CapturePipeline
    from reverie.capture.store_sink import StoreSink
    from reverie.capture_runtime import (
        PAUSE_FLAG,
        CaptureSession,
        SystemClock,
        default_ocr,
        format_status,
        privacy_policy,
        window_reader,
    )
    from reverie.core.frames import assign_batches
    from reverie.paths import reverie_home
    from reverie.services import open_store
    from reverie.settings import Settings

    home = reverie_home()
    settings = Settings.load(home)
    interval = args.interval or settings.capture_interval_s
    if interval <= 0:
        raise UserFacingError("--interval must be positive")
    reader, idle = window_reader()
    # Frames are not embedded, so the embedder and vector index stay unloaded: a fast start.
    with open_store(home, with_embedder=False, settings=settings) as store:
        sink = StoreSink(store, background=not args.once)
        pipe = CapturePipeline(source, reader, privacy_policy(settings), default_ocr(), sink, SystemClock(),
                               interval, idle_seconds=idle)
        if args.once:
            pipe.run_once()
            assign_batches(store)
            stats = {**pipe.stats(), **sink.stats()}
            result = {"stored": sink.stored_ids, "stats": stats, "seconds": round(time.perf_counter() - started, 2)}
            print(json.dumps(result) if args.json else format_status(stats))
            return 0
        session = CaptureSession(store, pipe, sink, pause_file=home / PAUSE_FLAG,
                                 status=lambda line: print(line, flush=True), status_every=args.status_every)
        previous = {s: signal.signal(s, lambda *_: session.stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            print(f"capturing every {interval:g} s into {home}; Ctrl-C stops", flush=True)
            code = session.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if session.error is not None:
            _err(f"capture stopped: {session.error}")
        print(session.status_line(), flush=True)
        return code


def cmd_ingest_frames(args: argparse.Namespace) -> int:
    from reverie.capture_runtime import default_ocr, privacy_policy
    from reverie.frame_ingest import image_files, ingest_dir
    from reverie.paths import reverie_home
    from reverie.services import open_store
    from reverie.settings import Settings

    if not args.dir.is_dir():
        raise UserFacingError(f"not a directory: {args.dir}")
    if not image_files(args.dir):
        raise UserFacingError(f"no PNG or JPEG files in {args.dir}")
    home = reverie_home()
    settings = Settings.load(home)
    with open_store(home, with_embedder=False, settings=settings) as store:
        summary = ingest_dir(store, args.dir, default_ocr(), privacy_policy(settings), args.interval, on_error=_err)
        from reverie.core.frames import assign_batches

        assign_batches(store)
    out = summary.as_dict()
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        print(f"{out['stored']} of {out['files']} files stored, {out['unchanged']} unchanged, "
              f"{out['excluded']} excluded by the privacy policy, {len(out['errors'])} unreadable")
    # Partial success is success: one corrupt file must not fail a folder of good ones.
    return 1 if summary.errors and not summary.stored else 0


def cmd_forget_recent(args: argparse.Namespace) -> int:
    from reverie.core.frames import forget_recent
    from reverie.core.types import utcnow
    from reverie.services import open_store

    if args.minutes <= 0:
        raise UserFacingError("MINUTES must be positive")
    if not args.yes:
        if not sys.stdin.isatty():
            raise UserFacingError("forget-recent deletes for good; pass --yes to confirm")
        answer = input(f"Forget everything recorded in the last {args.minutes:g} minutes? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing forgotten")
            return 1
    # With the embedder, so the forgotten memories' vectors leave the index now, not at next open.
    with open_store() as store:
        counts = forget_recent(store, args.minutes, utcnow())
    print(json.dumps(counts) if args.json else
          f"forgot {counts['frames']} frames ({counts['thumbnails']} thumbnails), {counts['memories']} memories "
          f"and {counts['messages']} chat messages from the last {args.minutes:g} minutes")
    return 0
