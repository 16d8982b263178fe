import pyarrow as pa
import pyarrow.parquet as pq

from sluiceway.io.write import write_batch


def _table():
    return pa.table({
        "id": ["a", "b", "c"], "text": pa.array(["x", "y", "z"], pa.large_string()),
        "stage": [None, "gopher_quality", "gopher_quality"], "reason": [None, "gopher_quality:min_words", "r2"],
        "detail": [None, "3 < 50", None],
    })


def test_write_splits_kept_and_rejected_and_summarizes(tmp_path):
    summary = write_batch(_table(), str(tmp_path)).to_pylist()
    assert {(r["stage"], r["reason"], r["rows"]) for r in summary} == {
        ("", "", 1), ("gopher_quality", "gopher_quality:min_words", 1), ("gopher_quality", "r2", 1)}
    kept = pq.read_table(next((tmp_path / "kept").glob("*.parquet")))
    assert kept.column_names == ["id", "text"] and kept.num_rows == 1
    rejected = pq.read_table(next((tmp_path / "rejected").glob("*.parquet")))
    assert rejected.column("reason").to_pylist() == ["gopher_quality:min_words", "r2"]


def test_retry_rewrites_the_same_shard(tmp_path):
    write_batch(_table(), str(tmp_path))
    write_batch(_table(), str(tmp_path))
    assert len(list((tmp_path / "kept").iterdir())) == 1


def test_jsonl_output(tmp_path):
    write_batch(_table(), str(tmp_path), "jsonl.gz")
    assert len(list((tmp_path / "rejected").glob("*.jsonl.gz"))) == 1
