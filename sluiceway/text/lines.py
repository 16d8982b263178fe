"""Line, paragraph and sentence splitting, and duplicate counting over them.

Lines are separated by ``\\n`` (``\\r\\n`` and ``\\r`` count too); paragraphs by two or more line breaks,
as in Gopher (Rae et al. 2021, Appendix A). Sentences are found with a punctuation regex: a sentence ends
at ``.``, ``!``, ``?`` (or their CJK/Devanagari/Arabic forms) followed by a space or the end of the text.
That is what spaCy's rule-based sentencizer does, without loading spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Marks that end a sentence in common scripts (Latin, CJK full-width, Devanagari, Arabic, Ethiopic,
# Myanmar, Khmer, Armenian, interrobangs).
TERMINAL_PUNCTUATION = (".", "!", "?", "。", "！", "？", "．", "｡", "؟", "۔", "।", "॥", "።", "፧", "။", "។",
                        "៕", "։", "‼", "‽", "⁇", "⁈", "⁉", "︒", "﹒", "﹖", "﹗")
_TERM = re.escape("".join(TERMINAL_PUNCTUATION))

_PARAGRAPH_RE = re.compile(r"\n\n+")  # starts with a literal: Python's re scans for it fast
# A sentence boundary: terminal marks and optional closing quotes/brackets, then whitespace before more
# text; after full-width CJK marks no space is needed.
_SENTENCE_END_RE = re.compile(rf"[{_TERM}]+[\"'”’»)\]]*\s+(?=\S)|[。！？｡]+[」』”’）)]*(?=[^\s」』”’）)])")


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def split_lines(text: str) -> list[str]:
    """All lines, blank ones included (``str.splitlines`` minus its exotic separators)."""
    return _lf(text).split("\n")


def nonblank_lines(text: str) -> list[str]:
    """Lines holding at least one non-whitespace character, unstripped."""
    return [line for line in _lf(text).split("\n") if line and not line.isspace()]


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs: text between runs of two or more line breaks (ends stripped first)."""
    return _PARAGRAPH_RE.split(_lf(text).strip())


def count_sentences(text: str) -> int:
    """Rule-based sentence count: terminal punctuation followed by whitespace; non-blank text counts >= 1."""
    if not text or text.isspace():
        return 0
    return 1 + len(_SENTENCE_END_RE.findall(text.strip()))


def split_sentences(text: str) -> list[str]:
    text = text.strip()
    if not text:
        return []
    out, start = [], 0
    for m in _SENTENCE_END_RE.finditer(text):
        out.append(text[start:m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def duplicates(items: Iterable[str]) -> tuple[int, int]:
    """``(number, characters)`` of items that repeat an earlier item: the first occurrence is not counted."""
    seen: set[str] = set()
    n = chars = 0
    for item in items:
        if item in seen:
            n += 1
            chars += len(item)
        else:
            seen.add(item)
    return n, chars
