"""Apply one stage to Arrow batches: only alive rows are computed on, rejected rows pass through."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pyarrow as pa

from sluiceway.rows import DETAIL, REASON, STAGE, alive_mask, set_column
from sluiceway.stages.base import BatchStage, ModelStage


def _as_array(values: Any, dtype: pa.DataType | None, n: int, name: str) -> pa.Array:
    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values, type=dtype)
    if dtype is not None and arr.type != dtype:
        arr = arr.cast(dtype)
    if len(arr) != n:
        raise ValueError(f"stage returned {len(arr)} values for column {name!r}, expected {n}")
    return arr


def apply_stage(stage: BatchStage, table: pa.Table, counters: Counter) -> pa.Table:
    """Run ``compute`` and ``decide`` on the alive rows and merge them back with the rejected ones."""
    written: dict[str, pa.DataType] = dict(stage.columns_written())
    mask = alive_mask(table)
    n_alive = int(mask.sum())
    alive = table if n_alive == table.num_rows else table.filter(pa.array(mask))
    dead = None if n_alive == table.num_rows else table.filter(pa.array(~mask))
    if alive.num_rows:
        for name, values in stage.compute(alive, counters).items():
            alive = set_column(alive, name, _as_array(values, written.get(name), alive.num_rows, name))
        decisions = stage.decide(alive)
        if any(d is not None for d in decisions):
            alive = set_column(alive, STAGE, pa.array([stage.name if d else None for d in decisions], pa.string()))
            alive = set_column(alive, REASON, pa.array([d[0] if d else None for d in decisions], pa.string()))
            alive = set_column(alive, DETAIL, pa.array([d[1] if d else None for d in decisions], pa.string()))
    for name, dtype in written.items():  # same schema in every batch, even with no alive rows
        if name not in alive.column_names:
            alive = alive.append_column(name, pa.nulls(alive.num_rows, dtype))
    if dead is None or dead.num_rows == 0:
        return alive
    for name in alive.column_names:
        if name not in dead.column_names:
            dead = dead.append_column(name, pa.nulls(dead.num_rows, alive.schema.field(name).type))
    return pa.concat_tables([alive, dead.select(alive.column_names).cast(alive.schema)])


def _report(stats: Any, stage: BatchStage, seconds: float, rows: int, counters: Counter) -> None:
    if stats is not None:
        stats.add.remote(stage.name, seconds, rows, dict(counters) or None)


def run_batch(table: pa.Table, stage: BatchStage, stats: Any = None) -> pa.Table:
    """The Ray ``map_batches`` function for stateless batch stages."""
    start, counters = time.perf_counter(), Counter()
    out = apply_stage(stage, table, counters)
    _report(stats, stage, time.perf_counter() - start, table.num_rows, counters)
    return out


class ModelActor:
    """The Ray ``map_batches`` callable class for model stages: ``setup`` once per actor."""

    def __init__(self, stage: ModelStage, stats: Any = None):
        self.stage, self.stats = stage, stats
        start = time.perf_counter()
        stage.setup()
        _report(stats, stage, time.perf_counter() - start, 0, Counter({"model_loads": 1}))

    def __call__(self, table: pa.Table) -> pa.Table:
        return run_batch(table, self.stage, self.stats)
