"""MinHash signatures (Broder 1997), vectorized over a whole batch, bit-identical to ``datasketch.MinHash``.

For the same ``seed``, ``num_perm``, ``scheme`` and shingle hash, row ``i`` of :meth:`MinHasher.signatures`
equals ``datasketch.MinHash(num_perm, seed, hashfunc=..., scheme=...).update_batch(shingles_i).hashvalues``:

* ``affine32`` (datasketch ≥ 2.0 default): ``h = fmix32(hash32)``; ``a_k * h + b_k`` in uint32, ``a_k`` odd.
* ``legacy`` (datasketch < 2.0): ``((a_k * h + b_k) mod (2^61 - 1)) & (2^32 - 1)``, the product computed in
  uint64 with wraparound exactly as datasketch does.

The permutation is one uint matrix operation over all shingles of a chunk of documents, reduced per
document with ``np.minimum.reduceat``. Empty documents get datasketch's empty signature (all ``2^32 - 1``).
Signatures are stored as uint32 for both schemes (legacy values are masked to 32 bits).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

from sluiceway.dedup.shingles import ShingleConfig, shingle_hashes

MERSENNE = np.uint64((1 << 61) - 1)
MAX_HASH = np.uint32((1 << 32) - 1)
_CHUNK_CELLS = 1 << 21  # shingles x permutations per matrix (8 MiB of uint32)


def permutations(num_perm: int, seed: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's permutation parameters ``(a, b)`` for ``MinHash(num_perm, seed, scheme=scheme)``."""
    gen = np.random.RandomState(seed)
    if scheme == "legacy":
        ab = np.array([(gen.randint(1, MERSENNE, dtype=np.uint64), gen.randint(0, MERSENNE, dtype=np.uint64))
                       for _ in range(num_perm)], dtype=np.uint64).T
        return ab[0].copy(), ab[1].copy()
    if scheme != "affine32":
        raise ValueError(f"scheme must be 'affine32' or 'legacy', not {scheme!r}")
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch's ``_fmix(h, 32)``."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


@dataclasses.dataclass(frozen=True)
class MinHasher:
    """Computes signatures for batches of texts (or of pre-hashed shingles)."""

    num_perm: int = 128
    seed: int = 1
    scheme: Literal["affine32", "legacy"] = "affine32"
    shingles: ShingleConfig = ShingleConfig()

    def __post_init__(self) -> None:
        a, b = permutations(self.num_perm, self.seed, self.scheme)
        object.__setattr__(self, "_a", a)
        object.__setattr__(self, "_b", b)

    def signatures(self, texts: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(uint32 signatures ``(n, num_perm)``, shingle hashes, offsets) for a batch of texts."""
        hashes, offsets, _ = shingle_hashes(texts, self.shingles)
        return self.from_hashes(hashes, offsets), hashes, offsets

    def from_hashes(self, hashes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Signatures of documents whose 32-bit shingle hashes are ``hashes[offsets[i]:offsets[i+1]]``."""
        n = len(offsets) - 1
        out = np.full((n, self.num_perm), MAX_HASH, np.uint32)
        counts = np.diff(offsets)
        docs = np.flatnonzero(counts > 0)
        if len(docs) == 0:
            return out
        pre = fmix32(hashes.astype(np.uint32)) if self.scheme == "affine32" else hashes.astype(np.uint64)
        per_chunk = max(1, _CHUNK_CELLS // self.num_perm)
        cum = np.cumsum(counts[docs])
        lo = 0
        while lo < len(docs):
            base = cum[lo] - counts[docs[lo]]
            hi = max(lo + 1, int(np.searchsorted(cum, base + per_chunk, side="right")))
            start, stop = int(offsets[docs[lo]]), int(offsets[docs[hi - 1] + 1])
            out[docs[lo:hi]] = self._min_chunk(pre[start:stop], offsets[docs[lo:hi]] - start)
            lo = hi
        return out

    def _min_chunk(self, h: np.ndarray, starts: np.ndarray) -> np.ndarray:
        # (permutations x shingles) layout: contiguous rows make the multiply and reduceat ~10x faster
        a, b = self._a, self._b  # type: ignore[attr-defined]
        phv = np.multiply(a[:, None], h[None, :])
        phv += b[:, None]
        if self.scheme == "legacy":
            phv %= MERSENNE
            phv &= np.uint64(MAX_HASH)
        return np.minimum.reduceat(phv, starts, axis=1).T.astype(np.uint32)
