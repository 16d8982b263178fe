"""The whole default pipeline (configs/pretrain_web.yaml, its shipped models) on a 3-node local cluster
(``ray.cluster_utils.Cluster``), once plainly and once with a worker node killed as soon as the first dataset
stage has checkpointed: both runs must write the same kept and rejected rows, and account for every input row.

A cluster needs its own Ray, so pytest runs this file as a script in a subprocess (as in
tests/stages/test_minhash_cluster.py).
"""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from tests.cluster_script import (
    close_cluster,
    kill_node_at_checkpoint,
    open_cluster,
    run_as_script,
    script_main,
)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CONFIG = os.path.join(ROOT, "configs", "pretrain_web.yaml")


def write_corpus(folder: str) -> list[str]:
    """Two files of English prose variants with exact and near duplicates, junk, and ids repeated across files."""
    from sluiceway.testing import CLEAN_DOCUMENT

    sentences = CLEAN_DOCUMENT.split("\n")
    os.makedirs(folder, exist_ok=True)
    paths = []
    for f in range(2):
        path = os.path.join(folder, f"part-{f}.jsonl")
        with open(path, "w", encoding="utf-8") as fh:
            for i in range(30):
                order = sentences[i % 8:] + sentences[: i % 8]
                text = f"Story {i % 12} from the valley, part {f}.\n" + "\n".join(order)
                if i % 10 == 3:
                    text = "buy now " * 40
                fh.write(json.dumps({"id": str(i), "text": text}) + "\n")
        paths.append(path)
    return paths


def digest(output: str) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    result = {}
    for split in ("kept", "rejected"):
        folder = os.path.join(output, split)
        files = sorted(f for f in os.listdir(folder) if f.endswith(".parquet")) if os.path.isdir(folder) else []
        tables = [pq.read_table(os.path.join(folder, f)) for f in files]
        if not tables:
            result[split] = [0, ""]
            continue
        table = pa.concat_tables(tables, promote_options="permissive").sort_by("source")
        rows = json.dumps(table.drop_columns([c for c in ("embedding",) if c in table.column_names]).to_pylist(),
                          sort_keys=True, default=str).encode("utf-8", "surrogatepass")
        result[split] = [table.num_rows, hashlib.sha256(rows).hexdigest()]
    return result


def run_job(out_dir: str) -> dict:
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")

    from sluiceway.pipelines.pipeline import Pipeline
    from sluiceway.pipelines.resume import STAGE_CHECKPOINTS
    from sluiceway.testing import assert_output_accounts

    inputs = write_corpus(os.path.join(out_dir, "in"))
    cluster, workers, result = open_cluster()

    def run(name: str) -> dict:
        out = os.path.join(out_dir, name)
        report = Pipeline.from_config(CONFIG).run(inputs, out, quiet=True)
        assert_output_accounts(out, inputs)
        return {"rows": report["rows"], "digest": digest(out)}

    result["plain"] = run("plain")
    thread, killed = kill_node_at_checkpoint(cluster, workers[0], os.path.join(out_dir, "kill", STAGE_CHECKPOINTS),
                                             lambda d: d.split("-")[1])
    result["kill"] = run("kill")
    result["killed"] = killed
    return close_cluster(cluster, thread, result)


@pytest.fixture(scope="module")
def cluster_result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    pytest.importorskip("sentence_transformers")
    return run_as_script(__file__, str(tmp_path_factory.mktemp("pipeline_cluster")), timeout=1200)


def test_default_pipeline_survives_a_worker_node_killed_mid_run(cluster_result: dict) -> None:
    assert cluster_result["nodes"] == 3
    assert cluster_result["killed"].get("after") == "exact_dedup"
    assert cluster_result["nodes_after"] == 2
    plain, kill = cluster_result["plain"], cluster_result["kill"]
    assert plain["rows"]["accounted"] and plain["rows"]["input"] == 60
    assert 0 < plain["rows"]["kept"] < 60
    assert kill == plain


if __name__ == "__main__":
    script_main(run_job)
