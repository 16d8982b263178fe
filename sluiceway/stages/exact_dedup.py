"""Exact deduplication of normalized text, distributed on Ray Data.

Each alive row gets a 128-bit hash of its normalized text. A groupby on the hash (a Ray shuffle)
finds, per duplicated hash, the representative with the smallest ``(id, source)`` key (``source`` is
unique per input record, so repeated ids are fine); a hash join sends that key back to every row. No
step holds all hashes in one process. ``duplicate_of`` is the representative's id; the rejection's
``detail`` also names its source, which stays unambiguous when ids repeat.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from sluiceway.rows import alive_mask, reject
from sluiceway.stages.base import DatasetStage, RunContext
from sluiceway.stages.registry import register

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")
_HASH, _KEY, _REP, _COUNT = "_xd_hash", "_xd_key", "_xd_rep", "_xd_count"


def normalize_for_dedup(text: str, lowercase: bool, strip_punctuation: bool) -> str:
    if lowercase:
        text = text.lower()
    if strip_punctuation:
        text = _PUNCT.sub("", text)
    return _SPACE.sub(" ", text).strip()


def _add_keys(table: pa.Table, lowercase: bool, strip_punctuation: bool) -> pa.Table:
    alive = alive_mask(table).tolist()
    texts = table.column("text").to_pylist()
    hashes = [hashlib.blake2b(normalize_for_dedup(t, lowercase, strip_punctuation).encode("utf-8", "replace"),
                              digest_size=16).hexdigest() if ok and t is not None else None
              for t, ok in zip(texts, alive, strict=True)]
    keys = pc.binary_join_element_wise(table.column("id"), table.column("source"), "\x00")
    return table.append_column(_HASH, pa.array(hashes, pa.string())).append_column(_KEY, keys)


def _mark(table: pa.Table, stage_name: str) -> pa.Table:
    """Reject rows whose hash group's representative is another row. Tolerates blocks without the join's
    columns (no duplicates anywhere, or an empty block): they have no duplicates."""
    n = table.num_rows
    if _REP not in table.column_names or _KEY not in table.column_names:
        table = table.append_column(_REP, pa.nulls(n, pa.string())) if _REP not in table.column_names else table
        key = table.column(_KEY) if _KEY in table.column_names else pa.nulls(n, pa.string())
    else:
        key = table.column(_KEY)
    rep = table.column(_REP)
    dup = pc.fill_null(pc.and_(pc.is_valid(rep), pc.not_equal(rep, key)), False)
    rep_id, rep_source = _rep_parts(rep, dup)
    table = table.append_column("duplicate_of", rep_id)
    detail = pc.binary_join_element_wise("duplicate of ", rep_id, " (", rep_source, ")", "")
    table = reject(table, dup, stage_name, "exact_duplicate", detail)
    return table.drop_columns([c for c in (_HASH, _KEY, _REP, _COUNT) if c in table.column_names])


def _rep_parts(rep: Any, dup: Any) -> tuple[pa.Array, pa.Array]:
    """The representative's id (the ``duplicate_of`` column) and its source (unambiguous when ids repeat)."""
    parts = [r.split("\x00", 1) if d else (None, None) for r, d in zip(rep.to_pylist(), dup.to_pylist(), strict=True)]
    return (pa.array([p[0] for p in parts], pa.string()),
            pa.array([p[1] if len(p) > 1 else None for p in parts], pa.string()))


@register
@dataclasses.dataclass
class ExactDedup(DatasetStage):
    """Keep one row per normalized text (smallest (id, source)); reject the rest as ``exact_duplicate``."""

    name: ClassVar[str] = "exact_dedup"
    reads: ClassVar[tuple[str, ...]] = ("id", "text")
    writes: ClassVar[dict[str, pa.DataType]] = {"duplicate_of": pa.string()}

    lowercase: bool = True
    strip_punctuation: bool = False

    def apply(self, ds: Any, ctx: RunContext) -> Any:
        from ray.data.aggregate import Count, Min

        keyed = ds.map_batches(_add_keys, batch_format="pyarrow",
                               fn_args=(self.lowercase, self.strip_punctuation)).materialize()
        reps = (keyed.map_batches(_alive_only, batch_format="pyarrow")
                .groupby(_HASH, num_partitions=ctx.num_partitions)
                .aggregate(Count(alias_name=_COUNT), Min(_KEY, alias_name=_REP))
                .map_batches(_dupes_only, batch_format="pyarrow")).materialize()
        if reps.count() == 0:  # no duplicates: a join with nothing would lose the right side's columns
            return keyed.map_batches(_mark, batch_format="pyarrow", fn_args=(self.name,))
        joined = keyed.join(reps, join_type="left_outer", num_partitions=ctx.num_partitions, on=(_HASH,))
        return joined.map_batches(_mark, batch_format="pyarrow", fn_args=(self.name,))


def _alive_only(table: pa.Table) -> pa.Table:
    return table.select([_HASH, _KEY]).filter(pc.is_valid(table.column(_HASH)))


def _dupes_only(table: pa.Table) -> pa.Table:
    return table.filter(pc.greater(table.column(_COUNT), 1))
