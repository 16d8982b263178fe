"""Read the key/value metadata of a GGUF file (llama.cpp's model format, versions 2 and 3), tensors untouched.

The ``gguf`` package's reader parses every tensor record too (about 30 s for SmolLM2 on a busy 2-core machine);
the tokenizer needs only the metadata, which this reads in well under a second. Layout (little-endian):
``b"GGUF"``, uint32 version, uint64 tensor count, uint64 key count, then per key a string (uint64 length +
UTF-8), a uint32 value type, and the value; arrays are a uint32 item type, a uint64 length and the items.
"""

from __future__ import annotations

import mmap
import struct
from typing import Any

MAGIC = b"GGUF"
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
_MAX_COUNT = 1 << 32  # no real GGUF holds more keys or array items; larger means a corrupt file


class GGUFError(ValueError):
    """Not a GGUF file, or a truncated/corrupt one."""


class _Cursor:
    def __init__(self, buf: Any, path: str):
        self.buf, self.pos, self.path = buf, 0, path

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if end > len(self.buf):
            raise GGUFError(f"{self.path}: truncated GGUF metadata (wanted {n} bytes at offset {self.pos})")
        out = self.buf[self.pos:end]
        self.pos = end
        return out

    def scalar(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def count(self) -> int:
        n = self.scalar("<Q")
        if n >= _MAX_COUNT:
            raise GGUFError(f"{self.path}: corrupt GGUF metadata (count {n} at offset {self.pos - 8})")
        return n

    def string(self) -> str:
        raw = self.take(self.count())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("utf-8", errors="surrogateescape")

    def value(self, vtype: int) -> Any:
        if vtype in _SCALARS:
            return self.scalar(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            item, n = self.scalar("<I"), self.count()
            if item in _SCALARS:  # one unpack for the whole array
                fmt = _SCALARS[item]
                size = struct.calcsize(fmt)
                return list(struct.unpack(f"<{n}{fmt[1]}", self.take(n * size)))
            return [self.value(item) for _ in range(n)]
        raise GGUFError(f"{self.path}: corrupt GGUF metadata (unknown value type {vtype} at offset {self.pos - 4})")


def read_metadata(path: str) -> dict[str, Any]:
    """All metadata keys of the GGUF at ``path`` (``GGUFError`` naming the file when it is not one)."""
    try:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            cur = _Cursor(buf, path)
            if len(buf) < 24 or cur.take(4) != MAGIC:
                raise GGUFError(f"{path} is not a GGUF file (it does not start with b'GGUF')")
            version = cur.scalar("<I")
            if version not in (2, 3):
                raise GGUFError(f"{path}: GGUF version {version} is not supported (2 or 3)")
            cur.scalar("<Q")  # tensor count
            meta: dict[str, Any] = {"GGUF.version": version}
            for _ in range(cur.count()):
                key = cur.string()
                meta[key] = cur.value(cur.scalar("<I"))
            return meta
    except ValueError as exc:  # mmap of an empty file
        if isinstance(exc, GGUFError):
            raise
        raise GGUFError(f"{path} is not a GGUF file ({exc})") from exc
