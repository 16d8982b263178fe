"""Word tokens for the fastText embedder.

Lowercased runs of word characters; Chinese and Japanese have no spaces, so every Han, Hiragana
and Katakana character is a token of its own (fastText's character n-grams then see it as
``<字>``). Text with no word characters falls back to its non-space characters.
"""

from __future__ import annotations

import re

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+")


def tokenize(text: str) -> list[str]:
    """``"Hello, 世界!"`` → ``["hello", "世", "界"]``."""
    tokens = _TOKEN.findall(text.lower())
    return tokens or [c for c in text if not c.isspace()]
