"""The ``select`` post-step without Ray: selected records found in the input by row key, written back unchanged."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sluiceway.io.read import ReadOptions
from sluiceway.pipelines.sft_select import selected_records, selection_outputs, write_selected


def _chats(n):
    return [{"id": i, "conversations": [{"from": "human", "value": f"q{i}"}, {"from": "gpt", "value": "a"}]}
            for i in range(n)]


@pytest.mark.parametrize("container, name", [("json", "selected.json"), ("jsonl", "selected.jsonl")])
def test_write_selected_in_input_container(tmp_path, container, name):
    recs = _chats(2)
    path = write_selected(recs, str(tmp_path), container)
    assert path.endswith(name)
    text = open(path).read()
    assert (json.loads(text) if container == "json" else [json.loads(x) for x in text.splitlines()]) == recs


def test_selected_records_by_row_key_in_input_order(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.json").write_text(json.dumps(_chats(3)))
    (tmp_path / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in _chats(2)) + "{bad\n")
    files = sorted([str(tmp_path / "b.jsonl"), str(tmp_path / "d" / "a.json")])
    recs, layouts, container = selected_records(files, ReadOptions(), {"d/a.json:3", "b.jsonl:1", "d/a.json:1"})
    assert [r["conversations"][0]["value"] for r in recs] == ["q0", "q0", "q2"]  # b.jsonl first, then a.json
    assert layouts == {"sharegpt": 5, None: 1} and container == "jsonl"
    recs, layouts, _ = selected_records(files, ReadOptions(limit=1), {"d/a.json:3", "b.jsonl:1"})
    assert len(recs) == 1 and sum(layouts.values()) == 2


def test_selection_outputs_reads_kept_and_rejected(tmp_path):
    src = tmp_path / "a.json"
    src.write_text(json.dumps([{"instruction": "I1", "output": "O1", "source": "s1"},
                               {"instruction": "", "output": "O2"}, {"instruction": "I3", "output": "O3"}]))
    out = tmp_path / "out"
    for folder, rows in (("kept", [("a.json:3", None, None), ("a.json:1", None, None)]),
                         ("rejected", [("a.json:2", "read", "malformed")])):
        (out / folder).mkdir(parents=True)
        pq.write_table(pa.table({"source": [r[0] for r in rows], "text": ["t"] * len(rows),
                                 "meta": [None] * len(rows), "stage": [r[1] for r in rows],
                                 "reason": [r[2] for r in rows]}), out / folder / "part-0.parquet")
    facts = selection_outputs(str(out), [str(src)], ReadOptions())
    assert facts["sft_input"] == {"layout": "alpaca", "container": "json", "records": 3, "unusable": 1}
    assert facts["selected_rows"] == 2
    assert [r["instruction"] for r in json.load(open(facts["selected_file"]))] == ["I1", "I3"]
    scores = pq.read_table(facts["scores_file"]).to_pylist()
    assert [(r["source"], r["selected"]) for r in scores] == [("a.json:1", True), ("a.json:2", False),
                                                             ("a.json:3", True)]
    assert "text" not in scores[0] and "meta" not in scores[0]

