"""Embeddings and k-means for SFT selection, through the diversity module's interfaces.

``backend="hashing"`` is a model-free bag-of-n-grams embedding (scikit-learn ``HashingVectorizer``), handy
for tests and quick runs; every other backend goes to ``sluiceway.diversity.embedders.load_embedder``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def default_k(n: int) -> int:
    """CaR's number of clusters, ``int(sqrt(n / 2))`` (161 for Alpaca's 52,002), at least 1."""
    return max(1, int(math.sqrt(n / 2)))


def hashing_embed(texts: Sequence[str], dim: int = 1024) -> np.ndarray:
    from sklearn.feature_extraction.text import HashingVectorizer

    vec = HashingVectorizer(n_features=dim, ngram_range=(1, 2), alternate_sign=False, norm="l2")
    return vec.transform(list(texts)).toarray().astype(np.float32)


def load_embedder(backend: str = "auto", model_path: str | None = None) -> Any:
    """An object with ``encode(texts, batch_size) -> float32 (n, dim)`` (L2-normalized)."""
    if backend == "hashing":
        return _Hashing()
    from sluiceway.diversity.embedders import load_embedder as load

    return load(backend=backend, model_path=model_path)


class _Hashing:
    dim = 1024

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return hashing_embed(texts, self.dim)


def embed_texts(texts: Sequence[str], backend: str = "auto", model_path: str | None = None,
                batch_size: int = 64) -> np.ndarray:
    return np.asarray(load_embedder(backend, model_path).encode(list(texts), batch_size=batch_size), dtype=np.float32)


def cluster(x: np.ndarray, k: int, *, seed: int = 0, pca_variance: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(labels, distance to own centroid)`` from ``sluiceway.diversity.kmeans.fit_kmeans``."""
    from sluiceway.diversity.kmeans import fit_kmeans

    k = max(1, min(int(k), len(x)))
    model = fit_kmeans(x, k, seed=seed, pca_variance=pca_variance)
    labels, distances = model.assign(x)
    return np.asarray(labels, dtype=np.int64), np.asarray(distances, dtype=np.float64)
