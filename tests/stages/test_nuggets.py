
import numpy as np
import pyarrow as pa
import pytest

pytest.importorskip("transformers")

from sluiceway.sft.tiny_lm import build_tiny_lm  # noqa: E402
from sluiceway.stages.nuggets import NuggetsScore  # noqa: E402
from sluiceway.stages.registry import ConfigError, build_stage  # noqa: E402

TASKS = [("Name a color.", "", "Blue."), ("Add the numbers.", "2 3", "5"), ("Say hello.", "", "Hello!"),
         ("Name a fruit.", "", "An apple."), ("Reverse the word.", "cat", "tac"), ("Count to three.", "", "1 2 3"),
         ("Name an animal.", "", "A cat."), ("Double the number.", "4", "8")]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("lm")
    build_tiny_lm(str(path), [f"Instruction:\n{i}\nResponse:\n{o}" for i, _, o in TASKS] * 3, arch="gpt2",
                  vocab_size=300, seed=0)
    return str(path)


def pool(dead=(2,)):
    n = len(TASKS)
    return pa.table({"id": [f"r{i}" for i in range(n)], "instruction": [t[0] for t in TASKS],
                     "input": [t[1] for t in TASKS], "output": [t[2] for t in TASKS],
                     "meta": pa.array([None] * n, pa.string()),
                     "source": [f"a.json:{i + 1}" for i in range(n)],
                     "stage": [("read" if i in dead else None) for i in range(n)],
                     "reason": [("malformed" if i in dead else None) for i in range(n)],
                     "detail": pa.array([None] * n, pa.string())})


def test_random_anchors_top_k(tiny):
    stage = NuggetsScore(model=tiny, anchors="random", num_anchors=3, top_k=2, embedder="hashing", batch_size=4)
    report: dict = {}
    out = stage.select(pool(), report).to_pylist()
    alive = [r for r in out if r["id"] != "r2"]
    assert all(0 <= r["golden_score"] <= 1 for r in alive)
    assert sum(r["nuggets_anchor"] for r in alive) == 3
    kept = [r for r in alive if r["reason"] is None]
    assert len(kept) == 2 and min(r["golden_score"] for r in kept) >= max(
        r["golden_score"] for r in alive if r["reason"] == "nuggets_not_selected")
    dead = next(r for r in out if r["id"] == "r2")
    assert dead["reason"] == "malformed" and dead["golden_score"] is None
    rep = report
    assert rep["method"] == "nuggets" and rep["selected"] == 2 and rep["nuggets"]["num_anchors"] == 3
    assert "clusters" in rep and rep["notes"] == []


def test_kmeans_anchors_and_threshold(tiny):
    stage = NuggetsScore(model=tiny, anchors="kmeans", num_anchors=3, threshold=0.5, embedder="hashing",
                         reuse_cache=False, reference_template=True)
    out = stage.select(pool(dead=()))
    anchors = np.array(out.column("nuggets_anchor").to_pylist())
    clusters = np.array(out.column("nuggets_cluster").to_pylist())
    assert anchors.sum() == len(set(clusters.tolist())) <= 3
    gs = np.array(out.column("golden_score").to_pylist())
    assert ((gs > 0.5) == np.array([r is None for r in out.column("reason").to_pylist()])).all()


def test_validation():
    assert build_stage("nuggets_score", {}).model == "smollm2-135m-instruct"
    with pytest.raises(ConfigError, match="model"):
        build_stage("nuggets_score", {"model": ""})
    with pytest.raises(ConfigError, match="quantize"):
        build_stage("nuggets_score", {"quantize": "int4"})
    with pytest.raises(ConfigError, match="at most one"):
        build_stage("nuggets_score", {"model": "m", "threshold": 0.8, "top_k": 3})
    with pytest.raises(ConfigError, match="anchors"):
        build_stage("nuggets_score", {"model": "m", "anchors": "nearest"})
    with pytest.raises(ConfigError, match="dtype"):
        build_stage("nuggets_score", {"model": "m", "dtype": "int3"})


def test_bad_model_fails_before_any_scoring(tmp_path):
    calls = []
    stage = NuggetsScore(model=str(tmp_path / "missing.gguf"), embedder="hashing", num_anchors=2)
    with pytest.raises(FileNotFoundError, match="missing.gguf"):
        stage.select(pool(), scorer=lambda *a: calls.append(a))
    short = tmp_path / "short"
    build_tiny_lm(str(short), ["a b c"] * 5, arch="llama", vocab_size=300, positions=256)
    with pytest.raises(ValueError, match="takes 256 positions"):
        NuggetsScore(model=str(short), embedder="hashing", num_anchors=2).select(pool(), scorer=lambda *a: calls.append(a))
    assert calls == []


def test_actor_layout_spreads_single_thread_actors_on_small_cpu_nodes_and_caps_model_copies():
    from sluiceway.stages.nuggets import actor_layout

    assert actor_layout(0, 2, 0, 40) == (2, 1)
    assert actor_layout(0, 2, 0, 1) == (1, 2)  # one candidate: one actor with both threads
    assert actor_layout(0, 16, 0, 1000) == (8, 2)
    assert actor_layout(0, 64, 0, 1000) == (8, 8)
    assert actor_layout(0, 2, 1, 40) == (1, 2)  # concurrency given: as asked
    assert actor_layout(2, 16, 0, 40) == (2, 1)  # one per GPU
