"""Verification of LSH candidate pairs by the true Jaccard similarity of their shingle sets.

LSH admits pairs below the threshold with probability ``1 - (1 - s^r)^b`` (a false positive). Each
candidate ``(u, v)`` is compared on its two sets of 32-bit shingle hashes and kept only when
``|A ∩ B| / |A ∪ B| >= threshold``. The sets come from the signature step (sorted, unique), so a batch of
pairs is verified in one vectorized sort: ``(pair, hash)`` keys present on both sides are the intersection.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def shingle_set(hashes: np.ndarray) -> np.ndarray:
    """The sorted distinct shingle hashes of one document."""
    return np.unique(hashes.astype(np.uint32))


def _flat(col: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    lengths = pc.list_value_length(arr).to_numpy(zero_copy_only=False).astype(np.int64)
    values = pc.list_flatten(arr).to_numpy(zero_copy_only=False).astype(np.uint64)
    return values, lengths


def jaccard_lists(a: pa.ChunkedArray | pa.Array, b: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Row-wise Jaccard similarity of two list<uint32> columns of sorted, distinct values."""
    va, la = _flat(a)
    vb, lb = _flat(b)
    n = len(la)
    if n == 0:
        return np.zeros(0)
    row_a = np.repeat(np.arange(n, dtype=np.uint64), la)
    row_b = np.repeat(np.arange(n, dtype=np.uint64), lb)
    keys = np.concatenate([(row_a << np.uint64(32)) | va, (row_b << np.uint64(32)) | vb])
    keys.sort()
    both = keys[1:][keys[1:] == keys[:-1]]
    inter = np.bincount((both >> np.uint64(32)).astype(np.int64), minlength=n)
    union = la + lb - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two hash arrays (duplicates ignored)."""
    sa, sb = np.unique(a), np.unique(b)
    union = len(np.union1d(sa, sb))
    return len(np.intersect1d(sa, sb, assume_unique=True)) / union if union else 0.0
