"""Every row exactly once, verified from the written files, on corpora that broke the old accounting:
per-file ids that repeat across files, one id on several documents, exact duplicates sharing an id, an
empty file (several files); no duplicates at all (one file only); through every dataset stage. Tiny corpora: Ray on 2 cores is slow."""

from __future__ import annotations

import json

import pyarrow.dataset as pads
import pytest

from sluiceway.cli import main
from sluiceway.diversity.embedders import train_fasttext_embedder
from sluiceway.diversity.synthetic import topic_corpus
from sluiceway.io.read import InputError, ReadOptions
from sluiceway.pipelines.pipeline import Pipeline
from sluiceway.pipelines.verify import verify_output
from sluiceway.stages.registry import build_stage
from sluiceway.testing import CLEAN_DOCUMENT, assert_output_accounts


def _write(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    root = tmp_path_factory.mktemp("acc")
    texts, _ = topic_corpus(48, seed=5)
    # one file only, no duplicates at all (exact_dedup used to crash here)
    _write(root / "clean" / "only.jsonl", [{"id": f"d{i}", "text": t} for i, t in enumerate(texts[:40])])
    # per-file ids "0".."n" in both files; id "7" on four documents of one file; exact duplicates that share
    # their id with their twin in the other file; an empty file
    a = [{"id": str(i), "text": t} for i, t in enumerate(texts[:20])]
    b = [{"id": str(i), "text": t} for i, t in enumerate(texts[20:40])]
    b[3]["text"] = a[3]["text"]  # same id "3", same text, other file: one is a duplicate of the other
    a += [{"id": "7", "text": t} for t in texts[40:43]]
    _write(root / "ids" / "a.jsonl", a)
    _write(root / "ids" / "b.jsonl", b)
    (root / "ids" / "empty.jsonl").write_text("")
    model = str(root / "ft")
    train_fasttext_embedder(texts, model, dim=16, min_count=1, bucket=2000, weighting="sif")
    return root, model


def _dataset_stages(model):
    return [build_stage("normalize"), build_stage("exact_dedup"),
            build_stage("minhash_dedup", {"threshold": 0.7, "num_perm": 64}),
            build_stage("embed", {"backend": "fasttext", "model_path": model}),
            build_stage("cluster", {"k": 3, "seed": 0}), build_stage("semantic_dedup", {"eps": 0.001}),
            build_stage("balanced_sample", {"fraction": 0.6, "top_overall": 2})]


@pytest.mark.parametrize("corpus,rows", [("clean", 40), ("ids", 43)])
def test_every_dataset_stage_accounts_by_identity(ray_session, corpora, corpus, rows):
    root, model = corpora
    out = str(root / f"out-{corpus}")
    report = Pipeline(_dataset_stages(model)).run(str(root / corpus / "*.jsonl"), out, quiet=True)
    result = assert_output_accounts(out, str(root / corpus / "*.jsonl"))
    assert result.input_rows == rows == report["rows"]["input"]
    assert report["rows"]["accounted"] and verify_output(out).ok
    assert (report["rows"]["kept"], report["rows"]["rejected"]) == (result.scan.kept, result.scan.rejected)
    removed = {s["name"]: s["removed"] for s in report["stages"]}
    assert removed["balanced_sample"]  # something was selected away: the stages really ran
    rejected = pads.dataset(f"{out}/rejected").to_table().to_pylist()
    if corpus == "clean":
        assert not removed["exact_dedup"] and not removed["minhash_dedup"]
    if corpus == "ids":
        assert report["duplicate_ids"] == {"ids": 20, "rows": 43}  # "0".."19" twice, "7" five times
        dup = [r for r in rejected if r["reason"] == "exact_duplicate"]
        assert len(dup) == 1 and dup[0]["source"] == "b.jsonl:4" and dup[0]["detail"] == "duplicate of 3 (a.jsonl:4)"


def test_two_files_with_the_same_ids_lose_nothing(ray_session, tmp_path, capsys):
    """Bug 1: ids "0".."n" in two files; one id on four documents. The report said OK, kept/ held half."""
    texts = [CLEAN_DOCUMENT + f"\nThis is document {i} of the {name} file." for name in "ab" for i in range(30)]
    rows = {name: [{"id": str(i), "text": texts[30 * k + i] if i % 10 else "too short"} for i in range(30)]
            for k, name in enumerate("ab")}
    rows["a"] += [{"id": "5", "text": CLEAN_DOCUMENT + f"\nOne more, number {j}."} for j in range(3)]
    for name, recs in rows.items():
        _write(tmp_path / "in" / f"{name}.jsonl", recs)
    config = tmp_path / "p.yaml"
    config.write_text("stages:\n  - normalize\n  - gopher_quality\n")
    out = tmp_path / "out"
    assert main(["run", str(config), "--input", str(tmp_path / "in" / "*.jsonl"), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "input 63 = kept 57 + rejected 6: OK (verified from the written files)" in printed
    assert "duplicate ids: 30 ids are shared by 63 rows" in printed
    assert_output_accounts(str(out), str(tmp_path / "in" / "*.jsonl"))
    assert pads.dataset(str(out / "kept")).count_rows() == 57
    report = json.loads((out / "report.json").read_text())
    assert report["accounting"]["manifest"]["a.jsonl"]["rows"] == 33
    assert main(["verify", str(out)]) == 0
    # then lose a shard: verify names the file and the missing rows
    next((out / "kept").iterdir()).unlink()
    assert main(["verify", str(out)]) == 1
    assert "missing" in capsys.readouterr().err


def test_strict_refuses_repeated_ids_before_writing(tmp_path):
    _write(tmp_path / "in" / "a.jsonl", [{"id": "1", "text": "one"}, {"id": "2", "text": "two"}])
    _write(tmp_path / "in" / "b.jsonl", [{"id": "1", "text": "uno"}])
    out = tmp_path / "out"
    with pytest.raises(InputError, match=r"--strict: 1 ids are shared by 2 rows, e.g. '1' at a.jsonl:1, b.jsonl:1"):
        Pipeline([build_stage("exact_dedup")]).run(str(tmp_path / "in" / "*.jsonl"), str(out), strict=True,
                                                    quiet=True)
    assert not out.exists()


def test_sft_selection_stage_accounts(ray_session, tmp_path):
    topics = ["tea", "maps", "bikes", "clouds"]
    recs = [{"id": str(i % 5), "instruction": f"Tell me about {topics[i % 4]} ({i})", "input": "",
             "output": f"{topics[i % 4]} " * (1 + i % 3), "text": f"t{i}", "iqs_score": str(i % 7)}
            for i in range(16)]
    _write(tmp_path / "in" / "pool.jsonl", recs)
    opts = ReadOptions(keep_fields=("instruction", "input", "output", "iqs_score"))
    stage = build_stage("car_select", {"n1": 2, "n2": 1, "k": 2, "embedder": "hashing", "pca_variance": None})
    out = str(tmp_path / "out")
    report = Pipeline([stage], opts).run(str(tmp_path / "in" / "*.jsonl"), out, quiet=True)
    assert report["rows"]["accounted"] and report["stages"][-1]["removed"]
    assert_output_accounts(out, str(tmp_path / "in" / "*.jsonl"), opts)
