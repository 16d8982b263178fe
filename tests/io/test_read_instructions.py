"""Instruction records as a reader format: Alpaca and ShareGPT into instruction/input/output columns."""

import json

import pytest
import zstandard

from sluiceway.io.read import InputError, ReadOptions, read_file


def _rows(path, **kw):
    opts = ReadOptions(records="instructions", **kw)
    return [r for t in read_file(str(path), opts) for r in t.to_pylist()]


def test_alpaca_json_array(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps([{"instruction": "Add", "input": "1 2", "output": "3", "id": 7, "source": "s"},
                                {"instruction": "", "output": "x"}, [1]]))
    rows = _rows(path)
    assert [r["reason"] for r in rows] == [None, "malformed", "malformed"]
    first = rows[0]
    assert (first["id"], first["instruction"], first["input"], first["output"]) == ("7", "Add", "1 2", "3")
    assert first["text"] == "Instruction:\nAdd\nInput:\n1 2\nResponse:\n3"
    assert json.loads(first["meta"]) == {"source": "s"} and first["source"] == "a.json:1"
    assert "empty or missing 'instruction'" in rows[1]["detail"] and rows[1]["stage"] == "read"


def test_sharegpt_jsonl_zst(tmp_path):
    rec = {"conversations": [{"from": "system", "value": "be brief"}, {"from": "human", "value": "Hi?"},
                             {"from": "gpt", "value": "Hello."}]}
    path = tmp_path / "c.jsonl.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress((json.dumps(rec) + "\n{bad\n").encode()))
    rows = _rows(path)
    assert [(r["instruction"], r["input"], r["output"]) for r in rows[:1]] == [("Hi?", "", "Hello.")]
    assert json.loads(rows[0]["meta"])["conversations"][0]["value"] == "be brief"
    assert rows[1]["reason"] == "malformed"


def test_strict_stops_and_parquet_is_refused(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"messages": [{"role": "user", "content": "only a question"}]}) + "\n")
    with pytest.raises(InputError, match="no assistant turn"):
        _rows(path, strict=True)
    pq = tmp_path / "a.parquet"
    pq.write_bytes(b"PAR1")
    with pytest.raises(InputError, match="not Parquet"):
        _rows(pq)
    with pytest.raises(ValueError, match="records"):
        ReadOptions(records="chats")
