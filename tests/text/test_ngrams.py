import random
from collections import Counter

from sluiceway.text.ngrams import WordBatch, ngram_stats


def _reference(words: list[str], n: int, count_first: bool) -> tuple[int, int]:
    """Straightforward definitions: top n-gram chars x count (first among ties) and covered chars."""
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    counts = Counter(grams)
    top = 0
    if grams:
        best = max(counts.values())
        top = sum(map(len, next(g for g in counts if counts[g] == best))) * best
    seen: set = set()
    covered = [False] * len(words)
    for i, g in enumerate(grams):
        if (counts[g] > 1) if count_first else (g in seen):
            covered[i:i + n] = [True] * n
        seen.add(g)
    return top, sum(len(w) for w, c in zip(words, covered, strict=True) if c)


def test_matches_reference_definitions():
    rng = random.Random(7)
    vocab = ["a", "bb", "ccc", "dddd", "e"]
    docs = [[rng.choice(vocab) for _ in range(rng.randint(0, 40))] for _ in range(150)]
    for count_first in (False, True):
        top, dup = ngram_stats(WordBatch.from_lists(docs), (2, 3, 4), (5, 6, 7, 8, 9, 10), count_first)
        for i, words in enumerate(docs):
            for n in (2, 3, 4):
                assert top[n][i] == _reference(words, n, count_first)[0]
            for n in range(5, 11):
                assert dup[n][i] == _reference(words, n, count_first)[1]


def test_overlapping_duplicates_count_once():
    words = "a b c d e f a b c d e f".split()
    _, dup = ngram_stats(WordBatch.from_lists([words]), (), (5,))
    assert dup[5][0] == 6  # the second "a b c d e f": two overlapping repeated 5-grams, six words
    _, dup = ngram_stats(WordBatch.from_lists([words]), (), (5,), count_first=True)
    assert dup[5][0] == 12


def test_documents_do_not_share_ngrams():
    words = "one two three four five".split()
    _, dup = ngram_stats(WordBatch.from_lists([words, words, []]), (), (5,))
    assert dup[5].tolist() == [0, 0, 0]


def test_empty_batch():
    top, dup = ngram_stats(WordBatch.from_lists([[], []]), (2,), (5,))
    assert top[2].tolist() == [0, 0] and dup[5].tolist() == [0, 0]
