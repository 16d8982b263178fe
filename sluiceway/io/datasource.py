"""The input files as a Ray Data datasource: one read task per file, streaming Arrow blocks.

A real read operator (rather than a ``map_batches`` over file names) matters for parallelism: Ray Data
fuses consecutive map operators and bundles their input up to the largest ``batch_size`` in the chain, so
a file-name map fused with stage maps of 1,000 rows ran every file in one task. A read operator is not
fused with batch-sized maps, so reading streams blocks and the stages run on them in parallel tasks, even
when the input is a single file.
"""

from __future__ import annotations

import functools
import os
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
from ray.data.block import BlockMetadata
from ray.data.datasource import Datasource, ReadTask

from sluiceway.io.keys import add_digests, digest, key_hashes
from sluiceway.io.read import ReadOptions, read_file


def _read(path: str, opts: ReadOptions, source: str, stats: Any) -> Iterator[pa.Table]:
    counters: Counter = Counter()
    start = time.perf_counter()
    rows, total = 0, 0
    for table in read_file(path, opts, source, counters):
        rows, total = rows + table.num_rows, add_digests(total, digest(key_hashes(table.column("source"))))
        yield table
    if stats is not None:
        import ray

        stats.add.remote("read", time.perf_counter() - start, counters["rows"], None)
        # exact input count and key digest (see sluiceway.io.keys): wait for it
        ray.get(stats.file_done.remote(path, dict(counters), {"rows": rows, "digest": f"{total:016x}"}))


class InputFiles(Datasource):
    """``files`` read with ``opts``; ``sources`` maps each path to the name used in the ``source`` column."""

    def __init__(self, files: list[str], opts: ReadOptions, sources: dict[str, str], stats: Any = None):
        self.files, self.opts, self.sources, self.stats = files, opts, sources, stats

    def get_name(self) -> str:
        return "SluicewayRead"

    def estimate_inmemory_data_size(self) -> int | None:
        return sum(os.path.getsize(f) for f in self.files if os.path.exists(f)) or None

    def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                       data_context: Any = None) -> list[ReadTask]:
        return [ReadTask(functools.partial(_read, path, self.opts, self.sources[path], self.stats),
                         BlockMetadata(num_rows=None, size_bytes=os.path.getsize(path) if os.path.exists(path)
                                       else None, input_files=[path], exec_stats=None))
                for path in self.files]


def _read_parquet(path: str) -> Iterator[pa.Table]:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
        yield pa.Table.from_batches([batch])


class ParquetFiles(Datasource):
    """Parquet files written by sluiceway itself (checkpoints), one plain read task per file.

    Ray Data's own ``read_parquet`` first reads the footers in helper actors, and an actor on a node that dies
    is not retried (seen with a worker node killed mid-run); plain read tasks are retried on another node."""

    def __init__(self, files: list[str]):
        self.files = files

    def get_name(self) -> str:
        return "SluicewayParquet"

    def estimate_inmemory_data_size(self) -> int | None:
        return sum(os.path.getsize(f) for f in self.files) or None

    def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                       data_context: Any = None) -> list[ReadTask]:
        return [ReadTask(functools.partial(_read_parquet, path),
                         BlockMetadata(num_rows=None, size_bytes=os.path.getsize(path), input_files=[path],
                                       exec_stats=None))
                for path in self.files]


def read_parquet_folder(folder: str) -> Any:
    """The Parquet files directly in ``folder`` as a Ray Dataset (see :class:`ParquetFiles`)."""
    import ray.data

    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".parquet"))
    return ray.data.read_datasource(ParquetFiles(files), override_num_blocks=max(1, len(files)))
