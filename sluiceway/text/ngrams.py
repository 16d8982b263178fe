"""Word n-gram repetition statistics of Gopher (Rae et al. 2021, Appendix A), vectorized over a batch.

For a whole batch at once: words are dictionary-encoded to integer ids (Arrow), each n-gram gets a
64-bit rolling hash of its word ids, salted with its document, and equal hashes are grouped by one sort.
No n-gram string is ever built and nothing is quadratic.

* top n-gram: characters of the most frequent n-gram of each document times its count (ties: the
  n-gram that occurs first, as DataTrove's ``Counter.most_common``).
* duplicated n-grams: characters of the words covered by duplicated n-grams, every word counted once
  even when several overlapping duplicates cover it ("taking care not to count characters that occur
  in overlapping n-grams more than once"). By default an occurrence counts when the same n-gram
  occurred earlier in the document (the first occurrence does not, as for duplicate lines);
  ``count_first=True`` counts every occurrence of an n-gram that appears more than once.

An n-gram's characters are the characters of its words, separators not included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from itertools import chain

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_MIX = np.uint64(0x9E3779B97F4A7C15)
_BASE = np.uint64(0xBF58476D1CE4E5B9)
_DOC = np.uint64(0x94D049BB133111EB)


@dataclasses.dataclass
class WordBatch:
    """The words of a batch of documents, flattened: ``doc[i]`` is the document of word ``i``."""

    n_docs: int
    ids: np.ndarray  # uint64 mixed word ids
    lengths: np.ndarray  # int64 characters per word
    doc: np.ndarray  # int64 document index per word
    remaining: np.ndarray  # words from this one to the end of its document, itself included
    position: np.ndarray  # index of the word in its document
    cum_chars: np.ndarray  # prefix sums of lengths, size n_words + 1

    @classmethod
    def from_lists(cls, word_lists: Sequence[list[str]]) -> WordBatch:
        counts = np.fromiter(map(len, word_lists), np.int64, len(word_lists))
        flat = pa.array(list(chain.from_iterable(word_lists)), pa.string())
        ids = flat.dictionary_encode().indices.to_numpy(zero_copy_only=False).astype(np.uint64)
        ids = (ids + np.uint64(1)) * _MIX
        ids ^= ids >> np.uint64(31)
        lengths = pc.utf8_length(flat).to_numpy(zero_copy_only=False).astype(np.int64)
        doc = np.repeat(np.arange(len(word_lists), dtype=np.int64), counts)
        ends = np.cumsum(counts)
        index = np.arange(len(flat), dtype=np.int64)
        remaining = ends[doc] - index
        position = index - (ends - counts)[doc]
        cum = np.zeros(len(flat) + 1, np.int64)
        np.cumsum(lengths, out=cum[1:])
        return cls(len(word_lists), ids, lengths, doc, remaining, position, cum)

    @property
    def n_words(self) -> int:
        return len(self.ids)


def _group_stats(keys: np.ndarray, want_first: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Per position: how often its key occurs, whether it occurred at an earlier position, and (if asked)
    the index of the key's first occurrence."""
    order = np.argsort(keys, kind="stable")  # equal keys stay in position order: the first is the earliest
    ordered = keys[order]
    first = np.empty(len(keys), bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    run = np.cumsum(first) - 1
    counts = np.empty(len(keys), np.int64)
    counts[order] = np.bincount(run)[run]
    repeat = np.empty(len(keys), bool)
    repeat[order] = ~first
    if not want_first:
        return counts, repeat, None
    first_index = np.empty(len(keys), np.int64)
    first_index[order] = order[np.flatnonzero(first)][run]
    return counts, repeat, first_index


def _per_doc_max(values: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(documents, max value)`` over positions grouped by document (``docs`` sorted)."""
    seg = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
    return docs[seg], np.maximum.reduceat(values, seg)


def ngram_stats(batch: WordBatch, top_ns: Sequence[int], dup_ns: Sequence[int],
                count_first: bool = False) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Per n and document: characters in the top n-gram (``top_ns``) and in duplicated n-grams (``dup_ns``).

    An n-gram can only repeat where its (n-1)-gram prefix repeats, so after the bigrams only positions
    whose shorter n-gram occurs more than once are hashed and grouped: most positions drop out early.
    """
    top = {n: np.zeros(batch.n_docs, np.int64) for n in top_ns}
    dup = {n: np.zeros(batch.n_docs, np.int64) for n in dup_ns}
    wanted = set(top_ns) | set(dup_ns)
    if not wanted or batch.n_words == 0:
        return top, dup
    h = batch.ids.copy()
    cand = np.arange(batch.n_words, dtype=np.int64)
    for n in range(2, max(wanted) + 1):
        if n in top:  # when no n-gram repeats, the top one is the first n-gram, counted once
            firsts = np.flatnonzero((batch.remaining >= n) & (batch.position == 0))
            top[n][batch.doc[firsts]] = batch.cum_chars[firsts + n] - batch.cum_chars[firsts]
        cand = cand[batch.remaining[cand] >= n]
        if len(cand) == 0:
            continue
        h[cand] = h[cand] * _BASE + batch.ids[cand + n - 1]  # h[i] now hashes words i .. i+n-1
        counts, repeat, first_index = _group_stats(h[cand] ^ (batch.doc[cand].astype(np.uint64) * _DOC), n in top)
        if n in top:
            _top_chars(batch, n, cand, counts, cand[first_index], top[n])
        if n in dup:
            _dup_chars(batch, n, cand[counts > 1] if count_first else cand[repeat], dup[n])
        cand = cand[counts > 1]
    return top, dup


def _top_chars(batch: WordBatch, n: int, cand: np.ndarray, counts: np.ndarray, firsts: np.ndarray,
               out: np.ndarray) -> None:
    """The most frequent n-gram; among equally frequent ones the one that occurs first (as DataTrove)."""
    rep = counts > 1
    if not rep.any():
        return
    counts, firsts = counts[rep], firsts[rep]
    docs, best = _per_doc_max((counts << 40) | ((1 << 40) - 1 - firsts), batch.doc[cand[rep]])
    start = (1 << 40) - 1 - (best & ((1 << 40) - 1))
    out[docs] = (best >> 40) * (batch.cum_chars[start + n] - batch.cum_chars[start])


def _dup_chars(batch: WordBatch, n: int, starts: np.ndarray, out: np.ndarray) -> None:
    """Characters of the words covered by n-grams starting at ``starts``, each word once."""
    if len(starts) == 0:
        return
    total = batch.n_words
    depth = np.cumsum(np.bincount(starts, minlength=total + 1) - np.bincount(starts + n, minlength=total + 1))
    out += np.bincount(batch.doc, weights=batch.lengths * (depth[:total] > 0), minlength=batch.n_docs).astype(np.int64)
