"""Shared checks for reader tests: every physical record is one row, every rejected row says why and where."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa

from sluiceway.io.read import ReadOptions, read_file


def read_rows(path, **opts) -> tuple[list[dict], Counter]:
    counters: Counter = Counter()
    tables = list(read_file(str(path), ReadOptions(**opts), source=path.name, counters=counters))
    rows = pa.concat_tables(tables).to_pylist() if tables else []
    assert counters["rows"] == len(rows)
    return rows, counters


def assert_accounted(rows: list[dict], records: int, damaged: int = 0, name: str | None = None) -> None:
    """``records`` physical records plus one row per damaged file; unique sources; reasoned rejections."""
    assert len(rows) == records + damaged, (len(rows), records, damaged)
    sources = [r["source"] for r in rows]
    assert len(set(sources)) == len(sources)
    assert sum(r["reason"] == "damaged_file" for r in rows) == damaged
    for r in rows:
        if r["reason"] is not None:
            assert r["stage"] == "read" and r["detail"], r
            if name:
                assert name in r["detail"], r
        else:
            assert r["stage"] is None and r["detail"] is None and isinstance(r["text"], str)
