"""The CLI's errors: a few lines naming the cause, the trace only with --debug; Ctrl-C stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _cli(*args: str, timeout: int = 300, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": ROOT, "SLUICEWAY_PROGRESS": "0"}
    return subprocess.run([sys.executable, "-m", "sluiceway.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, **kw)


def _corpus(tmp_path, n=40):
    (tmp_path / "a.jsonl").write_text("".join(json.dumps({"text": f"document number {i} about rivers"}) + "\n"
                                              for i in range(n)))
    return str(tmp_path / "a.jsonl")


def test_error_inside_a_ray_actor_fits_on_a_few_lines(tmp_path):
    broken = tmp_path / "lid.bin"
    broken.write_bytes(b"this is not a fastText model")  # exists, so only the actor's setup can find out
    cfg = tmp_path / "p.yaml"
    cfg.write_text(f"stages:\n  - normalize\n  - langid: {{model: {broken}}}\n")
    proc = _cli("run", str(cfg), "--input", _corpus(tmp_path), "--output", str(tmp_path / "out"), "--num-cpus", "2")
    lines = proc.stderr.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert proc.returncode in (1, 2) and len(errors) == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and len([ln for ln in lines if "WARNING" not in ln]) <= 4, proc.stderr
    marker = tmp_path / "out" / "_sluiceway.json"  # a model the checks can already refuse leaves no output
    assert not marker.exists() or json.loads(marker.read_text())["status"] == "failed"
    assert not (tmp_path / "out" / "_lock").exists()


def test_ctrl_c_marks_interrupted_and_says_how_to_resume(tmp_path):
    cfg = tmp_path / "p.yaml"
    cfg.write_text("stages:\n  - normalize\n  - exact_dedup\n")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": ROOT, "SLUICEWAY_PROGRESS": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "sluiceway.cli", "run", str(cfg), "--input", _corpus(tmp_path, 3000),
                             "--output", str(out), "--num-cpus", "2"], env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not (out / "_lock").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(3)  # Ray is starting or running
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert f"sluiceway run {cfg} --input" in err and "--resume" in err
    assert json.loads((out / "_sluiceway.json").read_text())["status"] == "interrupted"
    assert not (out / "_lock").exists()


def test_config_errors_are_one_line_without_a_trace(tmp_path):
    cfg = tmp_path / "p.yaml"
    cfg.write_text("stages:\n  - normalize\n  - fasttext_quality: {model: missing.bin, threshold: '0.5'}\n")
    proc = _cli("check", str(cfg))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"error: {cfg}:3: stage 'fasttext_quality': parameter 'threshold' must be float, "
                                   "got string '0.5' (write 0.5 without quotes)")
    proc = _cli("run", str(cfg), "--input", "x", "--output", str(tmp_path / "out"))
    assert proc.returncode == 2 and not (tmp_path / "out").exists()


def _fail_import(monkeypatch, module: str, missing: str) -> None:
    """Make ``importlib.import_module(module)`` fail as if ``missing`` were not installed."""
    import importlib

    real = importlib.import_module

    def fake(name, *args):
        if name == module:
            raise ModuleNotFoundError(f"No module named {missing!r}", name=missing)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake)


def test_broken_subcommand_import_is_reported_not_hidden(monkeypatch, capsys):
    from sluiceway import cli

    _fail_import(monkeypatch, "sluiceway.cli.sft", "transformers")
    assert cli.main(["select", "c.yaml", "--input", "x", "--output", "y"]) == 2
    assert "needs: pip install 'sluiceway[sft]'" in capsys.readouterr().err


def test_unexpected_exception_is_named_without_a_trace(monkeypatch, capsys):
    from sluiceway import cli
    from sluiceway.cli import pipeline

    def boom(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(pipeline, "_stages", boom)
    assert cli.main(["stages"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == ["error: ZeroDivisionError: division by zero", "rerun with --debug for the trace"]
    assert cli.main(["--debug", "stages"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_broken_sluiceway_import_is_raised(monkeypatch):
    from sluiceway import cli

    _fail_import(monkeypatch, "sluiceway.cli.sft", "sluiceway.sft.gone")
    with pytest.raises(ModuleNotFoundError, match="sluiceway.sft.gone"):
        cli.build_parser()


def test_stages_verbose_names_each_module(capsys):
    from sluiceway import cli

    assert cli.main(["stages", "-v"]) == 0
    out = capsys.readouterr().out
    assert "    module: sluiceway.stages.gopher" in out
