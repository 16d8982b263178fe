"""Raw records numbered as the reader numbers them (io/raw.py), and the reader's per-file ``limit``."""

import gzip
import json

import pytest

from sluiceway.io.raw import iter_records
from sluiceway.io.read import ReadOptions, read_file


def test_jsonl_numbers_are_the_reader_lines(tmp_path):
    path = tmp_path / "b.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"instruction": "a", "output": "b"}\n\nnot json\n{"x": 1}\n'))
    assert list(iter_records(str(path))) == [(1, {"instruction": "a", "output": "b"}), (3, None), (4, {"x": 1})]
    sources = [s for t in read_file(str(path), ReadOptions()) for s in t.column("source").to_pylist()]
    assert sources == ["b.jsonl.gz:1", "b.jsonl.gz:3", "b.jsonl.gz:4"]


def test_json_array_and_wrapped_object(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([{"i": 1}, [2], {"i": 3}]))
    assert list(iter_records(str(tmp_path / "a.json"))) == [(1, {"i": 1}), (2, [2]), (3, {"i": 3})]
    (tmp_path / "c.json").write_text(json.dumps({"data": [{"instruction": "a", "output": "b"}]}))
    assert list(iter_records(str(tmp_path / "c.json"))) == [(1, {"instruction": "a", "output": "b"})]
    with pytest.raises(ValueError, match="not Parquet"):
        list(iter_records(str(tmp_path / "x.parquet")))


def test_limit_reads_the_first_records_of_each_file(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps({"text": f"t{i}"}) + "\n" for i in range(7)) + "{bad\n")
    from collections import Counter

    counters: Counter = Counter()
    rows = [r for t in read_file(str(path), ReadOptions(limit=3, batch_rows=2), counters=counters)
            for r in t.to_pylist()]
    assert [r["text"] for r in rows] == ["t0", "t1", "t2"] and counters["rows"] == 3
    assert not counters["rejected.malformed"]  # the bad line past the limit is not read
    with pytest.raises(ValueError, match="limit"):
        ReadOptions(limit=0)


def test_json_lines_in_a_json_file_are_read_as_lines(tmp_path):
    from collections import Counter

    path = tmp_path / "lines.json"
    path.write_text('{"text": "a"}\n\n{"text": "b"}\n{bad\n')
    counters: Counter = Counter()
    assert list(iter_records(str(path), counters=counters)) == [(1, {"text": "a"}), (3, {"text": "b"}), (4, None)]
    assert counters["json_lines_in_json"] == 1
    rows = [r for t in read_file(str(path), ReadOptions()) for r in t.to_pylist()]
    assert [(r["source"], r["reason"]) for r in rows] == [("lines.json:1", None), ("lines.json:3", None),
                                                          ("lines.json:4", "malformed")]
