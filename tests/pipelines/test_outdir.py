"""The output directory: marker, lock, and what --overwrite / --resume may touch (no Ray)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from sluiceway.io.read import ReadOptions
from sluiceway.pipelines.outdir import (
    LOCK,
    MARKER,
    OutputExistsError,
    OutputLockedError,
    prepare_output,
)
from sluiceway.stages.registry import build_stage


def _prepare(out, overwrite=False, resume=False, stages=None, inputs=("a.jsonl",)):
    return prepare_output(str(out), overwrite, resume, stages=stages or [build_stage("normalize")],
                          read_options=ReadOptions(), output_format="parquet", inputs=list(inputs))


def _lock_for(out, pid: int, started: float | None) -> None:
    out.mkdir(exist_ok=True)
    (out / LOCK).write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "started": started,
                                        "since": "earlier"}))


def test_new_dir_is_marked_and_locked_then_finished(tmp_path):
    out = tmp_path / "out"
    run = _prepare(out)
    marker = json.loads((out / MARKER).read_text())
    assert marker["status"] == "running" and marker["inputs"] == [os.path.abspath("a.jsonl")]
    assert json.loads((out / LOCK).read_text())["pid"] == os.getpid()
    run.finish("complete")
    assert json.loads((out / MARKER).read_text())["status"] == "complete"
    assert not (out / LOCK).exists()


def test_live_lock_of_another_process_refuses_even_with_overwrite(tmp_path):
    import psutil

    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        out = tmp_path / "out"
        _prepare(out).finish("complete")
        (out / "_checkpoints").mkdir()
        _lock_for(out, owner.pid, psutil.Process(owner.pid).create_time())
        for flags in ({}, {"overwrite": True}, {"resume": True}):
            with pytest.raises(OutputLockedError, match=f"in use by another run: pid {owner.pid}"):
                _prepare(out, **flags)
        assert (out / "_checkpoints").is_dir()  # a running run's checkpoints are never wiped
    finally:
        owner.kill()
        owner.wait()


def test_stale_lock_is_taken_over_with_a_note(tmp_path, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out"
    _lock_for(out, dead.pid, None)
    run = _prepare(out)
    assert f"took over the stale lock of pid {dead.pid}" in capsys.readouterr().err
    assert json.loads((out / LOCK).read_text())["pid"] == os.getpid()
    run.finish("failed")
    assert not (out / LOCK).exists()


def test_resume_and_overwrite_refuse_a_users_directory(tmp_path):
    out = tmp_path / "mine"
    (out / "sub").mkdir(parents=True)
    (out / "important.txt").write_text("keep me")
    for flags in ({"resume": True}, {"overwrite": True}, {}):
        with pytest.raises(OutputExistsError, match="not written by sluiceway.*important.txt"):
            _prepare(out, **flags)
    assert sorted(os.listdir(out)) == ["important.txt", "sub"]  # not even a lock file was left behind


def test_resume_refuses_another_pipeline_and_keeps_everything(tmp_path):
    out = tmp_path / "out"
    _prepare(out).finish("failed")
    (out / "_checkpoints").mkdir()
    (out / "kept").mkdir()
    before = sorted(os.listdir(out))
    with pytest.raises(OutputExistsError, match="another pipeline's run.*stages differ"):
        _prepare(out, resume=True, stages=[build_stage("normalize", {"form": "NFKC"})])
    with pytest.raises(OutputExistsError, match="input files differ"):
        _prepare(out, resume=True, inputs=("b.jsonl",))
    assert sorted(os.listdir(out)) == before


def test_resume_removes_only_sluiceways_outputs(tmp_path):
    out = tmp_path / "out"
    _prepare(out).finish("interrupted")
    for d in ("_checkpoints/minhash", "kept", "rejected", "cluster"):
        (out / d).mkdir(parents=True)
    (out / "report.json").write_text("{}")
    (out / ".part-1.parquet.tmp").write_text("")
    (out / "notes.txt").write_text("user's")
    run = _prepare(out, resume=True)
    # a stage's own folder (cluster/) stays: the stage rewrites it, or its checkpoint is reused
    assert sorted(os.listdir(out)) == sorted(["_checkpoints", "cluster", "notes.txt", MARKER, LOCK])
    assert os.listdir(out / "_checkpoints") == ["minhash"]
    run.finish("complete")


def test_overwrite_replaces_a_marked_dir_and_plain_run_refuses_it(tmp_path):
    out = tmp_path / "out"
    _prepare(out).finish("complete")
    (out / "kept").mkdir()
    with pytest.raises(OutputExistsError, match="holds a complete run; pass --overwrite"):
        _prepare(out)
    _prepare(out, overwrite=True).finish("complete")
    assert sorted(os.listdir(out)) == [MARKER]
