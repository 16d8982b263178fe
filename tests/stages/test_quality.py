"""fasttext_quality (threshold / pareto / score) and keep_top_fraction, without Ray."""

import pickle
from collections import Counter

import pytest

from sluiceway.pipelines.config import parse_config
from sluiceway.pipelines.execute import apply_stage
from sluiceway.stages.quality import FastTextQuality, key_to_score
from sluiceway.stages.registry import ConfigError, build_stage
from tests.fasttext_models.tiny_models import quality_docs, quality_model, table


def _batch(n=20, seed=3):
    good, bad = quality_docs(n, seed)
    return table(good + bad + ["never scored"], rejected={2 * n})


def test_threshold_scores_and_rejects_low_quality():
    stage = build_stage("fasttext_quality", {"model": quality_model(), "threshold": 0.5})
    counters = Counter()
    out = apply_stage(stage, _batch(), counters)
    rows = {r["id"]: r for r in out.to_pylist()}
    assert counters["docs_scored"] == 40
    good = [rows[f"r{i}"] for i in range(20)]
    bad = [rows[f"r{i}"] for i in range(20, 40)]
    assert all(r["reason"] is None and r["quality_score"] > 0.5 for r in good)
    assert all(r["reason"] == "low_quality" and r["stage"] == "fasttext_quality" for r in bad)
    assert "< 0.5" in bad[0]["detail"]
    assert rows["r40"]["reason"] == "malformed" and rows["r40"]["quality_score"] is None  # passed through


def test_score_mode_only_annotates():
    stage = FastTextQuality(model=quality_model(), mode="score")
    out = apply_stage(stage, _batch(), Counter())
    assert out.column("reason").null_count == 40 and out.column("quality_score").null_count == 1


def test_pareto_is_seeded_and_independent_of_batching():
    stage = FastTextQuality(model=quality_model(), mode="pareto", seed=7)
    batch = _batch(60)
    whole = [r["reason"] for r in apply_stage(stage, batch, Counter()).to_pylist()]
    halves = [r["reason"] for part in (batch.slice(0, 50), batch.slice(50)) for r in
              apply_stage(stage, part, Counter()).to_pylist()]
    assert whole == halves
    kept_good = sum(r is None for r in whole[:60])
    kept_bad = sum(r is None for r in whole[60:120])
    assert kept_good > 50 and kept_bad < 5
    other = [r["reason"] for r in apply_stage(FastTextQuality(model=quality_model(), mode="pareto", seed=8),
                                              batch, Counter()).to_pylist()]
    assert whole[:120] != other[:120] or kept_bad == 0


def test_validation_and_setup_errors(tmp_path):
    with pytest.raises(ConfigError, match="model"):
        build_stage("fasttext_quality", {})
    with pytest.raises(ConfigError, match="keep_top_fraction"):
        build_stage("fasttext_quality", {"model": "m.bin", "mode": "top_fraction"})
    with pytest.raises(ConfigError, match="threshold"):
        build_stage("fasttext_quality", {"model": "m.bin", "threshold": 1.5})
    with pytest.raises(ConfigError, match="fraction"):
        build_stage("keep_top_fraction", {"fraction": 0})
    with pytest.raises(ValueError, match="labels are"):
        FastTextQuality(model=quality_model(), label="__label__cc").setup()  # e.g. a DCLM label name typo
    with pytest.raises(FileNotFoundError):
        FastTextQuality(model=str(tmp_path / "none.bin")).setup()


def test_model_is_not_pickled_with_the_stage():
    stage = FastTextQuality(model=quality_model())
    stage.setup()
    copy = pickle.loads(pickle.dumps(stage))
    assert copy._model is None and copy.model == stage.model and stage._model is not None


def test_yaml_config_with_top_fraction(tmp_path):
    (tmp_path / "q.bin").write_bytes(b"")  # model paths must exist before a run; never loaded here
    cfg = parse_config({"stages": [{"fasttext_quality": {"model": str(tmp_path / "q.bin"), "mode": "score",
                                                         "label": "hq"}},
                                   {"keep_top_fraction": {"column": "quality_score", "fraction": 0.3}}]})
    assert [s.name for s in cfg.stages] == ["fasttext_quality", "keep_top_fraction"]
    assert cfg.stages[1].columns_read() == ("id", "quality_score")


def test_key_to_score_inverts_score_key():
    import numpy as np

    from sluiceway.topk import score_key

    for v in (0.0, 0.25, 0.999, -3.5):
        assert key_to_score(int(score_key(np.array([v]))[0])) == v
