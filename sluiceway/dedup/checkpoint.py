"""Step checkpoints: one directory of Parquet files per step, and a completion marker written last.

A step's directory is named ``<step>-<key>``, where the key hashes the step's parameters and the key of
the step it reads from (the first step: a digest of the input). A rerun with the same key finds the
marker and skips the step; a changed parameter or input changes the key, so stale results are never
reused. A step that died half-way has no marker: its directory is wiped and the step recomputed.
(DataTrove's completion markers, applied to every dedup step.)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from typing import Any

MARKER = "_COMPLETE.json"


def step_key(*parts: Any) -> str:
    """A short stable hash of JSON-able parts."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


class Checkpoints:
    """Step directories under ``root`` (e.g. ``<output>/_checkpoints/minhash``)."""

    def __init__(self, root: str):
        self.root = root

    def path(self, step: str, key: str) -> str:
        return os.path.join(self.root, f"{step}-{key}")

    def done(self, step: str, key: str) -> bool:
        return os.path.exists(os.path.join(self.path(step, key), MARKER))

    def info(self, step: str, key: str) -> dict:
        with open(os.path.join(self.path(step, key), MARKER), encoding="utf-8") as fh:
            return json.load(fh)

    def start(self, step: str, key: str) -> str:
        """Wipe any partial output of the step and return its (empty) directory."""
        path = self.path(step, key)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

    def finish(self, step: str, key: str, info: dict) -> None:
        path = self.path(step, key)
        tmp = os.path.join(path, MARKER + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({**info, "finished_at": time.time()}, fh, indent=1, default=str)
        os.replace(tmp, os.path.join(path, MARKER))

    def data(self, step: str, key: str, name: str = "data") -> str:
        return os.path.join(self.path(step, key), name)

    def has_files(self, step: str, key: str, name: str = "data") -> bool:
        return bool(parquet_files(self.data(step, key, name)))


def parquet_files(folder: str) -> list[str]:
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".parquet"))


def parquet_rows(folder: str) -> int:
    """Row count from the Parquet footers (no data read)."""
    import pyarrow.parquet as pq

    return sum(pq.read_metadata(f).num_rows for f in parquet_files(folder))


def parquet_max(folder: str, column: str) -> int:
    """Largest value of an integer column from the row-group statistics (reads the column only for a
    row group written without statistics)."""
    import pyarrow.parquet as pq

    best = 0
    for path in parquet_files(folder):
        meta = pq.read_metadata(path)
        index = meta.schema.to_arrow_schema().get_field_index(column)
        for rg in range(meta.num_row_groups):
            stats = meta.row_group(rg).column(index).statistics
            if stats is not None and stats.has_min_max:
                best = max(best, int(stats.max))
            else:
                values = pq.ParquetFile(path).read_row_group(rg, columns=[column]).column(0).to_numpy()
                best = max(best, int(values.max()) if len(values) else 0)
    return best
