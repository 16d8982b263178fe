"""Threshold rules shared by the heuristic filters (Gopher, FineWeb): ``compute`` writes one score column
per measure, and each ``min_*``/``max_*`` parameter is a rule on one column, checked in ``RULES`` order."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sluiceway.stages.base import BatchStage


def texts_of(batch: pa.Table) -> list[str]:
    """The batch's texts, a null text as ``""``."""
    return [t or "" for t in batch.column("text").to_pylist()]


def threshold_decisions(stage: Any, batch: pa.Table, rules: Sequence[tuple[str, str]]) -> list[tuple[str, str] | None]:
    """Per row, the first rule that fires. ``rules`` are ``(field, column)`` pairs in checking order; a field
    named ``min_*`` rejects values below its threshold, ``max_*`` values above it. Null thresholds and
    null scores never fire."""
    n = batch.num_rows
    fired = np.full(n, -1, np.int64)
    values: dict[str, np.ndarray] = {}
    for k, (field, column) in enumerate(rules):
        threshold = getattr(stage, field)
        if threshold is None:
            continue
        if column not in values:
            col = batch.column(column).cast(pa.float64())
            values[column] = pc.fill_null(col, float("nan")).to_numpy()
        v = values[column]
        fail = v < threshold if field.startswith("min_") else v > threshold
        fired[fail & (fired < 0)] = k
    out: list[tuple[str, str] | None] = [None] * n
    for i in np.flatnonzero(fired >= 0):
        field, column = rules[fired[i]]
        op = "<" if field.startswith("min_") else ">"
        out[i] = (f"{stage.name}:{field}", f"{column}={values[column][i]:.4g} {op} {field}={getattr(stage, field)}")
    return out


@dataclasses.dataclass
class ThresholdStage(BatchStage):
    """A batch stage rejecting by ``RULES``: ``(threshold field, score column)`` pairs, a null threshold off.
    Thresholds must be >= 0, or fractions in [0, 1] when ``FRACTIONS``."""

    RULES: ClassVar[tuple[tuple[str, str], ...]] = ()
    FRACTIONS: ClassVar[bool] = False

    def validate(self) -> None:
        for field, _ in self.RULES:
            value = getattr(self, field)
            if value is None:
                continue
            if self.FRACTIONS and not 0 <= value <= 1:
                raise ValueError(f"{field} must be a fraction in [0, 1] or null, got {value}")
            if value < 0:
                raise ValueError(f"{field} must be >= 0 or null, got {value}")

    def decide(self, batch: pa.Table) -> list[tuple[str, str] | None]:
        return threshold_decisions(self, batch, self.RULES)
