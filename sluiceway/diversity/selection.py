"""What the cluster-wise selection stages (``balanced_sample``, ``semantic_dedup``) share: the row order
by a score (or a seeded hash), and the kept-vs-rejected diversity of a selection."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sluiceway.diversity.raydata import diversity_stats, row_hash, row_keys


def sort_values(table: pa.Table, score: str | None, ascending: bool, seed: int) -> np.ndarray:
    """Per row, a float where larger is better; a missing score ranks last. Without a ``score``, a
    seeded hash of the row key (a random order, the same however the rows are split)."""
    if score is None:
        return row_hash(row_keys(table), seed).astype(np.float64)
    values = pc.cast(table.column(score), pa.float64()).to_numpy(zero_copy_only=False)
    values = -values if ascending else values
    return np.where(np.isnan(values), -np.inf, values)


def selection_diversity(ds: Any, stage_name: str, cluster_column: str,
                        column: str = "embedding") -> tuple[Any, dict | None]:
    """``(materialized ds, stats)``: diversity of the kept rows vs the rows ``stage_name`` rejected
    (``None`` without the embedding column)."""
    ds = ds.materialize()
    if column not in ds.schema().names:
        return ds, None
    return ds, diversity_stats(ds, column, cluster_column=cluster_column, stage_name=stage_name,
                               names=("kept", "rejected"))
