"""Row keys and their order-independent digest: what the reader promises and the output must reproduce.

The row key is the reader's ``source`` column, ``"relpath:N"``, unique per physical input record. Per input
file the reader reports ``(rows, digest)``, the digest being the wrapping 64-bit sum of a hash of every key;
the output scan recomputes both from the written shards. A missing, duplicated or altered row changes the
count or the digest (a compensating change would need a 64-bit hash collision).

The hash is vectorized in NumPy (8-byte words through the MurmurHash3 ``fmix64`` finalizer), so the check
costs little next to reading the shards; keys longer than ``LONG`` bytes go through BLAKE2b one by one.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HASH_NAME = "fmix64-words-v1"  # stored in report.json: a verifier must use the same function
LONG = 256
_M1, _M2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
_SEED = np.uint64(0x9E3779B97F4A7C15)


def _fmix(h: np.ndarray) -> np.ndarray:
    h ^= h >> np.uint64(33)
    h *= _M1
    h ^= h >> np.uint64(33)
    h *= _M2
    h ^= h >> np.uint64(33)
    return h


def _long_hash(value: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(value, digest_size=8, person=b"sw-key").digest(), "little")


def key_hashes(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash per string (nulls hash as the empty string), independent of chunking."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
    arr = pc.fill_null(values.cast(pa.large_string()), "")
    n = len(arr)
    if n == 0:
        return np.zeros(0, np.uint64)
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, np.int64, n + 1, arr.offset * 8)
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    data = np.concatenate([data, np.zeros(8, np.uint8)])
    lengths = np.diff(offsets)
    short = lengths <= LONG
    rows = np.flatnonzero(short)
    out = np.zeros(n, np.uint64)
    with np.errstate(over="ignore"):
        if len(rows):
            lens = lengths[rows]
            width = 8 * ((int(lens.max()) + 7) // 8)
            cols = np.arange(width)
            mat = data[np.minimum(offsets[rows, None] + cols, len(data) - 1)]
            mat[cols[None, :] >= lens[:, None]] = 0
            words = mat.view(np.uint64).reshape(len(rows), -1) if width else np.zeros((len(rows), 0), np.uint64)
            h = _fmix(lens.astype(np.uint64) ^ _SEED)
            for w in range(words.shape[1]):
                h = _fmix(h ^ words[:, w])
            out[rows] = h
        for i in np.flatnonzero(~short):
            out[i] = _long_hash(data[offsets[i]:offsets[i + 1]].tobytes())
    return out


def digest(hashes: np.ndarray) -> int:
    """Order-independent digest of a set of keys: the wrapping sum of their hashes."""
    return int(hashes.sum(dtype=np.uint64)) if len(hashes) else 0


def add_digests(a: int, b: int) -> int:
    return (a + b) % (1 << 64)


def source_files(sources: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """The file part (``relpath``) of each ``"relpath:N"`` key."""
    parts = pc.split_pattern(sources, ":", max_splits=1, reverse=True)
    return pc.list_element(parts, 0)
