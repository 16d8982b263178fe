"""A fast, Unicode-aware word splitter (precompiled regexes, no NLP model).

A *word* is either
  * a run of letters, digits and combining marks from a script written with spaces, which may contain
    inner ``-``, ``_``, ``'``, ``’`` or ``.`` (``don't``, ``e-mail``, ``U.S``, ``3.5``) and a ``,`` between
    digits (``1,000``); or
  * one character (with its combining marks) of a script written without spaces: Han, Hiragana,
    Katakana, Thai, Lao, Khmer, Myanmar. Counting each such character as a word keeps word-count rules
    meaningful for Chinese, Japanese or Thai: a 300-character Chinese article has 300 "words", not one.

Runs of punctuation and symbols are *symbol tokens*, never words. Python's ``\\w`` leaves out combining
marks (Devanagari vowel signs, Thai tone marks), so the classes here are built from ``unicodedata``.
"""

from __future__ import annotations

import re
import unicodedata

# Scripts written without spaces between words (code point ranges).
_NOSPACE_RANGES = (
    (0x0E00, 0x0E7F),  # Thai
    (0x0E80, 0x0EFF),  # Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x2FA1F),  # CJK extensions B.. and compatibility supplement
)
_MARKS = frozenset(("Mn", "Mc", "Me"))
_SYMBOLS = frozenset(("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Cc", "Cf", "Cs", "Co"))


def _ranges(codepoints: list[int]) -> list[tuple[int, int]]:
    """Sorted code points -> inclusive ranges."""
    out: list[list[int]] = []
    for cp in codepoints:
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return [(a, b) for a, b in out]


def _cls(ranges: list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> str:
    """Ranges -> the inside of a regex character class."""
    esc = re.escape
    return "".join(esc(chr(a)) if a == b else f"{esc(chr(a))}-{esc(chr(b))}" for a, b in ranges)


# Classes are built over the BMP only: Python's ``re`` tests a class with astral ranges linearly, which is
# 5x slower. Astral characters are words when they are CJK extension ideographs, symbol characters
# otherwise (emoji, mathematical alphanumerics, historic scripts).
_SYMBOL_CPS = [cp for cp in range(0x10000) if unicodedata.category(chr(cp)) in _SYMBOLS and not chr(cp).isspace()]
_NS_MARK_CPS = [cp for a, b in _NOSPACE_RANGES for cp in range(a, b + 1) if unicodedata.category(chr(cp)) in _MARKS]
_ASTRAL_SYMBOLS = "\U00010000-\U0001FFFF\U0002FA20-\U0010FFFF"

_NS = _cls(_NOSPACE_RANGES)
# The same class in RE2 syntax (Arrow's regex kernels), to classify words of a whole batch at once.
NOSPACE_RE2 = "^[" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in _NOSPACE_RANGES) + "]"
_SYM = _cls(_ranges(_SYMBOL_CPS))  # punctuation (incl. "_"), symbols, controls, format characters
_WC = rf"[^\s{_SYM}{_NS}\U00010000-\U0010FFFF]"  # a spaced-script word character: letter, digit or mark

SPACED_WORD = rf"{_WC}+(?:[-_'’.]{_WC}+|(?<=\d),\d+)*"
NOSPACE_WORD = rf"[{_NS}][{_cls(_ranges(_NS_MARK_CPS))}]*"
SYMBOL_TOKEN = rf"[{_SYM}{_ASTRAL_SYMBOLS}]+"

URL = r"(?:https?://|www\.)[^\s<>\"'()\[\]{}]+[^\s<>\"'()\[\]{}.,;:!?]"

WORD_RE = re.compile(rf"{URL}|{SPACED_WORD}|{NOSPACE_WORD}")
SPACED_WORD_RE = re.compile(rf"{URL}|{SPACED_WORD}")
NOSPACE_WORD_RE = re.compile(NOSPACE_WORD)
SYMBOL_RE = re.compile(SYMBOL_TOKEN)
_NOSPACE_CHAR_RE = re.compile(rf"[{_NS}]")
_ALPHA_RE = re.compile(r"[^\W\d_]")


def split_words(text: str) -> list[str]:
    """All words in order; each character of a no-space script is its own word."""
    return WORD_RE.findall(text)


_CACHE: dict[str, list[str]] = {}
_CACHE_CHARS = [0]
CACHE_MAX_CHARS = 8_000_000


def cached_words(text: str) -> list[str]:
    """``split_words`` memoized over the last few million characters of text: consecutive filters of a
    batch (repetition, quality, FineWeb) split each document once. Do not mutate the returned list."""
    words = _CACHE.get(text)
    if words is None:
        words = WORD_RE.findall(text)
        if len(text) <= CACHE_MAX_CHARS:
            while _CACHE and _CACHE_CHARS[0] + len(text) > CACHE_MAX_CHARS:
                _CACHE_CHARS[0] -= len(next(iter(_CACHE)))
                del _CACHE[next(iter(_CACHE))]
            _CACHE[text] = words
            _CACHE_CHARS[0] += len(text)
    return words


def split_spaced_words(text: str) -> list[str]:
    """Only the words of scripts written with spaces (Latin, Cyrillic, Greek, Arabic, Devanagari, Hangul...)."""
    return SPACED_WORD_RE.findall(text)


def count_words(text: str) -> int:
    return len(WORD_RE.findall(text))


def count_nospace_words(text: str) -> int:
    """Characters (with their marks) of no-space scripts: each one is a word."""
    return len(NOSPACE_WORD_RE.findall(text))


def count_symbol_tokens(text: str) -> int:
    """Runs of punctuation or symbols between words and spaces (``,``, ``...``, ``|``, ``©``)."""
    return len(SYMBOL_RE.findall(text))


def has_nospace_script(text: str) -> bool:
    return _NOSPACE_CHAR_RE.search(text) is not None


def has_alpha(word: str) -> bool:
    """True when the word holds at least one alphabetic character (any script)."""
    return word.isalpha() or _ALPHA_RE.search(word) is not None
