"""Diversity metrics over a cluster assignment and a sample of embeddings (pure numpy).

* size distribution of clusters; Shannon entropy ``H = -Σ p_i ln p_i`` of cluster shares and the
  effective number of clusters ``exp(H)`` (Hill number of order 1): k for a uniform spread, 1 when
  everything is in one cluster;
* mean pairwise cosine distance ``1 - cos`` (a spread measure that needs no clustering). It is exact
  and O(n·d), no sampling needed: for unit vectors ``Σ_{i≠j} u_i·u_j = |Σ u_i|² - Σ |u_i|²``, so
  partial sums from Ray blocks merge (``VectorMoments``). A seeded ``sample`` is still offered.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np


def cluster_sizes(labels: np.ndarray, k: int | None = None) -> np.ndarray:
    """Rows per cluster id ``0..k-1``; negative labels (unassigned) are ignored."""
    labels = np.asarray(labels, dtype=np.int64)
    labels = labels[labels >= 0]
    return np.bincount(labels, minlength=k or 0).astype(np.int64)


def entropy(sizes: np.ndarray) -> float:
    """Shannon entropy (nats) of the share of rows per cluster; 0 for no rows."""
    sizes = np.asarray(sizes, dtype=np.float64)
    total = sizes.sum()
    if total <= 0:
        return 0.0
    p = sizes[sizes > 0] / total
    return float(-(p * np.log(p)).sum())


def effective_clusters(sizes: np.ndarray) -> float:
    """``exp(entropy)``: how many equally sized clusters would give the same entropy."""
    return math.exp(entropy(sizes))


def size_distribution(sizes: np.ndarray) -> dict[str, Any]:
    sizes = np.asarray(sizes, dtype=np.int64)
    nonempty = sizes[sizes > 0]
    total = int(sizes.sum())
    if not len(nonempty):
        return {"rows": 0, "clusters": len(sizes), "nonempty": 0}
    q = np.percentile(nonempty, [10, 50, 90])
    return {"rows": total, "clusters": len(sizes), "nonempty": int(len(nonempty)),
            "min": int(nonempty.min()), "p10": float(q[0]), "median": float(q[1]), "p90": float(q[2]),
            "max": int(nonempty.max()), "largest_share": round(float(nonempty.max() / total), 6)}


@dataclasses.dataclass
class VectorMoments:
    """``n``, ``Σ u`` and ``Σ |u|²`` of L2-normalized rows: enough for the exact mean pairwise cosine."""

    n: int = 0
    total: np.ndarray | None = None
    sq: float = 0.0

    @classmethod
    def of(cls, X: np.ndarray) -> VectorMoments:
        X = np.asarray(X, dtype=np.float64)
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        U = X / np.where(norms > 0, norms, 1.0)
        return cls(len(U), U.sum(axis=0), float((U * U).sum()))

    def merge(self, other: VectorMoments) -> VectorMoments:
        if self.total is None:
            return other
        if other.total is None:
            return self
        return VectorMoments(self.n + other.n, self.total + other.total, self.sq + other.sq)

    def mean_cosine_distance(self) -> float | None:
        if self.n < 2 or self.total is None:
            return None
        mean_cos = (float(self.total @ self.total) - self.sq) / (self.n * (self.n - 1))
        return float(1.0 - mean_cos)


def mean_pairwise_cosine_distance(X: np.ndarray, sample: int | None = None, seed: int = 0) -> float | None:
    """Mean ``1 - cos(x_i, x_j)`` over pairs ``i < j``: over all rows (exact) or ``sample`` seeded rows.

    None for fewer than 2 rows; all-zero rows count as cosine 0 to everything.
    """
    X = np.asarray(X)
    if sample is not None and len(X) > sample:
        X = X[np.sort(np.random.default_rng(seed).choice(len(X), size=sample, replace=False))]
    return VectorMoments.of(X).mean_cosine_distance()


def diversity_summary(labels: np.ndarray | None = None, vectors: np.ndarray | None = None, *,
                      sizes: np.ndarray | None = None, moments: VectorMoments | None = None,
                      k: int | None = None) -> dict[str, Any]:
    """All metrics for one set of rows: ``labels`` (or precomputed ``sizes``) and/or ``vectors`` (or
    their merged ``moments``)."""
    out: dict[str, Any] = {}
    if sizes is None and labels is not None:
        sizes = cluster_sizes(labels, k)
    if sizes is not None:
        if k is not None and len(sizes) < k:
            sizes = np.pad(sizes, (0, k - len(sizes)))
        out.update(size_distribution(sizes))
        if sizes.sum() > 0:
            h, k_all = entropy(sizes), len(sizes)
            out.update(entropy=round(h, 6), normalized_entropy=round(h / math.log(k_all), 6) if k_all > 1 else None,
                       effective_clusters=round(math.exp(h), 3))
        out["sizes"] = [int(s) for s in sizes]
    if moments is None and vectors is not None:
        moments = VectorMoments.of(vectors)
    if moments is not None:
        out["mean_pairwise_cosine_distance"] = _round(moments.mean_cosine_distance())
        out.setdefault("rows", moments.n)
    return out


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def format_diversity(diversity: dict[str, Any]) -> str:
    """A table with one line per measured set: ``{name: {group: summary}}`` or ``{name: summary}``."""
    lines = [f"{'diversity':<34}{'rows':>10}{'clusters':>10}{'eff.clusters':>14}{'entropy':>9}{'cos.dist':>10}"]

    def cell(value: Any, width: int, fmt: str) -> str:
        return f"{'-' if value is None else format(value, fmt):>{width}}"

    def add(name: str, s: dict) -> None:
        lines.append(f"{name:<34}{s['rows']:>10}{cell(s.get('nonempty'), 10, 'd')}"
                     f"{cell(s.get('effective_clusters'), 14, '.1f')}{cell(s.get('entropy'), 9, '.3f')}"
                     f"{cell(s.get('mean_pairwise_cosine_distance'), 10, '.4f')}")

    for name, value in diversity.items():
        if isinstance(value, dict) and "rows" in value:
            add(name, value)
        elif isinstance(value, dict):
            for group, summary in value.items():
                if isinstance(summary, dict) and "rows" in summary:
                    add(f"{name}/{group}", summary)
    return "\n".join(lines)
