"""The stage contract: every sluiceway stage is one of three kinds.

* ``BatchStage`` — row-local, runs on Arrow batches in Ray tasks. ``compute`` returns new or
  replaced columns (scores, cleaned text); ``decide`` turns those into a rejection reason per row
  (``None`` keeps it). Scores stay in the output, so thresholds can be changed without recomputing.
* ``ModelStage`` — a ``BatchStage`` whose ``setup`` loads a model into ``_model`` once per Ray actor.
* ``DatasetStage`` — whole-dataset (dedup, clustering, selection): ``apply`` gets and returns a
  Ray Dataset.

Rows are never dropped. A rejected row keeps flowing with ``stage``/``reason``/``detail`` set and is
skipped by later stages; the writer splits kept from rejected at the end. Parameters are dataclass
fields, so YAML keys are validated against them.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa

if TYPE_CHECKING:
    import ray.data

from sluiceway.rows import DETAIL, REASON, RESERVED, STAGE  # noqa: F401  (the row state, re-exported)


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
        """``{parameter: path}`` of the model files this stage loads; each must exist before anything runs
        (checked by ``build_stage`` and ``Pipeline.check``). Empty values are left to ``validate``."""
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
    """A batch stage holding a model: ``setup`` loads it into ``_model`` once per actor, before any batch.
    The model is never pickled (Ray ships the parameters); subclasses call ``super().validate()``."""

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


@dataclasses.dataclass
class RunContext:
    """What a dataset stage may need from the run: where to checkpoint, how wide to shuffle, and its report
    section (``report(name)``: report.json nests it under the stage's entry as ``"report"``)."""

    output_dir: str
    num_partitions: int
    stats: Any = None  # handle of the run's StatsCollector actor
    sections: dict[str, dict] = dataclasses.field(default_factory=dict)
    resumed_after: str | None = None  # the stage whose checkpoint this run resumed from

    def report(self, stage: str) -> dict:
        """The report section of ``stage`` (fill it in place)."""
        return self.sections.setdefault(stage, {})

    def path(self, *parts: str) -> str:
        """``output_dir/parts...``, refusing absolute parts and ``..`` so a configured name cannot escape it."""
        for part in parts:
            if not part or os.path.isabs(part) or ".." in part.replace("\\", "/").split("/"):
                raise ValueError(f"path {part!r} must be a relative path inside the output directory {self.output_dir}")
        return os.path.join(self.output_dir, *parts)
