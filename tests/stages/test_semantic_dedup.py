"""semantic_dedup (SemDeDup) on one cluster's Arrow rows: keeps the higher score, records the twin."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from sluiceway.diversity.arrow import to_vector_array
from sluiceway.stages.registry import ConfigError, build_stage
from sluiceway.stages.semantic_dedup import dedup_group, max_similarity_to_earlier


def cluster_rows(vectors, scores):
    n = len(scores)
    return pa.table({"id": [f"r{i}" for i in range(n)], "source": ["s"] * n, "cluster_id": pa.array([7] * n, pa.int32()),
                     "q": pa.array(scores, pa.float64()), "embedding": to_vector_array(np.asarray(vectors, np.float32)),
                     "stage": pa.nulls(n, pa.string()), "reason": pa.nulls(n, pa.string()),
                     "detail": pa.nulls(n, pa.string())})


def test_max_similarity_to_earlier_matches_brute_force():
    X = np.random.default_rng(0).normal(size=(40, 5)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    best, arg = max_similarity_to_earlier(X)
    assert arg[0] == -1
    S = X @ X.T
    for i in range(1, 40):
        assert arg[i] == np.argmax(S[i, :i]) and best[i] == pytest.approx(S[i, :i].max(), abs=1e-5)


def test_keeps_the_higher_score_and_records_the_twin():
    v = np.array([[1, 0, 0], [0.999, 0.04, 0], [0, 1, 0], [0, 0, 1]], np.float32)
    out = dedup_group(cluster_rows(v, [0.2, 0.9, 0.5, 0.1]), "embedding", 0.05, "q", False, 0, "cluster_id",
                      "semantic_dedup")
    rows = {r["id"]: r for r in out.to_pylist()}
    assert rows["r0"]["reason"] == "semantic_duplicate" and rows["r0"]["semantic_duplicate_of"] == "r1"
    assert rows["r0"]["stage"] == "semantic_dedup" and "to r1 (s, cluster 7)" in rows["r0"]["detail"]
    assert rows["r0"]["semantic_similarity"] == pytest.approx(0.9992, abs=1e-3)
    assert all(rows[r]["reason"] is None for r in ("r1", "r2", "r3"))
    assert rows["r1"]["semantic_similarity"] is None  # the best row has nothing above it


def test_eps_threshold_and_rows_without_vectors():
    v = np.array([[1, 0], [0.9, 0.436], [0, 1]], np.float32)  # cos(r0, r1) ~ 0.9
    table = cluster_rows(v, [0.3, 0.2, 0.1])
    loose = dedup_group(table, "embedding", 0.2, "q", False, 0, "cluster_id", "sd")
    strict = dedup_group(table, "embedding", 0.05, "q", False, 0, "cluster_id", "sd")
    assert loose.column("reason").to_pylist() == [None, "semantic_duplicate", None]
    assert strict.column("reason").to_pylist() == [None, None, None]
    emb = table.column("embedding").combine_chunks()
    with_null = table.set_column(table.schema.get_field_index("embedding"), "embedding",
                                 pa.array([emb[0].as_py(), None, emb[2].as_py()], emb.type))
    out = dedup_group(with_null, "embedding", 0.5, "q", False, 0, "cluster_id", "sd")
    assert out.column("reason").to_pylist()[1] is None


def test_config():
    with pytest.raises(ConfigError, match="eps"):
        build_stage("semantic_dedup", {"eps": -0.1})
    assert build_stage("semantic_dedup", {"score": None}).columns_read() == ("id", "embedding", "cluster_id")
