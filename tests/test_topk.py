"""Pareto sampling (GPT-3) and exact top-k selection."""

import numpy as np
import pytest

from sluiceway import topk as sel


def test_pareto_draws_match_numpy_distribution():
    ids = [f"doc-{i}" for i in range(100_000)]
    ours = sel.pareto_draw(ids, alpha=9.0, seed=0)
    ref = np.random.default_rng(0).pareto(9.0, 100_000)
    q = [0.1, 0.5, 0.9, 0.99]
    assert np.allclose(np.quantile(ours, q), np.quantile(ref, q), rtol=0.05)


def test_pareto_keep_is_per_document_and_seeded():
    rng = np.random.default_rng(1)
    ids = [f"d{i}" for i in range(2000)]
    scores = rng.random(2000)
    whole = sel.pareto_keep(scores, ids, 9.0, seed=3)
    parts = np.concatenate([sel.pareto_keep(scores[i:i + 7], ids[i:i + 7], 9.0, seed=3) for i in range(0, 2000, 7)])
    assert (whole == parts).all()  # batch boundaries do not matter
    assert (whole == sel.pareto_keep(scores, ids, 9.0, seed=3)).all()  # rerun: same documents
    assert (whole != sel.pareto_keep(scores, ids, 9.0, seed=4)).any()
    assert sel.pareto_keep(np.ones(100), ids[:100]).all()  # score 1: pareto > 0 always
    assert whole[scores < 0.2].mean() < 0.02 < 0.3 < whole[scores > 0.8].mean()


def test_pareto_keep_rate_matches_gpt3_rule():
    ids = [f"x{i}" for i in range(20_000)]
    for score in (0.5, 0.9):  # P(pareto(a) > 1 - s) = (2 - s) ** -a
        rate = sel.pareto_keep(np.full(20_000, score), ids, 9.0).mean()
        assert rate == pytest.approx((2 - score) ** -9, abs=0.015)


@pytest.mark.parametrize("limit", [1, 50, 10_000])
def test_topk_exact_with_ties_and_nan(limit):
    rng = np.random.default_rng(2)
    scores = rng.random(3000).astype(np.float32).astype(np.float64)
    scores[:500] = 0.5  # a big tie
    scores[500:520] = np.nan  # no score sorts lowest
    ids = [str(i) for i in range(3000)]
    for k in (0, 1, 499, 1500, 2980, 2999):
        keep = sel.topk_in_memory(scores, ids, k, seed=0, collect_limit=limit)
        assert keep.sum() == k
        if 0 < k:
            filled = np.nan_to_num(scores, nan=-1.0)
            assert filled[keep].min() >= filled[~keep].max()
    assert sel.topk_in_memory(scores, ids, 5000).all()


def test_score_key_orders_floats():
    values = np.array([-2.0, -0.5, 0.0, 1e-9, 0.3, 1.0, 7.0])
    keys = sel.score_key(values)
    assert (np.diff(keys.astype(object)) > 0).all()
    assert sel.score_key(np.array([np.nan]))[0] == 0
