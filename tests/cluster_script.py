"""Run a test file as a script in its own process (a ``ray.cluster_utils.Cluster`` needs its own Ray, apart from
the shared ``ray_session``) and read the JSON result it writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_as_script(script: str, out: str, timeout: int) -> dict:
    """``python script out`` with the checkout on the path; the script writes ``out/result.json``."""
    env = {**os.environ, "SLUICEWAY_PROGRESS": "0", "PYTHONPATH": os.pathsep.join([ROOT,
                                                                                   os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, script, out], capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    with open(os.path.join(out, "result.json"), encoding="utf-8") as fh:
        return json.load(fh)


def script_main(job: Callable[[str], dict]) -> None:
    """The ``__main__`` side: run ``job(out)`` and write its result."""
    target = sys.argv[1]
    data = job(target)
    with open(os.path.join(target, "result.json"), "w", encoding="utf-8") as fh:
        json.dump(data, fh)


def kill_node_at_checkpoint(cluster: Any, node: Any, root: str, step: Callable[[str], str | None],
                            timeout: float = 900) -> tuple[threading.Thread, dict]:
    """Start a thread that removes ``node`` (not gracefully) as soon as a checkpoint directory under ``root``
    has its completion marker and ``step(name)`` names it; the returned dict then holds ``{"after": step}``."""
    killed: dict = {}

    def killer() -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            done = sorted(d for d in os.listdir(root) if os.path.exists(os.path.join(root, d, "_COMPLETE.json"))
                          ) if os.path.isdir(root) else []
            steps = [s for s in map(step, done) if s]
            if steps:
                cluster.remove_node(node, allow_graceful=False)
                killed["after"] = steps[0]
                return
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    return thread, killed


def close_cluster(cluster: Any, thread: threading.Thread, result: dict) -> dict:
    """Wait for the node killer, record how many nodes are still alive, and shut Ray and the cluster down."""
    import ray

    thread.join(timeout=5)
    result["nodes_after"] = sum(1 for n in ray.nodes() if n["Alive"])
    ray.shutdown()
    cluster.shutdown()
    return result


def open_cluster(workers: int = 2) -> tuple[Any, list, dict]:
    """A head (1 CPU) plus ``workers`` single-CPU nodes, with Ray attached quietly; returns the cluster, the
    worker nodes (to kill) and the result dict started with the node count."""
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    nodes = [cluster.add_node(num_cpus=1) for _ in range(workers)]
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, logging_level="WARNING", log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    return cluster, nodes, {"nodes": len(ray.nodes())}
