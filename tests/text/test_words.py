from sluiceway.text.words import (
    count_nospace_words,
    count_symbol_tokens,
    count_words,
    has_alpha,
    has_nospace_script,
    split_spaced_words,
    split_words,
)


def test_english_words_keep_inner_punctuation():
    text = "Don't stop: e-mail the U.S. team 3.5 times, or 1,000 times... (really)!"
    assert split_words(text) == ["Don't", "stop", "e-mail", "the", "U.S", "team", "3.5", "times", "or",
                                 "1,000", "times", "really"]


def test_symbols_are_not_words():
    assert split_words("... | © — !!") == []
    assert count_symbol_tokens("Home | About » Contact ...") == 3
    assert split_words("smile 😀 now") == ["smile", "now"]


def test_combining_marks_stay_in_words():
    assert split_words("हिन्दी भाषा") == ["हिन्दी", "भाषा"]  # vowel signs and virama are marks
    assert split_words("cafe\u0301 naïve") == ["cafe\u0301", "naïve"]


def test_cjk_characters_count_as_words():
    assert split_words("我爱北京。") == ["我", "爱", "北", "京"]
    assert count_words("日本語のテキスト") == 8
    assert count_nospace_words("Tokyo 東京 is big") == 2
    assert split_spaced_words("Tokyo 東京 is big") == ["Tokyo", "is", "big"]
    assert has_nospace_script("abc 中") and not has_nospace_script("abc")


def test_thai_characters_keep_their_marks():
    assert split_words("ที่นี่") == ["ที่", "นี่"]


def test_urls_are_one_word():
    assert split_words("see https://example.com/a?b=1&c=2. ok") == ["see", "https://example.com/a?b=1&c=2", "ok"]


def test_has_alpha():
    assert has_alpha("abc") and has_alpha("3rd") and has_alpha("中") and has_alpha("don't")
    assert not has_alpha("2019") and not has_alpha("3.5")


def test_empty_and_whitespace():
    assert split_words("") == [] and split_words(" \n\t ") == []
    assert count_words("") == 0
