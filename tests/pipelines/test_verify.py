"""The on-disk identity check, without Ray: outputs built with the writer, then damaged on purpose."""

import json

import pyarrow as pa
import pytest

from sluiceway.cli import main
from sluiceway.io.keys import HASH_NAME
from sluiceway.io.write import write_batch
from sluiceway.pipelines.verify import duplicate_ids_in_inputs, verify_output
from sluiceway.testing import assert_output_accounts, input_manifest


def _inputs(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a", "b"):  # the same ids in both files, and one id twice within a file
        lines = [json.dumps({"id": str(i % 3), "text": f"{name} doc {i}"}) for i in range(4)]
        (src / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    return str(src / "*.jsonl")


def _batch(name, rows, rejected=()):
    n = len(rows)
    return pa.table({"id": [str(i % 3) for i in rows], "source": [f"{name}.jsonl:{i + 1}" for i in rows],
                     "text": pa.array([f"{name} doc {i}" for i in rows], pa.large_string()),
                     "stage": ["f" if i in rejected else None for i in rows],
                     "reason": ["r" if i in rejected else None for i in rows],
                     "detail": ["why" if i in rejected else None for i in rows]}) if n else None


def _output(tmp_path, inputs, fmt="parquet", batches=None):
    out = tmp_path / "out"
    batches = batches or [_batch("a", [0, 1], {1}), _batch("a", [2, 3]), _batch("b", [0, 1, 2, 3], {0})]
    for batch in batches:
        write_batch(batch, str(out), fmt)
    report = {"rows": {"input": 8, "kept": 6, "rejected": 2, "accounted": True},
              "accounting": {"hash": HASH_NAME, "manifest": input_manifest(inputs)}}
    (out / "report.json").write_text(json.dumps(report))
    return out


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "jsonl.gz"])
def test_complete_output_verifies(tmp_path, fmt, capsys):
    inputs = _inputs(tmp_path)
    out = _output(tmp_path, inputs, fmt)
    result = verify_output(str(out))
    assert result.ok, result.problems
    assert (result.scan.kept, result.scan.rejected) == (6, 2)
    assert result.scan.duplicate_ids == {"ids": 3, "rows": 8}  # ids 0, 1, 2 each repeat
    assert_output_accounts(str(out), inputs)
    assert main(["verify", str(out)]) == 0
    assert "input 8 = kept 6 + rejected 2: OK" in capsys.readouterr().out


def test_missing_and_duplicated_rows_are_named_per_file(tmp_path, capsys):
    inputs = _inputs(tmp_path)
    # a.jsonl:4 never written; b.jsonl:2 written twice (in two different batches)
    out = _output(tmp_path, inputs, batches=[_batch("a", [0, 1, 2], {1}), _batch("b", [0, 1, 2, 3], {0}),
                                             _batch("b", [1])])
    result = verify_output(str(out))
    assert not result.ok
    text = "\n".join(result.problems)
    assert "a.jsonl: 4 rows read, 3 on disk; 1 missing" in text
    assert "b.jsonl: 4 rows read, 5 on disk; 1 duplicated (e.g. b.jsonl:2)" in text
    with pytest.raises(AssertionError, match="a.jsonl"):
        assert_output_accounts(str(out), inputs)
    assert main(["verify", str(out)]) == 1
    assert "MISMATCH" in capsys.readouterr().err


def test_same_count_but_other_rows_is_caught(tmp_path):
    inputs = _inputs(tmp_path)
    out = _output(tmp_path, inputs, batches=[_batch("a", [0, 1, 2, 3]), _batch("b", [0, 1, 2, 4])])
    problems = "\n".join(verify_output(str(out)).problems)
    assert "b.jsonl: 4 rows read, 4 on disk; row keys differ" in problems


def test_rejection_without_reason_and_unreadable_shard(tmp_path):
    inputs = _inputs(tmp_path)
    bad = _batch("b", [0, 1, 2, 3], {0}).set_column(4, "reason", pa.array(["", None, None, None], pa.string()))
    out = _output(tmp_path, inputs, batches=[_batch("a", [0, 1, 2, 3]), bad])
    # the writer decides by reason: an empty reason still counts as rejected, and verify flags it
    problems = "\n".join(verify_output(str(out)).problems)
    assert "rejected rows without 'reason'" in problems
    shard = next((out / "kept").glob("*.parquet"))
    shard.write_bytes(b"PAR1 not really")
    problems = "\n".join(verify_output(str(out)).problems)
    assert f"unreadable shard {shard}" in problems and "missing" in problems


def test_report_figures_must_match_the_files(tmp_path):
    inputs = _inputs(tmp_path)
    out = _output(tmp_path, inputs)
    report = json.loads((out / "report.json").read_text())
    report["rows"]["kept"] = 7
    (out / "report.json").write_text(json.dumps(report))
    assert "report.json says kept 7, the files hold 6" in verify_output(str(out)).problems


def test_verify_needs_a_report(tmp_path, capsys):
    assert main(["verify", str(tmp_path)]) == 2
    assert "report.json" in capsys.readouterr().err


def test_duplicate_id_prepass_names_examples(tmp_path):
    from sluiceway.io.read import ReadOptions, expand_inputs, source_names

    files = expand_inputs(_inputs(tmp_path))
    ids, rows, examples = duplicate_ids_in_inputs(files, ReadOptions(), source_names(files))
    assert (ids, rows) == (3, 8)
    assert "'0' at a.jsonl:1, a.jsonl:4, b.jsonl:1 ..." in examples
