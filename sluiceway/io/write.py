"""Write one batch of the final dataset: kept rows and rejected rows to their own shards.

Shard names are a hash of the batch's row keys (the ``source`` column, unique per physical input
record), so a retried Ray task rewrites the same file instead of adding a second copy, and two batches
never share a name unless they hold the same records. Each call returns a small summary of the rows it
committed, which the driver adds up and checks against a scan of the written files.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq

from sluiceway.rows import DETAIL, REASON, STAGE, alive_mask

FORMATS = ("parquet", "jsonl", "jsonl.gz")
KEY = "source"  # the row key the reader writes
SUMMARY_SCHEMA = pa.schema([(STAGE, pa.string()), (REASON, pa.string()), ("rows", pa.int64())])


def _shard_name(table: pa.Table) -> str:
    """A name from the batch's row keys, in order (the same batch, retried, gets the same name)."""
    digest = hashlib.sha1()
    for chunk in table.column(KEY).chunks:
        for value in chunk.to_pylist():
            digest.update(str(value).encode("utf-8", "surrogatepass") + b"\0")
    return f"part-{digest.hexdigest()[:20]}"


def _write(table: pa.Table, directory: str, name: str, fmt: str) -> None:
    os.makedirs(directory, exist_ok=True)
    if fmt == "parquet":
        tmp = os.path.join(directory, f".{name}.tmp")
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, os.path.join(directory, f"{name}.parquet"))
        return
    suffix = ".jsonl.gz" if fmt == "jsonl.gz" else ".jsonl"
    tmp = os.path.join(directory, f".{name}{suffix}.tmp")
    opener = gzip.open if fmt == "jsonl.gz" else open
    with opener(tmp, "wt", encoding="utf-8") as fh:
        for row in table.to_pylist():
            fh.write(json.dumps(row, ensure_ascii=False, default=_jsonable) + "\n")
    os.replace(tmp, os.path.join(directory, f"{name}{suffix}"))


def _jsonable(value: object) -> object:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def write_batch(table: pa.Table, output_dir: str, fmt: str = "parquet") -> pa.Table:
    """Split ``table`` into kept and rejected shards; return (stage, reason, rows) counts."""
    if table.num_rows == 0:
        return SUMMARY_SCHEMA.empty_table()
    if KEY not in table.column_names:
        raise ValueError(f"cannot write a batch without the row key column {KEY!r}")
    name = _shard_name(table)
    alive = alive_mask(table)
    kept = table.filter(pa.array(alive)).drop_columns([STAGE, REASON, DETAIL])
    rejected = table.filter(pa.array(~alive))
    if kept.num_rows:
        _write(kept, os.path.join(output_dir, "kept"), name, fmt)
    if rejected.num_rows:
        _write(rejected, os.path.join(output_dir, "rejected"), name, fmt)
    stages, reasons, counts = [""], [""], [kept.num_rows]
    if rejected.num_rows:
        grouped = rejected.select([STAGE, REASON]).group_by([STAGE, REASON]).aggregate([([], "count_all")])
        stages += grouped.column(STAGE).to_pylist()
        reasons += grouped.column(REASON).to_pylist()
        counts += grouped.column("count_all").to_pylist()
    return pa.table({STAGE: stages, REASON: reasons, "rows": counts}, schema=SUMMARY_SCHEMA)
