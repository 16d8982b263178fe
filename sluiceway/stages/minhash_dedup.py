"""MinHash near-duplicate removal on Ray Data (Broder 1997; banding: Leskovec et al., MMDS ch. 3;
components: Kiveris et al. 2014), resumable step by step.

Steps, each checkpointed as Parquet under ``<output>/_checkpoints/minhash/<step>-<key>/``:

1. ``signatures`` — per alive row: node key, id, source, length, score, MinHash signature (and the
   shingle set when verifying). Vectorized per batch, bit-identical to ``datasketch.MinHash``.
2. ``candidates`` — one row per (band, node), a hash shuffle on the bucket key, and per bucket a star
   plus a chain of edges (linear in the bucket size, however large).
3. ``verified`` (``verify: true``) — candidate pairs joined with both shingle sets; kept when their true
   Jaccard similarity reaches ``threshold``.
4. ``components`` — large-star/small-star rounds (each round checkpointed) until every component is a
   star around its smallest node key, the component id.
5. ``representatives`` — members joined with their attributes, shuffled by component; the ``keep``
   policy picks the one to keep (ties: smallest ``(id, source)``).

Finally a hash join sends (component, representative) back to the rows; the others of each component are
rejected as ``near_duplicate``. A step is skipped when its marker exists for the same key (the key
hashes the step's parameters and the input), and retried from the last checkpoint when the cluster
loses a node mid-step.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import time
from collections.abc import Callable
from typing import Any, ClassVar, Literal

import pyarrow as pa

from sluiceway.dedup.checkpoint import Checkpoints, parquet_files, parquet_max, parquet_rows, step_key
from sluiceway.dedup.components import EDGE_SCHEMA, large_star, small_star, star_members
from sluiceway.dedup.keep import KEEP_POLICIES, REP_SCHEMA, choose_representatives
from sluiceway.dedup.lsh import optimal_bands, unique_edges
from sluiceway.dedup.minhash import MinHasher
from sluiceway.dedup.shingles import ShingleConfig
from sluiceway.dedup.shuffle import co_grouped, grouped, grouped_streaming, lookup
from sluiceway.dedup.tables import (
    COMP,
    DUP_COL,
    NODE,
    REP_ID,
    REP_NODE,
    REP_SOURCE,
    DedupPlan,
    add_node_keys,
    band_rows,
    bucket_edge_table,
    digest_block,
    mark,
    signature_rows,
)
from sluiceway.dedup.verify import jaccard_lists
from sluiceway.stages.base import DatasetStage, RunContext
from sluiceway.stages.registry import register

log = logging.getLogger("sluiceway.minhash")
CHECKPOINT_DIR = os.path.join("_checkpoints", "minhash")
VERSION = 2  # bump when a step's output format or meaning changes
FINAL_BLOCK_BYTES = 256 << 20  # target size of a block in the final shuffle join (whole rows)


@register
@dataclasses.dataclass
class MinHashDedup(DatasetStage):
    """Reject near duplicates (Jaccard similarity of shingle sets >= ``threshold``), keeping one per group."""

    name: ClassVar[str] = "minhash_dedup"
    reads: ClassVar[tuple[str, ...]] = ("id", "text")
    writes: ClassVar[dict[str, pa.DataType]] = {"minhash_component": pa.int64(), DUP_COL: pa.string()}

    threshold: float = 0.8
    num_perm: int = 128
    bands: int | None = None  # bands x rows: chosen from threshold and weights unless both given
    rows: int | None = None
    weights: tuple[float, float] | None = None  # (false positive, false negative); None: see band_shape
    ngram: int = 5
    char_ngram: int = 5
    shingle: Literal["auto", "word", "char"] = "auto"
    normalize: bool = True
    hash_function: Literal["fast", "sha1"] = "fast"
    scheme: Literal["affine32", "legacy"] = "affine32"
    seed: int = 1
    verify: bool = True
    keep: Literal["first", "longest", "score"] = "first"
    score_column: str | None = None
    batch_size: int = 1000
    max_rounds: int = 40
    retries: int = 2

    def __post_init__(self) -> None:
        if self.weights is not None:
            self.weights = tuple(self.weights)  # YAML gives a list

    def columns_read(self) -> tuple[str, ...]:
        return self.reads + ((self.score_column,) if self.keep == "score" and self.score_column else ())

    def validate(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], not {self.threshold}")
        if self.num_perm < 1:
            raise ValueError("num_perm must be positive")
        if not 1 <= self.ngram <= 64 or not 1 <= self.char_ngram <= 64:
            raise ValueError("ngram and char_ngram must be between 1 and 64")
        if (self.bands is None) != (self.rows is None):
            raise ValueError("give both bands and rows, or neither")
        if self.bands is not None and (self.bands < 1 or self.rows < 1 or self.bands * self.rows > self.num_perm):
            raise ValueError(f"bands x rows = {self.bands} x {self.rows} must be at most num_perm = {self.num_perm}")
        if self.weights is not None and (len(self.weights) != 2 or min(self.weights) < 0
                                         or abs(sum(self.weights) - 1.0) > 1e-6):
            raise ValueError("weights must be two non-negative numbers summing to 1")
        if self.keep not in KEEP_POLICIES:
            raise ValueError(f"keep must be one of {', '.join(KEEP_POLICIES)}")
        if self.keep == "score" and not self.score_column:
            raise ValueError("keep: score needs score_column")
        if self.batch_size < 1 or self.max_rounds < 1 or self.retries < 0:
            raise ValueError("batch_size and max_rounds must be positive, retries non-negative")

    def band_shape(self) -> tuple[int, int]:
        """Given bands x rows, else datasketch's optimum for the weights. Default weights: (0.5, 0.5), as
        datasketch, without verification; (0.1, 0.9) with it, since verification removes the extra false
        positives that favouring recall lets in."""
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        weights = self.weights or ((0.1, 0.9) if self.verify else (0.5, 0.5))
        return optimal_bands(self.threshold, self.num_perm, *weights)

    def plan(self) -> DedupPlan:
        self.validate()
        bands, rows = self.band_shape()
        shingles = ShingleConfig(self.ngram, self.char_ngram, self.shingle, self.hash_function, self.normalize)
        return DedupPlan(MinHasher(self.num_perm, self.seed, self.scheme, shingles), bands, rows, self.threshold,
                         self.verify, self.keep, self.score_column if self.keep == "score" else None)

    def apply(self, ds: Any, ctx: RunContext) -> Any:
        return _Run(self, ctx).apply(ds)


def _rename(table: pa.Table, names: list[str]) -> pa.Table:
    return table.rename_columns(names)


SETS_U = pa.schema([("u", pa.int64()), ("su", pa.large_list(pa.uint32()))])
SETS_V = pa.schema([("v", pa.int64()), ("sv", pa.large_list(pa.uint32()))])
EDGE_SU = pa.schema([("u", pa.int64()), ("v", pa.int64()), ("su", pa.large_list(pa.uint32()))])
ATTRS = pa.schema([("node", pa.int64()), ("id", pa.string()), ("source", pa.string()), ("length", pa.int64()),
                   ("score", pa.float64())])
MEMBERS = pa.schema([("node", pa.int64()), ("comp", pa.int64())])
REPS = pa.schema([(NODE, pa.int64()), (COMP, pa.int64()), (REP_NODE, pa.int64()), (REP_ID, pa.string()),
                  (REP_SOURCE, pa.string())])


def _attach_u(edges: pa.Table, sets: pa.Table) -> pa.Table:
    """Distinct candidate edges of a block, with the shingle set of ``u``."""
    u, v = unique_edges(edges.column("u").to_numpy(), edges.column("v").to_numpy())
    edges = pa.table({"u": u, "v": v}, schema=EDGE_SCHEMA)
    (su,) = lookup(edges, sets, "u", "u", ["su"])
    return edges.append_column("su", su)


def _attach_v_and_verify(edges: pa.Table, sets: pa.Table, threshold: float) -> pa.Table:
    (sv,) = lookup(edges, sets, "v", "v", ["sv"])
    sim = jaccard_lists(edges.column("su"), sv)
    return edges.select(["u", "v"]).filter(pa.array(sim >= threshold)).cast(EDGE_SCHEMA)


def _attach_attrs(members: pa.Table, attrs: pa.Table) -> pa.Table:
    cols = lookup(members, attrs, "node", "node", ["id", "source", "length", "score"])
    return pa.table([members.column("node"), members.column("comp"), *cols],
                    names=["node", "comp", "id", "source", "length", "score"])


def _mark_joined(rows: pa.Table, reps: pa.Table, stage_name: str) -> pa.Table:
    names = (COMP, REP_NODE, REP_ID, REP_SOURCE)
    for name, values in zip(names, lookup(rows, reps, NODE, NODE, list(names)), strict=True):
        rows = rows.append_column(name, values)
    return mark(rows, stage_name)


def _read_folder(folder: str) -> Any:
    from sluiceway.io.datasource import read_parquet_folder

    return read_parquet_folder(folder)


def _retryable(exc: BaseException) -> bool:
    import ray.exceptions

    return isinstance(exc, ray.exceptions.RayError | OSError) or "RayError" in type(exc).__name__ or \
        any(isinstance(a, ray.exceptions.RayError) for a in (exc.__cause__, exc.__context__))


class _Run:
    """One application of the stage: resolves the plan, runs or reuses each step."""

    def __init__(self, stage: MinHashDedup, ctx: RunContext):
        self.stage, self.ctx = stage, ctx
        self.plan = stage.plan()
        self.cp = Checkpoints(ctx.path(CHECKPOINT_DIR))
        self.parts = max(1, ctx.num_partitions)
        self.report: dict[str, Any] = {"bands": self.plan.bands, "rows": self.plan.rows,
                                       "checkpoints": os.path.abspath(self.cp.root), "steps": {}}

    # -- step machinery -------------------------------------------------------------------------
    def step(self, name: str, key: str, compute: Callable[[str], dict]) -> dict:
        if self.cp.done(name, key):
            self.report["steps"][name] = "reused"
            return self.cp.info(name, key)
        for attempt in range(self.stage.retries + 1):
            path = self.cp.start(name, key)
            start = time.perf_counter()
            try:
                info = compute(path)
            except Exception as exc:  # a lost node surfaces as some RayError; recompute from checkpoints
                if attempt == self.stage.retries or not _retryable(exc):
                    raise
                log.warning("minhash step %s failed (%s: %s); retrying from checkpoints", name,
                            type(exc).__name__, exc)
                continue
            info["seconds"] = round(time.perf_counter() - start, 3)
            shutil.rmtree(os.path.join(path, "tmp"), ignore_errors=True)
            self.cp.finish(name, key, info)
            self.report["steps"][name] = "computed" if attempt == 0 else f"computed after {attempt} retries"
            return info
        raise AssertionError("unreachable")

    def read(self, name: str, key: str, schema: pa.Schema, columns: list[str] | None = None) -> Any:
        import ray.data

        if self.cp.has_files(name, key):
            ds = _read_folder(self.cp.data(name, key))
            return ds.select_columns(columns) if columns else ds
        empty = schema.empty_table()
        return ray.data.from_arrow(empty.select(columns) if columns else empty)

    def write(self, ds: Any, path: str, name: str = "data") -> dict:
        ds.write_parquet(os.path.join(path, name))
        return {"rows": parquet_rows(os.path.join(path, name))}

    def spill(self, ds: Any, path: str, name: str) -> Any:
        """Write an intermediate result inside a step's directory and read it back: one shuffle per Ray
        execution (two chained shuffles can starve a 2-CPU cluster of task slots) and nothing to
        reconstruct if a node dies."""

        folder = os.path.join(path, name)
        ds.write_parquet(folder)
        return _read_folder(folder) if parquet_files(folder) else None

    # -- the steps ------------------------------------------------------------------------------
    def apply(self, ds: Any) -> Any:
        plan, stage, parts = self.plan, self.stage, self.parts
        keyed = ds.map_batches(add_node_keys, batch_format="pyarrow", fn_args=(plan.score_column,)).materialize()
        digest = self.input_digest(keyed)
        sig_key = step_key(VERSION, "signatures", digest, plan.hasher.num_perm, plan.hasher.seed,
                           plan.hasher.scheme, dataclasses.asdict(plan.hasher.shingles), plan.verify,
                           plan.score_column)
        sig_schema = plan.signature_schema()

        def signatures(path: str) -> dict:
            return self.write(keyed.map_batches(signature_rows, batch_format="pyarrow", fn_args=(plan,),
                                                batch_size=stage.batch_size), path)

        self.report["documents"] = self.step("signatures", sig_key, signatures)["rows"]

        cand_key = step_key(VERSION, "candidates", sig_key, plan.bands, plan.rows)

        def candidates(path: str) -> dict:
            if not self.report["documents"]:
                return {"rows": 0}
            sigs = self.read("signatures", sig_key, sig_schema, [NODE, "sig"])
            rows = sigs.map_batches(band_rows, batch_format="pyarrow", fn_args=(plan.bands, plan.rows))
            return self.write(grouped(rows, "bucket", bucket_edge_table, parts), path)

        self.report["candidate_edges"] = self.step("candidates", cand_key, candidates)["rows"]
        edge_step, edge_key = "candidates", cand_key
        if plan.verify:
            ver_key = step_key(VERSION, "verified", cand_key, plan.threshold)

            def verified(path: str) -> dict:
                if not self.report["candidate_edges"]:
                    return {"rows": 0}
                edges = self.read("candidates", cand_key, EDGE_SCHEMA)
                sets = self.read("signatures", sig_key, sig_schema, [NODE, "shingles"])
                sets_u = sets.map_batches(_rename, batch_format="pyarrow", fn_args=(SETS_U.names,))
                sets_v = sets.map_batches(_rename, batch_format="pyarrow", fn_args=(SETS_V.names,))
                with_u = self.spill(co_grouped(edges, sets_u, EDGE_SCHEMA, SETS_U, "u", _attach_u, parts), path, "tmp")
                if with_u is None:
                    return {"rows": 0}
                checked = co_grouped(with_u, sets_v, EDGE_SU, SETS_V, "v", _attach_v_and_verify, parts,
                                     (plan.threshold,))
                return self.write(checked, path)

            self.report["verified_edges"] = self.step("verified", ver_key, verified)["rows"]
            edge_step, edge_key = "verified", ver_key

        comp_key = step_key(VERSION, "components", edge_key)

        def components(path: str) -> dict:
            return self.components(self.cp.data(edge_step, edge_key), comp_key, path)

        info = self.step("components", comp_key, components)
        self.report["cc_rounds"] = info.get("rounds", 0)
        rep_key = step_key(VERSION, "representatives", comp_key, plan.keep, plan.score_column)

        def representatives(path: str) -> dict:
            if not info["rows"]:
                return {"rows": 0}
            members = self.read("components", comp_key, EDGE_SCHEMA).map_batches(star_members,
                                                                                 batch_format="pyarrow")
            attrs = self.read("signatures", sig_key, sig_schema, [NODE, "id", "source", "length", "score"])
            attrs = attrs.map_batches(_rename, batch_format="pyarrow", fn_args=(ATTRS.names,))
            joined = self.spill(co_grouped(members, attrs, MEMBERS, ATTRS, "node", _attach_attrs, parts), path, "tmp")
            if joined is None:
                return {"rows": 0}
            return self.write(grouped(joined, "comp", choose_representatives, parts, fn_args=(plan.keep,)), path)

        info = self.step("representatives", rep_key, representatives)
        self.report["in_components"] = info["rows"]
        self.ctx.sections[stage.name] = self.report
        if not info["rows"]:
            return keyed.map_batches(_mark_none, batch_format="pyarrow", fn_args=(stage.name,))
        reps = self.read("representatives", rep_key, REP_SCHEMA)
        reps = reps.map_batches(_rename, batch_format="pyarrow", fn_args=(REPS.names,))
        final_parts = max(parts, -(-keyed.size_bytes() // FINAL_BLOCK_BYTES))  # the rows themselves move here
        return co_grouped(keyed, reps, keyed.schema().base_schema, REPS, NODE, _mark_joined, final_parts,
                          (stage.name,), grouped_streaming)

    def input_digest(self, keyed: Any) -> str:
        rows, total = 0, 0
        for part in keyed.map_batches(digest_block, batch_format="pyarrow", batch_size=None).take_all():
            rows += int(part["rows"])
            total = (total + int(part["fp"])) % (1 << 64)
        self.report["input_rows"] = rows
        return f"{rows}-{total:016x}"

    def components(self, edges_dir: str, comp_key: str, path: str) -> dict:
        """Large/small-star rounds, each written to ``cc-roundNNN``; resumes after the last one written.
        A round stops after its large-star when that found its input already a star forest; the final
        star forest's files are copied (not recomputed) into the step's directory."""

        def round_dir(r: int) -> str:
            return edges_dir if r == 0 else self.cp.data(f"cc-round{r:03d}", comp_key)

        def by_key(ds: Any, key: str, fn: Callable) -> Any:
            return grouped(ds, key, fn, self.parts)

        r = 0  # resume: skip completed rounds (a completed round's dirty > 0: its input was not final)
        while self.cp.done(f"cc-round{r + 1:03d}", comp_key):
            r += 1
        while parquet_files(round_dir(r)):
            if r >= self.stage.max_rounds:
                raise RuntimeError(f"connected components did not converge in {self.stage.max_rounds} rounds")
            edges = _read_folder(round_dir(r)).select_columns(["u", "v"])
            name = f"cc-round{r + 1:03d}"
            out = self.cp.start(name, comp_key)
            large = self.spill(large_star(edges, by_key), out, "tmp")
            if parquet_max(os.path.join(out, "tmp"), "dirty") == 0:  # round r is already a star forest
                break
            self.cp.finish(name, comp_key, self.write(small_star(large, by_key), out))
            shutil.rmtree(os.path.join(out, "tmp"), ignore_errors=True)
            r += 1
        out = os.path.join(path, "data")
        os.makedirs(out, exist_ok=True)
        for i, f in enumerate(parquet_files(round_dir(r))):
            shutil.copyfile(f, os.path.join(out, f"part-{i:05d}.parquet"))
        for old in range(1, r + 2):
            shutil.rmtree(self.cp.path(f"cc-round{old:03d}", comp_key), ignore_errors=True)
        return {"rows": parquet_rows(out), "rounds": r}


def _mark_none(table: pa.Table, stage_name: str) -> pa.Table:
    n = table.num_rows
    table = (table.append_column(COMP, pa.nulls(n, pa.int64())).append_column(REP_NODE, pa.nulls(n, pa.int64()))
             .append_column(REP_ID, pa.nulls(n, pa.string())).append_column(REP_SOURCE, pa.nulls(n, pa.string())))
    return mark(table, stage_name)
