import json
from collections import Counter

import numpy as np
import pyarrow as pa
import pytest

from sluiceway.stages.car_select import CarSelect
from sluiceway.stages.registry import ConfigError, build_stage

TOPICS = ["ocean tides and waves", "baking sourdough bread", "chess openings", "python list sorting",
          "planting tomato seeds", "jazz piano chords"]


def pool(n=60, dead=(3,)):
    rows = {c: [] for c in ("id", "text", "instruction", "input", "output", "meta", "source", "stage", "reason",
                            "detail", "iqs_score")}
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        bad = i in dead
        rows["id"].append(f"r{i}")
        rows["text"].append(f"t{i}")
        rows["instruction"].append(f"Tell me about {topic} ({i}).")
        rows["input"].append("" if i % 2 else None)
        rows["output"].append(f"{topic} " * (1 + i % 5))
        rows["meta"].append(json.dumps({"dataset": "A" if i < n // 2 else "B"}))  # the rest of the record
        rows["source"].append(f"f.json:{i + 1}")
        rows["stage"].append("read" if bad else None)
        rows["reason"].append("malformed" if bad else None)
        rows["detail"].append("x" if bad else None)
        rows["iqs_score"].append(float((i * 37) % n))
    return pa.table(rows)


def test_selects_top_n1_plus_cluster_tops_and_passes_rejected_through():
    stage = CarSelect(n1=5, n2=1, k=6, embedder="hashing", seed=0)
    report: dict = {}
    out = stage.select(pool(), report)
    assert out.num_rows == 60
    kept = [r for r in out.to_pylist() if r["reason"] is None]
    top5 = sorted((r for r in out.to_pylist() if r["id"] != "r3"), key=lambda r: -r["iqs_score"])[:5]
    assert {r["id"] for r in top5} <= {r["id"] for r in kept}
    clusters = {r["car_cluster"] for r in out.to_pylist() if r["car_cluster"] is not None}
    assert {r["car_cluster"] for r in kept} == clusters  # every cluster covered
    assert len(kept) == 5 + sum(r["car_pick"] == "cluster_top_n2" for r in kept)
    dead = out.filter(pa.compute.equal(out.column("id"), "r3")).to_pylist()[0]
    assert dead["reason"] == "malformed" and dead["car_cluster"] is None
    not_sel = [r for r in out.to_pylist() if r["reason"] == "car_not_selected"]
    assert len(not_sel) == 59 - len(kept) and all(r["stage"] == "car_select" for r in not_sel)
    rep = report
    assert rep["selected"] == len(kept) and rep["pool"] == 59
    assert rep["clusters"]["covered_by_selection"] == rep["clusters"]["pool"] == len(clusters)
    assert set(rep["sources"]["pool"]) == {"A", "B"} and sum(rep["scores"]["iqs_score"]["pool"]["counts"]) == 59


def test_fraction_and_default_k():
    report: dict = {}
    out = CarSelect(n1=0.1, n2=0, embedder="hashing", pca_variance=None).select(pool(40, dead=()), report)
    assert report["selected"] == 4 and report["car"]["k"] == 4
    assert Counter(out.column("reason").to_pylist())["car_not_selected"] == 36


def test_config_validation():
    with pytest.raises(ConfigError, match="n1"):
        build_stage("car_select", {"n1": 1.5})
    with pytest.raises(ConfigError, match="pca_variance"):
        build_stage("car_select", {"pca_variance": 0})
    assert build_stage("car_select", {"n1": 0.02, "score_column": "s"}).columns_read()[-1] == "s"


def test_nothing_alive():
    t = pool(4, dead=(0, 1, 2, 3))
    out = CarSelect(embedder="hashing").select(t)
    assert out.column("car_cluster").null_count == 4 and out.column("reason").to_pylist() == ["malformed"] * 4
    np.testing.assert_equal(out.column("id").to_pylist(), t.column("id").to_pylist())

