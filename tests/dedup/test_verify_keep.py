"""Verification by true Jaccard, and the keep policies (with their tie-breaks)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sluiceway.dedup.keep import choose_representatives
from sluiceway.dedup.verify import jaccard, jaccard_lists


def test_jaccard_lists_matches_python_sets() -> None:
    rng = np.random.default_rng(0)
    a_sets = [np.unique(rng.integers(0, 60, rng.integers(0, 40))).astype(np.uint32) for _ in range(50)]
    b_sets = [np.unique(rng.integers(0, 60, rng.integers(1, 40))).astype(np.uint32) for _ in range(50)]
    got = jaccard_lists(pa.array([s.tolist() for s in a_sets], pa.large_list(pa.uint32())),
                        pa.array([s.tolist() for s in b_sets], pa.large_list(pa.uint32())))
    for i, (a, b) in enumerate(zip(a_sets, b_sets, strict=True)):
        sa, sb = set(a.tolist()), set(b.tolist())
        assert abs(got[i] - len(sa & sb) / len(sa | sb)) < 1e-12
        assert abs(jaccard(a, b) - got[i]) < 1e-12
    assert jaccard(np.array([1, 1, 2]), np.array([2, 2])) == 0.5


def _members(**cols) -> pa.Table:
    n = len(cols["node"])
    cols.setdefault("score", [None] * n)
    return pa.table({"node": pa.array(cols["node"], pa.int64()), "comp": pa.array(cols["comp"], pa.int64()),
                     "id": pa.array(cols["id"], pa.string()), "source": pa.array(cols["source"], pa.string()),
                     "length": pa.array(cols["length"], pa.int64()), "score": pa.array(cols["score"], pa.float64())})


def _reps(table: pa.Table, keep: str) -> dict[int, str]:
    out = choose_representatives(table, keep)
    return dict(zip(out.column("node").to_pylist(), out.column("rep_id").to_pylist(), strict=True))


def test_keep_policies_and_ties() -> None:
    t = _members(node=[1, 2, 3, 4, 5, 5], comp=[1, 1, 1, 4, 4, 4], id=["c", "a", "b", "z", "y", "y"],
                 source=["f:1", "f:2", "f:3", "g:1", "g:2", "g:2"], length=[10, 30, 30, 5, 5, 5],
                 score=[0.9, 0.1, float("nan"), None, 0.2, 0.2])
    assert _reps(t, "first") == {1: "a", 2: "a", 3: "a", 4: "y", 5: "y"}  # node 5 repeated: deduplicated
    assert _reps(t, "longest") == {1: "a", 2: "a", 3: "a", 4: "y", 5: "y"}  # 30 vs 30: smaller id wins
    assert _reps(t, "score") == {1: "c", 2: "c", 3: "c", 4: "y", 5: "y"}  # NaN and null rank last


def test_same_id_breaks_tie_by_source() -> None:
    t = _members(node=[7, 8], comp=[7, 7], id=["x", "x"], source=["b.jsonl:1", "a.jsonl:9"], length=[1, 1])
    out = choose_representatives(t, "first")
    assert set(out.column("rep_node").to_pylist()) == {8}
