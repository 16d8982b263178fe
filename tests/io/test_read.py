import gzip
import json
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sluiceway.io.read import InputError, ReadOptions, expand_inputs, read_file, source_names


def _rows(path, **opts):
    counters = Counter()
    tables = list(read_file(str(path), ReadOptions(**opts), counters=counters))
    return pa.concat_tables(tables).to_pylist(), counters


def _write_lines(path, lines: list[bytes]):
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_jsonl_every_record_becomes_one_row_with_reasons(tmp_path):
    path = _write_lines(tmp_path / "a.jsonl", [
        b'{"text": "good document", "url": "u"}',
        b'{"text": "broken',
        b'{"title": "no text"}',
        b'{"text": 42}',
        b'{"text": "   "}',
        b'["not", "an", "object"]',
    ])
    rows, counters = _rows(path)
    assert [r["reason"] for r in rows] == [None, "malformed", "missing_text", "non_string_text", "empty_text", "malformed"]
    assert rows[0]["id"] == "a.jsonl:1" and json.loads(rows[0]["meta"]) == {"url": "u"}
    assert rows[1]["stage"] == "read" and rows[1]["detail"].startswith("a.jsonl:2:")
    assert counters["rows"] == 6


def test_invalid_utf8_replaced_and_counted_or_rejected(tmp_path):
    path = _write_lines(tmp_path / "b.jsonl", [b'{"text": "caf\xe9 au lait"}'])
    rows, counters = _rows(path)
    assert rows[0]["reason"] is None and "\ufffd" in rows[0]["text"] and counters["invalid_utf8"] == 1
    rows, _ = _rows(path, invalid_utf8="reject")
    assert rows[0]["reason"] == "invalid_utf8"


def test_lone_surrogate_escape_does_not_crash(tmp_path):
    path = _write_lines(tmp_path / "s.jsonl", [b'{"text": "bad \\ud800 surrogate"}'])
    rows, _ = _rows(path)
    assert rows[0]["text"] == "bad \ufffd surrogate"


def test_huge_document_rejected_not_crashed(tmp_path):
    big = "word " * 2_100_000  # ~10 MB
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"text": big}) + "\n" + json.dumps({"text": "small"}) + "\n")
    rows, _ = _rows(path)
    assert rows[0]["reason"] == "too_large" and rows[1]["reason"] is None


def test_strict_mode_raises_with_file_and_line(tmp_path):
    path = _write_lines(tmp_path / "c.jsonl", [b'{"text": "ok"}', b'{oops'])
    with pytest.raises(InputError, match="c.jsonl:2"):
        _rows(path, strict=True)


def test_gzip_zstd_json_array_and_parquet(tmp_path):
    import zstandard

    records = [{"id": f"d{i}", "text": f"text {i}", "instruction": "do", "n": i} for i in range(5)]
    payload = "\n".join(json.dumps(r) for r in records).encode()
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(payload))
    (tmp_path / "a.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(payload))
    (tmp_path / "a.json").write_text(json.dumps(records))
    pq.write_table(pa.Table.from_pylist(records), tmp_path / "a.parquet")
    for name in ("a.jsonl.gz", "a.jsonl.zst", "a.json", "a.parquet"):
        rows, _ = _rows(tmp_path / name, keep_fields=("instruction",))
        assert [r["id"] for r in rows] == [f"d{i}" for i in range(5)], name
        assert rows[2]["instruction"] == "do" and json.loads(rows[2]["meta"]) == {"n": 2}


def test_configurable_text_and_id_fields(tmp_path):
    path = _write_lines(tmp_path / "d.jsonl", [b'{"doc_id": 7, "content": "hello"}'])
    rows, _ = _rows(path, text_field="content", id_field="doc_id")
    assert rows[0]["id"] == "7" and rows[0]["text"] == "hello"


def test_batches_have_fixed_size(tmp_path):
    path = _write_lines(tmp_path / "e.jsonl", [json.dumps({"text": f"t{i}"}).encode() for i in range(25)])
    tables = list(read_file(str(path), ReadOptions(batch_rows=10)))
    assert [t.num_rows for t in tables] == [10, 10, 5]


def test_empty_glob_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no input files"):
        expand_inputs(str(tmp_path / "*.jsonl"))


def test_source_names_are_relative(tmp_path):
    (tmp_path / "x").mkdir()
    files = [str(tmp_path / "x" / "a.jsonl"), str(tmp_path / "b.jsonl")]
    assert source_names(files) == {files[0]: "x/a.jsonl", files[1]: "b.jsonl"}


def test_bad_read_options():
    with pytest.raises(ValueError, match="format"):
        ReadOptions(format="csv")
