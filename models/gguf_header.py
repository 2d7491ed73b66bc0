"""Read the start of a GGUF file: magic, version and a few metadata keys, without llama.cpp.

`reverie models use FILE` must refuse a file that is not a model before it becomes the
configured LLM (loading llama.cpp only to find out costs seconds and a native crash risk), and
`models list` shows each file's trained context length, which the header carries.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MAGIC = b"GGUF"
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_MAX_KEYS = 100_000  # real files have a few dozen; a larger count means a corrupt header
_MAX_STRING = 1 << 24


class NotGGUFError(ValueError):
    """The file is not a GGUF model, or its header is truncated or corrupt."""


@dataclass(frozen=True)
class GGUFHeader:
    version: int
    tensor_count: int
    architecture: str | None
    name: str | None
    context_length: int | None
    licence: str | None  # general.license, when the converter recorded it


def is_gguf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == MAGIC
    except OSError:
        return False


def read_header(path: Path) -> GGUFHeader:
    """Parse metadata up to the architecture's context length; stops before the large tokenizer arrays.

    Raises NotGGUFError for a foreign or damaged file and OSError when it cannot be read.
    """
    with path.open("rb") as handle:
        if handle.read(4) != MAGIC:
            raise NotGGUFError(f"{path} is not a GGUF model file (it does not start with the bytes 'GGUF')")
        try:
            return _parse(handle)
        except (struct.error, UnicodeDecodeError, NotGGUFError) as exc:
            raise NotGGUFError(f"{path}: damaged GGUF header ({exc})") from None


def _parse(handle: BinaryIO) -> GGUFHeader:
    (version,) = _unpack(handle, "<I")
    if version not in (2, 3):
        raise NotGGUFError(f"unsupported GGUF version {version}")
    tensor_count, kv_count = _unpack(handle, "<QQ")
    if kv_count > _MAX_KEYS:
        raise NotGGUFError(f"{kv_count} metadata keys")
    values: dict[str, object] = {}
    for _ in range(kv_count):
        key = _string(handle)
        (kind,) = _unpack(handle, "<I")
        values[key] = _value(handle, kind)
        arch = values.get("general.architecture")
        if isinstance(arch, str) and f"{arch}.context_length" in values:
            break
    arch = values.get("general.architecture")
    name = values.get("general.name")
    licence = values.get("general.license")
    context = values.get(f"{arch}.context_length") if isinstance(arch, str) else None
    return GGUFHeader(
        version=version,
        tensor_count=tensor_count,
        architecture=arch if isinstance(arch, str) else None,
        name=name if isinstance(name, str) else None,
        context_length=int(context) if isinstance(context, int) else None,
        licence=licence if isinstance(licence, str) else None,
    )


def _unpack(handle: BinaryIO, fmt: str) -> tuple[int, ...]:
    size = struct.calcsize(fmt)
    data = handle.read(size)
    if len(data) != size:
        raise NotGGUFError("file ends inside the header")
    return struct.unpack(fmt, data)


def _string(handle: BinaryIO) -> str:
    (length,) = _unpack(handle, "<Q")
    if length > _MAX_STRING:
        raise NotGGUFError(f"string of {length} bytes")
    data = handle.read(length)
    if len(data) != length:
        raise NotGGUFError("file ends inside the header")
    return data.decode("utf-8")


def _value(handle: BinaryIO, kind: int) -> object:
    if kind in _SCALARS:
        return _unpack(handle, _SCALARS[kind])[0]
    if kind == _STRING:
        return _string(handle)
    if kind == _ARRAY:
        (item_kind,) = _unpack(handle, "<I")
        (count,) = _unpack(handle, "<Q")
        if item_kind in _SCALARS:  # skip fixed-size items in one seek
            handle.seek(struct.calcsize(_SCALARS[item_kind]) * count, 1)
        else:
            for _ in range(count):
                _value(handle, item_kind)
        return None  # arrays (token lists, merges) are never needed here
    raise NotGGUFError(f"unknown metadata type {kind}")
