
import pyarrow as pa
import pytest

from sluiceway.stages.fineweb import FineWebQuality
from sluiceway.stages.registry import ConfigError, build_stage
from sluiceway.testing import CLEAN_DOCUMENT, reasons
from sluiceway.testing import run_on_texts as run

GOOD = CLEAN_DOCUMENT

LINES = GOOD.split("\n")





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
