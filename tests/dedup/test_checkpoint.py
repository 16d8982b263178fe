"""Step checkpoints: markers, keys, and Parquet metadata reads."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq

from sluiceway.dedup.checkpoint import Checkpoints, parquet_max, parquet_rows, step_key


def test_markers_and_partial_steps(tmp_path) -> None:
    cp = Checkpoints(str(tmp_path / "ck"))
    key = step_key("signatures", "digest", 128)
    assert key == step_key("signatures", "digest", 128) != step_key("signatures", "digest", 64)
    assert not cp.done("signatures", key)
    path = cp.start("signatures", key)
    open(os.path.join(path, "junk"), "w").close()
    path = cp.start("signatures", key)  # a restarted step begins empty
    assert os.listdir(path) == []
    os.makedirs(cp.data("signatures", key))
    pq.write_table(pa.table({"dirty": [0, 3, 1]}), os.path.join(cp.data("signatures", key), "a.parquet"))
    pq.write_table(pa.table({"dirty": [2]}), os.path.join(cp.data("signatures", key), "b.parquet"),
                   write_statistics=False)
    cp.finish("signatures", key, {"rows": 4})
    assert cp.done("signatures", key) and cp.info("signatures", key)["rows"] == 4
    assert cp.has_files("signatures", key)
    assert parquet_rows(cp.data("signatures", key)) == 4
    assert parquet_max(cp.data("signatures", key), "dirty") == 3
    assert parquet_rows(str(tmp_path / "missing")) == 0
