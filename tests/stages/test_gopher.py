
import numpy as np
import pyarrow as pa
import pytest

from sluiceway.stages.gopher import GopherQuality, GopherRepetition
from sluiceway.stages.registry import ConfigError, build_stage
from sluiceway.testing import CLEAN_DOCUMENT, reasons
from sluiceway.testing import run_on_texts as run

GOOD = CLEAN_DOCUMENT
# About 320 characters of Chinese (written for this test): one "word" per character.
CHINESE = ("老磨坊建于一八二零年，是村里最古老的建筑。将近一百年来，它为山谷里的农场磨小麦和大麦，也是村民聚会的地方。"
           "大洪水之后，河流改道，水车停止了转动，房子也慢慢破旧了。去年，一群志愿者决定让磨坊重新焕发生机，他们开始筹集资金。"
           "他们用橡木修好了屋顶，重新砌好了石墙，还清理了给水车供水的旧水渠。学校的孩子们帮忙粉刷大门，家长们为工人们做饭。"
           "现在磨坊在周末向游客开放，只要河里的水足够，水车就会再次转动。参加这个项目的每个人都说，工作很辛苦，"
           "但是他们为大家一起完成的事情感到骄傲。")





def test_good_document_passes_both():
    assert reasons(GopherQuality(), [GOOD]) == [None]
    assert reasons(GopherRepetition(), [GOOD]) == [None]


def test_scores_are_written_with_their_types():
    out = run(GopherQuality(), [GOOD])
    assert out.schema.field("gopher_word_count").type == pa.int64()
    assert out.schema.field("gopher_alpha_words_ratio").type == pa.float32()
    assert out.column("gopher_word_count")[0].as_py() == 162
    assert 4 < out.column("gopher_mean_word_length")[0].as_py() < 5
    assert out.column("gopher_stop_words")[0].as_py() == 7


LINES = GOOD.split("\n")
QUALITY_CASES = {
    "min_words": "The cat and the dog sat on the mat.",
    "max_words": None,  # tested with a lowered threshold below
    "min_mean_word_length": "it is to be so and the way of it is to be so. " * 6,
    "max_mean_word_length": ("the internationalization and the institutionalization of extraordinarily "
                             "incomprehensible characteristics " * 10),
    "max_hash_ratio": GOOD + " #news" * 40,
    "max_ellipsis_ratio": GOOD.replace(",", "...").replace(" the ", " the... "),
    "max_bullet_lines_ratio": "\n".join("• " + line for line in LINES),
    "max_ellipsis_lines_ratio": "\n".join(line[:-1] + "..." for line in LINES),
    "min_alpha_words_ratio": GOOD + " " + " ".join(str(1000 + i) for i in range(120)),
    "min_stop_words": ("Quick brown foxes jump over lazy dogs. Many rivers flow north. " * 12),
}


@pytest.mark.parametrize("rule", [r for r, text in QUALITY_CASES.items() if text])
def test_each_quality_rule_fires_with_its_reason(rule):
    out = run(GopherQuality(), [QUALITY_CASES[rule], GOOD])
    assert out.column("reason").to_pylist() == [f"gopher_quality:{rule}", None]
    detail = out.column("detail")[0].as_py()
    assert f"{rule}=" in detail and ("<" in detail or ">" in detail)


def test_quality_thresholds_are_configurable():
    assert reasons(GopherQuality(max_words=100), [GOOD]) == ["gopher_quality:max_words"]
    assert reasons(GopherQuality(min_words=5), [QUALITY_CASES["min_words"]]) != ["gopher_quality:min_words"]
    assert reasons(GopherQuality(min_stop_words=None), [QUALITY_CASES["min_stop_words"]]) == [None]
    stop = GopherQuality(stop_words=("foxes", "dogs"))
    assert reasons(stop, [QUALITY_CASES["min_stop_words"]]) == [None]
    detail = run(GopherQuality(), [QUALITY_CASES["min_words"]]).column("detail")[0].as_py()
    assert detail == "gopher_word_count=9 < min_words=50"


def test_rethreshold_from_output_without_recomputing():
    out = run(GopherQuality(), [GOOD])
    assert GopherQuality(min_words=500).decide(out)[0][0] == "gopher_quality:min_words"


def test_chinese_is_not_misjudged():
    out = run(GopherQuality(), [CHINESE])
    assert out.column("reason").to_pylist() == [None]
    assert out.column("gopher_word_count")[0].as_py() > 200  # a word per character, not one word
    assert out.column("gopher_mean_word_length")[0].as_py() is None  # not measured on Chinese
    assert reasons(GopherRepetition(), [CHINESE]) == [None]


def test_empty_and_whitespace_documents():
    out = run(GopherQuality(), ["", "  \n "])
    assert out.column("reason").to_pylist() == ["gopher_quality:min_words"] * 2
    assert out.column("gopher_mean_word_length").to_pylist() == [None, None]
    assert reasons(GopherRepetition(), ["", "  \n "]) == [None, None]  # nothing to measure


def test_build_from_config_and_validation():
    stage = build_stage("gopher_quality", {"min_words": None, "stop_words": ["der", "die", "das"]})
    assert stage.min_words is None and stage.stop_words == ("der", "die", "das")
    with pytest.raises(ConfigError):
        build_stage("gopher_quality", {"min_words": 200, "max_words": 100})
    with pytest.raises(ConfigError):
        build_stage("gopher_repetition", {"max_dup_line_frac": 1.5})


FILLER = [f"word{i}" for i in range(200)]
REPETITION_CASES = {
    "max_dup_para_frac": "\n\n".join([LINES[0]] * 3 + LINES[1:3]),
    "max_dup_line_frac": "\n".join([LINES[0]] * 3 + LINES[1:3]),
    "max_top_2gram_char_frac": " ".join(f"click here {w}" for w in FILLER[:40]),
    "max_dup_5gram_char_frac": " ".join(f"the quick brown fox jumps {w} {FILLER[i + 100]}"
                                        for i, w in enumerate(FILLER[:30])),
}


@pytest.mark.parametrize("rule", list(REPETITION_CASES))
def test_each_repetition_rule_fires_with_its_reason(rule):
    # earlier rules that would also fire are switched off, so each case shows its own rule
    order = [field for field, _ in GopherRepetition.RULES]
    off = {f: None for f in order[:order.index(rule)]}
    out = run(GopherRepetition(**off), [REPETITION_CASES[rule], GOOD])
    assert out.column("reason").to_pylist() == [f"gopher_repetition:{rule}", None]
    assert out.column("detail")[0].as_py().endswith(f"{rule}={getattr(GopherRepetition(), rule)}")


def test_char_fraction_rules():
    text = "\n".join([LINES[0]] * 2 + LINES[1:])  # one repeated line of eight
    stage = GopherRepetition(max_dup_line_frac=None, max_dup_line_char_frac=0.05)
    assert reasons(stage, [text]) == ["gopher_repetition:max_dup_line_char_frac"]
    assert reasons(GopherRepetition(), [text]) == [None]


def test_repetition_scores_and_first_occurrence_option():
    text = "alpha beta gamma delta epsilon zeta " + " ".join(FILLER[:20]) + " alpha beta gamma delta epsilon zeta"
    base = run(GopherRepetition(), [text]).column("gopher_dup_5gram_char_frac")[0].as_py()
    both = run(GopherRepetition(count_first_occurrence=True), [text]).column("gopher_dup_5gram_char_frac")[0].as_py()
    assert both == pytest.approx(2 * base) and base == pytest.approx(30 / len(text))


def test_disabled_ngram_rules_leave_null_scores():
    stage = GopherRepetition(**{f: None for f, _ in GopherRepetition.RULES if "gram" in f})
    out = run(stage, [GOOD])
    assert out.column("gopher_dup_5gram_char_frac").to_pylist() == [None]
    assert out.column("gopher_dup_line_frac").to_pylist() == [0.0]


def large_text(size: int = 10_000_000) -> str:
    """About ``size`` characters of varied sentences: 12-word sentences, 5 sentences a line."""
    rng = np.random.default_rng(0)
    vocab = np.array([f"{a}{b}" for a in ("the", "mill", "river", "stone", "wheel", "water", "oak", "roof")
                      for b in ("", "s", "ed", "ing", "er", "ly", "ness", "ful", "est", "ish")] * 50)
    vocab = np.array([f"{w}{i}" if i % 3 else w for i, w in enumerate(vocab)])
    words = vocab[rng.integers(0, len(vocab), size // 8)]
    sentences = [" ".join(words[i:i + 12]).capitalize() + "." for i in range(0, len(words), 12)]
    return "\n".join(" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5))[:size]


def test_large_document():
    text = large_text()
    assert len(text) == 10_000_000
    assert reasons(GopherQuality(), [text]) == ["gopher_quality:max_words"]
    assert reasons(GopherRepetition(), [text]) == [None]
