import pyarrow as pa
import pyarrow.parquet as pq

from sluiceway.io.write import write_batch


def _table():
    return pa.table({
        "id": ["a", "b", "c"], "source": ["f.jsonl:1", "f.jsonl:2", "f.jsonl:3"], "text": pa.array(["x", "y", "z"], pa.large_string()),
        "stage": [None, "gopher_quality", "gopher_quality"], "reason": [None, "gopher_quality:min_words", "r2"],
        "detail": [None, "3 < 50", None],
    })


def test_write_splits_kept_and_rejected_and_summarizes(tmp_path):
    summary = write_batch(_table(), str(tmp_path)).to_pylist()
    assert {(r["stage"], r["reason"], r["rows"]) for r in summary} == {
        ("", "", 1), ("gopher_quality", "gopher_quality:min_words", 1), ("gopher_quality", "r2", 1)}
    kept = pq.read_table(next((tmp_path / "kept").glob("*.parquet")))
    assert kept.column_names == ["id", "source", "text"] and kept.num_rows == 1
    rejected = pq.read_table(next((tmp_path / "rejected").glob("*.parquet")))
    assert rejected.column("reason").to_pylist() == ["gopher_quality:min_words", "r2"]


def test_retry_rewrites_the_same_shard(tmp_path):
    write_batch(_table(), str(tmp_path))
    write_batch(_table(), str(tmp_path))
    assert len(list((tmp_path / "kept").iterdir())) == 1


def test_jsonl_output(tmp_path):
    write_batch(_table(), str(tmp_path), "jsonl.gz")
    assert len(list((tmp_path / "rejected").glob("*.jsonl.gz"))) == 1


def test_equal_ids_from_different_records_get_their_own_shards(tmp_path):
    """Bug: shard names hashed the ids, so two files with ids "0".."n" overwrote each other's shards."""
    first = _table()
    second = first.set_column(1, "source", pa.array(["g.jsonl:1", "g.jsonl:2", "g.jsonl:3"]))
    write_batch(first, str(tmp_path))
    write_batch(second, str(tmp_path))
    assert sum(pq.read_table(f).num_rows for f in (tmp_path / "kept").iterdir()) == 2
    assert sum(pq.read_table(f).num_rows for f in (tmp_path / "rejected").iterdir()) == 4


def test_batch_without_row_key_refused(tmp_path):
    import pytest

    with pytest.raises(ValueError, match="source"):
        write_batch(_table().drop_columns(["source"]), str(tmp_path))
