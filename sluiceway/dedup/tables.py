"""Arrow-table transforms shared by the Ray stage and the single-process reference (:mod:`.local`).

Every row gets a *node key*: a 64-bit hash of ``(id, source)``, the integer the graph steps work on (a
collision merges two documents: probability about n²/2⁶⁵, 3e-8 for a million documents). Component ids
are the smallest node key of the component, so results do not depend on block order or cluster size.
"""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sluiceway.dedup.keep import KEEP_POLICIES
from sluiceway.dedup.lsh import band_keys, bucket_edges
from sluiceway.dedup.minhash import MinHasher
from sluiceway.rows import alive_mask, reject, set_column

NODE, FP = "_mh_node", "_mh_fp"
COMP, REP_NODE, REP_ID, REP_SOURCE = "_mh_comp", "_mh_rep_node", "_mh_rep_id", "_mh_rep_source"
COMPONENT_COL, DUP_COL = "minhash_component", "duplicate_of"
NEAR_DUPLICATE = "near_duplicate"


@dataclasses.dataclass(frozen=True)
class DedupPlan:
    """Everything that decides the result, resolved from the stage's parameters."""

    hasher: MinHasher
    bands: int
    rows: int
    threshold: float
    verify: bool
    keep: str = "first"
    score_column: str | None = None

    def __post_init__(self) -> None:
        if self.keep not in KEEP_POLICIES:
            raise ValueError(f"keep must be one of {', '.join(KEEP_POLICIES)}, not {self.keep!r}")
        if self.keep == "score" and not self.score_column:
            raise ValueError("keep='score' needs score_column")

    def signature_schema(self) -> pa.Schema:
        fields = [(NODE, pa.int64()), ("id", pa.string()), ("source", pa.string()), ("length", pa.int64()),
                  ("score", pa.float64()), ("sig", pa.list_(pa.uint32(), self.hasher.num_perm))]
        if self.verify:
            fields.append(("shingles", pa.large_list(pa.uint32())))
        return pa.schema(fields)


def _digest8(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little", signed=True)


def _strings(table: pa.Table, name: str) -> list[str]:
    if name not in table.column_names:
        return [""] * table.num_rows
    return [s if s is not None else "" for s in table.column(name).cast(pa.string()).to_pylist()]


def _string_column(table: pa.Table, name: str) -> pa.ChunkedArray | pa.Array:
    if name not in table.column_names:
        return pa.array([""] * table.num_rows, pa.string())
    return pc.fill_null(table.column(name).cast(pa.string()), "")


def add_node_keys(table: pa.Table, score_column: str | None = None) -> pa.Table:
    """Append ``_mh_node`` (hash of id, source) and ``_mh_fp`` (hash of the row's key, text, liveness and
    score: the input digest that keys the checkpoints)."""
    ids, sources = _strings(table, "id"), _strings(table, "source")
    nodes = [_digest8(f"{i}\x00{s}".encode("utf-8", "surrogatepass")) for i, s in zip(ids, sources, strict=True)]
    texts = table.column("text").to_pylist()
    alive = alive_mask(table).tolist()
    scores = table.column(score_column).to_pylist() if score_column else [None] * len(ids)
    fps = [_digest8(b"%d\x00%d\x00%s\x00%s" % (n, a, repr(sc).encode(), (t or "").encode("utf-8", "surrogatepass")))
           for n, a, sc, t in zip(nodes, alive, scores, texts, strict=True)]
    return table.append_column(NODE, pa.array(nodes, pa.int64())).append_column(FP, pa.array(fps, pa.int64()))


def digest_block(table: pa.Table) -> pa.Table:
    """One row per block: row count and the wrapping sum of row fingerprints (order-independent)."""
    fps = table.column(FP).to_numpy().view(np.uint64) if table.num_rows else np.zeros(0, np.uint64)
    total = int(fps.sum(dtype=np.uint64)) if len(fps) else 0
    return pa.table({"rows": [table.num_rows], "fp": pa.array([total], pa.uint64())})


def signature_rows(table: pa.Table, plan: DedupPlan) -> pa.Table:
    """Signatures (and, to verify, shingle sets) of the alive rows of a keyed batch."""
    table = table.filter(pa.array(alive_mask(table)))
    schema = plan.signature_schema()
    if table.num_rows == 0:
        return schema.empty_table()
    sig, hashes, offsets = plan.hasher.signatures(table.column("text"))
    score = (pc.cast(table.column(plan.score_column), pa.float64()) if plan.keep == "score"
             else pa.nulls(table.num_rows, pa.float64()))
    cols = {NODE: table.column(NODE), "id": _string_column(table, "id"), "source": _string_column(table, "source"),
            "length": pc.cast(pc.utf8_length(pc.fill_null(table.column("text"), "")), pa.int64()), "score": score,
            "sig": pa.FixedSizeListArray.from_arrays(pa.array(sig.reshape(-1), pa.uint32()), plan.hasher.num_perm)}
    if plan.verify:
        cols["shingles"] = shingle_sets(hashes, offsets)
    return pa.table(cols, schema=schema)


def shingle_sets(hashes: np.ndarray, offsets: np.ndarray) -> pa.LargeListArray:
    """Per document, its sorted distinct shingle hashes (one vectorized sort for the batch)."""
    n = len(offsets) - 1
    doc = np.repeat(np.arange(n, dtype=np.uint64), np.diff(offsets))
    keys = np.unique((doc << np.uint64(32)) | hashes.astype(np.uint64))
    lengths = np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=n)
    off = np.zeros(n + 1, np.int64)
    np.cumsum(lengths, out=off[1:])
    values = (keys & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    return pa.LargeListArray.from_arrays(pa.array(off), pa.array(values, pa.uint32()))


BAND_SCHEMA = pa.schema([("bucket", pa.int64()), ("node", pa.int64())])


def band_rows(table: pa.Table, bands: int, rows: int) -> pa.Table:
    """(bucket key, node) for every band of every non-empty signature (empty documents have no shingles
    and are not candidates of anything)."""
    if table.num_rows == 0:
        return BAND_SCHEMA.empty_table()
    width = table.schema.field("sig").type.list_size
    sig = pc.list_flatten(table.column("sig")).to_numpy().reshape(-1, width)
    nodes = table.column(NODE).to_numpy()
    nonempty = (sig != np.uint32(0xFFFFFFFF)).any(axis=1)
    sig, nodes = sig[nonempty], nodes[nonempty]
    keys = band_keys(sig, bands, rows)
    return pa.table({"bucket": keys.reshape(-1), "node": np.repeat(nodes, bands)}, schema=BAND_SCHEMA)


def bucket_edge_table(table: pa.Table) -> pa.Table:
    """Candidate edges of whole buckets (see :func:`sluiceway.dedup.lsh.bucket_edges`)."""
    u, v = bucket_edges(table.column("bucket").to_numpy(), table.column("node").to_numpy())
    return pa.table({"u": u, "v": v}, schema=pa.schema([("u", pa.int64()), ("v", pa.int64())]))


def mark(table: pa.Table, stage_name: str) -> pa.Table:
    """Reject rows whose node is in a component but is not its representative; write the component id
    (every member) and ``duplicate_of`` (removed rows); drop the helper columns."""
    comp = table.column(COMP)
    alive = pa.array(alive_mask(table))
    dup = pc.and_(pc.and_(pc.is_valid(comp), alive),
                  pc.fill_null(pc.not_equal(table.column(NODE), table.column(REP_NODE)), False))
    rep_id = table.column(REP_ID).cast(pa.string())
    rep_source = (table.column(REP_SOURCE).cast(pa.string()) if REP_SOURCE in table.column_names
                  else pa.nulls(table.num_rows, pa.string()))
    detail = pc.binary_join_element_wise("near duplicate of ", rep_id, " (", pc.fill_null(rep_source, "?"),
                                         ", component ", pc.cast(comp, pa.string()), ")", "")
    table = reject(table, dup, stage_name, NEAR_DUPLICATE, detail)
    old_dup = (table.column(DUP_COL).cast(pa.string()) if DUP_COL in table.column_names
               else pa.nulls(table.num_rows, pa.string()))
    table = set_column(table, DUP_COL, pc.if_else(dup, rep_id, old_dup))
    table = set_column(table, COMPONENT_COL, pc.if_else(pc.and_(alive, pc.is_valid(comp)), comp,
                                                        pa.scalar(None, pa.int64())))
    return table.drop_columns([c for c in (NODE, FP, COMP, REP_NODE, REP_ID, REP_SOURCE)
                               if c in table.column_names])
