"""``iqs_score``: CaR's instruction-pair quality score per row (Ge et al., EMNLP 2024).

The scorer (``sluiceway iqs train``) is loaded once per Ray actor. Higher is better; the scale depends on
the backend (a logit-like linear score for ``cheap``, ~0..1 regression output for ``encoder``).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any, ClassVar

import pyarrow as pa

from sluiceway.stages.base import ModelStage
from sluiceway.stages.registry import register


def _column(batch: pa.Table, name: str) -> list[str]:
    return ["" if v is None else str(v) for v in batch.column(name).to_pylist()]


@register
@dataclasses.dataclass
class IQSScore(ModelStage):
    """Score (instruction, input, output) with a trained CaR IQS model; optionally reject below min_score."""

    name: ClassVar[str] = "iqs_score"
    reads: ClassVar[tuple[str, ...]] = ("instruction", "input", "output")
    writes: ClassVar[dict[str, pa.DataType]] = {"iqs_score": pa.float64()}

    model: str = ""  # folder written by `sluiceway iqs train`
    device: str = "auto"
    min_score: float | None = None

    def model_paths(self) -> dict[str, str]:
        return {"model": self.model}

    def validate(self) -> None:
        super().validate()
        if not self.model:
            raise ValueError("model: give the folder of a trained IQS model (sluiceway iqs train --output ...)")

    def setup(self) -> None:
        from sluiceway.sft.iqs import load_iqs

        self._model = load_iqs(self.model, self.device)

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, Any]:
        scores = self.ensure_model().score(_column(batch, "instruction"), _column(batch, "input"), _column(batch, "output"))
        counters["scored"] += batch.num_rows
        return {"iqs_score": pa.array(scores, pa.float64())}

    def decide(self, batch: pa.Table) -> list[tuple[str, str] | None]:
        if self.min_score is None:
            return [None] * batch.num_rows
        return [("low_iqs", f"iqs {s:.3f} < {self.min_score}") if s is not None and s < self.min_score else None
                for s in batch.column("iqs_score").to_pylist()]
