"""Cluster-balanced selection: keep the top of each cluster by a score, plus the top overall.

The building block of CaR's selection (Ge et al. 2024, "Clustering and Ranking: Diversity-preserved
Instruction Selection through Expert-aligned Quality Estimation"): the best ``n1`` rows overall
(``top_overall``) and the best ``n2`` of every cluster (``per_cluster``, or ``fraction`` of it).
Without a ``score`` the order is a seeded hash of the row key (a random sample per cluster). Ties
go to the smaller row key. Rows are grouped per cluster with a Ray shuffle; every alive row gets
``cluster_rank`` (1 = best in its cluster) and unselected rows are rejected as ``not_selected``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from sluiceway.rows import alive_rows, reject, set_column
from sluiceway.stages.base import DatasetStage, RunContext
from sluiceway.stages.registry import register

RANK = "cluster_rank"
WRITES = {RANK: pa.int32()}


def top_rows(table: pa.Table, n: int, score: str | None, ascending: bool, seed: int) -> pa.Table:
    """The ``n`` best alive rows of a block as ``(value, key)``: candidates for the global top ``n``."""
    from sluiceway.diversity.raydata import row_keys
    from sluiceway.diversity.selection import sort_values

    alive = alive_rows(table)
    values, keys = sort_values(alive, score, ascending, seed), np.array(row_keys(alive), dtype=object)
    order = np.lexsort((keys.astype(str), -values))[:n] if len(keys) else np.zeros(0, np.int64)
    return pa.table({"value": pa.array(values[order], pa.float64()), "key": pa.array(keys[order], pa.string())})


def select_group(table: pa.Table, per_cluster: int | None, fraction: float | None,
                 cutoff: tuple[float, str] | None, score: str | None, ascending: bool, seed: int,
                 cluster_column: str, stage_name: str) -> pa.Table:
    """Rank one cluster's alive rows and reject those outside its quota and the global top."""
    from sluiceway.diversity.raydata import row_keys
    from sluiceway.diversity.selection import sort_values

    m = table.num_rows
    values, keys = sort_values(table, score, ascending, seed), np.array(row_keys(table), dtype=str)
    rank = np.empty(m, np.int32)
    rank[np.lexsort((keys, -values))] = np.arange(1, m + 1, dtype=np.int32)
    quota = per_cluster if per_cluster is not None else math.ceil((fraction or 0.0) * m)
    keep = rank <= quota
    if cutoff is not None:
        keep |= (values > cutoff[0]) | ((values == cutoff[0]) & (keys <= cutoff[1]))
    table = set_column(table, RANK, pa.array(rank, pa.int32()))
    if keep.all():
        return table
    cluster = table.column(cluster_column)[0].as_py()
    detail = [None if k else f"cluster {cluster}: rank {r} of {m}, quota {quota}"
              for k, r in zip(keep, rank, strict=True)]
    return reject(table, ~keep, stage_name, "not_selected", detail)


@register
@dataclasses.dataclass
class BalancedSample(DatasetStage):
    """Keep the top-k (or a fraction) of every cluster by a score, plus optionally the top N overall."""

    name: ClassVar[str] = "balanced_sample"
    reads: ClassVar[tuple[str, ...]] = ("id", "cluster_id")
    writes: ClassVar[dict[str, pa.DataType]] = WRITES

    per_cluster: int | None = None  # keep this many per cluster ...
    fraction: float | None = None  # ... or this fraction of each cluster (rounded up)
    top_overall: int = 0  # also keep the N best rows overall, whatever their cluster
    score: str | None = None  # numeric column, larger is better; None = seeded random order
    ascending: bool = False  # smaller score is better
    cluster_column: str = "cluster_id"
    seed: int = 0
    metrics: bool = True  # kept vs rejected diversity (needs the embedding column)
    column: str = "embedding"  # embedding column, for the metrics only

    def validate(self) -> None:
        if (self.per_cluster is None) == (self.fraction is None):
            raise ValueError("give exactly one of per_cluster and fraction")
        if self.per_cluster is not None and self.per_cluster < 0:
            raise ValueError(f"per_cluster must be >= 0, got {self.per_cluster}")
        if self.fraction is not None and not 0 <= self.fraction <= 1:
            raise ValueError(f"fraction must be in [0, 1], got {self.fraction}")
        if self.top_overall < 0:
            raise ValueError(f"top_overall must be >= 0, got {self.top_overall}")

    def columns_read(self) -> tuple[str, ...]:
        return ("id", self.cluster_column) + ((self.score,) if self.score else ())

    def cutoff(self, ds: Any) -> tuple[float, str] | None:
        """``(value, key)`` of the ``top_overall``-th best alive row (rows at or above it are kept)."""
        from sluiceway.diversity.raydata import collect

        if not self.top_overall:
            return None
        parts = [t for t in collect(ds.map_batches(top_rows, batch_format="pyarrow",
                                                   fn_args=(self.top_overall, self.score, self.ascending,
                                                            self.seed))) if t.num_rows]
        if not parts:
            return None
        best = pa.concat_tables(parts)
        values, keys = best.column("value").to_numpy(), np.array(best.column("key").to_pylist(), dtype=str)
        order = np.lexsort((keys, -values))[:self.top_overall]
        return float(values[order[-1]]), str(keys[order[-1]])

    def apply(self, ds: Any, ctx: RunContext) -> Any:
        from sluiceway.diversity.raydata import map_alive_groups

        ds = ds.materialize()
        args = (self.per_cluster, self.fraction, self.cutoff(ds), self.score, self.ascending, self.seed,
                self.cluster_column, self.name)
        out = map_alive_groups(ds, self.cluster_column, select_group, args, WRITES, ctx.num_partitions)
        if self.metrics:
            from sluiceway.diversity.selection import selection_diversity

            out, stats = selection_diversity(out, self.name, self.cluster_column, self.column)
            if stats is not None:
                ctx.report(self.name)["diversity"] = stats
        return out
