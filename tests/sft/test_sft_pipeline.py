"""One Ray run of all three SFT stages through ``run_select`` on ShareGPT input, plus the CLI wiring."""

import argparse
import json
import os
import random

import pyarrow.parquet as pq
import pytest

pytest.importorskip("transformers")

from sluiceway.cli.sft import add_parser  # noqa: E402
from sluiceway.pipelines.pipeline import Pipeline  # noqa: E402
from sluiceway.pipelines.report import stage_section  # noqa: E402
from sluiceway.pipelines.sft_select import run_select  # noqa: E402
from sluiceway.sft.iqs import IQSPair, train_iqs  # noqa: E402
from sluiceway.sft.tiny_lm import build_tiny_lm  # noqa: E402
from sluiceway.stages.car_select import CarSelect  # noqa: E402
from sluiceway.stages.iqs import IQSScore  # noqa: E402
from sluiceway.stages.nuggets import NuggetsScore  # noqa: E402

TOPICS = ["tea", "maps", "bikes", "clouds", "ink", "bread"]


def conversations(n):
    rng = random.Random(0)
    recs = []
    for i in range(n):
        t = TOPICS[i % len(TOPICS)]
        answer = f"About {t}:\n" + "\n".join(f"- point {k} on {t}" for k in range(rng.randint(1, 4)))
        turns = [{"from": "human", "value": f"Tell me about {t} #{i}"}, {"from": "gpt", "value": answer}]
        if i % 5 == 0:
            turns += [{"from": "human", "value": "more?"}, {"from": "gpt", "value": "no."}]
        recs.append({"id": f"c{i}", "conversations": turns})
    recs.append({"id": "broken", "conversations": [{"from": "human", "value": "nobody answers"}]})
    return recs


def test_three_stages_on_ray_write_the_input_format(ray_session, tmp_path):
    recs = conversations(18)
    src = tmp_path / "chats.json"
    src.write_text(json.dumps(recs))
    lm, iqs = str(tmp_path / "lm"), str(tmp_path / "iqs")
    build_tiny_lm(lm, [f"{r['conversations'][0]['value']} {r['conversations'][-1]['value']}" for r in recs[:-1]],
                  vocab_size=300)
    train_iqs([IQSPair(f"Tell me about {t}", "", f"About {t}:\n- a\n- b\n- c", f"{t}?") for t in TOPICS * 2],
              iqs, use_embeddings=False)
    pipeline = Pipeline([IQSScore(model=iqs),
                         NuggetsScore(model=lm, anchors="random", num_anchors=4, top_fraction=0.75, embedder="hashing",
                                      concurrency=1, device="cpu"),
                         CarSelect(n1=3, n2=1, k=3, embedder="hashing")])
    out = str(tmp_path / "out")
    report = run_select(pipeline, str(src), out, num_cpus=2, quiet=True)
    assert report["rows"] == {"input": 19, "kept": report["selected_rows"], "rejected": 19 - report["selected_rows"],
                              "accounted": True}
    assert report["sft_input"] == {"layout": "sharegpt", "container": "json", "records": 19, "unusable": 1}
    selected = json.load(open(os.path.join(out, "selected.json")))
    assert selected and all(r in recs for r in selected)
    assert [r["id"] for r in selected] == [r["id"] for r in recs if r in selected]  # input order
    scores = pq.read_table(os.path.join(out, "scores.parquet")).to_pylist()
    assert len(scores) == 19 and sum(r["selected"] for r in scores) == len(selected)
    assert {"iqs_score", "golden_score", "car_cluster"} <= set(scores[0])
    broken = next(r for r in scores if r["id"] == "broken")
    assert broken["reason"] == "malformed" and not broken["selected"]  # the reader says why
    car = stage_section(report, "car_select")
    assert car["method"] == "car" and car["selected"] == len(selected)
    assert stage_section(report, "nuggets_score")["method"] == "nuggets"  # each stage keeps its own section
    assert "sft" not in report  # only report_extra writes top-level keys
    saved = json.load(open(os.path.join(out, "report.json")))
    assert saved["selected_file"].endswith("selected.json") and stage_section(saved, "car_select") == car


def test_cli_hook_registers_commands():
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["select", "c.yaml", "--input", "a.json", "--output", "o"])
    assert args.func.__name__ == "_select" and args.input == ["a.json"]
    args = parser.parse_args(["iqs", "train", "--data", "d", "--output", "m", "--backend", "encoder"])
    assert args.func.__name__ == "_iqs_train" and args.epochs == 2
    assert parser.parse_args(["lm", "train-demo", "--data", "a.json", "--output", "m"]).minutes == 3.0


def test_lm_train_demo_writes_a_marked_stand_in(tmp_path, capsys):
    from sluiceway.cli.sft import _lm_train_demo
    from sluiceway.sft.tiny_lm import is_stand_in

    src = tmp_path / "a.jsonl"
    src.write_text("".join(json.dumps({"instruction": f"Say {w}", "output": f"{w}!"}) + "\n" for w in TOPICS * 3))
    args = argparse.Namespace(data=[str(src)], output=str(tmp_path / "m"), arch="gpt2", minutes=1.0, max_steps=2,
                              seed=0)
    assert _lm_train_demo(args) == 0
    assert is_stand_in(str(tmp_path / "m")) and "stand-in" in capsys.readouterr().out


def test_sluiceway_run_reads_instruction_records(ray_session, tmp_path):
    """`sluiceway run` on an SFT config: the reader lifts ShareGPT records into instruction/input/output."""
    import pyarrow.dataset as pads

    from sluiceway.cli import main

    recs = conversations(12)
    src = tmp_path / "chats.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in recs))
    iqs = str(tmp_path / "iqs")
    train_iqs([IQSPair(f"Tell me about {t}", "", f"About {t}:\n- a\n- b", f"{t}?") for t in TOPICS * 2],
              iqs, use_embeddings=False)
    cfg = tmp_path / "sft.yaml"
    cfg.write_text(f"stages:\n  - iqs_score: {{model: {iqs}}}\n  - car_select: {{n1: 3, n2: 1, k: 3, embedder: hashing}}\n")
    out = tmp_path / "out"
    assert main(["run", str(cfg), "--input", str(src), "--output", str(out), "--num-cpus", "2"]) == 0
    report = json.load(open(out / "report.json"))
    assert report["rows"]["input"] == 13 and report["rows"]["accounted"]
    assert stage_section(report, "car_select")["method"] == "car"
    rejected = pads.dataset(str(out / "rejected")).to_table().to_pylist()
    assert [r["source"] for r in rejected if r["reason"] == "malformed"] == ["chats.jsonl:13"]  # the broken record
    assert any("no assistant turn" in (r["detail"] or "") for r in rejected)
    kept = pads.dataset(str(out / "kept")).to_table().to_pylist()
    assert kept and all(r["instruction"].startswith("Tell me about") and r["iqs_score"] is not None for r in kept)
