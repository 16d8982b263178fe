import numpy as np
import pytest

from sluiceway.sft.car import cds_select, ranks, resolve_count


def test_top_n1_plus_cluster_tops_union():
    scores = np.array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], dtype=float)
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 3, 3])
    keep, why = cds_select(scores, labels, n1=4, n2=1)
    # top 4 = rows 0..3 (clusters 0 and 1 covered); cluster tops of 2 and 3 are added
    assert np.flatnonzero(keep).tolist() == [0, 1, 2, 3, 6, 8]
    assert why.tolist() == [1, 1, 1, 1, 0, 0, 2, 0, 2, 0]


def test_n2_two_per_cluster_and_zero_n1():
    scores = np.arange(10, dtype=float)
    labels = np.array([0] * 5 + [1] * 5)
    keep, _ = cds_select(scores, labels, n1=0, n2=2)
    assert np.flatnonzero(keep).tolist() == [3, 4, 8, 9]


def test_fractions():
    scores = np.arange(100, dtype=float)
    labels = np.arange(100) % 4
    keep, why = cds_select(scores, labels, n1=0.1, n2=0.08)  # 10 overall, 2 of each 25-row cluster
    assert (why == 1).sum() == 10
    per_cluster_tops = {c: sorted(np.flatnonzero(labels == c), key=lambda i: -scores[i])[:2] for c in range(4)}
    assert all(keep[i] for tops in per_cluster_tops.values() for i in tops)
    assert keep.sum() == len(set(range(90, 100)) | {i for t in per_cluster_tops.values() for i in t})
    assert resolve_count(0.5, 7, "n1") == 4 and resolve_count(3, 7, "n1") == 3
    with pytest.raises(ValueError):
        resolve_count(-1, 7, "n1")


def test_nan_scores_rank_last():
    assert ranks(np.array([0.5, np.nan, 0.9])).tolist() == [2, 3, 1]
