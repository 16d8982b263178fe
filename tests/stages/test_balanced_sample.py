"""balanced_sample: per-cluster top-k / fraction by a score, plus the global top, on Arrow groups."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from sluiceway.diversity.arrow import to_vector_array
from sluiceway.stages.balanced_sample import BalancedSample, select_group, top_rows
from sluiceway.stages.base import RunContext
from sluiceway.stages.registry import ConfigError, build_stage


def group(scores, cluster=3):
    n = len(scores)
    return pa.table({"id": [f"r{i}" for i in range(n)], "source": ["s"] * n, "cluster_id": pa.array([cluster] * n, pa.int32()),
                     "q": pa.array(scores, pa.float64()), "stage": pa.nulls(n, pa.string()),
                     "reason": pa.nulls(n, pa.string()), "detail": pa.nulls(n, pa.string())})


def kept_ids(table):
    return sorted(i for i, r in zip(table.column("id").to_pylist(), table.column("reason").to_pylist(), strict=True)
                  if r is None)


def test_per_cluster_top_k_by_score():
    out = select_group(group([0.1, 0.9, 0.5, None, 0.7]), 2, None, None, "q", False, 0, "cluster_id", "balanced_sample")
    assert kept_ids(out) == ["r1", "r4"]
    assert out.column("cluster_rank").to_pylist() == [4, 1, 3, 5, 2]  # a missing score ranks last
    rejected = out.filter(pa.compute.is_valid(out.column("reason")))
    assert set(rejected.column("reason").to_pylist()) == {"not_selected"}
    assert set(rejected.column("stage").to_pylist()) == {"balanced_sample"}
    assert "cluster 3: rank 3 of 5, quota 2" in rejected.column("detail").to_pylist()


def test_fraction_ascending_and_ties():
    out = select_group(group([0.2, 0.1, 0.1, 0.3]), None, 0.4, None, "q", True, 0, "cluster_id", "bs")
    assert kept_ids(out) == ["r1", "r2"]  # ceil(0.4 * 4) = 2 smallest; tie broken by row key


def test_top_overall_cutoff_keeps_extra_rows():
    cutoff = (0.5, "r2\x00s")
    out = select_group(group([0.1, 0.9, 0.5, 0.6]), 1, None, cutoff, "q", False, 0, "cluster_id", "bs")
    assert kept_ids(out) == ["r1", "r2", "r3"]


def test_seeded_random_order_without_score():
    a = select_group(group([0.0] * 20), 5, None, None, None, False, 1, "cluster_id", "bs")
    b = select_group(group([0.0] * 20), 5, None, None, None, False, 1, "cluster_id", "bs")
    c = select_group(group([0.0] * 20), 5, None, None, None, False, 2, "cluster_id", "bs")
    assert kept_ids(a) == kept_ids(b) != kept_ids(c) and len(kept_ids(a)) == 5


def test_top_rows_of_a_block_skip_rejected():
    t = group([0.3, 0.8, 0.5])
    t = t.set_column(t.schema.get_field_index("reason"), "reason", pa.array([None, "x", None], pa.string()))
    best = top_rows(t, 1, "q", False, 0)
    assert best.column("key").to_pylist() == ["r2\x00s"]


def test_config_errors():
    with pytest.raises(ConfigError, match="exactly one"):
        build_stage("balanced_sample", {})
    with pytest.raises(ConfigError, match="fraction"):
        build_stage("balanced_sample", {"fraction": 1.5})
    assert build_stage("balanced_sample", {"per_cluster": 3, "score": "quality"}).columns_read() == (
        "id", "cluster_id", "quality")


class Blocks:
    def __init__(self, blocks):
        self.blocks = blocks

    def map_batches(self, fn, batch_format="pyarrow", fn_args=()):
        return Blocks([fn(b, *fn_args) for b in self.blocks])

    def iter_batches(self, batch_size=None, batch_format="pyarrow"):
        return iter(self.blocks)


def test_global_cutoff_over_blocks():
    t = group([0.1, 0.9, 0.5, 0.7, 0.3, 0.8])
    stage = BalancedSample(per_cluster=1, score="q", top_overall=3)
    assert stage.cutoff(Blocks([t.slice(0, 2), t.slice(2, 3), t.slice(5)])) == (0.7, "r3\x00s")
    assert BalancedSample(per_cluster=1, top_overall=0).cutoff(Blocks([t])) is None


def test_balanced_sample_on_ray(ray_session, tmp_path):
    import ray

    n = 30  # three clusters (i % 3), score q = i; r29 (the best) was rejected by an earlier stage
    reasons = [("x" if i == 29 else None) for i in range(n)]
    t = pa.table({"id": [f"r{i}" for i in range(n)], "source": ["s"] * n,
                  "cluster_id": pa.array([i % 3 for i in range(n)], pa.int32()), "q": pa.array(range(n), pa.float64()),
                  "embedding": to_vector_array(np.random.default_rng(0).normal(size=(n, 4)).astype(np.float32)),
                  "stage": pa.array([("read" if r else None) for r in reasons], pa.string()),
                  "reason": pa.array(reasons, pa.string()), "detail": pa.nulls(n, pa.string())})
    ctx = RunContext(str(tmp_path), 2)
    stage = BalancedSample(per_cluster=1, score="q", top_overall=5)
    out = stage.apply(ray.data.from_arrow([t.slice(0, 13), t.slice(13)]), ctx)
    rows = {r["id"]: r for r in pa.concat_tables(out.iter_batches(batch_size=None, batch_format="pyarrow")).to_pylist()}
    assert len(rows) == n
    assert kept_ids(pa.Table.from_pylist(list(rows.values()))) == ["r24", "r25", "r26", "r27", "r28"]
    assert rows["r29"]["reason"] == "x" and rows["r29"]["stage"] == "read" and rows["r29"]["cluster_rank"] is None
    assert rows["r26"]["cluster_rank"] == 1 and rows["r0"]["reason"] == "not_selected"
    div = ctx.report("balanced_sample")["diversity"]
    assert div["kept"]["rows"] == 5 and div["rejected"]["rows"] == 24  # r29 is not this stage's rejection
