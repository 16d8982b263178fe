"""Damaged and typed inputs through the Ray pipeline: the rows on disk account for every input row."""

import datetime
import gzip
import json

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from sluiceway.pipelines.pipeline import Pipeline
from sluiceway.stages.registry import build_stage


def _on_disk(out) -> tuple[list[dict], list[dict]]:
    def rows(sub):
        path = out / sub
        return pads.dataset(str(path), format="parquet").to_table().to_pylist() if path.exists() else []
    return rows("kept"), rows("rejected")


def test_damaged_gzip_and_dated_parquet_end_to_end(tmp_path, ray_session):
    src = tmp_path / "in"
    src.mkdir()
    payload = b"".join(json.dumps({"id": f"g{i}", "text": f"gzip document {i} " * 5}).encode() + b"\n"
                       for i in range(3000))
    data = gzip.compress(payload)
    (src / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    stamps = [datetime.datetime(2024, 1, 1) + datetime.timedelta(hours=i) for i in range(500)]
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(500)], "text": [f"parquet doc {i}" for i in range(500)],
                             "crawled": pa.array(stamps, pa.timestamp("us")),
                             "price": pa.array([None] * 500, pa.decimal128(5, 2))}), src / "dated.parquet")
    out = tmp_path / "out"
    report = Pipeline([build_stage("normalize")]).run(str(src / "*"), str(out), quiet=True)
    kept, rejected = _on_disk(out)
    sources = [r["source"] for r in kept + rejected]
    assert len(sources) == len(set(sources)) == report["rows"]["input"]
    assert report["rows"]["accounted"] and len(kept) + len(rejected) == report["rows"]["input"]
    (damaged,) = [r for r in rejected if r["reason"] == "damaged_file"]
    assert damaged["stage"] == "read" and "cut.jsonl.gz: damaged file" in damaged["detail"]
    good_gz = sum(s.startswith("cut.jsonl.gz:") for s in sources) - 1
    assert 0 < good_gz < 3000 and damaged["source"] == f"cut.jsonl.gz:{good_gz + 1}"
    parquet_rows = [r for r in kept if r["source"].startswith("dated.parquet:")]
    assert len(parquet_rows) == 500
    assert json.loads(parquet_rows[0]["meta"])["crawled"].startswith("2024-01-01T")
    assert report["stages"][0]["counters"]["damaged_files"] == 1
