"""``car_select``: CaR's cluster-based data selection (CDS; Ge et al., EMNLP 2024).

Embeds every alive row (``Instruction: .. Input: .. Response: ..``), PCA to 95% variance, k-means with
``k = int(sqrt(n / 2))``, then keeps the top ``n1`` by IQS overall plus the top ``n2`` of every cluster not
already chosen; the rest are rejected as ``car_not_selected``. The whole pool is materialized.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from sluiceway.stages.base import DatasetStage, RunContext
from sluiceway.stages.registry import register

PICKS = {1: "top_n1", 2: "cluster_top_n2"}


@register
@dataclasses.dataclass
class CarSelect(DatasetStage):
    """Keep the top n1 rows by IQS plus the top n2 of each k-means cluster (CaR CDS)."""

    name: ClassVar[str] = "car_select"
    reads: ClassVar[tuple[str, ...]] = ("instruction", "input", "output")
    writes: ClassVar[dict[str, pa.DataType]] = {"car_cluster": pa.int64(), "car_rank": pa.int64(),
                                                "car_pick": pa.string()}

    n1: int | float = 1000  # count, or fraction of the pool when 0 < n1 < 1
    n2: int | float = 1  # per cluster: count, or fraction of the cluster when 0 < n2 < 1
    k: int | None = None  # clusters; default int(sqrt(n / 2))
    pca_variance: float | None = 0.95
    seed: int = 0
    embedder: str = "auto"  # a sluiceway.diversity backend, or "hashing" (no model)
    embedder_path: str | None = None
    score_column: str = "iqs_score"

    def columns_read(self) -> tuple[str, ...]:
        return (*self.reads, self.score_column)

    def model_paths(self) -> dict[str, str]:
        return {"embedder_path": self.embedder_path or ""}

    def validate(self) -> None:
        for name in ("n1", "n2"):
            value = getattr(self, name)
            if value < 0 or (isinstance(value, float) and value >= 1 and not value.is_integer()):
                raise ValueError(f"{name} must be a count >= 0 or a fraction in (0, 1), got {value}")
        if self.k is not None and self.k < 1:
            raise ValueError(f"k must be >= 1, got {self.k}")
        if self.pca_variance is not None and not 0 < self.pca_variance <= 1:
            raise ValueError(f"pca_variance must be in (0, 1], got {self.pca_variance}")

    def apply(self, ds: Any, ctx: RunContext) -> Any:
        from sluiceway.sft import frame

        table = self.select(frame.collect(ds), ctx.report(self.name))
        return frame.to_dataset(table, ctx.num_partitions)

    def select(self, table: pa.Table, report: dict | None = None) -> pa.Table:
        """The whole stage on one Arrow table (usable without Ray)."""
        from sluiceway.diversity.embedders import embed_texts
        from sluiceway.diversity.kmeans import cluster_labels, default_k
        from sluiceway.sft import frame
        from sluiceway.sft.car import cds_select, ranks
        from sluiceway.sft.report import selection_report
        from sluiceway.sft.template import iqs_text

        alive = frame.alive_mask(table)
        n = int(alive.sum())
        if n == 0:
            for col, dtype in self.writes.items():
                table = frame.put(table, col, alive, [], dtype)
            return table
        scores = np.asarray([np.nan if v is None else v for v in
                             np.asarray(table.column(self.score_column).to_pylist(), dtype=object)[alive]], dtype=float)
        texts = [iqs_text(*ex) for ex in frame.examples(table, alive)]
        x = embed_texts(texts, self.embedder, self.embedder_path)
        k = self.k or default_k(n)
        labels, _ = cluster_labels(x, k, seed=self.seed, pca_variance=self.pca_variance)
        keep, why = cds_select(scores, labels, self.n1, self.n2)
        rank = ranks(scores)
        table = frame.put(table, "car_cluster", alive, labels, pa.int64())
        table = frame.put(table, "car_rank", alive, rank, pa.int64())
        table = frame.put(table, "car_pick", alive, [PICKS.get(int(w)) for w in why], pa.string())
        idx = np.flatnonzero(alive)
        drop = ~keep
        table = frame.reject_rows(table, idx[drop], self.name, "car_not_selected",
                             [f"iqs rank {r} of {n}, cluster {c}" for r, c in zip(rank[drop], labels[drop], strict=True)])
        if report is not None:  # this stage's section of report.json
            prompt_chars, output_chars, sources = frame.report_inputs(table, alive)
            report.update(selection_report(
                "car", keep, frame.score_columns(table, alive, {self.score_column: scores}), labels, prompt_chars, output_chars, sources,
                {"car": {"k": int(k), "n1": self.n1, "n2": self.n2, "top_n1": int((why == 1).sum()),
                         "added_by_clusters": int((why == 2).sum()), "embedder": self.embedder,
                         "embedding_dim": int(x.shape[1])}}))
        return table
