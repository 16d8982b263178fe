import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sluiceway.cli import plan as cli
from tests.planning.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def run(argv, capsys):
    """Parse like the top-level ``sluiceway`` CLI does and run the handler."""
    parser = argparse.ArgumentParser(prog="sluiceway")
    sub = parser.add_subparsers(dest="command")
    cli.add_parser(sub)
    args = parser.parse_args(argv)
    rc = args.func(args)
    out, err = capsys.readouterr()
    return rc, out, err


def test_params_json_contract(capsys):
    rc, out, _ = run(["plan", "params", str(FIXTURES / "llama-2-7b.json"), "--json"], capsys)
    d = json.loads(out)
    assert rc == 0
    assert d["total_params"] == 6_738_415_616
    assert d["embedding_params"] + d["non_embedding_params"] == d["total_params"]


def test_chinchilla_json_contract(capsys):
    rc, out, _ = run(["plan", "chinchilla", "--compute", "5.76e23", "--json"], capsys)
    d = json.loads(out)
    assert rc == 0 and {"params", "tokens", "loss", "constants"} <= set(d)
    assert 39e9 < d["params"] < 41.5e9
    rc, out, _ = run(["plan", "chinchilla", "--params", "70B", "--tokens", "1.4T", "--json"], capsys)
    assert json.loads(out)["planned"]["loss"] > 1.69


def test_memory_json_contract(capsys):
    rc, out, _ = run(["plan", "memory", str(FIXTURES / "llama-2-7b.json"), "--zero", "3", "--dp", "64",
                      "--precision", "bf16", "--json"], capsys)
    d = json.loads(out)
    keys = {"weights_bytes", "gradients_bytes", "optimizer_bytes", "activations_bytes", "total_bytes"}
    assert rc == 0 and keys <= set(d)
    assert d["weights_bytes"] + d["gradients_bytes"] + d["optimizer_bytes"] == pytest.approx(16 * 6_738_415_616 / 64)
    assert "16 bytes/parameter" in d["convention"]


def test_run_json_contract(capsys):
    rc, out, _ = run(["plan", "run", str(FIXTURES / "llama-2-7b.json"), "--tokens", "2e12", "--gpus", "1024",
                      "--gpu", "h100", "--json"], capsys)
    d = json.loads(out)
    assert rc == 0
    assert d["total_params"] == 6_738_415_616
    assert d["layouts"]["best"] and d["memory"]["total_bytes"] > 0
    assert {"simple", "narayanan_full_recompute", "best_layout"} <= set(d["time_cost"])
    assert d["compute"]["flops_6nd"] == pytest.approx(6 * 6_738_415_616 * 2e12)


def test_run_with_dataset(tmp_path, capsys):
    (tmp_path / "report.json").write_text(json.dumps({"tokens": {"total": 50_000_000_000, "tokenizer": "llama"}}))
    rc, out, _ = run(["plan", "run", "llama2-7b", "--tokens", "1T", "--dataset", str(tmp_path), "--gpus", "256",
                      "--json"], capsys)
    d = json.loads(out)
    assert rc == 0 and d["data"]["epochs"] == pytest.approx(20) and d["data"]["tokenizer"] == "llama"
    rc, out, _ = run(["plan", "run", "llama2-7b", "--dataset", str(tmp_path), "--gpus", "64"], capsys)
    assert rc == 0 and "Data (Muennighoff" in out


@pytest.mark.parametrize("argv", [
    ["plan", "params", "llama2-7b"],
    ["plan", "chinchilla", "--compute", "1e22"],
    ["plan", "memory", "llama2-7b", "--tp", "2", "--pp", "2", "--gpus", "16", "--zero", "1", "--gpu", "h100"],
    ["plan", "kv", "llama2-7b", "--batch", "4", "--context", "8192"],
    ["plan", "comm", "llama2-7b", "--tp", "8", "--gpus", "64", "--bandwidth-gbps", "100"],
    ["plan", "compute", "llama2-7b", "--tokens", "1T", "--gpus", "64"],
    ["plan", "layouts", "llama2-7b", "--gpus", "64"],
    ["plan", "run", "qwen3-8b", "--tokens", "1T", "--gpus", "128", "--gpu", "h200"],
    ["plan", "presets"],
])
def test_text_output_and_json(argv, capsys):
    rc, out, err = run(argv, capsys)
    assert rc == 0 and out.strip() and not err
    if argv[1] in ("memory", "kv", "run"):
        assert "GiB" in out and "GB" in out
    rc, out, _ = run(argv + ["--json"], capsys)
    assert rc == 0 and isinstance(json.loads(out), dict)


@pytest.mark.parametrize("argv,msg", [
    (["plan", "memory", "llama2-7b", "--tp", "3"], "does not divide the 32 attention heads"),
    (["plan", "memory", "llama2-7b", "--pp", "5"], "layers"),
    (["plan", "memory", "llama2-7b", "--tp", "2", "--dp", "4", "--gpus", "16"], "does not match"),
    (["plan", "memory", "llama2-7b", "--tp", "3", "--gpus", "16"], "does not divide the 16 GPUs"),
    (["plan", "run", "llama2-7b", "--gpus", "64", "--tp", "3"], "divide"),
    (["plan", "run", "llama2-7b", "--dataset", "/nonexistent/out"], "no curation report"),
    (["plan", "params", "/nonexistent/config.json"], "not found"),
    (["plan", "params"], "give a model"),
    (["plan", "chinchilla"], "--compute"),
    (["plan", "run", "llama2-7b", "--gpu", "tpu"], "unknown GPU"),
    (["plan", "run", "llama2-7b", "--mfu", "40"], "--mfu"),
])
def test_errors_are_clear(argv, msg, capsys):
    rc, out, err = run(argv, capsys)
    assert rc == 2 and err.startswith("error: ") and msg in err and "Traceback" not in err and not out


def test_missing_field_config(tmp_path, capsys):
    cfg = json.loads((FIXTURES / "llama-2-7b.json").read_text())
    del cfg["num_hidden_layers"]
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    rc, _, err = run(["plan", "params", str(tmp_path / "config.json")], capsys)
    assert rc == 2 and "num_hidden_layers" in err


@pytest.mark.parametrize("argv", [["plan", "memory", "llama2-7b", "--tp", "-2"],
                                  ["plan", "run", "llama2-7b", "--tokens", "0"],
                                  ["plan", "run", "llama2-7b", "--gpus", "1.5"],
                                  ["plan", "memory", "llama2-7b", "--zero", "4"]])
def test_argparse_rejects_bad_numbers(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        run(argv, capsys)
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_plan_without_subcommand(capsys):
    rc, _, err = run(["plan"], capsys)
    assert rc == 2 and "params" in err


def test_no_heavy_imports():
    code = ("import sys; from sluiceway.cli import main; "
            "rc = main(['plan', 'run', 'llama2-7b', '--tokens', '1e12', '--gpus', '64', '--json']); "
            "sys.stdout.flush(); heavy = [m for m in ('ray', 'numpy', 'pandas', 'pyarrow', 'torch') "
            "if m in sys.modules]; print('HEAVY', heavy, rc)")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "HEAVY [] 0"
