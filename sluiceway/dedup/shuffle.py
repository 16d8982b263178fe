"""Key-grouped processing and joins on Ray Data, built on one primitive: a hash shuffle on a key column
into whole blocks (``repartition(keys=...)``; Ray never splits such a block, which its own ``map_groups``
relies on), then one vectorized call per block.

Joins are done the same way (:func:`co_grouped`): both sides are padded to one schema with a ``_side``
tag, unioned and shuffled on the key, and each block is joined in NumPy/Arrow (:func:`lookup`) inside the
step's own block function (join and compute in one pass, list columns such as shingle sets included,
no polars needed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

SIDE = "_side"


def grouped(ds: Any, key: str, fn: Callable, num_partitions: int, fn_args: tuple = ()) -> Any:
    """Apply ``fn(table, *fn_args)`` to whole groups of rows sharing ``key`` (several groups per call)."""
    from ray.data.context import DataContext, ShuffleStrategy

    if DataContext.get_current().shuffle_strategy in (ShuffleStrategy.HASH_SHUFFLE, ShuffleStrategy.SHUFFLE_V2):
        return (ds.repartition(num_partitions, keys=[key])
                .map_batches(fn, batch_size=None, batch_format="pyarrow", fn_args=fn_args))
    return ds.groupby(key).map_groups(fn, batch_format="pyarrow", fn_args=fn_args)  # sort-based: slower


def union_schema(left: pa.Schema, right: pa.Schema) -> pa.Schema:
    fields = list(left) + [f for f in right if f.name not in left.names]
    return pa.schema([*fields, pa.field(SIDE, pa.int8())])


def pad(table: pa.Table, schema: pa.Schema, side: int) -> pa.Table:
    """``table`` with every column of ``schema`` (missing ones null) and its ``_side`` tag."""
    n = table.num_rows
    cols = []
    for field in schema:
        if field.name == SIDE:
            cols.append(pa.array(np.full(n, side, np.int8)))
        elif field.name in table.column_names:
            cols.append(table.column(field.name).cast(field.type))
        else:
            cols.append(pa.nulls(n, field.type))
    return pa.Table.from_arrays(cols, schema=schema)


def co_grouped(left: Any, right: Any, left_schema: pa.Schema, right_schema: pa.Schema, key: str, fn: Callable,
               num_partitions: int, fn_args: tuple = ()) -> Any:
    """Shuffle two datasets together on ``key``; ``fn(left_rows, right_rows, *fn_args)`` gets, per block,
    the rows of both sides whose keys hash there (all rows of each key)."""
    schema = union_schema(left_schema, right_schema)
    both = left.map_batches(pad, batch_format="pyarrow", fn_args=(schema, 0)).union(
        right.map_batches(pad, batch_format="pyarrow", fn_args=(schema, 1)))
    return grouped(both, key, _split_sides, num_partitions,
                   (fn, left_schema.names, right_schema.names, fn_args))


def _split_sides(table: pa.Table, fn: Callable, left_names: list[str], right_names: list[str],
                 fn_args: tuple) -> pa.Table:
    side = table.column(SIDE).to_numpy(zero_copy_only=False)
    left = table.filter(pa.array(side == 0)).select(left_names)
    right = table.filter(pa.array(side == 1)).select(right_names)
    return fn(left, right, *fn_args)


def lookup(left: pa.Table, right: pa.Table, left_key: str, right_key: str, columns: list[str]) -> list[pa.Array]:
    """For each left row, ``columns`` of the right row with the same key (null when none; right keys are
    unique, the first wins otherwise)."""
    rk = right.column(right_key).to_numpy(zero_copy_only=False)
    lk = left.column(left_key).to_numpy(zero_copy_only=False)
    order = np.argsort(rk, kind="stable")
    pos = np.searchsorted(rk, lk, sorter=order) if len(rk) else np.zeros(len(lk), np.int64)
    pos = np.minimum(pos, max(len(rk) - 1, 0))
    idx = order[pos] if len(rk) else pos
    found = (rk[idx] == lk) if len(rk) else np.zeros(len(lk), bool)
    take = pa.array(np.where(found, idx, 0), mask=~found)
    return [right.column(c).take(take) if len(rk) else pa.nulls(len(lk), right.schema.field(c).type)
            for c in columns]
