"""Plain texts for training models (fastText classifiers, embedders): JSONL/JSON/Parquet through the reader,
skipping unusable records, or ``.txt``/``.txt.gz`` files with one text per line."""

from __future__ import annotations

import gzip
import os
import random
from collections.abc import Iterator

from sluiceway.io.read import ReadOptions, expand_inputs, read_file
from sluiceway.rows import alive_rows

TEXT_SUFFIXES = (".txt", ".txt.gz")


def _files(patterns: str | list[str]) -> list[str]:
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)
    for pattern in patterns:
        if not any(c in pattern for c in "*?[") and not os.path.exists(pattern):
            raise FileNotFoundError(f"no such input file: {pattern}")
    return expand_inputs(patterns)


def iter_texts(patterns: str | list[str], text_field: str = "text", limit: int | None = None) -> Iterator[str]:
    """Usable texts from files, globs or folders, in file order; at most ``limit`` of them."""
    opts = ReadOptions(text_field=text_field)
    seen = 0
    for path in _files(patterns):
        if path.lower().endswith(TEXT_SUFFIXES):
            texts: Iterator[str] = iter_lines(path)
        else:
            texts = (t for table in read_file(path, opts) for t in alive_rows(table).column("text").to_pylist()
                     if t and t.strip())
        for text in texts:
            if limit is not None and seen >= limit:
                return
            seen += 1
            yield text


def iter_lines(path: str) -> Iterator[str]:
    """The non-blank lines of a plain or gzip text file, stripped."""
    opener = gzip.open if path.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if line:
                yield line


def read_texts(patterns: str | list[str], text_field: str = "text", limit: int | None = None,
               seed: int = 0) -> list[str]:
    """All texts, or a uniform reservoir sample of ``limit`` of them (seeded, order kept)."""
    if limit is None:
        return list(iter_texts(patterns, text_field))
    rng = random.Random(seed)
    sample: list[tuple[int, str]] = []
    for i, text in enumerate(iter_texts(patterns, text_field)):
        if len(sample) < limit:
            sample.append((i, text))
        else:
            j = rng.randrange(i + 1)
            if j < limit:
                sample[j] = (i, text)
    return [t for _, t in sorted(sample)]
