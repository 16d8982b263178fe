"""The Ray-side helpers on a stand-in dataset (a list of Arrow blocks): the fit sample does not depend
on how rows are split into blocks, and the one-pass statistics equal the direct computation."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from sluiceway.diversity.arrow import to_vector_array
from sluiceway.diversity.kmeans import fit_kmeans
from sluiceway.diversity.metrics import diversity_summary
from sluiceway.diversity.raydata import diversity_stats, sample_alive_vectors


class Blocks:
    """The few ``ray.data.Dataset`` methods the helpers use, over in-memory Arrow blocks."""

    def __init__(self, blocks):
        self.blocks = blocks

    def count(self):
        return sum(b.num_rows for b in self.blocks)

    def map_batches(self, fn, batch_format="pyarrow", fn_args=()):
        return Blocks([fn(b, *fn_args) for b in self.blocks])

    def iter_batches(self, batch_size=None, batch_format="pyarrow"):
        return iter(self.blocks)


def rows(n=300, dim=6, rejected_every=0, seed=0):
    X = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    reasons = [("filtered" if rejected_every and i % rejected_every else None) for i in range(n)]
    table = pa.table({"id": [f"r{i}" for i in range(n)], "source": ["s"] * n, "embedding": to_vector_array(X),
                      "stage": pa.array([("f" if r else None) for r in reasons], pa.string()),
                      "reason": pa.array(reasons, pa.string())})
    return table, X


def split(table, size):
    return Blocks([table.slice(i, size) for i in range(0, table.num_rows, size)])


def test_sample_is_the_same_for_any_block_split():
    table, _ = rows()
    a, n_a = sample_alive_vectors(split(table, 7), "embedding", 50, seed=3)
    b, n_b = sample_alive_vectors(split(table, 300), "embedding", 50, seed=3)
    c, _ = sample_alive_vectors(split(table, 300), "embedding", 50, seed=4)
    assert n_a == n_b == 300 and a.shape == (50, 6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_sample_retries_when_most_rows_are_rejected():
    table, X = rows(rejected_every=10)  # only every 10th row alive
    sample, n_alive = sample_alive_vectors(split(table, 40), "embedding", 25, seed=0)
    assert n_alive == 30 and sample.shape == (25, 6)
    alive = {tuple(v) for v in X[::10]}
    assert all(tuple(v) in alive for v in sample)


def test_stats_match_direct_computation():
    table, X = rows(rejected_every=3)
    model = fit_kmeans(X, 4, seed=0)
    stats = diversity_stats(split(table, 17), "embedding", model=model, k=4)
    alive = np.arange(300) % 3 == 0
    for group, mask in (("alive", alive), ("rejected", ~alive)):
        want = diversity_summary(model.assign(X[mask])[0], X[mask], k=4)
        assert stats[group]["sizes"] == want["sizes"]
        assert stats[group]["mean_pairwise_cosine_distance"] == pytest.approx(want["mean_pairwise_cosine_distance"])
