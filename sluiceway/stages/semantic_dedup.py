"""SemDeDup: semantic deduplication within k-means clusters (Abbas et al. 2023, "SemDeDup:
Data-efficient learning at web-scale through semantic deduplication").

Within each cluster, rows are ordered by priority (``score``, larger first; default
``cluster_distance``, so as in the paper the row farthest from the centroid is the one kept). A row is
rejected as ``semantic_duplicate`` when its cosine similarity to any higher-priority row of the same
cluster exceeds ``1 - eps``; ``semantic_duplicate_of`` names that twin (the most similar one) and
``semantic_similarity`` keeps the maximum similarity for every row, so a stricter ``eps`` can be
applied later without recomputing. As in the paper, a row is compared with all higher-priority rows,
including ones that are themselves removed. Cost is O(m²·d) per cluster of m rows, in blocks of
about 64 MB; clusters are gathered with a Ray shuffle, one cluster per task.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sluiceway.rows import reject, set_column
from sluiceway.stages.base import DatasetStage, RunContext
from sluiceway.stages.registry import register

SIMILARITY, TWIN = "semantic_similarity", "semantic_duplicate_of"
WRITES = {SIMILARITY: pa.float32(), TWIN: pa.string()}


def max_similarity_to_earlier(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For unit rows in priority order: per row, the max cosine to any earlier row and that row's
    index (``-inf`` and ``-1`` for the first row)."""
    m = len(X)
    best = np.full(m, -np.inf, np.float32)
    arg = np.full(m, -1, np.int64)
    step = max(1, (1 << 24) // max(1, m))
    for start in range(0, m, step):
        stop = min(m, start + step)
        if stop == 1:
            continue
        S = X[start:stop] @ X[:stop].T
        S[:, start:stop][np.triu_indices(stop - start)] = -np.inf  # only strictly earlier rows
        arg[start:stop] = np.argmax(S, axis=1)
        best[start:stop] = S[np.arange(stop - start), arg[start:stop]]
    arg[best == -np.inf] = -1
    return best, arg


def dedup_group(table: pa.Table, column: str, eps: float, score: str | None, ascending: bool, seed: int,
                cluster_column: str, stage_name: str) -> pa.Table:
    """SemDeDup one cluster's alive rows; rows without a vector pass through."""
    from sluiceway.diversity.arrow import l2_normalize, to_matrix
    from sluiceway.diversity.raydata import row_keys
    from sluiceway.diversity.selection import sort_values

    valid = pc.is_valid(table.column(column)).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(valid)
    sim = np.full(table.num_rows, np.nan, np.float32)
    twin = np.full(table.num_rows, None, dtype=object)
    twin_source = np.full(table.num_rows, None, dtype=object)
    if len(rows) > 1:
        sub = table.take(pa.array(rows))
        order = np.lexsort((np.array(row_keys(sub), dtype=str), -sort_values(sub, score, ascending, seed)))
        X = l2_normalize(to_matrix(sub.column(column)))[order]
        best, arg = max_similarity_to_earlier(X)
        ids = np.array(sub.column("id").to_pylist(), dtype=object)[order]
        sources = np.array(sub.column("source").to_pylist() if "source" in sub.column_names
                           else [None] * sub.num_rows, dtype=object)[order]
        target = rows[order]
        sim[target] = np.where(arg >= 0, best, np.nan)
        dup = (arg >= 0) & (best > 1.0 - eps)
        twin[target[dup]] = ids[arg[dup]]
        twin_source[target[dup]] = sources[arg[dup]]
    dup_mask = np.array([t is not None for t in twin])
    table = set_column(table, SIMILARITY, pa.array(sim, pa.float32(), mask=np.isnan(sim)))
    table = set_column(table, TWIN, pa.array(twin, pa.string()))
    if not dup_mask.any():
        return table
    cluster = table.column(cluster_column)[0].as_py()
    detail = [f"cosine {s:.4f} > {1 - eps:.4f} to {t} ({src}, cluster {cluster})" if t is not None
              else None for s, t, src in zip(sim, twin, twin_source, strict=True)]
    return reject(table, dup_mask, stage_name, "semantic_duplicate", detail)


@register
@dataclasses.dataclass
class SemanticDedup(DatasetStage):
    """SemDeDup: within each cluster, drop rows with cosine > 1 - eps to a higher-scored row."""

    name: ClassVar[str] = "semantic_dedup"
    reads: ClassVar[tuple[str, ...]] = ("id", "embedding", "cluster_id")
    writes: ClassVar[dict[str, pa.DataType]] = WRITES

    eps: float = 0.05  # duplicates: cosine similarity > 1 - eps
    score: str | None = "cluster_distance"  # keep the larger (paper: farthest from the centroid); None = hash
    ascending: bool = False
    column: str = "embedding"
    cluster_column: str = "cluster_id"
    seed: int = 0
    metrics: bool = True

    def validate(self) -> None:
        if not 0 <= self.eps < 2:
            raise ValueError(f"eps must be in [0, 2), got {self.eps}")

    def columns_read(self) -> tuple[str, ...]:
        return ("id", self.column, self.cluster_column) + ((self.score,) if self.score else ())

    def apply(self, ds: Any, ctx: RunContext) -> Any:
        from sluiceway.diversity.raydata import map_alive_groups
        from sluiceway.diversity.selection import selection_diversity

        args = (self.column, self.eps, self.score, self.ascending, self.seed, self.cluster_column, self.name)
        out = map_alive_groups(ds.materialize(), self.cluster_column, dedup_group, args, WRITES, ctx.num_partitions)
        if self.metrics:
            out, stats = selection_diversity(out, self.name, self.cluster_column, self.column)
            if stats is not None:
                ctx.report(self.name)["diversity"] = stats
        return out
