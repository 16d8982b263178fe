"""``minhash_dedup`` on a multi-node local cluster (``ray.cluster_utils.Cluster``): the same result as the
single-process reference (itself equal to the one-node run, see test_minhash_dedup.py), also when a worker
node is killed mid-run.

A cluster needs its own Ray, so the pytest tests run this file as a script in a subprocess
(``python tests/stages/test_minhash_cluster.py OUT``): it works in the same pytest invocation as the tests
using the ``ray_session`` fixture, whichever runs first. One 3-node cluster serves both checks.
"""

from __future__ import annotations

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


def corpus() -> object:
    import random

    import pyarrow as pa

    rng = random.Random(7)
    vocab = [f"v{i}" for i in range(3000)]
    docs = [" ".join(rng.choice(vocab) for _ in range(rng.randint(50, 120))) for _ in range(240)]
    for _ in range(120):
        words = rng.choice(docs).split()
        words[rng.randrange(len(words))] = "edited"
        docs.append(" ".join(words))
    chain = " ".join(rng.choice(vocab) for _ in range(200))
    for k in range(8):  # a chain of documents each one edit from the previous: one component
        words = chain.split()
        words[k * 20] = f"chain{k}"
        chain = " ".join(words)
        docs.append(chain)
    n = len(docs)
    return pa.table({"id": [f"c{i:04d}" for i in range(n)], "text": pa.array(docs, pa.large_string()),
                     "source": [f"part-{i % 5}.jsonl:{i}" for i in range(n)],
                     "stage": pa.nulls(n, pa.string()), "reason": pa.nulls(n, pa.string()),
                     "detail": pa.nulls(n, pa.string())})


def outcome(rows: list[dict]) -> dict[str, list]:
    return {r["source"]: [r["reason"], r["duplicate_of"], r["minhash_component"]] for r in rows}


def run_job(out_dir: str) -> dict:
    """Start a head + 2 worker nodes; run the stage twice: plainly (with verification), then (without)
    killing a worker after the signatures step. Returns both outcomes and their single-process references."""
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
    import ray
    import ray.data

    from sluiceway.dedup.local import dedup_local
    from sluiceway.stages.base import RunContext
    from sluiceway.stages.minhash_dedup import MinHashDedup

    table = corpus()
    stages = {"plain": MinHashDedup(verify=True), "kill": MinHashDedup(verify=False)}  # both paths, less CI time
    cluster, workers, result = open_cluster()
    for name, stage in stages.items():
        result[f"{name}_reference"] = outcome(dedup_local(table, stage.plan())[0].to_pylist())

    def run(name: str) -> tuple[list[dict], dict]:
        stage = stages[name]
        ctx = RunContext(output_dir=os.path.join(out_dir, name), num_partitions=3)
        ds = ray.data.from_arrow(table).repartition(6)
        rows = stage.apply(ds, ctx).take_all()
        return rows, ctx.report(stage.name)

    rows, info = run("plain")
    result["plain"], result["plain_steps"] = outcome(rows), info["steps"]

    thread, killed = kill_node_at_checkpoint(
        cluster, workers[0], os.path.join(out_dir, "kill", "_checkpoints", "minhash"),
        lambda d: "signatures" if d.startswith("signatures-") else None, timeout=600)
    rows, info = run("kill")
    result["kill"], result["kill_steps"], result["killed"] = outcome(rows), info["steps"], killed
    return close_cluster(cluster, thread, result)


@pytest.fixture(scope="module")
def cluster_result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_as_script(__file__, str(tmp_path_factory.mktemp("minhash_cluster")), timeout=900)


def test_multi_node_equals_single_process(cluster_result: dict) -> None:
    assert cluster_result["nodes"] == 3
    assert cluster_result["plain"] == cluster_result["plain_reference"]
    assert sum(v[0] == "near_duplicate" for v in cluster_result["plain"].values()) >= 80
    chain = {v[2] for k, v in cluster_result["plain"].items() if k.endswith(tuple(f":{i}" for i in range(360, 368)))}
    assert len(chain) == 1 and None not in chain  # the chain is one component


def test_killing_a_worker_mid_run_gives_the_same_result(cluster_result: dict) -> None:
    assert cluster_result["killed"] == {"after": "signatures"}
    assert cluster_result["nodes_after"] == 2
    assert cluster_result["kill"] == cluster_result["kill_reference"]
    assert sum(v[0] == "near_duplicate" for v in cluster_result["kill"].values()) >= 60


if __name__ == "__main__":
    script_main(run_job)
