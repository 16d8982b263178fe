import random
from collections import Counter

import pyarrow as pa
import pytest

from sluiceway.pipelines.execute import apply_stage
from sluiceway.sft.iqs import IQSPair, train_iqs
from sluiceway.stages.iqs import IQSScore
from sluiceway.stages.registry import ConfigError, build_stage


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    rng = random.Random(0)
    pairs = []
    for i in range(30):
        steps = "\n".join(f"{k}. Do part {k} {rng.choice(['well', 'slowly', 'twice'])}." for k in range(1, 5))
        pairs.append(IQSPair(f"How to do task {i}?", "", f"Here is how:\n\n{steps}\n\n**Done**.", f"task {i} eh"))
    path = str(tmp_path_factory.mktemp("iqs"))
    train_iqs(pairs, path, backend="cheap", use_embeddings=False)
    return path


def table(outputs, reasons):
    n = len(outputs)
    return pa.table({"id": [str(i) for i in range(n)], "instruction": ["How to do task 99?"] * n,
                     "input": pa.array([None] * n, pa.string()), "output": outputs,
                     "stage": [("read" if r else None) for r in reasons], "reason": reasons,
                     "detail": [None] * n}, schema=pa.schema([
                         ("id", pa.string()), ("instruction", pa.string()), ("input", pa.string()),
                         ("output", pa.string()), ("stage", pa.string()), ("reason", pa.string()),
                         ("detail", pa.string())]))


def test_scores_alive_rows_and_rejects_below_min(model):
    good = "Here is how:\n\n1. Do part 1 well.\n2. Do part 2.\n3. Do part 3.\n\n**Done**."
    stage = IQSScore(model=model)
    stage.setup()
    counters: Counter = Counter()
    out = apply_stage(stage, table([good, "eh", good], [None, None, "malformed"]), counters)
    rows = {r["id"]: r for r in out.to_pylist()}
    assert rows["0"]["iqs_score"] > rows["1"]["iqs_score"] and rows["2"]["iqs_score"] is None
    assert counters["scored"] == 2
    cut = (rows["0"]["iqs_score"] + rows["1"]["iqs_score"]) / 2
    strict = IQSScore(model=model, min_score=cut)
    strict.setup()
    out = apply_stage(strict, table([good, "eh"], [None, None]), Counter())
    assert out.column("reason").to_pylist() == [None, "low_iqs"]


def test_needs_a_model():
    with pytest.raises(ConfigError, match="model"):
        build_stage("iqs_score", {})
    with pytest.raises(ValueError, match="not an IQS model"):
        IQSScore(model="/nonexistent").setup()
