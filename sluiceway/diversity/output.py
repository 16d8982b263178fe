"""Diversity of a finished run's output: kept vs rejected rows (and per rejecting stage).

Reads ``OUT/kept`` and ``OUT/rejected`` Parquet (columns ``cluster_id`` and ``embedding``) one
batch at a time; rows without a cluster id or a vector (rejected before ``embed``/``cluster`` ran)
are left out of the sizes or the distances and counted as ``unmeasured``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pyarrow.compute as pc

from sluiceway.diversity.arrow import to_matrix
from sluiceway.diversity.metrics import VectorMoments, diversity_summary


class _Acc:
    def __init__(self) -> None:
        self.rows = 0
        self.unmeasured = 0
        self.sizes = np.zeros(0, np.int64)
        self.moments = VectorMoments()

    def add(self, labels: np.ndarray | None, X: np.ndarray | None, rows: int) -> None:
        self.rows += rows
        if labels is not None:
            labels = labels[labels >= 0]
            counts = np.bincount(labels)
            width = max(len(counts), len(self.sizes))
            self.sizes = np.pad(self.sizes, (0, width - len(self.sizes))) + np.pad(counts, (0, width - len(counts)))
        if X is not None and len(X):
            self.moments = self.moments.merge(VectorMoments.of(X))

    def summary(self, k: int) -> dict[str, Any]:
        sizes = np.pad(self.sizes, (0, max(0, k - len(self.sizes)))) if k else None
        out = diversity_summary(sizes=sizes, moments=self.moments if self.moments.n else None)
        out["rows"] = self.rows
        out["unmeasured"] = self.rows - (int(self.sizes.sum()) if k else self.moments.n)
        return out


def diversity_of_output(out_dir: str, cluster_column: str = "cluster_id", embedding_column: str = "embedding",
                        batch_rows: int = 8192) -> dict[str, Any]:
    """``{"kept": {...}, "rejected": {...}, "rejected_by_stage": {stage: {...}}}`` for a run's output."""
    import pyarrow.dataset as pads

    if not os.path.isdir(out_dir):
        raise FileNotFoundError(f"no such output directory: {out_dir}")
    accs: dict[str, _Acc] = {}
    by_stage: dict[str, _Acc] = {}
    found = False
    for part in ("kept", "rejected"):
        path = os.path.join(out_dir, part)
        if not os.path.isdir(path):
            continue
        files = [os.path.join(path, f) for f in sorted(os.listdir(path)) if f.endswith(".parquet")]
        if not files:
            if any(f.endswith((".jsonl", ".jsonl.gz")) for f in os.listdir(path)):
                raise ValueError(f"{path} holds JSONL; diversity needs a run with output format parquet")
            continue
        found = True
        dataset = pads.dataset(files, format="parquet")
        names = dataset.schema.names
        if cluster_column not in names and embedding_column not in names:
            raise ValueError(f"{path} has neither {cluster_column!r} nor {embedding_column!r}: "
                             "run the embed and cluster stages first")
        columns = [c for c in (cluster_column, embedding_column, "stage") if c in names]
        acc = accs.setdefault(part, _Acc())
        for batch in dataset.to_batches(columns=columns, batch_size=batch_rows):
            groups = [(acc, batch)]
            if part == "rejected" and "stage" in names:
                stages = batch.column("stage")
                for stage in pc.unique(stages).to_pylist():
                    groups.append((by_stage.setdefault(str(stage), _Acc()),
                                   batch.filter(pc.fill_null(pc.equal(stages, stage), False))))
            for target, sub in groups:
                target.add(*_measure(sub, cluster_column, embedding_column), sub.num_rows)
    if not found:
        raise FileNotFoundError(f"{out_dir} has no kept/ or rejected/ Parquet files")
    k = max([len(a.sizes) for a in list(accs.values()) + list(by_stage.values())] + [0])
    out: dict[str, Any] = {name: acc.summary(k) for name, acc in accs.items()}
    if by_stage:
        out["rejected_by_stage"] = {name: acc.summary(k) for name, acc in sorted(by_stage.items())}
    return out


def _measure(batch: Any, cluster_column: str, embedding_column: str) -> tuple[np.ndarray | None, np.ndarray | None]:
    names = batch.schema.names
    labels = X = None
    if cluster_column in names:
        labels = pc.fill_null(batch.column(cluster_column), -1).to_numpy(zero_copy_only=False).astype(np.int64)
    if embedding_column in names:
        vectors = batch.column(embedding_column)
        X = to_matrix(vectors.filter(pc.is_valid(vectors)))
    return labels, X
