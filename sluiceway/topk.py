"""Keep rules that must not depend on batch boundaries or worker count.

* :func:`pareto_keep` — GPT-3's sampling (Brown et al. 2020, appendix A): keep a document iff
  ``numpy.random.pareto(alpha) > 1 - score``. The Pareto draw is made by inverse CDF from a
  uniform derived from a hash of ``(seed, id)``, so it has numpy's (Lomax) distribution and the
  same document gets the same draw in every run, on any batch or worker.
* Exact top-``k`` by score with a radix select: each pass histograms the next 16 bits of a
  128-bit order key ``(score bits, id hash)`` over only the candidate rows, until the candidates
  fit in memory. Ties in score are broken by the id hash, so exactly ``k`` rows are kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np

BITS = 16
LEVELS = 128 // BITS
_HALF = LEVELS // 2
_SIGN = np.uint64(1 << 63)


def stable_hash(ids: Sequence[str | None], seed: int) -> np.ndarray:
    """64-bit hash of ``(seed, id)`` per row, as ``uint64``."""
    prefix = f"{seed}\x1f".encode()
    return np.fromiter(
        (int.from_bytes(hashlib.blake2b(prefix + (i or "").encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                        "little") for i in ids),
        dtype=np.uint64, count=len(ids))


def stable_uniform(ids: Sequence[str | None], seed: int) -> np.ndarray:
    """A uniform number in (0, 1) per row, fixed by ``(seed, id)``."""
    return (stable_hash(ids, seed).astype(np.float64) + 0.5) / 2.0**64


def pareto_draw(ids: Sequence[str | None], alpha: float, seed: int) -> np.ndarray:
    """Per-row draws distributed as ``numpy.random.pareto(alpha)``: ``U**(-1/alpha) - 1``."""
    return stable_uniform(ids, seed) ** (-1.0 / alpha) - 1.0


def pareto_keep(scores: np.ndarray, ids: Sequence[str | None], alpha: float = 9.0, seed: int = 0) -> np.ndarray:
    """GPT-3 sampling: keep iff ``pareto(alpha) > 1 - score``; high scores are almost always kept."""
    return pareto_draw(ids, alpha, seed) > 1.0 - np.asarray(scores, dtype=np.float64)


# ---- exact top-k -------------------------------------------------------------------------------


def score_key(scores: np.ndarray) -> np.ndarray:
    """Order-preserving map of float scores to ``uint64``; NaN (no score) sorts lowest."""
    s = np.asarray(scores, dtype=np.float64)
    bits = s.view(np.uint64)
    key = np.where(bits & _SIGN, ~bits, bits | _SIGN)
    return np.where(np.isnan(s), np.uint64(0), key).astype(np.uint64)


def _digit(skey: np.ndarray, h: np.ndarray, level: int) -> np.ndarray:
    word, pos = (skey, level) if level < _HALF else (h, level - _HALF)
    return ((word >> np.uint64(64 - BITS * (pos + 1))) & np.uint64((1 << BITS) - 1)).astype(np.int64)


def candidates(skey: np.ndarray, h: np.ndarray, prefix: tuple[int, ...]) -> np.ndarray:
    """Mask of rows whose first ``len(prefix)`` digits equal ``prefix``."""
    mask = np.ones(len(skey), dtype=bool)
    for level, d in enumerate(prefix):
        mask &= _digit(skey, h, level) == d
    return mask


def histogram(skey: np.ndarray, h: np.ndarray, prefix: tuple[int, ...]) -> np.ndarray:
    """Counts of the candidate rows by their next digit (``2**16`` bins)."""
    mask = candidates(skey, h, prefix)
    return np.bincount(_digit(skey[mask], h[mask], len(prefix)), minlength=1 << BITS)


def _from_digits(prefix: tuple[int, ...]) -> tuple[int, int]:
    digits = list(prefix) + [0] * (LEVELS - len(prefix))
    s = h = 0
    for d in digits[:_HALF]:
        s = (s << BITS) | d
    for d in digits[_HALF:]:
        h = (h << BITS) | d
    return s, h


def topk_cutoff(k: int, hist: Callable[[tuple[int, ...]], np.ndarray],
                collect: Callable[[tuple[int, ...]], tuple[np.ndarray, np.ndarray]],
                total: int, collect_limit: int = 1_000_000) -> tuple[int, int] | None:
    """The order key ``(score_key, hash)`` of the ``k``-th largest row: keep rows with key >= it.

    ``hist(prefix)`` counts candidates by next digit over the whole dataset; ``collect(prefix)``
    returns the candidates' keys once at most ``collect_limit`` of them remain. ``None``: keep none.
    """
    if k <= 0:
        return None
    prefix: tuple[int, ...] = ()
    need, n = k, total
    while n > collect_limit and len(prefix) < LEVELS:
        counts = hist(prefix)
        above = np.cumsum(counts[::-1])  # rows in this bin or higher
        bin_from_top = int(np.searchsorted(above, need))
        digit = len(counts) - 1 - bin_from_top
        need -= int(above[bin_from_top - 1]) if bin_from_top else 0
        n = int(counts[digit])
        prefix += (digit,)
    if len(prefix) == LEVELS:
        return _from_digits(prefix)
    skey, h = collect(prefix)
    order = np.lexsort((h, skey))[::-1]  # descending by (skey, h)
    i = order[need - 1]
    return int(skey[i]), int(h[i])


def keep_mask(skey: np.ndarray, h: np.ndarray, cutoff: tuple[int, int] | None) -> np.ndarray:
    """Rows whose order key is at or above ``cutoff``."""
    if cutoff is None:
        return np.zeros(len(skey), dtype=bool)
    s0, h0 = np.uint64(cutoff[0]), np.uint64(cutoff[1])
    return (skey > s0) | ((skey == s0) & (h >= h0))


def topk_in_memory(scores: np.ndarray, ids: Sequence[str | None], k: int, seed: int = 0,
                   collect_limit: int = 1_000_000) -> np.ndarray:
    """Keep mask of exactly ``min(k, n)`` rows with the highest scores (ties by id hash)."""
    skey, h = score_key(scores), stable_hash(ids, seed)
    if k >= len(skey):
        return np.ones(len(skey), dtype=bool)

    def collect(prefix: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        mask = candidates(skey, h, prefix)
        return skey[mask], h[mask]

    cutoff = topk_cutoff(k, lambda p: histogram(skey, h, p), collect, len(skey), collect_limit)
    return keep_mask(skey, h, cutoff)
