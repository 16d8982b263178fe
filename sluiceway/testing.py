"""Helpers for testing stages on a few texts without Ray: build the batch a stage sees and apply it."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa

from sluiceway.pipelines.execute import apply_stage
from sluiceway.rows import DETAIL, REASON, STAGE
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
                     STAGE: pa.nulls(n, pa.string()), REASON: pa.nulls(n, pa.string()),
                     DETAIL: pa.nulls(n, pa.string())})


def run_on_texts(stage: BatchStage, texts: list[str], counters: Counter | None = None) -> pa.Table:
    """``stage`` applied to ``texts`` as one batch, rows in input order."""
    return apply_stage(stage, text_batch(texts), Counter() if counters is None else counters).sort_by("id")


def reasons(stage: BatchStage, texts: list[str]) -> list[str | None]:
    """The rejection reason per text (``None`` = kept)."""
    return run_on_texts(stage, texts).column(REASON).to_pylist()


def input_manifest(inputs: str | list[str], opts: object = None) -> dict[str, dict]:
    """Per input file, ``{rows, digest}`` of its row keys, read here independently of any run."""
    from sluiceway.io.keys import add_digests, digest, key_hashes
    from sluiceway.io.read import ReadOptions, expand_inputs, read_file, source_names

    files = expand_inputs(inputs)
    names = source_names(files)
    manifest = {}
    for path in files:
        rows, total = 0, 0
        for table in read_file(path, opts or ReadOptions(), names[path]):
            rows, total = rows + table.num_rows, add_digests(total, digest(key_hashes(table.column("source"))))
        manifest[names[path]] = {"path": path, "rows": rows, "digest": f"{total:016x}"}
    return manifest


def assert_output_accounts(output_dir: str, inputs: str | list[str], opts: object = None) -> object:
    """Assert, from the files actually written under ``output_dir``, that every row the reader makes of
    ``inputs`` (read again here with ``opts``) is in kept/ or rejected/ exactly once, and that every
    rejected row has a stage, a reason and a detail. Returns the :class:`~sluiceway.pipelines.verify.Verification`."""
    from sluiceway.pipelines.verify import scan_output, verify_against

    result = verify_against(input_manifest(inputs, opts), scan_output(output_dir))
    assert result.ok, f"{output_dir} does not account for its input:\n  " + "\n  ".join(result.problems)
    return result
