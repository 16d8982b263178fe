"""Shingling: word n-grams, character n-grams for text without spaces, short and empty documents."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sluiceway.dedup.shingles import (
    ShingleConfig,
    shingle_hashes,
    shingle_text_lists,
    shingle_texts,
    uses_chars,
)


def test_word_shingles_are_normalized() -> None:
    cfg = ShingleConfig(ngram=2)
    assert shingle_texts("Hello, World! Hello world.", cfg) == ["hello world", "world hello", "hello world"]
    assert shingle_texts("-- !! --", cfg) == []  # punctuation only: nothing left
    assert shingle_texts("Hello, World!", ShingleConfig(ngram=2, normalize=False)) == ["Hello, World!"]


def test_short_document_is_one_shingle() -> None:
    assert shingle_texts("only three words", ShingleConfig(ngram=5)) == ["only three words"]
    assert shingle_texts("", ShingleConfig()) == []


def test_cjk_uses_character_shingles() -> None:
    text = "这是一个中文句子没有空格的文本"
    shingles = shingle_texts(text, ShingleConfig(char_ngram=3))
    assert shingles[:3] == ["这是一", "是一个", "一个中"] and len(shingles) == len(text) - 2
    docs = ["这是一个中文句子，没有空格。", "English text with spaces in it", "日本語の文章です", "短", "ok"]
    assert list(uses_chars(docs)) == [True, False, True, True, False]


def test_forced_modes() -> None:
    assert shingle_texts("ab cd", ShingleConfig(mode="char", char_ngram=2)) == ["ab", "bc", "cd"]
    assert shingle_texts("这是 中文", ShingleConfig(mode="word", ngram=2)) == ["这是 中文"]


def test_hashes_line_up_with_texts() -> None:
    docs = ["a b c d e f g", "", "这是一个中文句子没有空格的文本", "x"]
    for hash_function in ("fast", "sha1"):
        cfg = ShingleConfig(ngram=3, hash_function=hash_function)
        hashes, offsets, char = shingle_hashes(docs, cfg)
        assert list(char) == [False, False, True, False]
        assert list(np.diff(offsets)) == [len(shingle_texts(d, cfg)) for d in docs]
        assert hashes.dtype == np.uint32


def test_fast_hash_distinguishes_order() -> None:
    hashes, _, _ = shingle_hashes(["alpha beta", "beta alpha"], ShingleConfig(ngram=2))
    assert hashes[0] != hashes[1]


def test_tokenizer_matches_python_split() -> None:
    from sluiceway.dedup import tokens

    rng = np.random.default_rng(0)
    alphabet = list("ab é中") + [chr(c) for c in sorted(tokens.WHITESPACE)] + ["\u200b", "x"]
    docs = ["".join(rng.choice(alphabet, rng.integers(0, 30))) for _ in range(300)] + ["", " ", "solo"]
    offsets, data = tokens.buffers(pa.array(docs, pa.large_string()))
    starts, ends, counts, _ = tokens.split(offsets, data)
    words = tokens.token_strings(data, starts, ends)
    expected = [d.split() for d in docs]
    assert counts.tolist() == [len(e) for e in expected]
    assert words == [w for e in expected for w in e]


def test_batch_shingles_equal_one_at_a_time() -> None:
    texts = ["Hello, World! Hello world.", "这是一个中文句子没有空格的文本", "a", "", "one two three four five six"]
    assert shingle_text_lists(texts) == [shingle_texts(t) for t in texts]
