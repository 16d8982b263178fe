from sluiceway.text.lines import (
    count_sentences,
    duplicates,
    nonblank_lines,
    split_lines,
    split_paragraphs,
    split_sentences,
)


def test_lines_handle_crlf_and_blank_lines():
    assert split_lines("a\r\nb\rc\n") == ["a", "b", "c", ""]
    assert nonblank_lines("a\n \n\nb") == ["a", "b"]


def test_paragraphs_split_on_blank_lines():
    assert split_paragraphs("\n\nfirst\nstill first\n\n\nsecond\r\n\r\nthird\n") == ["first\nstill first", "second",
                                                                                      "third"]


def test_sentences():
    assert split_sentences('He said "hi." Then he left! Did he? 3.5 is a number.') == [
        'He said "hi."', "Then he left!", "Did he?", "3.5 is a number."]
    assert count_sentences("我来了。你呢？好的。") == 3
    assert count_sentences("") == 0 and count_sentences("no end mark") == 1


def test_duplicates_do_not_count_first_occurrence():
    assert duplicates(["a", "bb", "a", "bb", "a", "c"]) == (3, 4)
    assert duplicates([]) == (0, 0)
