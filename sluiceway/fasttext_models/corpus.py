"""Read training text for the ``train`` commands: JSONL/JSON/Parquet through the reader, or plain text."""

from __future__ import annotations

import gzip
import random
from collections.abc import Iterator

from sluiceway.io.read import ReadOptions, expand_inputs, read_file
from sluiceway.rows import alive_rows

TEXT_SUFFIXES = (".txt", ".txt.gz")


def iter_texts(patterns: str | list[str], text_field: str = "text") -> Iterator[str]:
    """Yield usable documents from files or globs; ``.txt`` files hold one document per line."""
    opts = ReadOptions(text_field=text_field)
    for path in expand_inputs(patterns):
        if path.lower().endswith(TEXT_SUFFIXES):
            yield from iter_lines(path)
            continue
        for table in read_file(path, opts):
            yield from (t for t in alive_rows(table).column("text").to_pylist() if t and t.strip())


def iter_lines(path: str) -> Iterator[str]:
    opener = gzip.open if path.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if line:
                yield line


def read_texts(patterns: str | list[str], text_field: str = "text", limit: int | None = None,
               seed: int = 0) -> list[str]:
    """All documents, or a uniform reservoir sample of ``limit`` of them (seeded, order kept)."""
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
