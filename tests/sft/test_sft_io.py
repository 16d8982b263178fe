import json

import pytest

from sluiceway.io.instructions import parse_record, parse_sharegpt
from sluiceway.sft.io import iter_records, normalize, record_source, write_selected


def test_sharegpt_first_exchange_and_turn_count():
    rec = {"conversations": [{"from": "system", "value": "be nice"}, {"from": "human", "value": "Hi?"},
                             {"from": "gpt", "value": "Hello."}, {"from": "human", "value": "More"},
                             {"from": "gpt", "value": "Sure."}]}
    fields, turns = parse_sharegpt(rec)
    assert fields == {"instruction": "Hi?", "input": "", "output": "Hello."}
    assert turns == 4


def test_openai_messages_and_content_parts():
    rec = {"messages": [{"role": "user", "content": [{"type": "text", "text": "Q"}]},
                        {"role": "assistant", "content": "A"}]}
    assert parse_record(rec)[:2] == ("sharegpt", {"instruction": "Q", "input": "", "output": "A"})


@pytest.mark.parametrize("rec, message", [
    ({"conversations": [{"from": "human", "value": "Q"}]}, "no assistant"),
    ({"conversations": [{"from": "gpt", "value": "A"}]}, "no user"),
    ({"instruction": "", "output": "x"}, "instruction"),
    ({"instruction": "x", "output": 3}, "output"),
    ({"text": "x"}, "neither"),
])
def test_unusable_records_say_why(rec, message):
    with pytest.raises(ValueError, match=message):
        parse_record(rec)


def test_alpaca_input_optional():
    assert parse_record({"instruction": "I", "output": "O"})[1] == {"instruction": "I", "input": "", "output": "O"}


def test_normalize_keeps_records_and_marks_bad(tmp_path):
    src = tmp_path / "a.json"
    src.write_text(json.dumps([{"instruction": "I1", "input": "x", "output": "O1", "source": "s1"},
                               {"instruction": "", "output": "O2"}]))
    files, info = normalize(str(src), str(tmp_path / "work"))
    rows = [json.loads(line) for line in open(files[0])]
    assert info.container == "json" and info.layout == "alpaca" and info.rows == 2 and info.invalid == 1
    assert rows[0]["text"].startswith("Instruction:\nI1\nInput:\nx\nResponse:\nO1")
    assert rows[0]["sft"]["record"]["source"] == "s1"
    assert "text" not in rows[1] and "instruction" in rows[1]["sft"]["error"]
    assert record_source(json.dumps({"sft": rows[0]["sft"]}), "a.json:1") == "s1"
    files, info = normalize(str(src), str(tmp_path / "w1"), limit=1)
    assert info.rows == 1 and len(open(files[0]).readlines()) == 1
    with pytest.raises(ValueError, match="record 2"):
        normalize(str(src), str(tmp_path / "w2"), strict=True)


def test_jsonl_and_wrapped_json(tmp_path):
    (tmp_path / "b.jsonl").write_text('{"instruction": "a", "output": "b"}\n\nnot json\n')
    container, recs = iter_records(str(tmp_path / "b.jsonl"))
    recs = list(recs)
    assert container == "jsonl" and len(recs) == 2 and recs[1].error.startswith("not valid JSON")
    (tmp_path / "c.json").write_text(json.dumps({"data": [{"instruction": "a", "output": "b"}]}))
    container, recs = iter_records(str(tmp_path / "c.json"))
    assert container == "json" and list(recs) == [{"instruction": "a", "output": "b"}]


@pytest.mark.parametrize("container, name", [("json", "selected.json"), ("jsonl", "selected.jsonl")])
def test_write_selected_in_input_format_and_order(tmp_path, container, name):
    recs = [{"conversations": [{"from": "human", "value": f"q{i}"}, {"from": "gpt", "value": "a"}]} for i in range(3)]
    metas = [json.dumps({"sft": {"file": "f", "index": i, "record": recs[i]}}) for i in (2, 0)]
    path = write_selected(metas, str(tmp_path), container)
    assert path.endswith(name)
    text = open(path).read()
    got = json.loads(text) if container == "json" else [json.loads(x) for x in text.splitlines()]
    assert got == [recs[0], recs[2]]
