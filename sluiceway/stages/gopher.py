"""Gopher quality and repetition filters (Rae et al. 2021, "Scaling Language Models: Methods, Analysis &
Insights from Training Gopher", Appendix A, Table A1).

``compute`` writes one score column per rule; ``decide`` compares them with the thresholds (dataclass
fields, ``null`` disables a rule), so a run's output can be re-thresholded without recomputing. A rejection's
reason names the rule that fired (``gopher_quality:min_words``), its detail the measured value and the
threshold. Words come from ``sluiceway.text.words`` (regex, no NLP tokenizer; a character of Chinese,
Japanese or Thai counts as a word).

Where the paper is silent we follow DataTrove's ``GopherQualityFilter``/``GopherRepetitionFilter``
(the reference implementation most pipelines use), except where noted on the fields.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from itertools import chain
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sluiceway.stages.registry import register
from sluiceway.stages.rules import ThresholdStage, texts_of
from sluiceway.text.lines import duplicates, nonblank_lines, split_paragraphs
from sluiceway.text.ngrams import WordBatch, ngram_stats
from sluiceway.text.words import NOSPACE_RE2, cached_words

STOP_WORDS_EN = ("the", "be", "to", "of", "and", "that", "have", "with")
# Frequent function characters of Chinese and Japanese: an English document never holds two of them, so
# adding them keeps the English rule as published while Chinese and Japanese text is not rejected for
# lacking English stop words.
STOP_WORDS_CJK = ("的", "了", "是", "在", "和", "有", "不", "の", "は", "に", "を", "が", "で", "と")
BULLETS = ("•", "●", "○", "◦", "▪", "▫", "■", "□", "‣", "⁃", "-", "*", "–")
_F32 = pa.float32()
# A period that spaCy keeps inside the token: initials, dotted abbreviations, common English abbreviations.
_ABBREVIATION = (r"(?:^|[^\pL\pN.])(?:\pL(?:\.\pL)*|Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|vs|etc|Inc|Ltd|Co|Corp|Jan|Feb|Mar"
                 r"|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|No|Vol|Fig|Mt|Ft|approx)\.")


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _finite(values: np.ndarray, dtype: pa.DataType) -> pa.Array:
    """NaN and infinities (a ratio over zero words) become nulls: the rule cannot be measured."""
    values = np.asarray(values, np.float64)
    return pa.array(values, pa.float64(), mask=~np.isfinite(values)).cast(dtype)


@register
@dataclasses.dataclass
class GopherQuality(ThresholdStage):
    """Gopher's quality rules (Rae et al. 2021, Appendix A.1.1): 50-100,000 words; mean word length 3-10;
    hash and ellipsis to word ratios <= 0.1; <= 90% of lines starting with a bullet; <= 30% of lines ending
    with an ellipsis; >= 80% of words with an alphabetic character; >= 2 distinct stop words.

    Words are regex words (``sluiceway.text.words``); the hash, ellipsis and alphabetic ratios are per
    *token*: words plus punctuation/symbol characters, counted the way spaCy's English tokenizer (which
    DataTrove uses) splits them (contractions and hyphenated words split, abbreviation periods, dates and
    times kept whole), all with Arrow kernels over the batch. Rae et al. do not define tokens at this
    level; with words alone about a fifth more web documents pass the 80% alphabetic rule than in DataTrove. Other choices where the paper is silent: the mean word length is
    over words of spaced scripts and is not measured (null: the rule passes) on documents written mostly in
    Chinese/Japanese/Thai; stop words match case-insensitively and the default list adds Chinese/Japanese
    function characters; bullet and ellipsis line ratios are over non-blank lines; bullets include more
    symbols than DataTrove's "•" and "-".
    """

    name: ClassVar[str] = "gopher_quality"
    writes: ClassVar[dict[str, pa.DataType]] = {
        "gopher_word_count": pa.int64(),
        "gopher_mean_word_length": _F32,
        "gopher_hash_ratio": _F32,
        "gopher_ellipsis_ratio": _F32,
        "gopher_bullet_lines_ratio": _F32,
        "gopher_ellipsis_lines_ratio": _F32,
        "gopher_alpha_words_ratio": _F32,
        "gopher_stop_words": pa.int32(),
    }

    min_words: int | None = 50
    max_words: int | None = 100_000
    min_mean_word_length: float | None = 3
    max_mean_word_length: float | None = 10
    max_hash_ratio: float | None = 0.1
    max_ellipsis_ratio: float | None = 0.1
    max_bullet_lines_ratio: float | None = 0.9
    max_ellipsis_lines_ratio: float | None = 0.3
    min_alpha_words_ratio: float | None = 0.8
    min_stop_words: int | None = 2
    stop_words: tuple[str, ...] = STOP_WORDS_EN + STOP_WORDS_CJK
    bullets: tuple[str, ...] = BULLETS

    RULES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("min_words", "gopher_word_count"),
        ("max_words", "gopher_word_count"),
        ("min_mean_word_length", "gopher_mean_word_length"),
        ("max_mean_word_length", "gopher_mean_word_length"),
        ("max_hash_ratio", "gopher_hash_ratio"),
        ("max_ellipsis_ratio", "gopher_ellipsis_ratio"),
        ("max_bullet_lines_ratio", "gopher_bullet_lines_ratio"),
        ("max_ellipsis_lines_ratio", "gopher_ellipsis_lines_ratio"),
        ("min_alpha_words_ratio", "gopher_alpha_words_ratio"),
        ("min_stop_words", "gopher_stop_words"),
    )

    def validate(self) -> None:
        super().validate()
        for lo, hi in (("min_words", "max_words"), ("min_mean_word_length", "max_mean_word_length")):
            a, b = getattr(self, lo), getattr(self, hi)
            if a is not None and b is not None and a > b:
                raise ValueError(f"{lo}={a} is above {hi}={b}")

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, pa.Array | list]:
        texts = texts_of(batch)
        n_docs = len(texts)
        bullets = tuple(self.bullets)
        word_lists = [cached_words(t) for t in texts]
        n_words = np.fromiter(map(len, word_lists), np.int64, n_docs)
        # Per-word properties, vectorized over the batch: one Arrow array of every document's words.
        words = pa.array(list(chain.from_iterable(word_lists)), pa.string())
        doc = np.repeat(np.arange(n_docs), n_words)
        is_spaced = ~pc.match_substring_regex(words, NOSPACE_RE2).to_numpy(zero_copy_only=False)
        n_spaced = np.bincount(doc, weights=is_spaced, minlength=n_docs)
        lengths = pc.utf8_length(words).to_numpy(zero_copy_only=False)
        alpha = pc.match_substring_regex(words, r"\pL").to_numpy(zero_copy_only=False)
        char_sum = np.bincount(doc, weights=lengths * is_spaced, minlength=n_docs)
        n_alpha = np.bincount(doc, weights=alpha, minlength=n_docs)
        stop_set = pa.array(sorted({w.lower() for w in self.stop_words}), pa.string())
        stop_idx = pc.fill_null(pc.index_in(pc.utf8_lower(words), value_set=stop_set), -1).to_numpy()
        hit = stop_idx >= 0
        pairs = np.unique(doc[hit] * len(stop_set) + stop_idx[hit])  # distinct (document, stop word)
        n_stop = np.bincount(pairs // max(len(stop_set), 1), minlength=n_docs)
        line_stats = [self._line_stats(t, bullets) for t in texts]
        hashes = np.fromiter((t.count("#") for t in texts), np.float64, n_docs)
        dots = np.fromiter((t.count("...") for t in texts), np.float64, n_docs)
        ellipses = dots + np.fromiter((t.count("…") for t in texts), np.float64, n_docs)
        # Tokens = words + punctuation/symbol tokens: every symbol character outside a word is one token,
        # "..." is one (spaCy's tokens, which DataTrove counts, are close to this).
        symbols = pc.count_substring_regex(batch.column("text"), r"[\pP\pS]").to_numpy(zero_copy_only=False)
        inner = np.bincount(doc, weights=pc.count_substring_regex(words, r"[\pP\pS]").to_numpy(zero_copy_only=False),
                            minlength=n_docs)
        n_tokens = n_words + np.maximum(symbols - inner - 2 * dots, 0)
        # spaCy also splits inside words ("don't" -> do n't, "e-mail" -> e - mail, "10-20" -> 10 - 20) and
        # keeps the period of abbreviations and initials ("Mr.", "U.S.", "A.") and dates and times whole
        apos = pc.count_substring_regex(words, "['’]\\pL").to_numpy(zero_copy_only=False)
        hyph = pc.count_substring_regex(words, "-\\pL|\\pN-\\pN").to_numpy(zero_copy_only=False)
        abbrev = pc.count_substring_regex(batch.column("text"), _ABBREVIATION).to_numpy(zero_copy_only=False)
        dates = pc.count_substring_regex(batch.column("text"), r"\pN[/:]\pN").to_numpy(zero_copy_only=False)
        n_tokens = n_tokens + np.bincount(doc, weights=apos + 2 * hyph, minlength=n_docs) - abbrev - 2 * dates
        n_alpha = n_alpha + np.bincount(doc, weights=(apos + hyph) * alpha, minlength=n_docs)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_word = {
                "gopher_word_count": n_words,
                # measured on documents written mostly in spaced scripts: the Latin words and numbers
                # inside a Chinese text say nothing about its word lengths
                "gopher_mean_word_length": np.where(n_spaced * 2 >= n_words, char_sum / n_spaced, np.nan),
                "gopher_hash_ratio": hashes / n_tokens,
                "gopher_ellipsis_ratio": ellipses / n_tokens,
                "gopher_alpha_words_ratio": n_alpha / n_tokens,
            }
        out = {name: _finite(values, self.writes[name]) for name, values in per_word.items()}
        out["gopher_bullet_lines_ratio"] = pa.array([s[0] for s in line_stats], _F32)
        out["gopher_ellipsis_lines_ratio"] = pa.array([s[1] for s in line_stats], _F32)
        out["gopher_stop_words"] = pa.array(n_stop, pa.int32())
        return out

    @staticmethod
    def _line_stats(text: str, bullets: tuple[str, ...]) -> tuple[float | None, float | None]:
        lines = nonblank_lines(text)
        n_bullet = sum(1 for line in lines if line.lstrip().startswith(bullets))
        n_ellipsis = sum(1 for line in lines if line.rstrip().endswith(("...", "…")))
        return _ratio(n_bullet, len(lines)), _ratio(n_ellipsis, len(lines))


_TOP_NS = (2, 3, 4)
_DUP_NS = (5, 6, 7, 8, 9, 10)


@register
@dataclasses.dataclass
class GopherRepetition(ThresholdStage):
    """Gopher's repetition rules (Rae et al. 2021, Appendix A, Table A1). Fractions of the document:
    duplicate lines (<= 0.30) and their characters (<= 0.20); duplicate paragraphs (<= 0.30) and their
    characters (<= 0.20); characters in the most frequent 2/3/4-gram (<= 0.20/0.18/0.16); characters in
    duplicated 5..10-grams (<= 0.15 .. 0.10), overlapping duplicates counted once.

    As in DataTrove, a duplicate is a repeat of an earlier line/paragraph/n-gram (its first occurrence is
    not counted; ``count_first_occurrence`` changes that for n-grams), character fractions are over
    ``len(text)``, lines are the non-blank lines, paragraphs are split on two or more newlines. Unlike
    DataTrove, n-grams are over words only (no punctuation tokens), an n-gram's characters are its words'
    characters, and overlapping duplicated n-grams are merged exactly instead of skipping ahead.
    """

    name: ClassVar[str] = "gopher_repetition"
    writes: ClassVar[dict[str, pa.DataType]] = {
        "gopher_dup_para_frac": _F32,
        "gopher_dup_para_char_frac": _F32,
        "gopher_dup_line_frac": _F32,
        "gopher_dup_line_char_frac": _F32,
        **{f"gopher_top_{n}gram_char_frac": _F32 for n in _TOP_NS},
        **{f"gopher_dup_{n}gram_char_frac": _F32 for n in _DUP_NS},
    }

    max_dup_para_frac: float | None = 0.30
    max_dup_para_char_frac: float | None = 0.20
    max_dup_line_frac: float | None = 0.30
    max_dup_line_char_frac: float | None = 0.20
    max_top_2gram_char_frac: float | None = 0.20
    max_top_3gram_char_frac: float | None = 0.18
    max_top_4gram_char_frac: float | None = 0.16
    max_dup_5gram_char_frac: float | None = 0.15
    max_dup_6gram_char_frac: float | None = 0.14
    max_dup_7gram_char_frac: float | None = 0.13
    max_dup_8gram_char_frac: float | None = 0.12
    max_dup_9gram_char_frac: float | None = 0.11
    max_dup_10gram_char_frac: float | None = 0.10
    count_first_occurrence: bool = False

    RULES: ClassVar[tuple[tuple[str, str], ...]] = tuple(
        (f"max_{c.removeprefix('gopher_')}", c) for c in writes
    )

    FRACTIONS: ClassVar[bool] = True

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, pa.Array | list]:
        texts = texts_of(batch)
        lengths = np.fromiter(map(len, texts), np.float64, len(texts))
        cols: dict[str, list] = {c: [] for c in list(self.writes)[:4]}
        for text in texts:
            paragraphs = split_paragraphs(text)
            n_para, para_chars = duplicates(paragraphs)
            lines = nonblank_lines(text)
            n_line, line_chars = duplicates(lines)
            size = len(text)
            cols["gopher_dup_para_frac"].append(_ratio(n_para, len(paragraphs)))
            cols["gopher_dup_para_char_frac"].append(_ratio(para_chars, size))
            cols["gopher_dup_line_frac"].append(_ratio(n_line, len(lines)))
            cols["gopher_dup_line_char_frac"].append(_ratio(line_chars, size))
        out: dict[str, pa.Array | list] = {c: pa.array(v, _F32) for c, v in cols.items()}
        top_ns = [n for n in _TOP_NS if getattr(self, f"max_top_{n}gram_char_frac") is not None]
        dup_ns = [n for n in _DUP_NS if getattr(self, f"max_dup_{n}gram_char_frac") is not None]
        top, dup = ngram_stats(WordBatch.from_lists([cached_words(t) for t in texts]), top_ns, dup_ns,
                               self.count_first_occurrence) if top_ns or dup_ns else ({}, {})
        safe = np.where(lengths > 0, lengths, 1.0)
        valid = pa.array(lengths > 0)
        for kind, ns, stats in (("top", _TOP_NS, top), ("dup", _DUP_NS, dup)):
            for n in ns:
                name = f"gopher_{kind}_{n}gram_char_frac"
                if n in stats:
                    frac = pa.array((stats[n] / safe).astype(np.float32))
                    out[name] = pc.if_else(valid, frac, pa.scalar(None, _F32))
                else:
                    out[name] = pa.nulls(len(texts), _F32)
        return out
