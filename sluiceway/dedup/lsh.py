"""LSH banding (Leskovec, Rajaraman, Ullman, *Mining of Massive Datasets*, ch. 3.4).

A signature of ``num_perm`` values is cut into ``bands`` bands of ``rows`` values; two documents become
candidates when any band is equal. Each (band, values) is hashed to one int64 bucket key, so a shuffle on
the key gathers a bucket in one place.

Bucket → candidate edges without quadratic blow-up: the members of a bucket, sorted by node key, give a
*star* from the smallest member plus a *chain* of consecutive members: at most ``2(k-1)`` edges for a
bucket of ``k`` documents instead of ``k(k-1)/2``, and the bucket stays connected (the components are
exactly those of the all-pairs graph). The chain keeps verification useful when the star's centre is a
false positive: the other members are still compared with each other.
"""

from __future__ import annotations

import functools

import numpy as np

from sluiceway.dedup.shingles import fmix64

_BAND_KEY = np.uint64(0x9FB21C651E98DF25)
_ROW_KEYS = np.array([(0x2545F4914F6CDD1D * (j + 1) + 0x632BE59BD9B4E019) % (1 << 64) | 1 for j in range(4096)],
                     dtype=np.uint64)


@functools.lru_cache(maxsize=64)
def optimal_bands(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) minimizing ``fp_weight * P(false positive) + fn_weight * P(false negative)`` over
    Jaccard similarity, datasketch's ``MinHashLSH`` optimizer (so our buckets match its index)."""
    from datasketch.lsh import _optimal_param

    return tuple(int(x) for x in _optimal_param(threshold, num_perm, fp_weight, fn_weight))  # type: ignore[return-value]


def collision_probability(similarity: float, bands: int, rows: int) -> float:
    """P(two documents of this Jaccard similarity share at least one bucket) = 1 - (1 - s^r)^b."""
    return 1.0 - (1.0 - similarity ** rows) ** bands


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """int64 bucket keys, shape ``(n, bands)``: a 64-bit hash of the band index and its ``rows`` values.
    Equal bands give equal keys; unequal ones collide with probability ~2^-64."""
    n = signatures.shape[0]
    if bands * rows > signatures.shape[1]:
        raise ValueError(f"bands x rows = {bands * rows} exceeds num_perm = {signatures.shape[1]}")
    sig = signatures[:, :bands * rows].astype(np.uint64).reshape(n, bands, rows)
    acc = np.zeros((n, bands), np.uint64)
    for j in range(rows):
        acc += sig[:, :, j] * _ROW_KEYS[j]
    acc += np.arange(1, bands + 1, dtype=np.uint64)[None, :] * _BAND_KEY
    return fmix64(acc).view(np.int64)


def bucket_edges(buckets: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate edges ``(u, v)`` with ``u < v`` from (bucket key, node key) rows: per bucket, a star
    from its smallest node and a chain through its sorted nodes. Duplicate edges are removed."""
    if len(nodes) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.lexsort((nodes, buckets))
    b, v = buckets[order], nodes[order]
    same = b[1:] == b[:-1]
    if not same.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    first = np.r_[True, ~same]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(b)), 0))
    nxt = np.flatnonzero(same) + 1  # rows that have a predecessor in their bucket
    u = np.concatenate([v[group_start[nxt]], v[nxt - 1]])
    w = np.concatenate([v[nxt], v[nxt]])
    keep = u != w
    return unique_edges(u[keep], w[keep])


def unique_edges(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges as ``(min, max)``, self-loops and duplicates removed, sorted."""
    a, b = np.minimum(u, v), np.maximum(u, v)
    keep = a != b
    if len(a) == 0:
        return a, b
    pairs = np.unique(np.stack([a[keep], b[keep]], axis=1), axis=0)
    return pairs[:, 0].copy(), pairs[:, 1].copy()
