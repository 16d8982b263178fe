"""Diversity metrics on known distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sluiceway.diversity.metrics import (
    VectorMoments,
    cluster_sizes,
    diversity_summary,
    effective_clusters,
    entropy,
    format_diversity,
    mean_pairwise_cosine_distance,
    size_distribution,
)


def test_entropy_and_effective_clusters():
    assert entropy([10, 10, 10, 10]) == pytest.approx(math.log(4))
    assert effective_clusters([5, 5, 5, 5, 5]) == pytest.approx(5)
    assert effective_clusters([100, 0, 0]) == pytest.approx(1)
    assert entropy([]) == 0.0
    assert 1 < effective_clusters([90, 5, 5]) < 2


def test_sizes_and_distribution():
    sizes = cluster_sizes(np.array([0, 0, 2, -1, 2, 2]), k=4)
    assert sizes.tolist() == [2, 0, 3, 0]
    d = size_distribution(sizes)
    assert (d["rows"], d["nonempty"], d["min"], d["max"], d["largest_share"]) == (5, 2, 2, 3, 0.6)


def brute_force(X):
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = U @ U.T
    return float(np.mean(1 - S[np.triu_indices(len(X), 1)]))


def test_mean_pairwise_cosine_distance():
    X = np.random.default_rng(0).normal(size=(120, 6))
    assert mean_pairwise_cosine_distance(X) == pytest.approx(brute_force(X))
    assert mean_pairwise_cosine_distance(np.ones((5, 3))) == pytest.approx(0.0, abs=1e-12)
    assert mean_pairwise_cosine_distance(np.array([[1.0, 0], [-1.0, 0]])) == pytest.approx(2.0)
    assert mean_pairwise_cosine_distance(X[:1]) is None
    sampled = mean_pairwise_cosine_distance(X, sample=50, seed=3)
    assert sampled == mean_pairwise_cosine_distance(X, sample=50, seed=3) != mean_pairwise_cosine_distance(X)
    merged = VectorMoments.of(X[:70]).merge(VectorMoments.of(X[70:]))
    assert merged.mean_cosine_distance() == pytest.approx(brute_force(X))


def test_summary_and_format():
    s = diversity_summary(np.array([0, 1, 1, 2]), np.eye(4), k=4)
    assert s["rows"] == 4 and s["nonempty"] == 3 and s["sizes"] == [1, 2, 1, 0]
    assert s["effective_clusters"] == pytest.approx(math.exp(entropy([1, 2, 1])), rel=1e-3)
    assert s["mean_pairwise_cosine_distance"] == pytest.approx(1.0)
    empty = diversity_summary(sizes=np.zeros(3, np.int64))
    assert empty["rows"] == 0 and "entropy" not in empty
    text = format_diversity({"cluster": {"alive": s, "rejected": empty}})
    assert "cluster/alive" in text and "cluster/rejected" in text
