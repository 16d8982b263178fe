"""The stage contract: ``BatchStage`` (row-local, on Arrow batches in Ray tasks; ``compute`` adds columns,
``decide`` rejects), ``ModelStage`` (a batch stage holding a model per Ray actor) and ``DatasetStage`` (whole
dataset: dedup, clustering, selection). Rows are never dropped, only rejected. Rules: docs/CONTRACT.md.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa

if TYPE_CHECKING:
    import ray.data

from sluiceway.rows import DETAIL, REASON, RESERVED, STAGE  # noqa: F401  (the row state, re-exported)
from sluiceway.stages.context import RunContext  # noqa: F401  (what apply gets, re-exported)


@dataclasses.dataclass
class Stage:
    """Base of all stages. Subclasses are dataclasses whose fields are the stage's parameters."""

    name: ClassVar[str] = ""
    reads: ClassVar[tuple[str, ...]] = ("text",)
    writes: ClassVar[dict[str, pa.DataType]] = {}
    report_sums: ClassVar[tuple[str, ...]] = ()

    def columns_read(self) -> tuple[str, ...]:
        """Columns needed; override when they depend on parameters."""
        return self.reads

    def columns_written(self) -> dict[str, pa.DataType]:
        return self.writes

    def validate(self) -> None:
        """Raise ``ValueError`` naming the bad parameter; called before anything runs."""

    def model_paths(self) -> dict[str, str]:
        """``{parameter: path}`` of the model files this stage loads, checked to exist before anything runs."""
        return {}

    def report_extra(self, entry: dict) -> dict:
        """Top-level report.json entries derived from this stage's report entry (e.g. token totals)."""
        return {}


@dataclasses.dataclass
class BatchStage(Stage):
    """Row-local stage. Only rows that are still alive are passed to ``compute``/``decide``."""

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, pa.Array | list]:
        """Return columns to add or replace (same length as ``batch``)."""
        return {}

    def decide(self, batch: pa.Table) -> list[tuple[str, str] | None]:
        """Return, per row, ``(reason, detail)`` to reject it or ``None`` to keep it."""
        return [None] * batch.num_rows


@dataclasses.dataclass
class ModelStage(BatchStage):
    """``setup`` loads the model into ``_model`` once per actor; it is never pickled. Call ``super().validate()``."""

    concurrency: int = 1  # Ray actors, each with its own copy of the model
    _model: ClassVar[Any] = None

    def validate(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {self.concurrency}")

    def setup(self) -> None:
        raise NotImplementedError

    def ensure_model(self) -> Any:
        """The model, loading it now if ``setup`` has not run (unit tests without an actor)."""
        if self._model is None:
            self.setup()
        return self._model

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_model"}


@dataclasses.dataclass
class DatasetStage(Stage):
    """Whole-dataset stage. Must pass rejected rows through untouched and reject, never drop."""

    def apply(self, ds: ray.data.Dataset, ctx: RunContext) -> ray.data.Dataset:
        raise NotImplementedError
