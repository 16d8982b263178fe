"""The C4 cleaning rules (Raffel et al. 2020, "Exploring the Limits of Transfer Learning with a Unified
Text-to-Text Transformer", Section 2.2), as the C4 reference code (TensorFlow Datasets ``c4_utils``)
applies them.

Line rules edit the text: a line is kept only if it ends in terminal punctuation (not an ellipsis), has
at least 3 words, has no word over 1,000 characters, does not mention "javascript" and holds none of the
cookie/privacy-policy phrases; Wikipedia-style citation marks (``[1]``, ``[edit]``) are removed. Document
rules reject: "lorem ipsum", a curly bracket, fewer than 5 sentences in the kept lines.

As in the reference code (and DataTrove's ``C4QualityFilter``), "lorem ipsum" and ``{`` are looked for in
the lines that pass the punctuation and length rules (``doc_checks_on="page"`` looks at the whole page,
as the paper's wording suggests). Sentences are counted with a punctuation regex instead of NLTK/spaCy.
A line with Chinese, Japanese or Thai text counts a word per character, so it is not dropped for having
fewer than 3 space-separated words.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from typing import ClassVar, Literal

import pyarrow as pa

from sluiceway.stages.base import BatchStage
from sluiceway.stages.registry import register
from sluiceway.stages.rules import texts_of
from sluiceway.text.lines import count_sentences, split_lines
from sluiceway.text.words import count_words, has_nospace_script

CITATION_RE = re.compile(r"\[\d*\]|\[edit\]|\[citation needed\]")
POLICY_SUBSTRINGS = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies",
                     "use cookies")
END_MARKS = (".", "?", "!", '"', "'", "”", "’", "。", "！", "？")
ELLIPSES = ("...", "…")


@dataclasses.dataclass
class _Page:
    text: str
    lines_removed: int
    sentences: int
    lorem_ipsum: bool
    curly_bracket: bool
    longest_word: int


@register
@dataclasses.dataclass
class C4(BatchStage):
    """C4 line filtering and page rejection; numeric thresholds accept ``null`` to disable the rule."""

    name: ClassVar[str] = "c4"
    writes: ClassVar[dict[str, pa.DataType]] = {
        "text": pa.large_string(),
        "c4_lines_removed": pa.int32(),
        "c4_sentences": pa.int32(),
        "c4_lorem_ipsum": pa.bool_(),
        "c4_curly_bracket": pa.bool_(),
        "c4_longest_word": pa.int32(),
    }

    min_words_per_line: int | None = 3
    terminal_punctuation: tuple[str, ...] | None = END_MARKS  # null: keep lines whatever their last character
    drop_ellipsis_lines: bool = True
    remove_citations: bool = True
    drop_javascript_lines: bool = True
    policy_substrings: tuple[str, ...] = POLICY_SUBSTRINGS  # [] keeps policy lines
    max_word_length: int | None = 1000
    long_word_scope: Literal["line", "document"] = "line"  # drop the line (C4 code) or reject the page
    min_sentences: int | None = 5
    reject_lorem_ipsum: bool = True
    reject_curly_bracket: bool = True
    doc_checks_on: Literal["kept_lines", "page"] = "kept_lines"

    def validate(self) -> None:
        for field in ("min_words_per_line", "max_word_length", "min_sentences"):
            value = getattr(self, field)
            if value is not None and value < 0:
                raise ValueError(f"{field} must be >= 0 or null, got {value}")
        if self.long_word_scope not in ("line", "document"):
            raise ValueError(f"long_word_scope must be 'line' or 'document', not {self.long_word_scope!r}")
        if self.doc_checks_on not in ("kept_lines", "page"):
            raise ValueError(f"doc_checks_on must be 'kept_lines' or 'page', not {self.doc_checks_on!r}")

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, pa.Array | list]:
        pages = [self._clean(text, counters) for text in texts_of(batch)]
        counters["changed"] += sum(1 for p in pages if p.lines_removed)
        counters["lines_removed"] += sum(p.lines_removed for p in pages)
        return {
            "text": pa.array([p.text for p in pages], pa.large_string()),
            "c4_lines_removed": pa.array([p.lines_removed for p in pages], pa.int32()),
            "c4_sentences": pa.array([p.sentences for p in pages], pa.int32()),
            "c4_lorem_ipsum": pa.array([p.lorem_ipsum for p in pages], pa.bool_()),
            "c4_curly_bracket": pa.array([p.curly_bracket for p in pages], pa.bool_()),
            "c4_longest_word": pa.array([p.longest_word for p in pages], pa.int32()),
        }

    def _clean(self, text: str, counters: Counter) -> _Page:
        lines = split_lines(text)
        kept: list[str] = []
        sentences = longest = 0
        lorem = curly = False
        if self.doc_checks_on == "page":
            lorem, curly = "lorem ipsum" in text.lower(), "{" in text
        end_marks = tuple(self.terminal_punctuation) if self.terminal_punctuation else None
        policy = tuple(p.lower() for p in self.policy_substrings)
        line_scope = self.long_word_scope == "line" and self.max_word_length is not None
        cjk_doc = has_nospace_script(text)
        for raw in lines:
            line = raw.strip()
            if not line:
                continue
            words = line.split()
            nospace = cjk_doc and has_nospace_script(line)
            if nospace:  # a run of Chinese is not one long word
                word_len = max((len(w) for w in words if not has_nospace_script(w)), default=0)
            else:
                word_len = max(map(len, words))
            longest = max(longest, word_len)
            if line_scope and word_len > self.max_word_length:
                counters["lines_long_word"] += 1
                continue
            if self.remove_citations and "[" in line:
                line = CITATION_RE.sub("", line)
            if end_marks and (not line.endswith(end_marks) or (self.drop_ellipsis_lines and line.endswith(ELLIPSES))):
                counters["lines_no_terminal_punct"] += 1
                continue
            n_words = count_words(line) if nospace else len(words)
            if self.min_words_per_line is not None and n_words < self.min_words_per_line:
                counters["lines_too_few_words"] += 1
                continue
            lower = line.lower()
            if self.doc_checks_on == "kept_lines":
                lorem = lorem or "lorem ipsum" in lower
                curly = curly or "{" in line
            if self.drop_javascript_lines and "javascript" in lower:
                counters["lines_javascript"] += 1
                continue
            if policy and any(p in lower for p in policy):
                counters["lines_policy"] += 1
                continue
            sentences += count_sentences(line)
            kept.append(line)
        n_lines = sum(1 for raw in lines if raw.strip())
        return _Page("\n".join(kept), n_lines - len(kept), sentences, lorem, curly, longest)

    def decide(self, batch: pa.Table) -> list[tuple[str, str] | None]:
        cols = {c: batch.column(c).to_pylist() for c in
                ("c4_sentences", "c4_lorem_ipsum", "c4_curly_bracket", "c4_longest_word", "text")}
        out: list[tuple[str, str] | None] = []
        for sentences, lorem, curly, longest, text in zip(*cols.values(), strict=True):
            out.append(self._decide_one(sentences, lorem, curly, longest, text))
        return out

    def _decide_one(self, sentences: int, lorem: bool, curly: bool, longest: int, text: str) -> tuple[str, str] | None:
        where = "page" if self.doc_checks_on == "page" else "a kept line"
        if self.reject_lorem_ipsum and lorem:
            return f"{self.name}:lorem_ipsum", f'"lorem ipsum" in {where}'
        if self.reject_curly_bracket and curly:
            return f"{self.name}:curly_bracket", f'"{{" in {where}'
        if self.long_word_scope == "document" and self.max_word_length is not None and longest > self.max_word_length:
            return f"{self.name}:max_word_length", f"c4_longest_word={longest} > max_word_length={self.max_word_length}"
        if self.min_sentences is not None and sentences < self.min_sentences:
            return f"{self.name}:min_sentences", f"c4_sentences={sentences} < min_sentences={self.min_sentences}"
        if not text:
            return f"{self.name}:empty_after_cleaning", "no line passed the C4 line rules"
        return None
