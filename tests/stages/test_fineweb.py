from collections import Counter

import pyarrow as pa
import pytest

from sluiceway.pipelines.execute import apply_stage
from sluiceway.stages.fineweb import FineWebQuality
from sluiceway.stages.registry import ConfigError, build_stage

GOOD = """The old mill on the river was built in 1820 by a family of millers who came from the north.
For almost a century it ground wheat and barley for the farms of the valley, and it was the heart of the village.
When the river changed its course after the great flood, the wheel stopped turning and the building was left to decay.
Last year a group of volunteers decided that the mill deserved a second life, and they started to raise money.
They repaired the roof with oak beams, rebuilt the stone walls and cleaned the old channel that fed the wheel.
Children from the local school helped to paint the doors, while their parents cooked meals for the workers.
Today the mill is open to visitors on weekends, and the wheel turns again whenever there is enough water.
Everyone who worked on the project agrees that it was hard, but they are proud of what they have achieved together."""

LINES = GOOD.split("\n")


def make_table(texts: list[str]) -> pa.Table:
    n = len(texts)
    return pa.table({"id": [str(i) for i in range(n)], "text": pa.array(texts, pa.large_string()),
                     "stage": pa.nulls(n, pa.string()), "reason": pa.nulls(n, pa.string()),
                     "detail": pa.nulls(n, pa.string())})


def run(stage, texts: list[str]) -> pa.Table:
    return apply_stage(stage, make_table(texts), Counter()).sort_by("id")


def reasons(stage, texts: list[str]) -> list:
    return run(stage, texts).column("reason").to_pylist()


CASES = {
    "min_line_punct_ratio": "\n".join(line.rstrip(".") for line in LINES),
    "max_short_line_ratio": GOOD + "\n" + "\n".join(f"Item number {i} here." for i in range(20)),
    "max_dup_line_char_ratio": GOOD + "\n" + LINES[0],
    "max_newline_word_ratio": "\n".join(f"Extraordinarily{i} incomprehensible." for i in range(20)),
}


def test_good_document_passes():
    out = run(FineWebQuality(), [GOOD])
    assert out.column("reason").to_pylist() == [None]
    assert out.column("fineweb_line_punct_ratio").to_pylist() == [1.0]
    assert out.schema.field("fineweb_newline_word_ratio").type == pa.float32()


@pytest.mark.parametrize("rule", list(CASES))
def test_each_rule_fires_with_its_reason(rule):
    out = run(FineWebQuality(), [CASES[rule], GOOD])
    assert out.column("reason").to_pylist() == [f"fineweb_quality:{rule}", None]
    assert out.column("detail")[0].as_py().endswith(f"{rule}={getattr(FineWebQuality(), rule)}")


@pytest.mark.parametrize("rule", list(CASES))
def test_null_threshold_disables_the_rule(rule):
    assert reasons(FineWebQuality(**{rule: None}), [CASES[rule]]) == [None]


def test_thresholds_are_configurable():
    assert reasons(FineWebQuality(max_dup_line_char_ratio=0.2), [CASES["max_dup_line_char_ratio"]]) == [None]
    assert reasons(FineWebQuality(short_line_length=10), [CASES["max_short_line_ratio"]]) == [None]
    text = CASES["min_line_punct_ratio"]
    assert reasons(FineWebQuality(line_punct_exclude_zero=True), [text]) == [None]
    assert reasons(FineWebQuality(terminal_punctuation=("l",)), [text]) == [None]  # lines end in "l"
    stage = build_stage("fineweb_quality", {"max_short_line_ratio": 0.5, "terminal_punctuation": [".", "!"]})
    assert stage.terminal_punctuation == (".", "!")
    with pytest.raises(ConfigError):
        build_stage("fineweb_quality", {"max_short_line_ratio": -1})


def test_chinese_punctuation_counts():
    text = "老磨坊建于一八二零年，是村里最古老的建筑。\n将近一百年来，它为山谷里的农场磨小麦和大麦。\n现在磨坊在周末向游客开放，大家都很骄傲！"
    assert reasons(FineWebQuality(short_line_length=10), [text]) == [None]


def test_empty_and_whitespace_documents():
    out = run(FineWebQuality(), ["", " \n\n "])
    assert out.column("reason").to_pylist() == ["fineweb_quality:empty"] * 2


def test_large_document():
    text = "\n".join(f"{line[:-1]} ({i})." for i in range(60_000) for line in LINES)[:10_000_000]
    assert reasons(FineWebQuality(), [text]) == [None]
