"""Real-world Parquet column types, dotted field paths and ReadOptions checks."""

import datetime
import decimal
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sluiceway.io.read import ReadOptions
from sluiceway.pipelines.config import parse_config
from sluiceway.stages.registry import ConfigError
from tests.io.helpers import assert_accounted, read_rows

TS = datetime.datetime(2024, 3, 1, 12, 30, 15, 250000)


def _typed_table() -> pa.Table:
    return pa.table({
        "text": pa.array(["first doc", "second doc", "third doc"]).dictionary_encode(),
        "id": pa.array([1.0, None, 3.5]),
        "ts": pa.array([TS, None, TS], pa.timestamp("us")),
        "ts_tz": pa.array([TS, TS, None], pa.timestamp("ms", tz="UTC")),
        "day": pa.array([TS.date(), None, TS.date()], pa.date32()),
        "clock": pa.array([datetime.time(1, 2, 3), None, None], pa.time64("us")),
        "price": pa.array([decimal.Decimal("1.50"), None, decimal.Decimal("-2.25")], pa.decimal128(6, 2)),
        "tags": pa.array([["a", "b"], [], None], pa.list_(pa.string())),
        "info": pa.array([{"n": 1, "when": TS}, None, {"n": 3, "when": None}],
                         pa.struct([("n", pa.int64()), ("when", pa.timestamp("us"))])),
        "attrs": pa.array([[("k", 1)], None, []], pa.map_(pa.string(), pa.int32())),
        "lang": pa.array(["en", "fr", "en"]).dictionary_encode(),
        "big": pa.array(["x", "y\"quoted\"", None], pa.large_string()),
        "blob": pa.array([b"\x00\x01", None, b""], pa.binary()),
        "nothing": pa.nulls(3),
        "score": pa.array([0.5, float("nan"), float("inf")]),
        "flag": pa.array([True, False, None]),
    })


def test_parquet_typed_columns_become_json_meta(tmp_path):
    path = tmp_path / "typed.parquet"
    pq.write_table(_typed_table(), path)
    rows, counters = read_rows(path)
    assert_accounted(rows, 3)
    assert [r["id"] for r in rows] == ["1", "typed.parquet:2", "3.5"]
    meta = [json.loads(r["meta"]) for r in rows]
    assert meta[0] == {
        "ts": "2024-03-01T12:30:15.250000", "ts_tz": "2024-03-01T12:30:15.250Z", "day": "2024-03-01",
        "clock": "01:02:03.000000", "price": "1.50", "tags": ["a", "b"],
        "info": {"n": 1, "when": "2024-03-01T12:30:15.250000"}, "attrs": {"k": 1}, "lang": "en", "big": "x",
        "blob": {"$base64": "AAE="}, "nothing": None, "score": 0.5, "flag": True}
    assert meta[1]["ts"] is None and meta[1]["big"] == 'y"quoted"' and meta[1]["score"] is None
    assert meta[2]["score"] is None and meta[2]["blob"] == {"$base64": ""} and meta[2]["attrs"] == {}


def test_parquet_keep_fields_of_any_type_are_strings(tmp_path):
    path = tmp_path / "typed.parquet"
    pq.write_table(_typed_table(), path)
    keep = ["ts", "price", "tags", "lang", "blob", "score", "flag", "missing"]
    rows, _ = read_rows(path, keep_fields=keep)
    first = {k: rows[0][k] for k in keep}
    assert first == {"ts": "2024-03-01T12:30:15.250000", "price": "1.50", "tags": '["a","b"]', "lang": "en",
                     "blob": '{"$base64":"AAE="}', "score": "0.5", "flag": "true", "missing": None}
    assert "ts" not in json.loads(rows[0]["meta"])


def test_parquet_text_column_types(tmp_path):
    for arr, reasons in ((pa.array(["a", None, " "], pa.large_string()), [None, "non_string_text", "empty_text"]),
                         (pa.array([1, 2, None]), ["non_string_text"] * 3),
                         (pa.array([b"a", b"b", b"c"]), ["non_string_text"] * 3)):
        path = tmp_path / "t.parquet"
        pq.write_table(pa.table({"text": arr, "n": [1, 2, 3]}), path)
        rows, counters = read_rows(path)
        assert [r["reason"] for r in rows] == reasons
        assert_accounted(rows, 3, name="t.parquet")
    pq.write_table(pa.table({"body": ["a"]}), path)
    rows, _ = read_rows(path)
    assert rows[0]["reason"] == "missing_text"


def test_parquet_too_large_and_strict(tmp_path):
    from sluiceway.io.read import InputError

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"text": ["small", "x" * 5000]}), path)
    rows, _ = read_rows(path, max_doc_bytes=1000)
    assert [r["reason"] for r in rows] == [None, "too_large"] and rows[1]["detail"].startswith("t.parquet:2:")
    pq.write_table(pa.table({"text": ["ok", None]}), path)
    with pytest.raises(InputError, match="t.parquet:2"):
        read_rows(path, strict=True)


def test_dotted_paths_in_jsonl_and_json(tmp_path):
    recs = [{"metadata": {"text": "nested text", "id": 5, "url": "u1", "lang": "en"}, "other": 1},
            {"metadata.text": "literal dotted key", "metadata": {"text": "not this"}},
            {"metadata": {"lang": "fr"}}]
    for name, body in (("n.jsonl", "\n".join(json.dumps(r) for r in recs)), ("n.json", json.dumps(recs))):
        path = tmp_path / name
        path.write_text(body)
        rows, _ = read_rows(path, text_field="metadata.text", id_field="metadata.id", keep_fields=["metadata.url"])
        assert [r["text"] for r in rows] == ["nested text", "literal dotted key", None]
        assert rows[0]["id"] == "5" and rows[0]["metadata.url"] == "u1"
        assert json.loads(rows[0]["meta"]) == {"metadata": {"lang": "en"}, "other": 1}
        assert json.loads(rows[1]["meta"]) == {"metadata": {"text": "not this"}}
        assert rows[2]["reason"] == "missing_text"
        assert_accounted(rows, 3, name=name)


def test_dotted_paths_in_parquet_structs(tmp_path):
    meta_type = pa.struct([("text", pa.string()), ("id", pa.int64()), ("lang", pa.string())])
    path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"metadata": pa.array([{"text": "a", "id": 1, "lang": "en"}, None,
                                                   {"text": "c", "id": 3, "lang": None}], meta_type),
                             "n": [1, 2, 3]}), path)
    rows, _ = read_rows(path, text_field="metadata.text", id_field="metadata.id")
    assert [r["text"] for r in rows] == ["a", None, "c"] and [r["id"] for r in rows] == ["1", "s.parquet:2", "3"]
    assert json.loads(rows[0]["meta"]) == {"metadata": {"lang": "en"}, "n": 1}
    assert json.loads(rows[1]["meta"]) == {"metadata": None, "n": 2}
    assert_accounted(rows, 3, name="s.parquet")
    pq.write_table(pa.table({"metadata.text": ["literal"], "metadata": pa.array([{"text": "no"}])}), path)
    rows, _ = read_rows(path, text_field="metadata.text")
    assert rows[0]["text"] == "literal"


@pytest.mark.parametrize("options, message", [
    ({"keep_fields": "url"}, "keep_fields must be a list"),
    ({"keep_fields": ["source"]}, "reserved"),
    ({"keep_fields": ["meta"]}, "reserved"),
    ({"keep_fields": ["url", "url"]}, "repeats"),
    ({"text_field": "body", "keep_fields": ["body"]}, "already read"),
    ({"keep_fields": [3]}, "non-empty strings"),
    ({"max_doc_bytes": "big"}, "max_doc_bytes must be a positive integer"),
    ({"max_doc_bytes": 0}, "max_doc_bytes"),
    ({"max_doc_bytes": True}, "max_doc_bytes"),
    ({"batch_rows": 2.5}, "batch_rows"),
    ({"text_field": ""}, "text_field"),
    ({"id_field": 3}, "id_field"),
    ({"strict": "yes"}, "strict"),
    ({"invalid_utf8": "drop"}, "invalid_utf8"),
    ({"format": "csv"}, "format"),
])
def test_read_options_are_checked(options, message):
    with pytest.raises(ValueError, match=message):
        ReadOptions(**options)
    # the config loader may catch a wrong type first, with its own words; it names the option either way
    with pytest.raises(ConfigError, match="|".join([message, *options])):
        parse_config({"input": options, "stages": ["normalize"]})


def test_read_options_accept_lists_from_yaml():
    assert ReadOptions(keep_fields=["url", "lang"]).keep_fields == ("url", "lang")


def test_parquet_without_rows_and_with_many_row_groups(tmp_path):
    path = tmp_path / "z.parquet"
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), path)
    rows, counters = read_rows(path)
    assert rows == [] and not counters["damaged_files"]
    pq.write_table(pa.table({"text": [f"d{i}" for i in range(2500)]}), path, row_group_size=700)
    rows, _ = read_rows(path, batch_rows=1000)
    assert [r["source"] for r in rows] == [f"z.parquet:{i}" for i in range(1, 2501)]
