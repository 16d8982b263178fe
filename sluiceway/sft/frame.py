"""Whole-set helpers for the SFT dataset stages: collect a Ray Dataset, add columns, reject, give it back.

SFT pools are thousands to ~100k rows, so selection stages materialize them on the driver.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa

from sluiceway.rows import alive_mask, set_column
from sluiceway.rows import reject as reject_mask

__all__ = ["alive_mask", "collect", "examples", "put", "reject_rows", "report_inputs", "score_columns",
           "to_dataset"]


def collect(ds: Any) -> pa.Table:
    import ray

    tables = ray.get(ds.to_arrow_refs())
    tables = [t for t in tables if t.num_rows] or tables[:1]
    if not tables:
        raise ValueError("the dataset has no blocks")
    return pa.concat_tables(tables, promote_options="permissive")


def to_dataset(table: pa.Table, parts: int) -> Any:
    import ray.data

    parts = max(1, min(parts, table.num_rows))
    step = -(-table.num_rows // parts) if table.num_rows else 1
    return ray.data.from_arrow([table.slice(i, step) for i in range(0, max(1, table.num_rows), step)])


def strings(table: pa.Table, name: str, mask: np.ndarray) -> list[str]:
    values = np.asarray(table.column(name).to_pylist(), dtype=object)[mask]
    return ["" if v is None else str(v) for v in values]


def examples(table: pa.Table, mask: np.ndarray) -> list[tuple[str, str, str]]:
    return list(zip(strings(table, "instruction", mask), strings(table, "input", mask),
                    strings(table, "output", mask), strict=True))


def put(table: pa.Table, name: str, alive: np.ndarray, values: Any, dtype: pa.DataType) -> pa.Table:
    """Set column ``name`` to ``values`` on the alive rows and null elsewhere."""
    full: list = [None] * table.num_rows
    for i, v in zip(np.flatnonzero(alive), values, strict=True):
        full[i] = None if isinstance(v, float) and np.isnan(v) else (v.item() if hasattr(v, "item") else v)
    return set_column(table, name, full, dtype)


def reject_rows(table: pa.Table, rows: np.ndarray, stage: str, reason: str, details: list[str]) -> pa.Table:
    """:func:`sluiceway.rows.reject` for ``rows`` given as indices, with one detail per index."""
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[rows] = True
    detail: list[str | None] = [None] * table.num_rows
    for i, d in zip(rows, details, strict=True):
        detail[i] = d
    return reject_mask(table, mask, stage, reason, detail)


def record_source(meta: str | None, fallback: str | None) -> str:
    """Where a row came from, for the report: a ``source``/``dataset``/``category`` field of the record (kept in
    ``meta`` by the reader), else its input file."""
    record = json.loads(meta) if meta else None
    for key in ("source", "dataset", "category"):
        if isinstance(record, dict) and isinstance(record.get(key), str):
            return record[key]
    return (fallback or "").rsplit(":", 1)[0]


def report_inputs(table: pa.Table, mask: np.ndarray) -> tuple[list[int], list[int], list[str]]:
    """Prompt and output lengths (characters) and sources of the rows in ``mask``."""
    ex = examples(table, mask)
    metas = np.asarray(table.column("meta").to_pylist() if "meta" in table.column_names else [None] * table.num_rows,
                       dtype=object)[mask]
    srcs = np.asarray(table.column("source").to_pylist() if "source" in table.column_names else [None] * table.num_rows,
                      dtype=object)[mask]
    return ([len(i) + len(x) for i, x, _ in ex], [len(o) for _, _, o in ex],
            [record_source(m, s) for m, s in zip(metas, srcs, strict=True)])


SCORE_COLUMNS = ("iqs_score", "golden_score")


def score_columns(table: pa.Table, mask: np.ndarray, own: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The stage's own scores plus any other known SFT score already in the table (for the report)."""
    out = dict(own)
    for name in SCORE_COLUMNS:
        if name in table.column_names and name not in out:
            values = np.asarray(table.column(name).to_pylist(), dtype=object)[mask]
            out[name] = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    return out
