"""k-means clustering of an embedding column at scale, with diversity metrics.

Fit: a seeded bottom-k sample (``sample_size`` rows, by row-key hash, so it does not depend on how
Ray splits blocks) of the alive rows' vectors goes to the driver; optional PCA keeping a variance
fraction; Lloyd or mini-batch k-means (Sculley 2010). Assign: every alive row in parallel with
``map_batches``. The model is saved in ``OUTPUT/cluster/`` and ``centroids: PATH`` reuses one.

Metrics (``metrics: true``) go to ``report.json`` under ``diversity.cluster``: cluster sizes, entropy,
effective number of clusters, and exact mean pairwise cosine distance for rows alive at this point
and for rows already rejected by earlier stages that have an embedding (what those filters removed).
This materializes the dataset, so the stage's reported seconds include the stages before it.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sluiceway.rows import alive_mask, set_column
from sluiceway.stages.base import DatasetStage, RunContext
from sluiceway.stages.registry import register

CLUSTER_ID, CLUSTER_DISTANCE = "cluster_id", "cluster_distance"
WRITES = {CLUSTER_ID: pa.int32(), CLUSTER_DISTANCE: pa.float32()}


def assign_batch(table: pa.Table, model: Any, column: str) -> pa.Table:
    """Add ``cluster_id``/``cluster_distance`` for alive rows with a vector; others get nulls."""
    from sluiceway.diversity.arrow import to_matrix
    from sluiceway.diversity.raydata import conform

    mask = alive_mask(table) & pc.is_valid(table.column(column)).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(mask)
    labels = np.zeros(table.num_rows, np.int32)
    dists = np.zeros(table.num_rows, np.float32)
    if len(rows):
        labels[rows], dists[rows] = model.assign(to_matrix(table.column(column).take(pa.array(rows))))
    valid = np.zeros(table.num_rows, bool)
    valid[rows] = True
    new = {CLUSTER_ID: pa.array(labels, mask=~valid), CLUSTER_DISTANCE: pa.array(dists, mask=~valid)}
    for name, arr in new.items():
        if name in table.column_names:  # keep values of rows this stage does not touch
            arr = pc.if_else(pa.array(valid), arr, table.column(name).cast(WRITES[name]))
        table = set_column(table, name, arr)
    return conform(table, WRITES)


def _no_clusters(table: pa.Table) -> pa.Table:
    from sluiceway.diversity.raydata import conform

    return conform(table, WRITES)


@register
@dataclasses.dataclass
class Cluster(DatasetStage):
    """k-means on an embedding column: fit on a seeded sample, assign all rows on Ray, report diversity."""

    name: ClassVar[str] = "cluster"
    reads: ClassVar[tuple[str, ...]] = ("id", "embedding")
    writes: ClassVar[dict[str, pa.DataType]] = WRITES

    column: str = "embedding"
    k: int | None = None  # None: int(sqrt(n / 2)) over alive rows with a vector
    sample_size: int = 100_000  # rows fitted on the driver
    pca_variance: float | None = None  # e.g. 0.95 (CaR); None = no PCA
    algorithm: str = "auto"  # auto (Lloyd up to 50k sampled rows, else mini-batch) | lloyd | minibatch
    max_iter: int = 100
    n_init: int = 3  # k-means++ restarts; the best inertia wins
    seed: int = 0
    centroids: str | None = None  # a saved model directory (e.g. OLD_OUTPUT/cluster) to assign with
    metrics: bool = True

    def model_paths(self) -> dict[str, str]:
        return {"centroids": self.centroids or ""}

    def validate(self) -> None:
        from sluiceway.diversity.kmeans import ALGORITHMS, NPZ

        if self.k is not None and self.k < 1:
            raise ValueError(f"k must be >= 1, got {self.k}")
        if self.sample_size < 1 or self.max_iter < 1 or self.n_init < 1:
            raise ValueError("sample_size, max_iter and n_init must be >= 1")
        if self.pca_variance is not None and not 0 < self.pca_variance <= 1:
            raise ValueError(f"pca_variance must be in (0, 1], got {self.pca_variance}")
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm {self.algorithm!r} is not one of {', '.join(ALGORITHMS)}")
        if self.centroids and not os.path.isfile(os.path.join(self.centroids, NPZ)):
            raise ValueError(f"centroids: no saved k-means model in {self.centroids} (expected {NPZ})")

    def columns_read(self) -> tuple[str, ...]:
        return ("id", self.column)

    def fit(self, ds: Any) -> Any:
        """Fit on a seeded sample of the alive rows of a materialized ``ds``; ``None`` when none has a vector."""
        from sluiceway.diversity.kmeans import default_k, fit_kmeans
        from sluiceway.diversity.raydata import sample_alive_vectors

        X, n = sample_alive_vectors(ds, self.column, self.sample_size, self.seed)
        if n == 0:
            return None
        model = fit_kmeans(X, self.k or default_k(n), seed=self.seed, pca_variance=self.pca_variance,
                           algorithm=self.algorithm, max_iter=self.max_iter, n_init=self.n_init)
        model.info.update(n_input=n, k_rule="given" if self.k else "int(sqrt(n/2))")
        return model

    def apply(self, ds: Any, ctx: RunContext) -> Any:
        from sluiceway.diversity.kmeans import KMeansModel
        from sluiceway.diversity.raydata import diversity_stats

        if self.centroids:
            model = KMeansModel.load(self.centroids)
            model.info["reused_from"] = os.path.abspath(self.centroids)
        if self.metrics or not self.centroids:
            ds = ds.materialize()
        if not self.centroids:
            model = self.fit(ds)
            if model is None:  # every row rejected earlier (or without a vector): nothing to cluster, pass through
                ctx.report(self.name).update({"k": 0, "note": "no alive rows with a vector"})
                return ds.map_batches(_no_clusters, batch_format="pyarrow")
        saved = model.save(ctx.path(self.name))
        if self.metrics:  # assigns on the fly: the output below stays lazy (assignment is cheap)
            stats = diversity_stats(ds, self.column, model=model, k=model.k)
            fit = {key: model.info[key] for key in ("algorithm", "n_input", "n_fit", "pca_dim", "explained_variance",
                                                    "inertia", "reused_from") if key in model.info}
            ctx.report(self.name).update({"k": model.k, "model": os.path.abspath(saved), "fit": fit, **stats})
        return ds.map_batches(assign_batch, batch_format="pyarrow", fn_args=(model, self.column))
