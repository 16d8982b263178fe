"""The records of a JSON or JSONL file as parsed JSON values, numbered as the reader numbers them.

A post-step that writes records back unchanged (``sluiceway select``) finds them here by the row key
``relpath:N``: the walk is the reader's own (``jsontext``), so N is the same line (JSONL) or record
index (JSON array). Records the reader could not parse come back as ``None``; a damaged file ends the walk.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

from sluiceway.io.jsontext import json_array_tables, jsonl_tables
from sluiceway.io.open import DAMAGE
from sluiceway.io.read import ReadOptions, detect_format


class _Collector:
    """The ``Batcher`` interface the JSON walks call, collecting ``(number, record)`` instead of rows."""

    def __init__(self, opts: ReadOptions, source: str, counters: Counter):
        self.opts, self.source, self.counters, self.last = opts, source, counters, 0
        self.items: list[tuple[int, Any]] = []

    def add(self, record: Any, line: int, bad: tuple[str, str] | None = None) -> None:
        self.last = line
        self.items.append((line, None if bad else record))

    def __len__(self) -> int:
        return len(self.items)

    def flush(self) -> list[tuple[int, Any]]:
        items, self.items = self.items, []
        return items


def iter_records(path: str, opts: ReadOptions | None = None,
                 counters: Counter | None = None) -> Iterator[tuple[int, Any]]:
    """``(N, record)`` for every physical record of ``path`` (JSON array or JSONL, plain, .gz or .zst);
    ``counters`` receives what the reader counts (e.g. ``json_lines_in_json``)."""
    opts = opts or ReadOptions()
    if detect_format(path) == "parquet":
        raise ValueError(f"{path}: raw records are read from JSON or JSONL files, not Parquet")
    collector = _Collector(opts, os.path.basename(path), counters if counters is not None else Counter())
    walk = json_array_tables if detect_format(path) == "json" else jsonl_tables
    try:
        for chunk in walk(path, opts, collector):  # type: ignore[arg-type]
            yield from chunk
    except DAMAGE:
        pass  # the reader rejected the rest as one damaged_file row
    yield from collector.flush()
