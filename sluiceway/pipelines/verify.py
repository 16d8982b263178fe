"""Prove from the written files that every input row is in the output exactly once.

The reader reports, per input file, its row count and the digest of its row keys (see
:mod:`sluiceway.io.keys`); report.json stores that manifest. :func:`scan_output` reads only the key
columns of every shard under ``kept/`` and ``rejected/`` (``source``, ``id``; plus ``stage``, ``reason``,
``detail`` for rejected rows) and recomputes per file the rows and the digest; duplicated keys are found by
sorting 64-bit key hashes (8 bytes a row in the driver) and confirmed on the key strings. :func:`verify_output`
does it for a finished output directory alone: ``sluiceway verify OUT``.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sluiceway.io.keys import HASH_NAME, add_digests, digest, key_hashes, source_files

KEY = "source"
SHARD_SUFFIXES = (".parquet", ".jsonl", ".jsonl.gz")
MAX_LISTED = 5  # example keys named per problem


@dataclasses.dataclass
class FileTally:
    rows: int = 0
    digest: int = 0
    duplicates: int = 0  # extra copies of keys of this file


@dataclasses.dataclass
class OutputScan:
    """What is on disk: counts, per input file tallies, rejection reasons, problems found."""

    kept: int = 0
    rejected: int = 0
    shards: int = 0
    files: dict[str, FileTally] = dataclasses.field(default_factory=lambda: defaultdict(FileTally))
    removed: dict[str, dict[str, int]] = dataclasses.field(default_factory=lambda: defaultdict(Counter))
    duplicated_keys: list[str] = dataclasses.field(default_factory=list)
    duplicate_ids: dict[str, int] = dataclasses.field(default_factory=lambda: {"ids": 0, "rows": 0})
    problems: list[str] = dataclasses.field(default_factory=list)


def shard_files(output_dir: str, part: str) -> list[str]:
    folder = os.path.join(output_dir, part)
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, f) for f in os.listdir(folder)
                  if f.endswith(SHARD_SUFFIXES) and not f.startswith("."))


def _batches(path: str, columns: list[str]) -> Iterator[pa.Table]:
    """The wanted columns of a shard, in bounded batches (missing columns come back as nulls)."""
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        have = [c for c in columns if c in pf.schema_arrow.names]
        for rb in pf.iter_batches(columns=have, batch_size=65536):
            yield _with_columns(pa.Table.from_batches([rb]), columns)
        return
    import pyarrow.json as pj

    schema = pa.schema([(c, pa.string()) for c in columns])
    opts = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if data.strip():
        yield _with_columns(pj.read_json(pa.BufferReader(data), parse_options=opts), columns)


def _with_columns(table: pa.Table, columns: list[str]) -> pa.Table:
    for c in columns:
        if c not in table.column_names:
            table = table.append_column(c, pa.nulls(table.num_rows, pa.string()))
    return table.select(columns)


def _blank(column: pa.ChunkedArray) -> int:
    """Rows where a string column is null or empty."""
    col = pc.cast(column, pa.string())
    return int(pc.sum(pc.or_kleene(pc.is_null(col), pc.equal(col, ""))).as_py() or 0)


def scan_output(output_dir: str) -> OutputScan:
    """Tally the written shards of ``output_dir`` by row key; problems go to ``scan.problems``."""
    scan = OutputScan()
    key_parts: list[np.ndarray] = []
    id_parts: list[np.ndarray] = []
    readable: list[str] = []
    for part in ("kept", "rejected"):
        columns = [KEY, "id"] + (["stage", "reason", "detail"] if part == "rejected" else ["reason"])
        for path in shard_files(output_dir, part):
            scan.shards += 1
            try:
                for table in _batches(path, columns):
                    _tally(scan, table, part, path, key_parts, id_parts)
            except Exception as exc:  # a damaged shard is a finding, not a crash
                scan.problems.append(f"unreadable shard {path}: {type(exc).__name__}: {exc}")
                continue
            readable.append(path)
    keys = np.concatenate(key_parts) if key_parts else np.zeros(0, np.uint64)
    _find_duplicates(scan, keys, readable)
    ids = np.concatenate(id_parts) if id_parts else np.zeros(0, np.uint64)
    if len(ids):
        _, counts = np.unique(ids, return_counts=True)
        shared = counts[counts > 1]
        scan.duplicate_ids = {"ids": int(len(shared)), "rows": int(shared.sum())}
    return scan


def _tally(scan: OutputScan, table: pa.Table, part: str, path: str, key_parts: list, id_parts: list) -> None:
    n = table.num_rows
    if not n:
        return
    setattr(scan, part, getattr(scan, part) + n)
    src = table.column(KEY)
    if src.null_count:
        scan.problems.append(f"{path}: {src.null_count} rows without a row key ({KEY!r} column)")
    hashes = key_hashes(src)
    key_parts.append(hashes)
    id_parts.append(key_hashes(table.column("id")))
    encoded = pc.dictionary_encode(source_files(src)).combine_chunks()
    index = encoded.indices.to_numpy(zero_copy_only=False)
    for j, name in enumerate(encoded.dictionary.to_pylist()):
        mask = index == j
        tally = scan.files[name]
        tally.rows += int(mask.sum())
        tally.digest = add_digests(tally.digest, digest(hashes[mask]))
    if part == "kept":
        if table.column("reason").null_count != n:
            scan.problems.append(f"{path}: {n - table.column('reason').null_count} kept rows carry a reason")
        return
    for column in ("stage", "reason", "detail"):
        blank = _blank(table.column(column))
        if blank:
            scan.problems.append(f"{path}: {blank} rejected rows without {column!r}")
    grouped = table.select(["stage", "reason"]).group_by(["stage", "reason"]).aggregate([([], "count_all")])
    for stage, reason, count in zip(*(grouped.column(c).to_pylist() for c in ("stage", "reason", "count_all")),
                                    strict=True):
        scan.removed[stage or ""][reason or ""] += count


def _find_duplicates(scan: OutputScan, keys: np.ndarray, shards: list[str]) -> None:
    """Keys written more than once: candidates by hash, confirmed (and named) on the key strings."""
    if len(keys) < 2:
        return
    ordered = np.sort(keys)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if not len(repeated):
        return
    seen: Counter = Counter()
    for path in shards:
        for table in _batches(path, [KEY]):
            src = table.column(KEY)
            hit = np.isin(key_hashes(src), repeated)
            if hit.any():
                seen.update(v for v in src.filter(pa.array(hit)).to_pylist() if v is not None)
    dupes = {k: c for k, c in seen.items() if c > 1}
    for key, count in dupes.items():
        scan.files[key.rsplit(":", 1)[0]].duplicates += count - 1
    scan.duplicated_keys = sorted(dupes)


def manifest_of(snapshot_manifest: dict[str, dict], names: dict[str, str]) -> dict[str, dict]:
    """The reader's per-file (rows, digest), keyed by the file's source name."""
    return {names[path]: {"path": path, **entry} for path, entry in sorted(snapshot_manifest.items())}


def check_manifest(manifest: dict[str, dict], scan: OutputScan) -> list[str]:
    """Problems, per input file: rows missing, duplicated or altered, and rows of no input file."""
    problems: list[str] = []
    for name, entry in manifest.items():
        read, expected = int(entry["rows"]), int(entry["digest"], 16)
        tally = scan.files.get(name, FileTally())
        distinct = tally.rows - tally.duplicates
        if tally.rows == read and tally.digest == expected and not tally.duplicates:
            continue
        parts = [f"{read} rows read, {tally.rows} on disk"]
        if read > distinct:
            parts.append(f"{read - distinct} missing")
        if tally.duplicates:
            listed = [k for k in scan.duplicated_keys if k.rsplit(":", 1)[0] == name][:MAX_LISTED]
            parts.append(f"{tally.duplicates} duplicated (e.g. {', '.join(listed)})")
        if read == distinct and tally.digest != expected:
            parts.append("row keys differ from those read (rows replaced or altered)")
        problems.append(f"{name}: " + "; ".join(parts))
    for name in sorted(set(scan.files) - set(manifest)):
        problems.append(f"{name}: {scan.files[name].rows} rows on disk from a file that was not read")
    return problems


@dataclasses.dataclass
class Verification:
    ok: bool
    input_rows: int
    scan: OutputScan
    problems: list[str]
    manifest: dict[str, dict]

    def summary(self) -> str:
        s = self.scan
        head = (f"input {self.input_rows} = kept {s.kept} + rejected {s.rejected}: "
                f"{'OK' if self.ok else 'MISMATCH'} (verified by row key from {s.shards} shards")
        ids = f"; {s.duplicate_ids['ids']} ids repeat over {s.duplicate_ids['rows']} rows" \
            if s.duplicate_ids["ids"] else ""
        return head + ids + ")"


def verify_against(manifest: dict[str, dict], scan: OutputScan) -> Verification:
    problems = check_manifest(manifest, scan) + scan.problems
    input_rows = sum(int(e["rows"]) for e in manifest.values())
    if not problems and input_rows != scan.kept + scan.rejected:  # cannot happen when every file checks out
        problems.append(f"input {input_rows} != kept {scan.kept} + rejected {scan.rejected}")
    return Verification(not problems, input_rows, scan, problems, manifest)


def verify_output(output_dir: str) -> Verification:
    """Re-check a finished output from its files alone: report.json's manifest against the shards."""
    path = os.path.join(output_dir, "report.json")
    try:
        with open(path, encoding="utf-8") as fh:
            report: dict[str, Any] = json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot verify {output_dir}: {path} is missing or unreadable ({exc})") from None
    accounting = report.get("accounting") or {}
    if "manifest" not in accounting:
        raise ValueError(f"cannot verify {output_dir}: {path} has no input manifest (written by an older sluiceway)")
    if accounting.get("hash") != HASH_NAME:
        raise ValueError(f"cannot verify {output_dir}: its key hash {accounting.get('hash')!r} is not {HASH_NAME!r}")
    result = verify_against(accounting["manifest"], scan_output(output_dir))
    rows = report.get("rows", {})
    for part in ("kept", "rejected"):
        if part in rows and rows[part] != getattr(result.scan, part):
            result.problems.append(f"report.json says {part} {rows[part]}, the files hold {getattr(result.scan, part)}")
    result.ok = not result.problems
    return result


def duplicate_ids_in_inputs(files: list[str], opts: Any, names: dict[str, str]) -> tuple[int, int, list[str]]:
    """An id-only pass over the inputs (for ``--strict``, before any output is written): ids that repeat,
    rows sharing them, and a few examples with where they occur. Malformed records raise as in the run."""
    from sluiceway.io.read import read_file

    def id_tables() -> Iterator[pa.Table]:
        for path in files:
            for table in read_file(path, opts, names[path]):
                yield table.select(["id", KEY])

    ordered = np.sort(np.concatenate([key_hashes(t.column("id")) for t in id_tables()] or [np.zeros(0, np.uint64)]))
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]]) if len(ordered) > 1 else ordered[:0]
    if not len(repeated):
        return 0, 0, []
    where: dict[str, list[str]] = defaultdict(list)
    for table in id_tables():
        hit = np.isin(key_hashes(table.column("id")), repeated)
        if hit.any():
            for rid, src in zip(*(table.column(c).filter(pa.array(hit)).to_pylist() for c in ("id", KEY)), strict=True):
                where[rid].append(src)
    shared = {rid: srcs for rid, srcs in where.items() if len(srcs) > 1}
    examples = [f"{rid!r} at {', '.join(srcs[:3])}{' ...' if len(srcs) > 3 else ''}"
                for rid, srcs in list(shared.items())[:MAX_LISTED]]
    return len(shared), sum(len(s) for s in shared.values()), examples
