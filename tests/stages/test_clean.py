from collections import Counter

import pyarrow as pa
import pytest

from sluiceway.pipelines.execute import apply_stage
from sluiceway.stages.clean import CleanControl, CleanWhitespace, Normalize, RemoveBoilerplate
from sluiceway.stages.registry import ConfigError, build_stage


def make_table(texts: list[str]) -> pa.Table:
    n = len(texts)
    return pa.table({"id": [str(i) for i in range(n)], "text": pa.array(texts, pa.large_string()),
                     "stage": pa.nulls(n, pa.string()), "reason": pa.nulls(n, pa.string()),
                     "detail": pa.nulls(n, pa.string())})


def run(stage, texts: list[str]) -> tuple[pa.Table, Counter]:
    counters: Counter = Counter()
    return apply_stage(stage, make_table(texts), counters), counters


def test_normalize_repairs_mojibake_and_counts():
    out, counters = run(Normalize(), ["The Mona Lisa doesnâ€™t have eyebrows.", "Plain text.",
                                      "Czech stížnost stays.", "cafÃ© \x93quoted\x94"])
    assert out.column("text").to_pylist() == ["The Mona Lisa doesn’t have eyebrows.", "Plain text.",
                                              "Czech stížnost stays.", "café “quoted”"]
    assert counters["mojibake_fixed"] == 2 and counters["changed"] == 2


def test_normalize_forms():
    out, counters = run(Normalize(), ["cafe\u0301", "ﬁne Ａ"])
    assert out.column("text").to_pylist() == ["café", "ﬁne Ａ"] and counters["unicode_normalized"] == 1
    out, _ = run(Normalize(form="NFKC"), ["ﬁne Ａ"])
    assert out.column("text").to_pylist() == ["fine A"]
    out, counters = run(Normalize(form=None, fix_mojibake=False), ["doesnâ€™t cafe\u0301"])
    assert out.column("text").to_pylist() == ["doesnâ€™t cafe\u0301"] and counters["changed"] == 0


def test_clean_control():
    out, counters = run(CleanControl(), ["a\x00b\x07c\td\ne", "zero\u200bwidth\ufeff", "page\x0cbreak", "\x00\x01"])
    assert out.column("text").to_pylist()[:3] == ["abc\td\ne", "zerowidth", "page\nbreak"]
    assert counters["chars_removed"] == 6 and counters["changed"] == 4
    assert out.column("reason").to_pylist() == [None, None, None, "empty_after_cleaning"]


def test_clean_whitespace():
    out, counters = run(CleanWhitespace(), ["  a  b\t c \r\n\n\n\nd\u00a0e  ", "x", " \n\t "])
    assert out.column("text").to_pylist()[:2] == ["a b c\n\nd e", "x"]
    assert counters["changed"] == 2
    assert out.column("reason").to_pylist() == [None, None, "empty_after_cleaning"]
    out, _ = run(CleanWhitespace(max_blank_lines=0, collapse_spaces=False), ["a  b\n\n\nc"])
    assert out.column("text").to_pylist() == ["a  b\nc"]


PAGE = """Skip to content
Edit | Files | Tags | Source | Print
Home > News > Local
How we restored the old mill

The mill was built in 1820 and ran until the river changed its course. We spent two summers on it.
I baked cookies for the volunteers every Friday, and they were always gone by noon.
This website uses cookies to improve your experience. Accept all cookies
Please enable JavaScript to view the comments.
Posted in History | Leave a comment
Tags: mills, rivers, volunteers
© 2019 Mill Friends Inc. All rights reserved."""


def test_remove_boilerplate():
    out, counters = run(RemoveBoilerplate(), [PAGE])
    assert out.column("text").to_pylist() == [
        "How we restored the old mill\n\nThe mill was built in 1820 and ran until the river changed its course. "
        "We spent two summers on it.\nI baked cookies for the volunteers every Friday, and they were always "
        "gone by noon."]
    assert out.column("boilerplate_lines_removed").to_pylist() == [8]
    assert counters["lines_removed"] == 8 and counters["changed"] == 1


def test_remove_boilerplate_is_configurable():
    stage = RemoveBoilerplate(patterns=(), extra_patterns=(r"^rating: ",), min_menu_items=None)
    out, _ = run(stage, ["rating: 0+x\nEdit | Files | Tags\nBody text."])
    assert out.column("text").to_pylist() == ["Edit | Files | Tags\nBody text."]
    long_line = "We use cookies " + "and more words " * 20
    out, _ = run(RemoveBoilerplate(), [long_line + "\nok"])
    assert out.column("boilerplate_lines_removed").to_pylist() == [0]  # long lines are content


def test_all_boilerplate_is_rejected():
    out, _ = run(RemoveBoilerplate(), ["Skip to main content\nAll rights reserved.", "Body."])
    assert out.sort_by("id").column("reason").to_pylist() == ["empty_after_cleaning", None]
    assert "2 lines" in out.sort_by("id").column("detail").to_pylist()[0]


@pytest.mark.parametrize("stage", [Normalize(), CleanControl(), CleanWhitespace(), RemoveBoilerplate()])
def test_empty_and_whitespace_documents_are_rejected(stage):
    out, _ = run(stage, ["", "   ", "text"])
    out = out.sort_by("id")
    reasons = out.column("reason").to_pylist()
    assert reasons[0] == "empty_after_cleaning" and reasons[2] is None
    assert out.column("stage").to_pylist()[0] == stage.name


def test_build_from_config():
    stage = build_stage("remove_boilerplate", {"extra_patterns": ["^foo$"], "max_line_chars": None})
    assert stage.extra_patterns == ("^foo$",)
    with pytest.raises(ConfigError):
        build_stage("remove_boilerplate", {"extra_patterns": ["(unclosed"]})
    with pytest.raises(ConfigError):
        build_stage("normalize", {"form": "NFX"})


def test_large_document():
    """10 MB of web-like text (one mojibake line in a thousand) goes through every cleaning stage."""
    block = "Intro line with  double  spaces, and a sentence.\nEdit | Files | Tags\n\n\n" * 999
    text = ((block + "It doesnâ€™t work.\n") * 200)[:10_000_000]
    for stage in (Normalize(), CleanControl(), RemoveBoilerplate(), CleanWhitespace()):
        out, _ = run(stage, [text])
        text = out.column("text")[0].as_py()
    assert "doesn’t" in text and "Edit |" not in text and "  " not in text


def test_yaml_stage_list_parses():
    import yaml

    import sluiceway.stages.c4  # noqa: F401  (registered by STAGE_MODULES once the lead wires them)
    import sluiceway.stages.fineweb  # noqa: F401
    import sluiceway.stages.gopher  # noqa: F401
    from sluiceway.pipelines.config import parse_stage_list

    stages = parse_stage_list(yaml.safe_load("""
- normalize: {form: NFC}
- clean_control: {}
- remove_boilerplate: {extra_patterns: ["^rating: "]}
- clean_whitespace: {max_blank_lines: 1}
- gopher_repetition: {}
- gopher_quality: {min_words: 50, max_words: 100000, min_stop_words: 2}
- c4: {min_sentences: 3, policy_substrings: []}
- fineweb_quality: {max_newline_word_ratio: null}
"""))
    assert [s.name for s in stages] == ["normalize", "clean_control", "remove_boilerplate", "clean_whitespace",
                                        "gopher_repetition", "gopher_quality", "c4", "fineweb_quality"]
    assert stages[6].policy_substrings == () and stages[7].max_newline_word_ratio is None
