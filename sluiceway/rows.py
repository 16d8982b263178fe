"""Row state, the one place every package reads and writes it.

A row is alive while its ``reason`` is null. Rejecting a row sets ``stage`` (who), ``reason`` (a short
code) and ``detail`` (a sentence) together; it is never dropped, and later stages skip it. This module
imports nothing from sluiceway, so io/, dedup/, diversity/, sft/ and the stages can all use it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

STAGE, REASON, DETAIL = "stage", "reason", "detail"
REJECTION = (STAGE, REASON, DETAIL)
RESERVED = ("id", STAGE, REASON, DETAIL)  # columns a stage may not write
READER_COLUMNS = ("id", "text", "meta", "source", STAGE, REASON, DETAIL)  # what the reader always writes


def alive_mask(table: pa.Table) -> np.ndarray:
    """Per row, True while it is not rejected (every row of a table without a ``reason`` column)."""
    if REASON not in table.column_names:
        return np.ones(table.num_rows, dtype=bool)
    return pc.is_null(table.column(REASON)).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def alive_rows(table: pa.Table) -> pa.Table:
    """The rows that are not rejected."""
    mask = alive_mask(table)
    return table if mask.all() else table.filter(pa.array(mask))


def set_column(table: pa.Table, name: str, values: Any, dtype: pa.DataType | None = None) -> pa.Table:
    """Replace column ``name`` (in place, keeping its position) or append it."""
    if not isinstance(values, pa.Array | pa.ChunkedArray):
        values = pa.array(values, type=dtype)
    idx = table.schema.get_field_index(name)
    return table.set_column(idx, name, values) if idx >= 0 else table.append_column(name, values)


def _as_mask(mask: Any, n: int) -> pa.Array:
    arr = mask if isinstance(mask, pa.Array | pa.ChunkedArray) else pa.array(np.asarray(mask, dtype=bool))
    if len(arr) != n:
        raise ValueError(f"reject mask has {len(arr)} values for {n} rows")
    return pc.fill_null(arr, False)


def _as_values(value: Any) -> pa.Scalar | pa.Array | pa.ChunkedArray:
    if value is None or isinstance(value, str):
        return pa.scalar(value, pa.string())
    if isinstance(value, pa.Array | pa.ChunkedArray):
        return value.cast(pa.string())
    return pa.array(list(value), pa.string())


def reject(table: pa.Table, mask: Any, stage: str, reason: str, detail: Any) -> pa.Table:
    """Reject the rows where ``mask`` is true: set ``stage``, ``reason`` and ``detail`` there, keep the
    other rows' values. ``detail`` is one string for all, or one value per row of the table (read only
    where ``mask`` is true). A table where nothing is rejected comes back unchanged."""
    n = table.num_rows
    drop = _as_mask(mask, n)
    if not n or not pc.any(drop).as_py():
        return table
    for name, value in ((STAGE, stage), (REASON, reason), (DETAIL, detail)):
        old = table.column(name).cast(pa.string()) if name in table.column_names else pa.nulls(n, pa.string())
        table = set_column(table, name, pc.if_else(drop, _as_values(value), old))
    return table
