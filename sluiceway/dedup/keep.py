"""Which member of a near-duplicate component is kept: the representative.

Policies: ``first`` (smallest ``(id, source)``), ``longest`` (most characters), ``score`` (highest value of a
score column; missing or NaN scores rank last). Ties always fall back to the smallest ``(id, source)``, so
the choice depends only on the component's rows, never on block order or the number of nodes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

KEEP_POLICIES = ("first", "longest", "score")
REP_SCHEMA = pa.schema([("node", pa.int64()), ("comp", pa.int64()), ("rep_node", pa.int64()),
                        ("rep_id", pa.string()), ("rep_source", pa.string())])


def choose_representatives(table: pa.Table, keep: str) -> pa.Table:
    """``table`` has ``node, comp, id, source, length[, score]`` (nodes may repeat); returns one row per
    node: ``node, comp, rep_node, rep_id, rep_source`` (ids may repeat; the source names the row)."""
    if table.num_rows == 0:
        return REP_SCHEMA.empty_table()
    nodes = table.column("node").to_numpy()
    _, first = np.unique(nodes, return_index=True)
    if len(first) != table.num_rows:
        table = table.take(pa.array(np.sort(first)))
    keys = [("comp", "ascending", "at_end")]
    if keep == "longest":
        keys.append(("length", "descending", "at_end"))
    elif keep == "score":
        score = pc.cast(table.column("score"), pa.float64())
        table = table.set_column(table.schema.get_field_index("score"), "score",
                                 pc.if_else(pc.is_nan(score), pa.scalar(None, pa.float64()), score))
        keys.append(("score", "descending", "at_end"))
    keys += [("id", "ascending", "at_end"), ("source", "ascending", "at_end")]
    ordered = table.take(pc.sort_indices(table, sort_keys=keys))
    comp = ordered.column("comp").to_numpy()
    first_row = np.r_[True, comp[1:] != comp[:-1]]
    lead = np.flatnonzero(first_row)[np.cumsum(first_row) - 1]
    node = ordered.column("node").to_numpy()
    rep_id = ordered.column("id").take(pa.array(lead))
    rep_source = ordered.column("source").take(pa.array(lead))
    return pa.table({"node": node, "comp": comp, "rep_node": node[lead], "rep_id": rep_id.cast(pa.string()),
                     "rep_source": rep_source.cast(pa.string())}, schema=REP_SCHEMA)
