"""Parquet input converted per column with Arrow (no per-record Python for string, number and time columns).

Text columns may be string, large_string, string_view or dictionary-encoded; any other type is rejected per
row as ``non_string_text``, as for JSON. Ids become strings (``values.id_string``); ``keep_fields`` become
string columns and every other column goes into ``meta`` with the JSON mapping of ``sluiceway.io.values``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sluiceway.io import fields, values
from sluiceway.io.rows import READ_STAGE, STRICT_REASONS, row_schema, strict_error


def parquet_tables(path: str, opts, source: str, counters: Counter, progress: list[int]) -> Iterator[pa.Table]:
    """Tables of ``path``; ``progress[0]`` holds the last record converted (for damage reports)."""
    schema = row_schema(opts.keep_fields)
    for rb in pq.ParquetFile(path).iter_batches(batch_size=opts.batch_rows):
        table = convert(rb, opts, source, progress[0] + 1, counters, schema)
        progress[0] += rb.num_rows
        yield table


def _where(source: str, first: int, n: int) -> pa.Array:
    numbers = pc.cast(pa.array(np.arange(first, first + n, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(f"{source}:", numbers, "")


def _ids(arr: pa.Array) -> pa.Array:
    strings, _ = values.column_strings(arr)
    t = arr.type
    if pa.types.is_floating(t) or not (values.is_text_type(t) or pa.types.is_integer(t)):
        strings = pa.array([values.id_string(v) for v in arr.to_pylist()], pa.string())
    return strings


def convert(rb: pa.RecordBatch, opts, source: str, first: int, counters: Counter, schema: pa.Schema) -> pa.Table:
    """One Parquet batch as reader rows; ``first`` is the record index of its first row."""
    n = rb.num_rows
    where = _where(source, first, n)
    reason = np.full(n, None, dtype=object)
    why: dict[str, str] = {}
    text_chain = fields.resolve(rb.schema, opts.text_field)
    text = pa.nulls(n, pa.large_string())
    if not text_chain:
        reason[:] = "missing_text"
        why["missing_text"] = f"no field {opts.text_field!r}"
    else:
        col = fields.column(rb, text_chain)
        if values.is_text_type(col.type):
            text = pc.cast(col, pa.large_string())
            empty = pc.equal(pc.binary_length(pc.utf8_trim_whitespace(text)), 0)
            large = pc.greater(pc.binary_length(text), opts.max_doc_bytes)
            reason[np.asarray(pc.fill_null(large, False))] = "too_large"
            reason[np.asarray(pc.fill_null(empty, False))] = "empty_text"
            reason[np.asarray(col.is_null())] = "non_string_text"
            why["non_string_text"] = f"{opts.text_field!r} is null"
        else:
            reason[:] = "non_string_text"
            why["non_string_text"] = f"{opts.text_field!r} is {col.type}"
        why["too_large"] = f"more than {opts.max_doc_bytes} bytes"
    id_chain = fields.resolve(rb.schema, opts.id_field)
    ids = _ids(fields.column(rb, id_chain)) if id_chain else pa.nulls(n, pa.string())
    ids = pc.coalesce(ids, where)
    chains = [c for c in (text_chain, id_chain) if c]
    kept = []
    for name in opts.keep_fields:
        chain = fields.resolve(rb.schema, name)
        kept.append(values.column_strings(fields.column(rb, chain))[0] if chain else pa.nulls(n, pa.string()))
        if chain:
            chains.append(chain)
    meta_cols: dict[str, pa.Array] = {}
    for name, col in zip(rb.schema.names, rb.columns, strict=True):
        mine = [c for c in chains if c[0] == name]
        if any(len(c) == 1 for c in mine):
            continue
        for chain in mine:
            col = fields.drop(col, chain[1:]) if col is not None else None
        if col is not None:
            meta_cols[name] = col
    meta = values.meta_column(meta_cols, n) if meta_cols else pa.nulls(n, pa.string())
    bad = np.flatnonzero(reason != None)  # noqa: E711 - elementwise on an object array
    detail = np.full(n, None, dtype=object)
    if len(bad):
        wheres = where.take(pa.array(bad)).to_pylist()
        for i, w in zip(bad, wheres, strict=True):
            r = reason[i]
            detail[i] = f"{w}: {why[r]}" if r in why else w
            counters[f"rejected.{r}"] += 1
        if opts.strict:
            for i in bad:
                if reason[i] in STRICT_REASONS:
                    raise strict_error(reason[i], detail[i])
    stage = np.where(reason != None, READ_STAGE, None)  # noqa: E711
    arrays = [ids, text, *kept, meta, where, pa.array(stage, pa.string()), pa.array(reason, pa.string()),
              pa.array(detail, pa.string())]
    return pa.Table.from_arrays(arrays, schema=schema)
