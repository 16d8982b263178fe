"""Helpers for testing stages on a few texts without Ray: build the batch a stage sees and apply it."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa

from sluiceway.pipelines.execute import apply_stage
from sluiceway.stages.base import BatchStage

# Eight lines of plain English prose (written for sluiceway) that every default heuristic filter keeps.
CLEAN_DOCUMENT = """The old mill on the river was built in 1820 by a family of millers who came from the north.
For almost a century it ground wheat and barley for the farms of the valley, and it was the heart of the village.
When the river changed its course after the great flood, the wheel stopped turning and the building was left to decay.
Last year a group of volunteers decided that the mill deserved a second life, and they started to raise money.
They repaired the roof with oak beams, rebuilt the stone walls and cleaned the old channel that fed the wheel.
Children from the local school helped to paint the doors, while their parents cooked meals for the workers.
Today the mill is open to visitors on weekends, and the wheel turns again whenever there is enough water.
Everyone who worked on the project agrees that it was hard, but they are proud of what they have achieved together."""


def text_batch(texts: list[str]) -> pa.Table:
    """An alive batch with ids ``"0"``, ``"1"``, ... and the reserved decision columns."""
    n = len(texts)
    return pa.table({"id": [str(i) for i in range(n)], "text": pa.array(texts, pa.large_string()),
                     "stage": pa.nulls(n, pa.string()), "reason": pa.nulls(n, pa.string()),
                     "detail": pa.nulls(n, pa.string())})


def run_on_texts(stage: BatchStage, texts: list[str], counters: Counter | None = None) -> pa.Table:
    """``stage`` applied to ``texts`` as one batch, rows in input order."""
    return apply_stage(stage, text_batch(texts), Counter() if counters is None else counters).sort_by("id")


def reasons(stage: BatchStage, texts: list[str]) -> list[str | None]:
    """The rejection reason per text (``None`` = kept)."""
    return run_on_texts(stage, texts).column("reason").to_pylist()
