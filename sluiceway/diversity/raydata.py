"""Ray Data plumbing shared by the diversity stages: row keys and hashes, seeded bottom-k samples,
one-pass diversity statistics, and per-cluster ``map_groups`` over alive rows only.

Every function here returns or collects small results (counts, sums, a bounded sample); none pulls
the dataset to the driver.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sluiceway.diversity.arrow import to_matrix
from sluiceway.diversity.metrics import VectorMoments, diversity_summary
from sluiceway.rows import STAGE, alive_mask, alive_rows, set_column

_GRP = "_sw_group"


def row_keys(table: pa.Table) -> list[str]:
    """A stable key per row (``id``, then ``source``) for seeding and tie-breaking."""
    ids = table.column("id").to_pylist()
    sources = table.column("source").to_pylist() if "source" in table.column_names else [""] * len(ids)
    return [f"{i}\x00{s or ''}" for i, s in zip(ids, sources, strict=True)]


def row_hash(keys: list[str], seed: int) -> np.ndarray:
    """64-bit seeded hash per key: independent of how Ray splits rows into blocks."""
    salt = seed.to_bytes(8, "little", signed=True)
    return np.array([int.from_bytes(hashlib.blake2b(k.encode("utf-8", "surrogatepass"), digest_size=8,
                                                    salt=salt).digest(), "little") for k in keys], np.uint64)


def _sample_batch(table: pa.Table, column: str, seed: int, threshold: int) -> pa.Table:
    mask = alive_mask(table) & pc.is_valid(table.column(column)).to_numpy(zero_copy_only=False)
    sub = table.filter(pa.array(mask))
    h = row_hash(row_keys(sub), seed)
    keep = h < np.uint64(threshold)
    # the block's alive count rides along in an extra row without a vector
    vectors = pa.concat_arrays([sub.column(column).combine_chunks().filter(pa.array(keep)),
                                pa.nulls(1, table.schema.field(column).type)])
    return pa.table({"h": pa.array(np.append(h[keep], np.uint64(0))), column: vectors,
                     "n": pa.array([0] * int(keep.sum()) + [int(mask.sum())], pa.int64())})


def _threshold(n: int, population: int) -> int:
    fraction = 1.0 if population <= 0 else 1.3 * n / population + 64 / population
    return (1 << 64) - 1 if fraction >= 1 else int(fraction * (1 << 64))


def sample_alive_vectors(ds: Any, column: str, n: int, seed: int = 0) -> tuple[np.ndarray, int]:
    """``(vectors, n_alive)``: the ``n`` alive rows with the smallest seeded row hash (a bottom-k
    sample: the same rows, in the same order, however Ray splits the blocks) and the number of
    alive rows with a vector. Usually one pass over a materialized ``ds``; a second if many rows
    are rejected."""
    population = ds.count()
    threshold = _threshold(n, population)
    while True:
        parts = collect(ds.map_batches(_sample_batch, batch_format="pyarrow", fn_args=(column, seed, threshold)))
        table = pa.concat_tables(parts) if parts else pa.table({"h": pa.array([], pa.uint64()), "n": []})
        n_alive = int(pc.sum(table.column("n")).as_py() or 0)
        table = table.filter(pc.is_valid(table.column(column))) if table.num_rows else table
        if table.num_rows >= min(n, n_alive) or threshold == (1 << 64) - 1:
            break
        retry = _threshold(n, n_alive)  # fewer alive rows than rows: sample at the alive rate
        threshold = retry if retry > threshold else (1 << 64) - 1
    if not table.num_rows:
        return np.zeros((0, 0), np.float32), n_alive
    order = np.argsort(table.column("h").to_numpy(), kind="stable")[:n]
    return to_matrix(table.column(column).take(pa.array(order))), n_alive


def collect(ds: Any) -> list[pa.Table]:
    """The (small) blocks of ``ds`` as Arrow tables on the driver."""
    return list(ds.iter_batches(batch_size=None, batch_format="pyarrow"))


def _stats_batch(table: pa.Table, column: str, cluster_column: str | None, stage_name: str | None,
                 model: Any, k: int) -> pa.Table:
    alive = alive_mask(table)
    rejected = ~alive
    if stage_name is not None:
        rejected &= (pc.fill_null(pc.equal(table.column(STAGE), stage_name), False)
                     .to_numpy(zero_copy_only=False))
    has_vec = pc.is_valid(table.column(column)).to_numpy(zero_copy_only=False)
    rows = {"group": [], "n": [], "sq": [], "total": [], "sizes": []}
    for group, mask in (("alive", alive), ("rejected", rejected)):
        mask = mask & has_vec
        if not mask.any():
            continue
        sub = table.filter(pa.array(mask))
        X = to_matrix(sub.column(column))
        mom = VectorMoments.of(X)
        labels = None
        if cluster_column and cluster_column in sub.column_names:
            labels = pc.fill_null(sub.column(cluster_column), -1).to_numpy(zero_copy_only=False).astype(np.int64)
        if model is not None and (labels is None or (labels < 0).any()):
            assigned = model.assign(X)[0].astype(np.int64)
            labels = assigned if labels is None else np.where(labels < 0, assigned, labels)
        sizes = np.bincount(labels[labels >= 0], minlength=k) if labels is not None else np.zeros(0, np.int64)
        rows["group"].append(group)
        rows["n"].append(mom.n)
        rows["sq"].append(mom.sq)
        rows["total"].append(mom.total.tolist())
        rows["sizes"].append(sizes.tolist())
    return pa.table({"group": pa.array(rows["group"], pa.string()), "n": pa.array(rows["n"], pa.int64()),
                     "sq": pa.array(rows["sq"], pa.float64()), "total": pa.array(rows["total"], pa.list_(pa.float64())),
                     "sizes": pa.array(rows["sizes"], pa.list_(pa.int64()))})


def diversity_stats(ds: Any, column: str, *, cluster_column: str | None = None, stage_name: str | None = None,
                    model: Any = None, k: int = 0, names: tuple[str, str] = ("alive", "rejected")) -> dict[str, Any]:
    """Diversity of alive vs rejected rows (only those rejected by ``stage_name``, if given) that have a
    vector: cluster sizes (from ``cluster_column``, else assigned with ``model``) and the exact mean
    pairwise cosine distance. One pass; the driver receives one small row per block and group."""
    parts = [row for t in collect(ds.map_batches(_stats_batch, batch_format="pyarrow",
                                                 fn_args=(column, cluster_column, stage_name, model, k)))
             for row in t.to_pylist()]
    merged: dict[str, tuple[VectorMoments, np.ndarray]] = {}
    for row in parts:
        mom = VectorMoments(row["n"], np.asarray(row["total"], np.float64), row["sq"])
        sizes = np.asarray(row["sizes"], np.int64)
        old_mom, old_sizes = merged.get(row["group"], (VectorMoments(), np.zeros(0, np.int64)))
        width = max(len(sizes), len(old_sizes))
        sizes = np.pad(sizes, (0, width - len(sizes))) + np.pad(old_sizes, (0, width - len(old_sizes)))
        merged[row["group"]] = (old_mom.merge(mom), sizes)
    width = max([k] + [len(s) for _, s in merged.values()])
    out = {}
    for group, label in zip(("alive", "rejected"), names, strict=True):
        if group in merged:
            mom, sizes = merged[group]
            out[label] = diversity_summary(sizes=np.pad(sizes, (0, width - len(sizes))) if width else None,
                                           moments=mom)
    return out


def conform(table: pa.Table, written: dict[str, pa.DataType]) -> pa.Table:
    """Add missing ``written`` columns as nulls, cast them, and put them last (same schema everywhere)."""
    for name, dtype in written.items():
        if name not in table.column_names:
            table = table.append_column(name, pa.nulls(table.num_rows, dtype))
        elif table.schema.field(name).type != dtype:
            table = set_column(table, name, table.column(name).cast(dtype))
    order = [c for c in table.column_names if c not in written and c != _GRP] + list(written)
    return table.select(order)


def _alive_rows(table: pa.Table, group_column: str) -> pa.Table:
    alive = alive_rows(table)
    return alive.append_column(_GRP, pc.fill_null(alive.column(group_column).cast(pa.int64()), -1))


def _dead_rows(table: pa.Table, written: dict[str, pa.DataType]) -> pa.Table:
    return conform(table.filter(pa.array(~alive_mask(table))), written)


def _call_group(table: pa.Table, fn: Callable, fn_args: tuple, written: dict[str, pa.DataType]) -> pa.Table:
    return conform(fn(table.drop_columns([_GRP]), *fn_args), written)


def _count_batch(table: pa.Table, column: str | None) -> pa.Table:
    mask = alive_mask(table)
    if column is not None:
        mask &= pc.is_valid(table.column(column)).to_numpy(zero_copy_only=False)
    return pa.table({"n": [int(mask.sum())]})


def count_alive_vectors(ds: Any, column: str | None) -> int:
    """Alive rows (with a non-null ``column``, if given)."""
    return sum(int(t.column("n").to_numpy().sum()) for t in collect(
        ds.map_batches(_count_batch, batch_format="pyarrow", fn_args=(column,))))


def map_alive_groups(ds: Any, group_column: str, fn: Callable[..., pa.Table], fn_args: tuple,
                     written: dict[str, pa.DataType], num_partitions: int) -> Any:
    """Apply ``fn(group_table, *fn_args)`` to the alive rows of each value of ``group_column`` (nulls
    form group -1) via a Ray shuffle; rejected rows bypass it unchanged. ``ds`` should be materialized."""
    alive = ds.map_batches(_alive_rows, batch_format="pyarrow", fn_args=(group_column,))
    dead = ds.map_batches(_dead_rows, batch_format="pyarrow", fn_args=(written,))
    done = alive.groupby(_GRP, num_partitions=num_partitions).map_groups(
        _call_group, batch_format="pyarrow", fn_args=(fn, fn_args, written))
    return done.union(dead)
