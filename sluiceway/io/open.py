"""Open an input file as a byte stream, decompressing gzip and zstd, and say what went wrong when it is damaged.

The compression is read from the file's first bytes, not only its name: a ``.jsonl.gz`` that a download tool
already decompressed is read as plain text (counted as ``compression_mismatch``). A compressed name on bytes that
are neither gzip, zstd nor text is damage. Decoders report damage as they meet it, so rows decoded before it
are kept; ``DAMAGE`` lists the exception types that mean "this file is damaged here".

Limit: zstd frames written without a content checksum (zstd's default) cannot reveal corrupted bytes that still
decode; such bytes show up as malformed or invalid-UTF-8 records instead.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections import Counter

import pyarrow as pa

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
PARQUET_MAGIC = b"PAR1"


class DamagedFile(OSError):
    """A decoder met damaged or truncated data."""


def _zstd_errors() -> tuple[type[BaseException], ...]:
    try:
        import zstandard

        return (zstandard.ZstdError,)
    except ImportError:  # pragma: no cover - zstandard is a dependency
        return ()


DAMAGE: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error, pa.ArrowException, *_zstd_errors())


class _ZstdRaw(io.RawIOBase):
    """zstd frames decoded as a stream; unlike ``stream_reader`` it notices input that ends inside a frame."""

    def __init__(self, fh: io.BufferedIOBase):
        import zstandard

        self._fh, self._new = fh, zstandard.ZstdDecompressor().decompressobj
        self._dec = self._new()
        self._buf, self._pos, self._in_frame, self._done = b"", 0, False, False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        while self._pos >= len(self._buf):
            if self._done:
                return 0
            chunk = self._fh.read(1 << 17)
            if not chunk:
                self._done = True
                if self._in_frame:
                    raise DamagedFile("zstd data ends inside a frame (truncated file)")
                return 0
            out = []
            while chunk:
                self._in_frame = True
                out.append(self._dec.decompress(chunk))
                chunk = b""
                if self._dec.eof:
                    chunk, self._dec, self._in_frame = self._dec.unused_data, self._new(), False
            self._buf, self._pos = b"".join(out), 0
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos:self._pos + n]
        self._pos += n
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


def error_message(exc: BaseException) -> str:
    """A decoder's exception on one line: its type and first line of message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else 'no message'}"


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # a multi-byte character cut by the sample is fine
            return False
    return not any(c < 9 or 13 < c < 32 for c in head)


def describe(head: bytes) -> str:
    """What the first bytes of a file look like, for error messages."""
    if head.startswith(GZIP_MAGIC):
        return "gzip data"
    if head.startswith(ZSTD_MAGIC):
        return "zstd data"
    if head.startswith(PARQUET_MAGIC):
        return "a Parquet file"
    if not head:
        return "an empty file"
    return "text" if _looks_like_text(head) else f"unknown binary data ({head[:8]!r})"


def open_binary(path: str, counters: Counter) -> io.BufferedIOBase:
    """The decompressed bytes of ``path``; raises ``DamagedFile`` if a compressed name holds neither
    compressed data nor text."""
    raw = open(path, "rb")
    head = raw.read(64)
    raw.seek(0)
    lower = path.lower()
    named = "gzip" if lower.endswith(".gz") else "zstd" if lower.endswith((".zst", ".zstd")) else "plain"
    actual = "gzip" if head.startswith(GZIP_MAGIC) else "zstd" if head.startswith(ZSTD_MAGIC) else "plain"
    if named != "plain" and actual == "plain" and head and not _looks_like_text(head):
        raw.close()
        raise DamagedFile(f"named as {named} but holds {describe(head)}")
    if named != actual and head:
        counters["compression_mismatch"] += 1
    if actual == "gzip":
        raw.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if actual == "zstd":
        return io.BufferedReader(_ZstdRaw(raw), buffer_size=1 << 16)
    return raw
