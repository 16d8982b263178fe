"""The stage contract's shared behaviour: RunContext paths and report sections, ModelStage checks."""

import os
import pickle
from collections import Counter

import pytest

from sluiceway.rows import reject
from sluiceway.stages.base import ModelStage, RunContext
from sluiceway.testing import text_batch


def test_paths_cannot_escape_the_output_dir(tmp_path):
    ctx = RunContext(str(tmp_path), num_partitions=2)
    assert ctx.path("cluster") == os.path.join(str(tmp_path), "cluster")
    for bad in ("../x", "/etc", "a/../../b", ""):
        with pytest.raises(ValueError, match="inside the output directory"):
            ctx.path(bad)


def test_report_sections_are_per_stage(tmp_path):
    ctx = RunContext(str(tmp_path), num_partitions=2)
    ctx.report("a")["k"] = 1
    ctx.report("b")["k"] = 2
    assert ctx.sections == {"a": {"k": 1}, "b": {"k": 2}}


class _Upper(ModelStage):
    name = "upper_test"

    def setup(self) -> None:
        self._model = str.upper

    def compute(self, batch, counters: Counter):
        return {"text": [self.ensure_model()(t) for t in batch.column("text").to_pylist()]}


def test_model_stage_loads_once_checks_concurrency_and_pickles_without_the_model():
    stage = _Upper()
    assert stage.compute(text_batch(["ab"]), Counter()) == {"text": ["AB"]}
    assert stage._model is str.upper and pickle.loads(pickle.dumps(stage))._model is None
    with pytest.raises(ValueError, match="concurrency"):
        _Upper(concurrency=0).validate()


def test_reject_sets_all_three_only_where_masked():
    table = reject(text_batch(["a", "b", "c"]), [True, False, True], "s", "why", ["d0", "d1", "d2"])
    assert table.column("reason").to_pylist() == ["why", None, "why"]
    assert table.column("detail").to_pylist() == ["d0", None, "d2"]
    again = reject(table, [False, True, False], "t", "other", "one detail")
    assert again.column("stage").to_pylist() == ["s", "t", "s"]
    assert reject(table, [False] * 3, "t", "x", "y") is table
