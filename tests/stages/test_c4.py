from collections import Counter

import pytest

from sluiceway.stages.c4 import C4
from sluiceway.testing import CLEAN_DOCUMENT
from sluiceway.testing import run_on_texts as run

GOOD = CLEAN_DOCUMENT




def test_good_document_is_kept_unchanged():
    out = run(C4(), [GOOD])
    assert out.column("reason").to_pylist() == [None]
    assert out.column("text").to_pylist() == [GOOD]
    assert out.column("c4_sentences").to_pylist() == [8]


def test_line_rules_edit_the_text_and_count():
    noisy = "\n".join([
        "Home",  # no terminal punctuation
        "Read more.",  # fewer than 3 words
        "Please enable JavaScript to see the map.",
        "We use cookies, see our privacy policy for details.",
        "The story goes on for a while...",  # an ellipsis is not an end mark
        "The mill ground wheat[1] for the valley.[citation needed]",
        "x" * 1001 + " is a very long word indeed.",
        GOOD,
    ])
    counters: Counter = Counter()
    out = run(C4(), [noisy], counters)
    assert out.column("text")[0].as_py() == "The mill ground wheat for the valley.\n" + GOOD
    assert out.column("c4_lines_removed").to_pylist() == [6]
    assert counters["lines_removed"] == 6 and counters["changed"] == 1
    assert counters["lines_no_terminal_punct"] == 2 and counters["lines_too_few_words"] == 1
    assert counters["lines_javascript"] == 1 and counters["lines_policy"] == 1 and counters["lines_long_word"] == 1


def test_line_rules_can_be_switched_off():
    text = "Home\n" + GOOD
    stage = C4(terminal_punctuation=None, min_words_per_line=None)
    assert run(stage, [text]).column("text")[0].as_py() == text
    js = "Please enable JavaScript to see the map.\n" + GOOD
    assert run(C4(drop_javascript_lines=False), [js]).column("text")[0].as_py() == js


@pytest.mark.parametrize("rule, text", [
    ("lorem_ipsum", GOOD + "\nLorem ipsum dolor sit amet, consectetur adipiscing elit."),
    ("curly_bracket", GOOD + "\nThe function returns {a: 1} in this case."),
    ("min_sentences", "One line with a sentence.\nAnd a second one here."),
])
def test_document_rules_reject_with_their_reason(rule, text):
    out = run(C4(), [text, GOOD])
    assert out.column("reason").to_pylist() == [f"c4:{rule}", None]


def test_sentence_threshold_is_configurable():
    text = "One line with a sentence.\nAnd a second one here."
    out = run(C4(), [text])
    assert out.column("detail")[0].as_py() == "c4_sentences=2 < min_sentences=5"
    assert run(C4(min_sentences=2), [text]).column("reason").to_pylist() == [None]
    assert run(C4(min_sentences=None), [text]).column("reason").to_pylist() == [None]


def test_document_checks_on_kept_lines_or_page():
    text = "var x = {a: 1}\n" + GOOD  # the brace is on a line that C4 drops anyway
    assert run(C4(), [text]).column("reason").to_pylist() == [None]
    assert run(C4(doc_checks_on="page"), [text]).column("reason").to_pylist() == ["c4:curly_bracket"]


def test_long_word_can_reject_the_document():
    text = GOOD + "\n" + "y" * 1001 + " ends here."
    assert run(C4(), [text]).column("reason").to_pylist() == [None]
    out = run(C4(long_word_scope="document"), [text])
    assert out.column("reason").to_pylist() == ["c4:max_word_length"]
    assert out.column("detail")[0].as_py() == "c4_longest_word=1001 > max_word_length=1000"


def test_chinese_lines_are_not_dropped_for_few_spaces():
    text = "老磨坊建于一八二零年。\n将近一百年来，它为山谷里的农场磨小麦。\n大洪水之后，河流改道了。\n现在磨坊又开放了。\n大家都很骄傲。"
    out = run(C4(), [text])
    assert out.column("reason").to_pylist() == [None] and out.column("c4_sentences").to_pylist() == [5]


def test_empty_documents_are_rejected():
    assert run(C4(), ["", " \n "]).column("reason").to_pylist() == ["c4:min_sentences"] * 2
    out = run(C4(min_sentences=None), ["Home\nMenu"])
    assert out.column("reason").to_pylist() == ["c4:empty_after_cleaning"]


def test_large_document():
    text = ("Menu\n" + GOOD + "\n") * (10_000_000 // (len(GOOD) + 6))
    out = run(C4(), [text])
    assert out.column("reason").to_pylist() == [None] and "Menu" not in out.column("text")[0].as_py()
