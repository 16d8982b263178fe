"""Whitespace tokenization of a whole Arrow string batch in NumPy, on its UTF-8 buffer (no per-token
objects): token boundaries as byte offsets, and a 64-bit hash per token computed from its bytes.

Whitespace is ASCII ``\\t \\n \\v \\f \\r``, ``\\x1c``-``\\x1f`` and space, plus the Unicode space separators
(U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), as Python's
``str.split()``. Tokens never cross document boundaries.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

WHITESPACE = frozenset([*range(9, 14), *range(28, 33), 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028,
                        0x2029, 0x202F, 0x205F, 0x3000])
_ASCII_WS = np.zeros(256, bool)
_ASCII_WS[[c for c in WHITESPACE if c < 128]] = True
# multi-byte whitespace as UTF-8 byte sequences
_MULTI = [chr(c).encode("utf-8") for c in sorted(WHITESPACE) if c >= 128]


def buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(int64 offsets relative to the data start, uint8 data) of a string array without nulls."""
    arr = arr.cast(pa.large_string()) if arr.type != pa.large_string() else arr
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], np.int64)[arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    return offsets - offsets[0], data[offsets[0]:offsets[-1]]


def whitespace_mask(data: np.ndarray) -> np.ndarray:
    """True on every byte of a whitespace character."""
    mask = _ASCII_WS[data]
    high = np.flatnonzero(data >= 0xC2)  # lead bytes of the multi-byte separators
    if len(high) == 0:
        return mask
    for seq in _MULTI:
        k = len(seq)
        cand = high[(high + k <= len(data)) & (data[high] == seq[0])]
        for j in range(1, k):
            cand = cand[data[cand + j] == seq[j]]
        for j in range(k):
            mask[cand + j] = True
    return mask


def split(offsets: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(token start bytes, token end bytes, tokens per document, non-whitespace mask) for documents
    ``data[offsets[i]:offsets[i+1]]``."""
    n = len(offsets) - 1
    if len(data) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(n, np.int64), np.zeros(0, bool)
    ws = whitespace_mask(data)
    body = ~ws
    first = np.zeros(len(data), bool)
    last = np.zeros(len(data), bool)
    nonempty = offsets[1:] > offsets[:-1]
    first[offsets[:-1][nonempty]] = True
    last[offsets[1:][nonempty] - 1] = True
    starts = np.flatnonzero(body & (first | np.r_[True, ws[:-1]]))
    ends = np.flatnonzero(body & (last | np.r_[ws[1:], True])) + 1
    doc = np.searchsorted(offsets, starts, side="right") - 1
    return starts, ends, np.bincount(doc, minlength=n).astype(np.int64), body


def hash_tokens(data: np.ndarray, body: np.ndarray, lengths: np.ndarray, keys: np.ndarray, len_key: int
                ) -> np.ndarray:
    """Multilinear hash of every token's bytes: ``sum_i (byte_i + 1) * keys[i % len(keys)]`` xor
    ``length * len_key`` (uint64, wrapping); the caller finishes with a mixer. The tokens' bytes are
    exactly the non-whitespace bytes (``body``), in order; ``len(keys)`` is a power of two."""
    if len(lengths) == 0:
        return np.zeros(0, np.uint64)
    vals = data[body]
    first = np.cumsum(lengths) - lengths
    within = np.arange(len(vals), dtype=np.int64)
    within -= np.repeat(first, lengths)
    within &= len(keys) - 1
    k = keys[within]
    k *= vals.astype(np.uint64) + np.uint64(1)
    h = np.add.reduceat(k, first)
    return h ^ (lengths.astype(np.uint64) * np.uint64(len_key))


def token_strings(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    raw = data.tobytes()
    return [raw[s:e].decode("utf-8", "replace") for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
