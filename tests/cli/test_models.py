"""``quality|langid|tokenizer train`` through argparse, as the lead's CLI will call them."""

import argparse
import json

import pytest

from sluiceway.cli.models import add_parser
from sluiceway.fasttext_models.fasttext_io import label_probability, load_model
from sluiceway.text.tokenizer import count_tokens, load_tokenizer
from tests.fasttext_models.tiny_models import langid_dir, quality_docs


def run(argv):
    parser = argparse.ArgumentParser(prog="sluiceway")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def _jsonl(path, texts):
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    return str(path)


def test_quality_train(tmp_path, capsys):
    good, bad = quality_docs(80)
    (tmp_path / "good").mkdir()
    _jsonl(tmp_path / "good" / "a.jsonl", good[:40])
    _jsonl(tmp_path / "good" / "b.jsonl", good[40:])
    (tmp_path / "raw.txt").write_text("\n".join(bad) + "\n")  # .txt: one document per line
    out, metrics = tmp_path / "quality.bin", tmp_path / "m.json"
    code = run(["quality", "train", "--positive", str(tmp_path / "good" / "*.jsonl"), "--negative",
                str(tmp_path / "raw.txt"), "--out", str(out), "--dim", "8", "--bucket", "2000", "--min-count", "1",
                "--lr", "0.5", "--metrics-json", str(metrics)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "precision" in printed and "recall" in printed and "F1" in printed
    assert json.loads(metrics.read_text())["metrics"]["f1"] > 0.9
    scores = label_probability(load_model(str(out)), [good[0], bad[0]], "hq")
    assert scores[0] > 0.5 > scores[1]


def test_langid_train(tmp_path, capsys):
    out = tmp_path / "lid.bin"
    assert run(["langid", "train", "--data", langid_dir(), "--out", str(out), "--dim", "8", "--epoch", "10",
                "--bucket", "5000"]) == 0
    printed = capsys.readouterr().out
    assert "macro" in printed and "zh" in printed and out.exists()


def test_tokenizer_train(tmp_path, capsys):
    good, bad = quality_docs(50)
    corpus = _jsonl(tmp_path / "c.jsonl", good + bad)
    out = tmp_path / "tokenizer.json"
    assert run(["tokenizer", "train", "--input", corpus, "--vocab-size", "350", "--out", str(out),
                "--sample-docs", "60"]) == 0
    assert "trained on 60 documents" in capsys.readouterr().out
    assert count_tokens(load_tokenizer(str(out)), [good[0]])[0] > 0


def test_bad_input_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match="output directory"):
        run(["quality", "train", "--positive", "x", "--negative", "y", "--out", str(tmp_path / "no" / "q.bin")])
    with pytest.raises(ValueError, match="no input files"):
        run(["tokenizer", "train", "--input", str(tmp_path / "*.jsonl"), "--out", str(tmp_path / "t.json")])
    with pytest.raises(ValueError, match="holdout"):
        run(["langid", "train", "--data", langid_dir(), "--out", str(tmp_path / "l.bin"), "--holdout", "1.5"])
