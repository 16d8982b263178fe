"""Texts for training an embedder: ``.txt`` files are one text per line, anything else goes
through sluiceway's reader (JSONL[.gz|.zst], JSON arrays, Parquet), skipping unusable records."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from sluiceway.rows import alive_rows


def iter_texts(files: Sequence[str], text_field: str = "text", limit: int | None = None) -> Iterator[str]:
    from sluiceway.io.read import ReadOptions, read_file

    if isinstance(files, str):
        files = [files]
    seen = 0
    for path in files:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no such input file: {path}")
        if path.lower().endswith(".txt"):
            with open(path, encoding="utf-8", errors="replace") as fh:
                batches = [[line.rstrip("\n") for line in fh if line.strip()]]
        else:
            batches = (alive_rows(t).column("text").to_pylist()
                       for t in read_file(path, ReadOptions(text_field=text_field)))
        for batch in batches:
            for text in batch:
                if limit is not None and seen >= limit:
                    return
                seen += 1
                yield text
