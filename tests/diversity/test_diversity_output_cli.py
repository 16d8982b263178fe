"""diversity_of_output over kept/rejected Parquet, and the `embed train` / `diversity` sub-commands."""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sluiceway.cli.diversity import add_parser
from sluiceway.diversity.arrow import to_vector_array
from sluiceway.diversity.output import diversity_of_output
from sluiceway.diversity.synthetic import topic_corpus


def write_part(directory, labels, vectors, stages=None):
    os.makedirs(directory, exist_ok=True)
    n = len(labels)
    cols = {"id": [f"r{i}" for i in range(n)], "cluster_id": pa.array(labels, pa.int32()),
            "embedding": to_vector_array(np.asarray(vectors, np.float32))}
    if stages is not None:
        cols["stage"] = stages
    pq.write_table(pa.table(cols), os.path.join(directory, "part-0.parquet"))


def run_cli(*argv):
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


@pytest.fixture
def out_dir(tmp_path):
    eye = np.eye(4)
    write_part(tmp_path / "kept", [0, 1, 2, 3], eye)
    write_part(tmp_path / "rejected", [0, 0, 0, None], [eye[0], eye[0], eye[1], eye[2]],
               ["semantic_dedup", "semantic_dedup", "balanced_sample", "read"])
    return str(tmp_path)


def test_diversity_of_output(out_dir):
    d = diversity_of_output(out_dir)
    assert d["kept"]["effective_clusters"] == pytest.approx(4)
    assert d["kept"]["mean_pairwise_cosine_distance"] == pytest.approx(1.0)
    assert d["rejected"]["rows"] == 4 and d["rejected"]["unmeasured"] == 1
    assert d["rejected"]["sizes"] == [3, 0, 0, 0] and d["rejected"]["effective_clusters"] == pytest.approx(1)
    assert d["rejected_by_stage"]["semantic_dedup"]["mean_pairwise_cosine_distance"] == pytest.approx(0.0)


def test_diversity_cli(out_dir, capsys):
    assert run_cli("diversity", out_dir) == 0
    assert "rejected/semantic_dedup" in capsys.readouterr().out
    assert run_cli("diversity", out_dir, "--json") == 0
    assert json.loads(capsys.readouterr().out)["kept"]["rows"] == 4


def test_diversity_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        diversity_of_output(str(tmp_path / "nope"))
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "part-0.jsonl").write_text("{}\n")
    with pytest.raises(ValueError, match="parquet"):
        diversity_of_output(str(tmp_path))


def test_embed_train_cli(tmp_path, capsys):
    texts, _ = topic_corpus(200)
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"body": t}) + "\n" for t in texts), encoding="utf-8")
    out = tmp_path / "ft"
    assert run_cli("embed", "train", "--input", str(corpus), "--output", str(out), "--text-field", "body",
                   "--dim", "8", "--min-count", "1", "--bucket", "2000", "--weighting", "sif") == 0
    assert "backend: fasttext" in capsys.readouterr().out
    meta = json.loads((out / "embedder.json").read_text())
    assert meta["n_docs"] == 200 and meta["weighting"] == "sif" and len(meta["sif_pc"]) == 8
    assert meta["train"]["threads"] == 11  # the fastText 0.9.3 minimum that initializes the whole matrix
    with pytest.raises(ValueError, match="threads"):
        run_cli("embed", "train", "--input", str(corpus), "--output", str(out), "--threads", "0")
    with pytest.raises(FileNotFoundError):
        run_cli("embed", "train", "--input", str(tmp_path / "missing.txt"), "--output", str(out))
