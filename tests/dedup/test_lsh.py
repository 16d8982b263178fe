"""Banding: parameter choice, bucket keys, and linear-size candidate edges from huge buckets."""

from __future__ import annotations

import numpy as np
from datasketch import MinHashLSH

from sluiceway.dedup.components import components_local
from sluiceway.dedup.lsh import band_keys, bucket_edges, collision_probability, optimal_bands, unique_edges


def test_bands_match_datasketch_optimizer() -> None:
    for threshold, num_perm in ((0.8, 128), (0.7, 128), (0.9, 64), (0.5, 32)):
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        assert optimal_bands(threshold, num_perm) == (lsh.b, lsh.r)
    assert optimal_bands(0.8, 128) == (9, 13)
    b, r = optimal_bands(0.8, 128)
    assert collision_probability(0.95, b, r) > 0.99 > 0.01 > collision_probability(0.5, b, r)
    fn_heavy = optimal_bands(0.8, 128, 0.1, 0.9)  # weighting false negatives lowers the S-curve
    assert collision_probability(0.7, *fn_heavy) > collision_probability(0.7, b, r)


def test_band_keys_equal_exactly_when_band_equal() -> None:
    rng = np.random.default_rng(0)
    sig = rng.integers(0, 2**32, size=(4, 12), dtype=np.uint32)
    sig[1, :4] = sig[0, :4]  # same first band only
    sig[2] = sig[0]
    keys = band_keys(sig, 3, 4)
    assert keys.shape == (4, 3) and keys.dtype == np.int64
    assert keys[1, 0] == keys[0, 0] and keys[1, 1] != keys[0, 1]
    assert (keys[2] == keys[0]).all() and not (keys[3] == keys[0]).any()
    same_values = np.tile(sig[0, :4], 3)[None, :]  # identical values in different bands: different keys
    assert len(set(band_keys(same_values, 3, 4)[0])) == 3


def test_bucket_edges_star_plus_chain() -> None:
    buckets = np.array([5, 5, 5, 5, 9, 9, 7])
    nodes = np.array([40, 10, 30, 20, 1, 2, 3])
    u, v = bucket_edges(buckets, nodes)
    edges = set(zip(u.tolist(), v.tolist(), strict=True))
    # bucket 5 sorted: 10 20 30 40 -> star from 10 and chain 10-20-30-40; bucket 9: 1-2; 7: alone
    assert edges == {(10, 20), (10, 30), (10, 40), (20, 30), (30, 40), (1, 2)}


def test_huge_bucket_is_linear_and_connected() -> None:
    k = 50_000
    nodes = np.random.default_rng(1).permutation(k).astype(np.int64) * 3 + 7
    u, v = bucket_edges(np.zeros(k, np.int64), nodes)
    assert len(u) <= 2 * (k - 1)
    members, comps = components_local(u, v)
    assert len(members) == k and (comps == nodes.min()).all()


def test_unique_edges() -> None:
    u, v = unique_edges(np.array([3, 1, 1, 2, 5]), np.array([1, 3, 3, 2, 4]))
    assert list(zip(u.tolist(), v.tolist(), strict=True)) == [(1, 3), (4, 5)]
