"""count_tokens, the report's tokens section, and one Ray run of all fastText/token stages."""

import json
from collections import Counter

import pyarrow.dataset as pads
import pytest
from tokenizers import Tokenizer

from sluiceway.pipelines.execute import apply_stage
from sluiceway.pipelines.pipeline import Pipeline
from sluiceway.stages.langid import LanguageId  # noqa: F401  (registers langid until STAGE_MODULES lists it)
from sluiceway.stages.registry import ConfigError, build_stage
from sluiceway.stages.tokens import CountTokens, tokens_section
from tests.fasttext_models.tiny_models import langid_model, quality_model, table, tokenizer_path, write_corpus


def test_counts_match_tokenizers():
    texts = ["the study of rivers", "房子很大", "a\nb\tc 🙂"]
    counters = Counter()
    out = apply_stage(CountTokens(tokenizer=tokenizer_path()), table(texts + ["dead"], rejected={3}), counters)
    ref = Tokenizer.from_file(tokenizer_path())
    expected = [len(ref.encode(t, add_special_tokens=False).ids) for t in texts]
    assert out.column("n_tokens").to_pylist() == expected + [None]
    assert counters["tokens_counted"] == sum(expected)


def test_report_extra_and_tokens_section():
    stage = CountTokens(tokenizer="llama3/tokenizer.json")
    entry = {"name": "count_tokens", "rows_out": 8, "sums": {"n_tokens": 99}}
    assert stage.report_extra(entry) == {"tokens": {"total": 99, "tokenizer": "llama3/tokenizer.json", "documents": 8}}
    report = {"rows": {"kept": 7}, "stages": [{"name": "read"}, entry], **stage.report_extra(entry)}
    assert tokens_section(report) == {"total": 99, "tokenizer": "llama3/tokenizer.json", "documents": 7}
    assert tokens_section(report, [stage]) == tokens_section(report)
    assert tokens_section({"rows": {}, "stages": [{"name": "read"}]}) is None


def test_validation(tmp_path):
    with pytest.raises(ConfigError, match="tokenizer train"):
        build_stage("count_tokens", {"tokenizer": str(tmp_path / "missing.json")})
    with pytest.raises(ConfigError, match="no tokenizer given"):
        build_stage("count_tokens", {"tokenizer": ""})


def test_default_is_the_shipped_smollm2_tokenizer():
    stage = build_stage("count_tokens", {})
    assert stage.tokenizer == "smollm2"
    out = apply_stage(stage, table(["The capital of France is Paris.", "2024"]), Counter())
    assert out.column("n_tokens").to_pylist() == [7, 4]


def test_ray_pipeline_loads_each_model_once_per_actor(tmp_path, ray_session):
    stages = [build_stage("langid", {"model": langid_model(), "languages": ["en"], "threshold": 0.3}),
              build_stage("fasttext_quality", {"model": quality_model(), "mode": "score"}),
              build_stage("keep_top_fraction", {"fraction": 0.5, "collect_limit": 8}),  # radix passes
              build_stage("count_tokens", {"tokenizer": tokenizer_path()})]
    out = tmp_path / "out"
    report = Pipeline(stages, batch_size=30).run(write_corpus(tmp_path / "in"), str(out), quiet=True)
    entries = {s["name"]: s for s in report["stages"]}
    for name in ("langid", "fasttext_quality", "count_tokens"):
        assert entries[name]["counters"]["model_loads"] == 1  # concurrency 1: one actor, one load
    assert report["rows"]["input"] == 100 and report["rows"]["accounted"]
    alive = entries["keep_top_fraction"]["rows_in"]
    assert report["rows"]["kept"] == round(alive * 0.5)  # exact top fraction
    kept = pads.dataset(str(out / "kept"), format="parquet").to_table().to_pylist()
    rejected = pads.dataset(str(out / "rejected"), format="parquet").to_table().to_pylist()
    top = [r for r in rejected if r["reason"] == "below_top_fraction"]
    assert min(r["quality_score"] for r in kept) >= max(r["quality_score"] for r in top)
    assert {r["language"] for r in kept} == {"en"}
    assert entries["count_tokens"]["sums"]["n_tokens"] == sum(r["n_tokens"] for r in kept)
    expected = {"total": sum(r["n_tokens"] for r in kept), "tokenizer": tokenizer_path(), "documents": len(kept)}
    on_disk = json.loads((out / "report.json").read_text())
    assert on_disk["tokens"] == expected  # count_tokens is last, so rows_out == kept
    assert tokens_section(on_disk, stages) == expected
