"""Connected components of the candidate-pair graph, with no step holding all edges or all nodes.

Distributed: alternating *large-star* and *small-star* (Kiveris, Lattanzi, Mirrokni, Rastogi,
Vassilvitskii, "Connected Components in MapReduce and Beyond", SoCC 2014). Each step is one hash shuffle
of the edge list on a node key followed by a vectorized pass over whole key groups:

* large-star, per node ``u`` with neighbours ``N(u)``: ``m = min(N(u) ∪ {u})``; every neighbour ``v > u``
  is re-attached to ``m``.
* small-star, per node ``u`` with smaller neighbours ``S(u)``: ``m = min(S(u) ∪ {u})``; ``u`` and every
  ``v ∈ S(u)`` are attached to ``m``.

Connectivity is preserved by both steps and the process converges (O(log² n) rounds in the paper, a
handful in practice) to one star per component centred on its smallest node key, which becomes the
component id. The large-star pass also checks convergence on its input: the graph is a star forest when
no node has two smaller neighbours, or a smaller and a larger one. The count of offending nodes rides in
a ``dirty`` column to the round's Parquet output, where the driver reads it from the column statistics
(one metadata read per file, no pass over the edges).

:func:`components_local` is the single-process reference (SciPy) used by tests and small inputs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

EDGE_SCHEMA = pa.schema([("u", pa.int64()), ("v", pa.int64())])
ROUND_SCHEMA = pa.schema([("u", pa.int64()), ("v", pa.int64()), ("dirty", pa.int64())])
MEMBER_SCHEMA = pa.schema([("node", pa.int64()), ("comp", pa.int64())])


def unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``(a, b)`` pairs sorted by ``(a, b)``."""
    if len(a) == 0:
        return a, b
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    keep = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    return a[keep], b[keep]


def components_local(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(node, component) for every node on an edge; the component id is its smallest node key."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nodes, inverse = np.unique(np.concatenate([u, v]), return_inverse=True)
    if len(nodes) == 0:
        return nodes, nodes
    n = len(nodes)
    graph = coo_matrix((np.ones(len(u), np.int8), (inverse[:len(u)], inverse[len(u):])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    comp_min = np.full(labels.max() + 1, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(comp_min, labels, nodes)
    return nodes, comp_min[labels]


def _col(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy().astype(np.int64, copy=False)


def _dirty(table: pa.Table) -> int:
    return int(_col(table, "dirty").sum()) if "dirty" in table.column_names and table.num_rows else 0


def _with_dirty(u: np.ndarray, v: np.ndarray, dirty: int) -> pa.Table:
    """Edges plus a ``dirty`` column carrying a count on the first row; an empty output gets one
    ``(0, 0)`` self-loop row to carry it (self-loops are ignored everywhere)."""
    if len(u) == 0:
        u, v = np.zeros(1, np.int64), np.zeros(1, np.int64)
    flag = np.zeros(len(u), np.int64)
    flag[0] = dirty
    return pa.table({"u": u, "v": v, "dirty": flag}, schema=ROUND_SCHEMA)


def both_directions(table: pa.Table) -> pa.Table:
    """Undirected edges ``(u, v)`` → directed rows ``(src, dst)`` both ways (for grouping by ``src``);
    a ``dirty`` count rides along on the first row."""
    u, v = _col(table, "u"), _col(table, "v")
    flag = np.zeros(2 * len(u), np.int64)
    if len(u):
        flag[0] = _dirty(table)
    return pa.table({"src": np.concatenate([u, v]), "dst": np.concatenate([v, u]), "dirty": flag})


def _groups(src: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    first = np.r_[True, src[1:] != src[:-1]]
    return np.flatnonzero(first), np.cumsum(first) - 1


def large_star_block(table: pa.Table) -> pa.Table:
    """Large-star on whole ``src`` groups. Also counts, into ``dirty``, the input nodes that break the
    star-forest condition (two smaller neighbours, or a smaller and a larger one)."""
    src, dst = unique_pairs(_col(table, "src"), _col(table, "dst"))
    keep = src != dst
    src, dst = src[keep], dst[keep]
    if len(src) == 0:
        return _with_dirty(src, dst, 0)
    starts, grp = _groups(src)
    m = np.minimum(np.minimum.reduceat(dst, starts), src[starts])
    smaller = np.add.reduceat((dst < src).astype(np.int64), starts)
    larger = np.diff(np.r_[starts, len(src)]) - smaller
    dirty = int(((smaller >= 2) | ((smaller >= 1) & (larger >= 1))).sum())
    sel = dst > src
    return _with_dirty(m[grp[sel]], dst[sel], dirty)


def small_star_block(table: pa.Table) -> pa.Table:
    """Small-star on whole ``src`` groups; passes the incoming ``dirty`` count on."""
    dirty = _dirty(table)
    src, dst = unique_pairs(_col(table, "src"), _col(table, "dst"))
    sel = dst < src
    src, dst = src[sel], dst[sel]
    if len(src) == 0:
        return _with_dirty(src, dst, dirty)
    starts, grp = _groups(src)
    m = np.minimum.reduceat(dst, starts)
    other = dst != m[grp]
    u = np.concatenate([m[grp[other]], m])
    v = np.concatenate([dst[other], src[starts]])
    return _with_dirty(u, v, dirty)


def star_members(table: pa.Table) -> pa.Table:
    """A converged star forest ``(centre, leaf)`` → ``(node, comp)`` rows (centres repeat; dedupe later)."""
    u, v = _col(table, "u"), _col(table, "v")
    keep = u != v
    u, v = u[keep], v[keep]
    return pa.table({"node": np.concatenate([v, u]), "comp": np.concatenate([u, u])}, schema=MEMBER_SCHEMA)


def large_star(edges: object, grouped: Callable) -> object:
    """Lazy large-star over a Ray Dataset of ``(u, v)`` edges. ``grouped(ds, key, fn)`` hash-shuffles by
    ``key`` and applies ``fn`` to whole key groups."""
    return grouped(edges.map_batches(both_directions, batch_format="pyarrow"), "src", large_star_block)


def small_star(edges: object, grouped: Callable) -> object:
    """Lazy small-star; the ``dirty`` count of the preceding large-star passes through. Its total is zero
    exactly when the large-star's *input* was already a star forest (then that input is the answer)."""
    return grouped(edges.map_batches(both_directions, batch_format="pyarrow"), "src", small_star_block)
