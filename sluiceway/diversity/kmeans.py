"""k-means that scales past one process: fit on a (seeded) sample, assign any number of rows.

Fitting uses scikit-learn: Lloyd's algorithm on samples up to ``lloyd_max_rows``, mini-batch k-means
(Sculley 2010, "Web-Scale K-Means Clustering") above. An optional PCA keeps a variance fraction
first (0.95 as in CaR; Ge et al. 2024). ``KMeansModel.assign`` is pure numpy, so Ray workers can
assign blocks in parallel; models are saved as ``kmeans.npz`` + ``kmeans.json`` (no pickle).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from typing import Any

import numpy as np

NPZ, JSON = "kmeans.npz", "kmeans.json"
ALGORITHMS = ("auto", "lloyd", "minibatch")


def default_k(n: int) -> int:
    """The rule of thumb ``k = sqrt(n / 2)``, at least 1; CaR's cluster count (Ge et al., EMNLP 2024: 161
    for Alpaca's 52,002)."""
    return max(1, int(math.sqrt(max(0, n) / 2)))


@dataclasses.dataclass
class KMeansModel:
    """Centroids in the fitted space, plus the PCA (``mean``, ``components``) that leads there, if any."""

    centroids: np.ndarray  # (k, fit_dim)
    pca_mean: np.ndarray | None = None  # (input_dim,)
    pca_components: np.ndarray | None = None  # (fit_dim, input_dim)
    info: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def k(self) -> int:
        return int(self.centroids.shape[0])

    @property
    def input_dim(self) -> int:
        return int(self.pca_components.shape[1] if self.pca_components is not None else self.centroids.shape[1])

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Project input vectors into the space the centroids live in."""
        X = _as_matrix(X)
        if X.shape[1] != self.input_dim:
            raise ValueError(f"vectors have {X.shape[1]} dimensions, the model expects {self.input_dim}")
        if self.pca_components is None:
            return X
        return ((X - self.pca_mean) @ self.pca_components.T).astype(np.float32, copy=False)

    def _transform64(self, X: np.ndarray) -> np.ndarray:
        """:meth:`transform` in float64: float32 matrix products round differently with the batch's shape,
        float64 ones only far below float32's precision."""
        X = np.asarray(X, np.float64)
        if self.pca_components is None:
            return X
        return (X - self.pca_mean) @ self.pca_components.T.astype(np.float64)

    def assign(self, X: np.ndarray, chunk_rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Nearest centroid per row: ``(labels int32, Euclidean distances float32)`` in the fitted space."""
        Z = self.transform(X)
        labels = np.empty(len(Z), np.int32)
        dists = np.empty(len(Z), np.float32)
        c = self.centroids.astype(np.float32, copy=False)
        c_sq = np.einsum("ij,ij->i", c, c)
        step = chunk_rows or max(1, (1 << 24) // max(1, self.k))  # ~64 MB of distances at a time
        for start in range(0, len(Z), step):
            z = Z[start:start + step]
            d2 = c_sq[None, :] - 2.0 * (z @ c.T)
            best = np.argmin(d2, axis=1)
            labels[start:start + step] = best
            # the distance itself row by row: the matrix form above rounds differently with the batch's shape,
            # and a rerun (or --resume) must write the same bytes whatever the block boundaries
            exact = self._transform64(X[start:start + step]) - self.centroids[best].astype(np.float64)
            dists[start:start + step] = np.sqrt(np.einsum("ij,ij->i", exact, exact))
        return labels, dists

    def centroids_input_space(self) -> np.ndarray:
        """Centroids mapped back to the input space (inverse PCA)."""
        if self.pca_components is None:
            return self.centroids
        return (self.centroids @ self.pca_components + self.pca_mean).astype(np.float32)

    def save(self, path: str) -> str:
        """Write ``path/kmeans.npz`` and ``path/kmeans.json``; return ``path``."""
        os.makedirs(path, exist_ok=True)
        arrays = {"centroids": self.centroids}
        if self.pca_components is not None:
            arrays.update(pca_mean=self.pca_mean, pca_components=self.pca_components)
        np.savez(os.path.join(path, NPZ), **arrays)
        with open(os.path.join(path, JSON), "w", encoding="utf-8") as fh:
            json.dump({"format": 1, "k": self.k, "input_dim": self.input_dim, **self.info}, fh, indent=2,
                      default=lambda o: o.item() if hasattr(o, "item") else str(o))
        return path

    @classmethod
    def load(cls, path: str) -> KMeansModel:
        """Load a model saved by ``save`` (a directory, or its ``kmeans.npz``)."""
        directory = os.path.dirname(path) if path.endswith(".npz") else path
        npz = os.path.join(directory, NPZ)
        if not os.path.isfile(npz):
            raise FileNotFoundError(f"no saved k-means model at {path} (expected {npz})")
        with np.load(npz, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        info: dict[str, Any] = {}
        meta = os.path.join(directory, JSON)
        if os.path.isfile(meta):
            with open(meta, encoding="utf-8") as fh:
                info = {k: v for k, v in json.load(fh).items() if k not in ("format", "k", "input_dim")}
        return cls(arrays["centroids"].astype(np.float32), arrays.get("pca_mean"), arrays.get("pca_components"), info)


def _as_matrix(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2:
        raise ValueError(f"expected a 2-D matrix of vectors, got shape {X.shape}")
    return X


def fit_kmeans(X: np.ndarray, k: int | None = None, *, seed: int = 0, pca_variance: float | None = None,
               sample_size: int | None = None, algorithm: str = "auto", max_iter: int = 100, n_init: int = 3,
               batch_size: int = 4096, lloyd_max_rows: int = 50_000) -> KMeansModel:
    """Fit k-means on ``X`` (or a seeded sample of ``sample_size`` rows of it).

    ``k=None`` uses ``default_k(len(X))`` (the full row count, not the sample's); ``k`` is capped at the
    number of fitted rows. ``pca_variance`` in (0, 1] keeps that fraction of variance before clustering.
    Same input, parameters and seed give the same model.
    """
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.decomposition import PCA

    X = _as_matrix(X)
    if len(X) == 0:
        raise ValueError("cannot fit k-means on zero vectors")
    if not np.isfinite(X).all():
        raise ValueError("vectors contain NaN or infinity")
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm {algorithm!r} is not one of {', '.join(ALGORITHMS)}")
    if pca_variance is not None and not 0 < pca_variance <= 1:
        raise ValueError(f"pca_variance must be in (0, 1], got {pca_variance}")
    if k is not None and k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    n_input = len(X)
    k = default_k(n_input) if k is None else k
    if sample_size is not None and n_input > sample_size:
        rows = np.sort(np.random.default_rng(seed).choice(n_input, size=sample_size, replace=False))
        X = X[rows]
    k = min(k, len(X))
    info: dict[str, Any] = {"seed": seed, "n_input": n_input, "n_fit": len(X), "input_dim": X.shape[1]}
    mean = components = None
    Z = X
    if pca_variance is not None and X.shape[1] > 1 and len(X) > 1:
        pca = PCA(n_components=pca_variance if pca_variance < 1 else None, svd_solver="full", random_state=seed)
        Z = pca.fit_transform(X).astype(np.float32)
        mean, components = pca.mean_.astype(np.float32), pca.components_.astype(np.float32)
        info.update(pca_variance=pca_variance, pca_dim=int(components.shape[0]),
                    explained_variance=round(float(pca.explained_variance_ratio_.sum()), 6))
    use = algorithm if algorithm != "auto" else ("lloyd" if len(Z) <= lloyd_max_rows else "minibatch")
    if use == "lloyd":
        km = KMeans(n_clusters=k, n_init=n_init, max_iter=max_iter, random_state=seed).fit(Z)
    else:
        km = MiniBatchKMeans(n_clusters=k, n_init=n_init, max_iter=max_iter, batch_size=batch_size,
                             random_state=seed).fit(Z)
    info.update(algorithm=use, inertia=float(km.inertia_), iterations=int(km.n_iter_))
    return KMeansModel(km.cluster_centers_.astype(np.float32), mean, components, info)


def cluster_labels(X: np.ndarray, k: int, *, seed: int = 0,
                   pca_variance: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(labels int64, distance to own centroid float64)`` of ``fit_kmeans`` with ``k`` capped at the row count."""
    model = fit_kmeans(X, max(1, min(int(k), len(X))), seed=seed, pca_variance=pca_variance)
    labels, distances = model.assign(X)
    return np.asarray(labels, dtype=np.int64), np.asarray(distances, dtype=np.float64)
