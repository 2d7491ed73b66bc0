"""The export file format: one passphrase-encrypted, chunked, authenticated stream.

Layout (all integers big-endian):

    prefix  = MAGIC (16 bytes) | format version (u16) | header length (u32) | header JSON
    check   = length (u16) | AES-GCM(key, "reverie-export-key-check", aad = sha256(prefix) | "check")
    chunk*  = flags (u8) | length (u32) | nonce (12) | AES-GCM(key, zlib(plaintext), aad)
              aad = sha256(prefix) | chunk index (u64) | flags; flags bit 0 = final chunk

The header carries only the Argon2id parameters, the salt and the chunk size. The key is
HKDF(Argon2id(passphrase, salt)); every chunk has a fresh random nonce. Binding the header
digest, the chunk's index and its final flag into each tag means a changed header, a
reordered, dropped or duplicated chunk, and a file cut anywhere (even at a chunk boundary:
the last chunk read is then not marked final) all fail authentication or the final check.
The check value separates "wrong passphrase" from "damaged file".

Inside, the decrypted chunks form one stream of entries: kind (1 byte) | name length (u32) |
data length (u64) | name | data. Entries may span chunks, so the writer never holds more than
one chunk plus one entry in memory and never writes plaintext anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import zlib
from collections.abc import Iterator
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reverie.core.backup import BackupError
from reverie.core.store.crypto import NONCE_LEN, open_sealed, seal, subkey
from reverie.core.store.keys import ARGON_LANES, ARGON_MEMORY_KIB, ARGON_TIME, derive_kek

MAGIC = b"REVERIE-EXPORT\n\x00"
FORMAT_VERSION = 1
CHUNK_BYTES = 1 << 20
FLAG_FINAL = 1

_PREFIX = struct.Struct(">16sHI")
_CHUNK = struct.Struct(">BI")
_ENTRY = struct.Struct(">cIQ")
_CHECK_PLAIN = b"reverie-export-key-check"
_TAG_LEN = 16
# Bounds applied before trusting a header: a hostile file must not make us allocate gigabytes.
_MAX_HEADER = 64 * 1024
_MAX_CHUNK_BYTES = 16 << 20
_MAX_ENTRY = 1 << 30
_MAX_KDF_MEMORY_KIB = 1 << 20
_MAX_KDF_TIME = 20
_MAX_KDF_LANES = 16

WRONG_PASSPHRASE = "wrong passphrase or not a Reverie export"
NOT_AN_EXPORT = "not a Reverie export (the file does not start with a Reverie export header)"


def _derive(passphrase: str, salt: bytes, memory_kib: int, time_cost: int, lanes: int) -> bytes:
    return subkey(derive_kek(passphrase, salt, memory_kib, time_cost, lanes), "reverie-export-v1")


def _chunk_aad(digest: bytes, index: int, flags: int) -> bytes:
    return digest + struct.pack(">QB", index, flags)


class ArchiveWriter:
    """Writes entries into the encrypted stream. Call `close()` to write the final chunk."""

    def __init__(self, fh: IO[bytes], passphrase: str, *, chunk_bytes: int = CHUNK_BYTES,
                 kdf_memory_kib: int = ARGON_MEMORY_KIB, kdf_time: int = ARGON_TIME,
                 kdf_lanes: int = ARGON_LANES) -> None:
        if not 1 <= chunk_bytes <= _MAX_CHUNK_BYTES:
            raise ValueError("chunk_bytes out of range")
        self._fh = fh
        self._chunk_bytes = chunk_bytes
        salt = os.urandom(16)
        header = json.dumps({
            "kdf": "argon2id", "memory_kib": kdf_memory_kib, "time_cost": kdf_time, "lanes": kdf_lanes,
            "salt": base64.b64encode(salt).decode(), "chunk_bytes": chunk_bytes, "compression": "zlib",
        }).encode()
        prefix = _PREFIX.pack(MAGIC, FORMAT_VERSION, len(header)) + header
        self._digest = hashlib.sha256(prefix).digest()
        key = _derive(passphrase, salt, kdf_memory_kib, kdf_time, kdf_lanes)
        self._aead = AESGCM(key)
        self._written = 0
        key_check = seal(key, _CHECK_PLAIN, self._digest + b"check")
        self._write(prefix + struct.pack(">H", len(key_check)) + key_check)
        self._buf = bytearray()
        self._index = 0
        self._closed = False

    @property
    def bytes_written(self) -> int:
        return self._written

    def _write(self, data: bytes) -> None:
        self._fh.write(data)
        self._written += len(data)

    def entry(self, kind: bytes, name: str, data: bytes) -> None:
        if self._closed:
            raise ValueError("archive already closed")
        raw_name = name.encode()
        self._buf += _ENTRY.pack(kind, len(raw_name), len(data))
        self._buf += raw_name
        self._buf += data
        while len(self._buf) > self._chunk_bytes:
            self._seal_chunk(bytes(self._buf[:self._chunk_bytes]), final=False)
            del self._buf[:self._chunk_bytes]

    def _seal_chunk(self, plain: bytes, *, final: bool) -> None:
        flags = FLAG_FINAL if final else 0
        nonce = os.urandom(NONCE_LEN)
        body = nonce + self._aead.encrypt(nonce, zlib.compress(plain, 6), _chunk_aad(self._digest, self._index, flags))
        self._write(_CHUNK.pack(flags, len(body)) + body)
        self._index += 1

    def close(self) -> None:
        if not self._closed:
            self._seal_chunk(bytes(self._buf), final=True)
            self._buf.clear()
            self._closed = True


class ArchiveReader:
    """Opens an export: checks the header and the passphrase at once, then yields entries."""

    def __init__(self, fh: IO[bytes], passphrase: str) -> None:
        self._fh = fh
        raw = fh.read(_PREFIX.size)
        if len(raw) < _PREFIX.size or raw[:len(MAGIC)] != MAGIC:
            raise BackupError(NOT_AN_EXPORT)
        _, version, header_len = _PREFIX.unpack(raw)
        if version > FORMAT_VERSION:
            raise BackupError(f"this export uses format {version}, newer than this Reverie understands "
                              f"({FORMAT_VERSION}); update Reverie to import it")
        if version < 1 or header_len > _MAX_HEADER:
            raise BackupError("the export header is damaged")
        header_raw = self._read_exact(header_len, "header")
        self._digest = hashlib.sha256(raw + header_raw).digest()
        header = self._parse_header(header_raw)
        (check_len,) = struct.unpack(">H", self._read_exact(2, "header"))
        check = self._read_exact(check_len, "header")
        key = _derive(passphrase, header["salt"], header["memory_kib"], header["time_cost"], header["lanes"])
        try:
            if open_sealed(key, check, self._digest + b"check") != _CHECK_PLAIN:
                raise BackupError(WRONG_PASSPHRASE)
        except InvalidTag:
            raise BackupError(WRONG_PASSPHRASE) from None
        self._aead = AESGCM(key)
        self._chunk_bytes: int = header["chunk_bytes"]
        self.bytes_read = _PREFIX.size + header_len + 2 + check_len

    def _read_exact(self, n: int, what: str) -> bytes:
        data = self._fh.read(n)
        if len(data) != n:
            raise BackupError(f"the export is truncated (it ends inside its {what}); nothing was imported")
        return data

    @staticmethod
    def _parse_header(raw: bytes) -> dict[str, Any]:
        try:
            h = json.loads(raw)
            out: dict[str, Any] = {"salt": base64.b64decode(h["salt"]), "memory_kib": int(h["memory_kib"]),
                   "time_cost": int(h["time_cost"]), "lanes": int(h["lanes"]),
                   "chunk_bytes": int(h["chunk_bytes"])}
            ok = (h.get("kdf") == "argon2id" and h.get("compression") == "zlib" and len(out["salt"]) >= 16
                  and 8 <= out["memory_kib"] <= _MAX_KDF_MEMORY_KIB and 1 <= out["time_cost"] <= _MAX_KDF_TIME
                  and 1 <= out["lanes"] <= _MAX_KDF_LANES and 1 <= out["chunk_bytes"] <= _MAX_CHUNK_BYTES)
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            raise BackupError("the export header is damaged or uses unsupported settings")
        return out

    def chunks(self) -> Iterator[bytes]:
        """Decrypted chunk plaintexts in order; raises BackupError on any damage or truncation."""
        index = 0
        max_body = NONCE_LEN + _TAG_LEN + self._chunk_bytes + self._chunk_bytes // 100 + 1024
        while True:
            raw = self._fh.read(_CHUNK.size)
            if not raw:
                raise BackupError("the export is truncated (its final part is missing); nothing was imported")
            if len(raw) < _CHUNK.size:
                raise BackupError("the export is truncated; nothing was imported")
            flags, length = _CHUNK.unpack(raw)
            if flags & ~FLAG_FINAL or not NONCE_LEN + _TAG_LEN <= length <= max_body:
                raise BackupError(f"the export is damaged (bad chunk {index}); nothing was imported")
            body = self._read_exact(length, f"chunk {index}")
            self.bytes_read += _CHUNK.size + length
            try:
                packed = self._aead.decrypt(body[:NONCE_LEN], body[NONCE_LEN:],
                                            _chunk_aad(self._digest, index, flags))
            except InvalidTag:
                raise BackupError(f"the export is damaged or was altered (chunk {index} fails its "
                                  "integrity check); nothing was imported") from None
            inflate = zlib.decompressobj()
            plain = inflate.decompress(packed, self._chunk_bytes + 1)
            if inflate.unconsumed_tail or not inflate.eof or len(plain) > self._chunk_bytes:
                raise BackupError(f"the export is damaged (chunk {index} does not decompress)")
            yield plain
            index += 1
            if flags & FLAG_FINAL:
                if self._fh.read(1):
                    raise BackupError("the export has unexpected data after its end; nothing was imported")
                return

    def entries(self) -> Iterator[tuple[bytes, str, bytes]]:
        """(kind, name, data) for every entry, in the order written."""
        buf = bytearray()
        chunks = self.chunks()

        def fill(n: int) -> bool:
            while len(buf) < n:
                nxt = next(chunks, None)
                if nxt is None:
                    return False
                buf.extend(nxt)
            return True

        while True:
            if not fill(_ENTRY.size):
                if buf:
                    raise BackupError("the export is damaged (it ends inside an entry)")
                return
            kind, name_len, data_len = _ENTRY.unpack_from(buf)
            if name_len > 4096 or data_len > _MAX_ENTRY:
                raise BackupError("the export is damaged (an entry is too large)")
            end = _ENTRY.size + name_len + data_len
            if not fill(end):
                raise BackupError("the export is damaged (it ends inside an entry)")
            name = bytes(buf[_ENTRY.size:_ENTRY.size + name_len]).decode()
            data = bytes(buf[_ENTRY.size + name_len:end])
            del buf[:end]
            yield kind, name, data
