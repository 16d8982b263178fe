"""Key-grouped processing and joins for the dedup steps, built on one primitive: a hash shuffle on an
integer key column into whole partitions, then one vectorized call per partition.

:func:`grouped` shuffles with plain Ray tasks: one split task per input block (rows hashed on the key into
``num_partitions`` pieces) and one task per partition that concatenates its pieces and applies the
function. The driver holds only object references. The intermediate tables of near-dedup (bands, edges,
components, members) are small, and for them a Ray Data hash shuffle costs seconds of set-up per call
(it starts aggregator actors), which dominated the run time below a few million documents.
:func:`grouped_streaming` keeps Ray Data's lazy, streaming ``repartition(keys=...)`` for the one shuffle
that moves whole documents (Ray never splits such a block, which its own ``map_groups`` relies on).

Joins are done the same way (:func:`co_grouped`): both sides are padded to one schema with a ``_side``
tag, unioned and shuffled on the key, and each partition is joined in NumPy/Arrow (:func:`lookup`) inside
the step's own block function (join and compute in one pass, list columns such as shingle sets included).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa

SIDE = "_side"
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads sequential or strided keys evenly


def partition_of(keys: np.ndarray, parts: int) -> np.ndarray:
    """The partition (0 .. parts-1) of each int64 key."""
    return ((keys.astype(np.int64, copy=False).view(np.uint64) * _MIX) >> np.uint64(33)) % np.uint64(parts)


def split_block(table: pa.Table, key: str, parts: int) -> pa.Table | tuple[pa.Table, ...]:
    """``table`` cut into ``parts`` tables by the hash of ``key`` (a copy each, so no piece pins the block)."""
    if not isinstance(table, pa.Table):  # a Ray block in another format
        table = pa.Table.from_pandas(table, preserve_index=False)
    part = partition_of(table.column(key).to_numpy(zero_copy_only=False), parts)
    pieces = tuple(table.take(pa.array(np.flatnonzero(part == p))) for p in range(parts))
    return pieces if parts > 1 else pieces[0]


def reduce_partition(fn: Callable, fn_args: tuple, *pieces: pa.Table) -> pa.Table:
    return fn(pa.concat_tables(pieces, promote_options="permissive"), *fn_args)


@functools.cache
def _remote(fn: Callable) -> Any:
    import ray

    return ray.remote(fn)


def grouped(ds: Any, key: str, fn: Callable, num_partitions: int, fn_args: tuple = ()) -> Any:
    """Apply ``fn(table, *fn_args)`` to whole groups of rows sharing the int64 ``key`` (several groups per
    call), with a task shuffle; runs ``ds`` now and returns a Dataset over the partitions' results (being
    computed)."""
    import ray.data

    parts = max(1, num_partitions)
    split = _remote(split_block).options(num_returns=parts)
    # split blocks as they are produced rather than after the whole input is materialized
    pieces = [split.remote(ref, key, parts) for bundle in ds.iter_internal_ref_bundles() for ref in bundle.block_refs]
    if not pieces:
        return ds
    if parts == 1:
        pieces = [[p] for p in pieces]
    reduce = _remote(reduce_partition)
    return ray.data.from_arrow_refs([reduce.remote(fn, fn_args, *[p[i] for p in pieces]) for i in range(parts)])


def grouped_streaming(ds: Any, key: str, fn: Callable, num_partitions: int, fn_args: tuple = ()) -> Any:
    """As :func:`grouped`, but lazy and streaming through Ray Data's hash shuffle (for whole documents)."""
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
               num_partitions: int, fn_args: tuple = (), shuffle: Callable = grouped) -> Any:
    """Shuffle two datasets together on ``key``; ``fn(left_rows, right_rows, *fn_args)`` gets, per block,
    the rows of both sides whose keys hash there (all rows of each key)."""
    schema = union_schema(left_schema, right_schema)
    both = left.map_batches(pad, batch_format="pyarrow", fn_args=(schema, 0)).union(
        right.map_batches(pad, batch_format="pyarrow", fn_args=(schema, 1)))
    return shuffle(both, key, _split_sides, num_partitions, (fn, left_schema.names, right_schema.names, fn_args))


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
