"""Whole-pipeline resume: dataset-stage checkpoints, reused only while inputs and stages are unchanged, and a
driver SIGKILLed mid-run that resumes to the same output as an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq

from sluiceway.pipelines.pipeline import Pipeline
from sluiceway.pipelines.resume import STAGE_CHECKPOINTS
from sluiceway.stages.registry import build_stage
from sluiceway.testing import CLEAN_DOCUMENT

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _corpus(folder, files: int = 2, docs: int = 40) -> str:
    folder.mkdir(exist_ok=True)
    for f in range(files):
        with open(folder / f"part-{f}.jsonl", "w", encoding="utf-8") as fh:
            for i in range(docs):  # ids repeat across files; every 5th document repeats an earlier one
                text = f"Document {i % 7 if i % 5 == 0 else i} of file {f % 2}. " + CLEAN_DOCUMENT
                fh.write(json.dumps({"id": str(i), "text": text}) + "\n")
    return str(folder / "*.jsonl")


def _stages():
    return [build_stage("normalize"), build_stage("exact_dedup"), build_stage("gopher_quality"),
            build_stage("minhash_dedup", {"threshold": 0.8, "num_perm": 64})]


def _rows(out) -> dict[str, list]:
    """kept and rejected rows, sorted by their key, whatever the shard layout."""
    result = {}
    for split in ("kept", "rejected"):
        folder = out / split
        tables = [pq.read_table(folder / f) for f in sorted(os.listdir(folder))] if folder.exists() else []
        table = pa.concat_tables(tables, promote_options="permissive").sort_by("source") if tables else None
        result[split] = table.to_pylist() if table is not None else []
    return result


def _checkpoint_steps(out) -> list[str]:
    root = out / STAGE_CHECKPOINTS
    return sorted(os.listdir(root)) if root.exists() else []


def test_resume_starts_after_the_last_dataset_stage_and_gives_the_same_rows(tmp_path, ray_session):
    inputs, out = _corpus(tmp_path / "in"), tmp_path / "out"
    first = Pipeline(_stages()).run(inputs, str(out), quiet=True)
    expected = _rows(out)
    assert "resumed_after" not in first
    assert [s.split("-")[1] for s in _checkpoint_steps(out)] == ["exact_dedup", "minhash_dedup"]

    again = Pipeline(_stages()).run(inputs, str(out), resume=True, quiet=True)
    assert again["resumed_after"] == "minhash_dedup"
    assert _rows(out) == expected
    assert again["rows"] == first["rows"]
    assert [s["removed"] for s in again["stages"]] == [s["removed"] for s in first["stages"]]


def test_changed_input_file_invalidates_every_checkpoint(tmp_path, ray_session):
    inputs, out = _corpus(tmp_path / "in", files=1), tmp_path / "out"
    stages = [build_stage("normalize"), build_stage("exact_dedup")]
    Pipeline(stages).run(inputs, str(out), quiet=True)
    path = tmp_path / "in" / "part-0.jsonl"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "new", "text": "A new document. " + CLEAN_DOCUMENT}) + "\n")
    report = Pipeline([build_stage("normalize"), build_stage("exact_dedup")]).run(inputs, str(out), resume=True,
                                                                                quiet=True)
    assert "resumed_after" not in report
    assert report["rows"]["input"] == 41


DRIVER = """
import sys
from sluiceway.pipelines.pipeline import Pipeline
from sluiceway.stages.registry import build_stage
stages = [build_stage("normalize"), build_stage("exact_dedup"), build_stage("gopher_quality"),
          build_stage("minhash_dedup", {"threshold": 0.8, "num_perm": 64})]
Pipeline(stages).run(sys.argv[1], sys.argv[2], resume=sys.argv[3] == "resume", quiet=True, num_cpus=2)
"""


def test_sigkill_after_a_checkpoint_then_resume_matches_an_uninterrupted_run(tmp_path):
    inputs = _corpus(tmp_path / "in")
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "SLUICEWAY_PROGRESS": "0"}
    reference, out = tmp_path / "reference", tmp_path / "out"
    subprocess.run([sys.executable, "-c", DRIVER, inputs, str(reference), "fresh"], env=env, check=True,
                   timeout=600)
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, inputs, str(out), "fresh"], env=env)
    deadline = time.time() + 600
    while time.time() < deadline and driver.poll() is None:
        if any(s.endswith("exact_dedup-" + s.split("-")[-1]) and (out / STAGE_CHECKPOINTS / s / "_COMPLETE.json")
               .exists() for s in _checkpoint_steps(out)):
            break
        time.sleep(0.2)
    assert driver.poll() is None, "the run finished before it could be killed"
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    assert not (out / "report.json").exists()
    subprocess.run([sys.executable, "-c", DRIVER, inputs, str(out), "resume"], env=env, check=True, timeout=600)
    report = json.loads((out / "report.json").read_text())
    assert report["resumed_after"] in ("exact_dedup", "minhash_dedup")
    assert _rows(out) == _rows(reference)
