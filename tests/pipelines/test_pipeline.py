"""End-to-end runs on the shared local Ray session."""

import json

import pyarrow.dataset as pads
import pytest

from sluiceway.cli import main
from sluiceway.io.read import InputError, ReadOptions
from sluiceway.pipelines.pipeline import OutputExistsError, Pipeline
from sluiceway.stages.registry import build_stage


def _corpus(tmp_path):
    lines = [json.dumps({"text": t}) for t in
             ["alpha beta gamma", "Alpha  beta gamma", "delta epsilon", "alpha beta gamma", ""]]
    lines.append("{not json")
    (tmp_path / "in").mkdir(exist_ok=True)
    (tmp_path / "in" / "a.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "in" / "b.jsonl").write_bytes(b'{"text": "zeta \xff bytes"}\n{"text": "delta epsilon"}\n')
    return str(tmp_path / "in" / "*.jsonl")


def _read(path):
    return pads.dataset(path, format="parquet").to_table().to_pylist()


def test_run_accounts_for_every_row(tmp_path, ray_session):
    out = tmp_path / "out"
    report = Pipeline([build_stage("exact_dedup")]).run(_corpus(tmp_path), str(out), quiet=True)
    assert report["rows"] == {"input": 8, "kept": 3, "rejected": 5, "accounted": True}
    rejected = _read(out / "rejected")
    reasons = sorted(r["reason"] for r in rejected)
    assert reasons == ["empty_text", "exact_duplicate", "exact_duplicate", "exact_duplicate", "malformed"]
    dup = [r for r in rejected if r["reason"] == "exact_duplicate"]
    assert all(r["stage"] == "exact_dedup" and r["duplicate_of"] for r in dup)
    kept_ids = {r["id"] for r in _read(out / "kept")}
    assert {r["duplicate_of"] for r in dup} <= kept_ids
    on_disk = json.loads((out / "report.json").read_text())
    assert on_disk["stages"][1]["removed"] == {"exact_duplicate": 3}
    assert on_disk["stages"][0]["counters"]["invalid_utf8"] == 1


def test_existing_output_refused_then_overwritten(tmp_path, ray_session):
    inputs, out = _corpus(tmp_path), tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("x")
    pipeline = Pipeline([build_stage("exact_dedup")])
    for overwrite in (False, True):  # a directory sluiceway did not write is never replaced
        with pytest.raises(OutputExistsError, match="not written by sluiceway"):
            pipeline.run(inputs, str(out), overwrite=overwrite, quiet=True)
    assert (out / "old.txt").read_text() == "x"
    out = tmp_path / "ours"
    pipeline.run(inputs, str(out), quiet=True)
    with pytest.raises(OutputExistsError, match="--overwrite"):
        pipeline.run(inputs, str(out), quiet=True)
    pipeline.run(inputs, str(out), overwrite=True, quiet=True)
    marker = json.loads((out / "_sluiceway.json").read_text())
    assert marker["status"] == "complete" and not (out / "_lock").exists()


def test_strict_stops_on_malformed(tmp_path, ray_session):
    with pytest.raises(Exception, match="a.jsonl:6"):
        Pipeline([build_stage("exact_dedup")]).run(_corpus(tmp_path), str(tmp_path / "o"), strict=True, quiet=True)


def test_empty_glob(tmp_path):
    with pytest.raises(InputError):
        Pipeline([build_stage("exact_dedup")]).run(str(tmp_path / "none*.jsonl"), str(tmp_path / "o"), quiet=True)


def test_cli_run_jsonl_output_and_errors(tmp_path, ray_session, capsys):
    config = tmp_path / "p.yaml"
    config.write_text("output: {format: jsonl}\nstages:\n  - exact_dedup: {lowercase: false}\n")
    out = tmp_path / "out"
    assert main(["run", str(config), "--input", _corpus(tmp_path), "--output", str(out)]) == 0
    kept = [json.loads(line) for f in (out / "kept").glob("*.jsonl") for line in f.read_text().splitlines()]
    assert sorted(r["text"] for r in kept) == ["Alpha  beta gamma", "alpha beta gamma", "delta epsilon",
                                               "zeta \ufffd bytes"]
    assert main(["run", str(config), "--input", _corpus(tmp_path), "--output", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    config.write_text("stages:\n  - exact_dedup: {lowercse: false}\n")
    assert main(["check", str(config)]) == 2
    assert "lowercse" in capsys.readouterr().err


def test_id_field_and_text_field(tmp_path, ray_session):
    (tmp_path / "x.jsonl").write_text('{"key": "k1", "body": "same"}\n{"key": "k0", "body": "same"}\n')
    out = tmp_path / "out"
    Pipeline([build_stage("exact_dedup")], ReadOptions(text_field="body", id_field="key")).run(
        str(tmp_path / "x.jsonl"), str(out), quiet=True)
    assert [r["id"] for r in _read(out / "kept")] == ["k0"]


def test_stages_run_in_their_own_tasks_not_fused_into_the_read(tmp_path, ray_session):
    """Ray fuses maps and bundles their input up to the largest batch_size: a read fused with the stages
    would put every file (or a whole single file) into one task. The stages must be a separate operator."""
    from sluiceway.pipelines.stats import StatsCollector
    from sluiceway.stages.base import RunContext

    (tmp_path / "one.jsonl").write_text("".join(json.dumps({"text": f"doc {i} words"}) + "\n" for i in range(50)))
    pipeline = Pipeline([build_stage("clean_whitespace"), build_stage("gopher_quality")], batch_size=10)
    ctx = RunContext(output_dir=str(tmp_path / "o"), num_partitions=2, stats=StatsCollector.remote())
    ds = pipeline.build([str(tmp_path / "one.jsonl")], ctx, {}).materialize()
    assert ds.count() == 50
    operators = [line for line in ds.stats().splitlines() if line.startswith("Operator")]
    assert any("SluicewayRead" in line for line in operators)
    assert not any("SluicewayRead->" in line for line in operators), operators
