"""The whole near-duplicate removal in one process, on one Arrow table: the reference the distributed
stage is tested against, and a fast path for small inputs and benchmarks. Same signatures, buckets,
verification and representatives as the stage; components by SciPy instead of large/small-star."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sluiceway.dedup.components import components_local
from sluiceway.dedup.keep import choose_representatives
from sluiceway.dedup.tables import (
    COMP,
    NODE,
    REP_ID,
    REP_NODE,
    REP_SOURCE,
    DedupPlan,
    add_node_keys,
    band_rows,
    bucket_edge_table,
    mark,
    signature_rows,
)
from sluiceway.dedup.verify import jaccard_lists


def verify_edges(u: np.ndarray, v: np.ndarray, sigs: pa.Table, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Keep the candidate edges whose shingle sets have Jaccard similarity >= threshold."""
    nodes = sigs.column(NODE).to_numpy()
    order = np.argsort(nodes)
    sets = sigs.column("shingles")
    iu = order[np.searchsorted(nodes, u, sorter=order)]
    iv = order[np.searchsorted(nodes, v, sorter=order)]
    sim = jaccard_lists(sets.take(pa.array(iu)), sets.take(pa.array(iv)))
    keep = sim >= threshold
    return u[keep], v[keep]


def find_components(table: pa.Table, plan: DedupPlan) -> tuple[pa.Table, pa.Table, dict]:
    """(keyed table, representatives ``node, comp, rep_node, rep_id, rep_source``, counts)."""
    keyed = add_node_keys(table, plan.score_column if plan.keep == "score" else None)
    sigs = signature_rows(keyed, plan)
    edges = bucket_edge_table(band_rows(sigs, plan.bands, plan.rows))
    u, v = edges.column("u").to_numpy(), edges.column("v").to_numpy()
    counts = {"candidate_pairs": len(u)}
    if plan.verify:
        u, v = verify_edges(u, v, sigs, plan.threshold)
        counts["verified_pairs"] = len(u)
    nodes, comps = components_local(u, v)
    members = pa.table({"node": nodes, "comp": comps})
    attrs = sigs.select([NODE, "id", "source", "length", "score"]).rename_columns(["node", "id", "source",
                                                                                   "length", "score"])
    reps = choose_representatives(members.join(attrs, "node", join_type="inner"), plan.keep)
    counts["components"] = len(np.unique(comps))
    counts["duplicates"] = int((reps.column("node").to_numpy() != reps.column("rep_node").to_numpy()).sum())
    return keyed, reps, counts


def dedup_local(table: pa.Table, plan: DedupPlan, stage_name: str = "minhash_dedup") -> tuple[pa.Table, dict]:
    """Mark near duplicates in ``table`` exactly as the stage would; returns (table, counts)."""
    keyed, reps, counts = find_components(table, plan)
    right = reps.rename_columns(["node", COMP, REP_NODE, REP_ID, REP_SOURCE])
    joined = keyed.join(right, NODE, right_keys="node", join_type="left outer")
    return mark(joined, stage_name), counts
