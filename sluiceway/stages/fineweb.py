"""FineWeb's extra quality rules (Penedo et al. 2024, "The FineWeb Datasets: Decanting the Web for the
Finest Text Data at Scale", Section 3.3.5 and Appendix): a document is removed when

* the fraction of lines ending in terminal punctuation is below 0.12,
* more than 0.67 of its lines are at most 30 characters long,
* more than 0.01 of its characters are in duplicated lines,
* it has more than 0.3 newlines per word.

Lines are the non-blank lines, as in DataTrove 0.10.1's ``FineWebQualityFilter``. Two choices differ from
it: trailing spaces are ignored when testing a line's last character, and words are regex words (no
punctuation tokens, CJK characters count), so the newline/word ratio is a little higher than DataTrove's.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import ClassVar

import pyarrow as pa

from sluiceway.stages.registry import register
from sluiceway.stages.rules import ThresholdStage, texts_of
from sluiceway.text.lines import TERMINAL_PUNCTUATION, duplicates, nonblank_lines
from sluiceway.text.words import cached_words

_F32 = pa.float32()


@register
@dataclasses.dataclass
class FineWebQuality(ThresholdStage):
    """FineWeb quality rules; each threshold is a field, ``null`` disables its rule."""

    name: ClassVar[str] = "fineweb_quality"
    writes: ClassVar[dict[str, pa.DataType]] = {
        "fineweb_line_punct_ratio": _F32,
        "fineweb_short_line_ratio": _F32,
        "fineweb_dup_line_char_ratio": _F32,
        "fineweb_newline_word_ratio": _F32,
    }

    min_line_punct_ratio: float | None = 0.12
    line_punct_exclude_zero: bool = False  # True: a document with no punctuated line at all is kept
    max_short_line_ratio: float | None = 0.67
    short_line_length: int = 30
    max_dup_line_char_ratio: float | None = 0.01
    max_newline_word_ratio: float | None = 0.3
    terminal_punctuation: tuple[str, ...] = TERMINAL_PUNCTUATION

    RULES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("min_line_punct_ratio", "fineweb_line_punct_ratio"),
        ("max_short_line_ratio", "fineweb_short_line_ratio"),
        ("max_dup_line_char_ratio", "fineweb_dup_line_char_ratio"),
        ("max_newline_word_ratio", "fineweb_newline_word_ratio"),
    )

    def validate(self) -> None:
        super().validate()
        if self.short_line_length < 0:
            raise ValueError(f"short_line_length must be >= 0, got {self.short_line_length}")
        if not self.terminal_punctuation:
            raise ValueError("terminal_punctuation must not be empty")

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, pa.Array | list]:
        punct = tuple(self.terminal_punctuation)
        rows = [self._scores(text, punct) for text in texts_of(batch)]
        cols = list(zip(*rows, strict=True)) if rows else [[] for _ in self.writes]
        return {name: pa.array(v, _F32) for name, v in zip(self.writes, cols, strict=True)}

    def _scores(self, text: str, punct: tuple[str, ...]) -> tuple:
        lines = nonblank_lines(text)
        if not lines:
            return None, None, None, None
        n = len(lines)
        punct_ratio = sum(1 for line in lines if line.rstrip().endswith(punct)) / n
        if punct_ratio == 0 and self.line_punct_exclude_zero:
            punct_ratio = None
        short = sum(1 for line in lines if len(line) <= self.short_line_length) / n
        newlines = text.count("\n")
        chars = len(text) - newlines
        dup = duplicates(lines)[1] / chars if chars else None
        words = len(cached_words(text))
        return punct_ratio, short, dup, (newlines / words if words else float("inf") if newlines else 0.0)

    def decide(self, batch: pa.Table) -> list[tuple[str, str] | None]:
        decisions = super().decide(batch)
        for i, empty in enumerate(batch.column("fineweb_short_line_ratio").is_null().to_pylist()):
            if empty:
                decisions[i] = (f"{self.name}:empty", "no non-blank line")
        return decisions
