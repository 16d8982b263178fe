"""`cluster` (and the diversity stages after it) on Ray: fit on a sample, assign, save and reuse
centroids, diversity metrics in report.json; plus the per-batch assignment without Ray."""

from __future__ import annotations

import json
import os

import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads
import pytest

from sluiceway.diversity.arrow import to_vector_array
from sluiceway.diversity.embedders import train_fasttext_embedder
from sluiceway.diversity.kmeans import fit_kmeans
from sluiceway.diversity.output import diversity_of_output
from sluiceway.diversity.synthetic import topic_corpus
from sluiceway.pipelines.config import parse_config
from sluiceway.stages.base import RunContext
from sluiceway.stages.cluster import Cluster, assign_batch
from sluiceway.stages.embed import Embed
from sluiceway.stages.registry import ConfigError, build_stage
from sluiceway.stages.semantic_dedup import SemanticDedup


def test_assign_batch_only_touches_alive_rows_with_vectors():
    X = np.array([[0, 0], [10, 10], [0.5, 0], [9, 10]], np.float32)
    model = fit_kmeans(X, 2, seed=0)
    emb = to_vector_array(X)
    emb = pa.array([emb[0].as_py(), emb[1].as_py(), None, emb[3].as_py()], emb.type)
    table = pa.table({"id": list("abcd"), "embedding": emb, "reason": pa.array([None, None, None, "x"], pa.string())})
    out = assign_batch(table, model, "embedding")
    ids = out.column("cluster_id").to_pylist()
    assert ids[2] is None and ids[3] is None and ids[0] != ids[1]
    assert out.column("cluster_distance").to_pylist()[0] == pytest.approx(0.25, abs=1e-5)  # centroid (0.25, 0)
    assert out.schema.field("cluster_id").type == pa.int32()


def test_cluster_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="pca_variance"):
        build_stage("cluster", {"pca_variance": 1.5})
    with pytest.raises(ConfigError, match="no saved k-means"):
        build_stage("cluster", {"centroids": str(tmp_path)})
    with pytest.raises(ConfigError, match="algorithm"):
        build_stage("cluster", {"algorithm": "dbscan"})


def test_yaml_config_builds_the_stages(tmp_path):
    (tmp_path / "m").mkdir()  # model paths must exist before a run; this one is never loaded here
    doc = {"stages": [{"embed": {"backend": "fasttext", "model_path": str(tmp_path / "m"), "dim": 8}},
                      {"cluster": {"k": 4, "pca_variance": 0.95, "seed": 1}},
                      {"semantic_dedup": {"eps": 0.07}},
                      {"balanced_sample": {"per_cluster": 10, "score": "cluster_distance", "top_overall": 5}}]}
    config = parse_config(doc)
    assert [s.name for s in config.stages] == ["embed", "cluster", "semantic_dedup", "balanced_sample"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("div")
    texts, labels = topic_corpus(160, seed=3)
    rows = [{"id": f"d{i}", "text": t, "topic": lab} for i, (t, lab) in enumerate(zip(texts, labels, strict=True))]
    rows.append({"id": "twin", "text": texts[0], "topic": labels[0]})
    path = root / "in.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    model = str(root / "ft")
    # dim 32: at 16 the four topics are clustered only ~87% pure (pets and 中文 share a cluster)
    train_fasttext_embedder(texts, model, dim=32, min_count=1, bucket=5000, weighting="sif")
    return root, str(path), model


def test_pipeline_embed_cluster_semantic_dedup(ray_session, corpus):
    from sluiceway.pipelines.pipeline import Pipeline
    from sluiceway.pipelines.report import stage_section

    root, path, model = corpus
    out = str(root / "out")
    stages = [Embed(backend="fasttext", model_path=model), Cluster(k=4, seed=0), SemanticDedup(eps=0.001)]
    report = Pipeline(stages).run(path, out, quiet=True)
    assert report["rows"]["accounted"] and report["rows"]["input"] == 161
    div = stage_section(report, "cluster")
    assert div["k"] == 4 and div["alive"]["rows"] == 161 and div["fit"]["n_fit"] == 161
    assert div["alive"]["effective_clusters"] > 3.5  # four balanced topics
    dedup = stage_section(report, "semantic_dedup")["diversity"]
    assert dedup["kept"]["rows"] == report["rows"]["kept"] and dedup["rejected"]["rows"] == report["rows"]["rejected"]
    rejected = pads.dataset(os.path.join(out, "rejected")).to_table().to_pylist()
    assert rejected and all(r["reason"] == "semantic_duplicate" for r in rejected)
    assert any({r["id"], r["semantic_duplicate_of"]} == {"d0", "twin"} for r in rejected)
    kept = pads.dataset(os.path.join(out, "kept")).to_table()
    topics: dict[int, list[str]] = {}
    for cid, meta in zip(kept.column("cluster_id").to_pylist(), kept.column("meta").to_pylist(), strict=True):
        topics.setdefault(cid, []).append(json.loads(meta)["topic"])
    majority = sum(max(t.count(x) for x in set(t)) for t in topics.values())
    assert len(topics) == 4 and majority / kept.num_rows > 0.9  # clusters are topics
    assert diversity_of_output(out)["kept"]["sizes"] == dedup["kept"]["sizes"]

    # the saved centroids assign new data the same way (no fitting, no materializing: a plain map)
    reuse = Cluster(centroids=os.path.join(out, "cluster"), metrics=False)
    reuse.validate()
    table = kept.select(["id", "embedding"]).append_column("reason", pa.nulls(kept.num_rows, pa.string()))
    again = reuse.apply(Blocks([table]), RunContext(str(root / "again"), 2)).blocks[0]
    assert again.column("cluster_id").to_pylist() == kept.column("cluster_id").to_pylist()


class Blocks:
    """Stand-in for a Ray Dataset with one method: what a stage needs to stay lazy."""

    def __init__(self, blocks):
        self.blocks = blocks

    def map_batches(self, fn, batch_format="pyarrow", fn_args=()):
        return Blocks([fn(b, *fn_args) for b in self.blocks])
