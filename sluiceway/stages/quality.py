"""fastText quality scoring (GPT-3 / DCLM recipe) and exact top-fraction selection.

``fasttext_quality`` writes ``quality_score`` (probability of the high-quality label) and keeps by
threshold or by GPT-3's Pareto sampling (Brown et al. 2020); ``mode: score`` only annotates.
Keeping the top fraction needs every score first, so it is a separate dataset stage,
``keep_top_fraction``, placed after scoring. Works with the DCLM classifier (Li et al. 2024,
labels ``hq``/``cc``) or a model from ``sluiceway quality train``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sluiceway.rows import alive_mask, reject
from sluiceway.stages.base import DatasetStage, ModelStage, RunContext
from sluiceway.stages.registry import register

SCORE = "quality_score"


@register
@dataclasses.dataclass
class FastTextQuality(ModelStage):
    """Score quality with a fastText classifier; keep by threshold or Pareto sampling."""

    name: ClassVar[str] = "fasttext_quality"
    reads: ClassVar[tuple[str, ...]] = ("id", "text")
    writes: ClassVar[dict[str, pa.DataType]] = {SCORE: pa.float32()}

    model: str = ""
    label: str = "hq"  # the high-quality label (DCLM: hq)
    mode: str = "threshold"  # threshold | pareto | score
    threshold: float = 0.5
    alpha: float = 9.0  # Pareto shape; GPT-3 used 9
    seed: int = 0

    def model_paths(self) -> dict[str, str]:
        return {"model": self.model}

    def validate(self) -> None:
        super().validate()
        if not self.model:
            raise ValueError("model: path of a fastText model is required (train one with `sluiceway quality train`)")
        if self.mode not in ("threshold", "pareto", "score"):
            raise ValueError(f"mode {self.mode!r} is not threshold, pareto or score; for the top fraction use "
                             "mode: score and add `keep_top_fraction: {column: quality_score, fraction: F}` after")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")
        if self.alpha <= 0:
            raise ValueError(f"alpha must be positive, got {self.alpha}")

    def setup(self) -> None:
        from sluiceway.fasttext_models.fasttext_io import load_model, model_labels, normalize_label

        model = load_model(self.model)
        if normalize_label(self.label) not in model_labels(model):
            raise ValueError(f"label {self.label!r} is not in {self.model}; its labels are "
                             f"{', '.join(model_labels(model))}")
        self._model = model

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, Any]:
        from sluiceway.fasttext_models.fasttext_io import label_probability

        scores = label_probability(self.ensure_model(), batch.column("text").to_pylist(), self.label)
        counters["docs_scored"] += batch.num_rows
        return {SCORE: pa.array(scores, pa.float32())}

    def decide(self, batch: pa.Table) -> list[tuple[str, str] | None]:
        scores = batch.column(SCORE).to_numpy(zero_copy_only=False).astype(np.float64)
        if self.mode == "score":
            return [None] * batch.num_rows
        if self.mode == "threshold":
            return [None if s >= self.threshold else ("low_quality", f"{SCORE} {s:.4f} < {self.threshold:g}")
                    for s in scores]
        from sluiceway.topk import pareto_keep

        keep = pareto_keep(scores, row_keys(batch), self.alpha, self.seed)
        return [None if k else ("low_quality", f"pareto(alpha={self.alpha:g}) sample; {SCORE} {s:.4f}")
                for k, s in zip(keep, scores, strict=True)]


_KS, _KH = "_tf_skey", "_tf_hash"


def row_keys(table: pa.Table) -> list[str]:
    """Per row, the seed of its random draw and tie-break: ``id`` and ``source`` (unique per input record,
    so rows sharing an id draw independently); ``id`` alone for tables without a source."""
    ids = table.column("id").to_pylist()
    if "source" not in table.column_names:
        return ids
    return [f"{i}\x00{s or ''}" for i, s in zip(ids, table.column("source").to_pylist(), strict=True)]


def _alive_keys(table: pa.Table, column: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from sluiceway.topk import score_key, stable_hash

    alive = alive_mask(table)
    sub = table.filter(pa.array(alive))
    scores = pc.cast(sub.column(column), pa.float64()).to_numpy(zero_copy_only=False)
    return alive, score_key(scores), stable_hash(row_keys(sub), seed)


def _keys_fn(table: pa.Table, column: str, seed: int) -> pa.Table:
    _, skey, h = _alive_keys(table, column, seed)
    return pa.table({_KS: pa.array(skey, pa.uint64()), _KH: pa.array(h, pa.uint64())})


def _np(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    return (table.column(_KS).to_numpy().astype(np.uint64, copy=False),
            table.column(_KH).to_numpy().astype(np.uint64, copy=False))


def _hist_fn(table: pa.Table, prefix: tuple[int, ...]) -> pa.Table:
    from sluiceway.topk import histogram

    return pa.table({"counts": [histogram(*_np(table), prefix).tolist()]})


def _collect_fn(table: pa.Table, prefix: tuple[int, ...]) -> pa.Table:
    from sluiceway.topk import candidates

    return table.filter(pa.array(candidates(*_np(table), prefix)))


def _mark_fn(table: pa.Table, column: str, seed: int, cutoff: tuple[int, int] | None, stage: str,
             detail: str) -> pa.Table:
    from sluiceway.topk import keep_mask

    alive, skey, h = _alive_keys(table, column, seed)
    drop = np.zeros(table.num_rows, dtype=bool)
    drop[np.flatnonzero(alive)] = ~keep_mask(skey, h, cutoff)
    return reject(table, drop, stage, "below_top_fraction", detail)


def key_to_score(key: int) -> float:
    """Inverse of :func:`sluiceway.topk.score_key` (for messages)."""
    bits = key ^ (1 << 63) if key >> 63 else ~key & ((1 << 64) - 1)
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])


@register
@dataclasses.dataclass
class KeepTopFraction(DatasetStage):
    """Keep exactly the top ``fraction`` of alive rows by a score column (ties broken by row-key hash)."""

    name: ClassVar[str] = "keep_top_fraction"

    column: str = SCORE
    fraction: float = 0.5
    seed: int = 0
    collect_limit: int = 1_000_000  # candidates gathered on the driver for the final exact sort

    def columns_read(self) -> tuple[str, ...]:
        return ("id", self.column)

    def validate(self) -> None:
        if not 0.0 < self.fraction <= 1.0:
            raise ValueError(f"fraction must be in (0, 1], got {self.fraction}")
        if self.collect_limit < 1:
            raise ValueError(f"collect_limit must be >= 1, got {self.collect_limit}")

    def apply(self, ds: Any, ctx: RunContext) -> Any:
        """Two or more passes over the materialized scores: count, radix-select the cutoff, mark."""
        from sluiceway.topk import topk_cutoff

        ds = ds.materialize()  # the scores are computed once, whatever the number of passes
        keys = ds.map_batches(_keys_fn, batch_format="pyarrow", fn_args=(self.column, self.seed)).materialize()
        n = keys.count()
        k = round(self.fraction * n)
        passes = Counter()

        def hist(prefix: tuple[int, ...]) -> np.ndarray:
            passes["histogram_passes"] += 1
            rows = keys.map_batches(_hist_fn, batch_format="pyarrow", batch_size=None, fn_args=(prefix,)).take_all()
            return np.sum([np.asarray(r["counts"], dtype=np.int64) for r in rows], axis=0)

        def collect(prefix: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
            chosen = keys.map_batches(_collect_fn, batch_format="pyarrow", fn_args=(prefix,)) if prefix else keys
            parts = list(chosen.iter_batches(batch_format="pyarrow", batch_size=None))
            if not parts:
                return np.zeros(0, np.uint64), np.zeros(0, np.uint64)
            return _np(pa.concat_tables(parts))

        if k >= n:
            return ds
        cutoff = topk_cutoff(k, hist, collect, n, self.collect_limit)
        shown = f"{key_to_score(cutoff[0]):.4f}" if cutoff else "none"
        detail = f"{self.column} below the top {self.fraction:g} cutoff {shown} ({k} of {n} kept)"
        if ctx.stats is not None:
            ctx.stats.add.remote(self.name, 0.0, 0, {"candidates": n, "kept": k, **passes})
        return ds.map_batches(_mark_fn, batch_format="pyarrow",
                              fn_args=(self.column, self.seed, cutoff, self.name, detail))
