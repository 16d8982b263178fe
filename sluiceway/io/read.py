"""Read JSONL (plain, .gz, .zst), JSON arrays (Alpaca style) and Parquet into Arrow batches.

Every physical record becomes exactly one row. Records that cannot be used (malformed JSON, a
missing or non-string text field, empty or oversized text) become rows already rejected by the
``read`` stage, with the file and line in ``detail``; ``strict`` turns them into an error instead.
"""

from __future__ import annotations

import dataclasses
import glob
import gzip
import io
import json
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sluiceway.stages.base import DETAIL, REASON, STAGE

READ_STAGE = "read"
STRICT_REASONS = ("malformed", "missing_text", "non_string_text", "invalid_utf8")  # --strict stops on these


class InputError(ValueError):
    """Bad input that stops the run (empty glob, strict mode on a malformed record)."""


@dataclasses.dataclass
class ReadOptions:
    text_field: str = "text"
    id_field: str = "id"
    format: str = "auto"  # auto | jsonl | json | parquet
    keep_fields: tuple[str, ...] = ()  # lifted into string columns; all other fields go to `meta`
    max_doc_bytes: int = 4_000_000
    invalid_utf8: str = "replace"  # replace (counted) | reject
    strict: bool = False
    batch_rows: int = 2000

    def __post_init__(self) -> None:
        if self.format not in ("auto", "jsonl", "json", "parquet"):
            raise ValueError(f"input format {self.format!r} is not one of auto, jsonl, json, parquet")
        if self.invalid_utf8 not in ("replace", "reject"):
            raise ValueError(f"invalid_utf8 must be 'replace' or 'reject', not {self.invalid_utf8!r}")
        self.keep_fields = tuple(self.keep_fields)


def expand_inputs(patterns: str | list[str]) -> list[str]:
    """Expand globs (and directories) into a sorted file list; an empty result is an error."""
    if isinstance(patterns, str):
        patterns = [patterns]
    files: list[str] = []
    for pattern in patterns:
        if os.path.isdir(pattern):
            pattern = os.path.join(pattern, "**", "*")
        files.extend(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
    if not files:
        raise InputError(f"no input files match {patterns!r}")
    return sorted(set(files))


def source_names(files: list[str]) -> dict[str, str]:
    """Short, stable source names: each path relative to the inputs' common directory."""
    root = os.path.commonpath([os.path.dirname(os.path.abspath(f)) for f in files])
    return {f: os.path.relpath(os.path.abspath(f), root) for f in files}


def detect_format(path: str) -> str:
    name = path.lower()
    for suffix in (".gz", ".zst", ".zstd"):
        name = name.removesuffix(suffix)
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".json"):
        return "json"
    return "jsonl"


def _open_binary(path: str) -> io.BufferedIOBase:
    lower = path.lower()
    if lower.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if lower.endswith((".zst", ".zstd")):
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(open(path, "rb")))
    return open(path, "rb")


def _schema(keep_fields: tuple[str, ...]) -> pa.Schema:
    fields = [pa.field("id", pa.string()), pa.field("text", pa.large_string())]
    fields += [pa.field(f, pa.string()) for f in keep_fields]
    fields += [pa.field("meta", pa.string()), pa.field("source", pa.string())]
    fields += [pa.field(STAGE, pa.string()), pa.field(REASON, pa.string()), pa.field(DETAIL, pa.string())]
    return pa.schema(fields)


def _fix_surrogates(s: str) -> str:
    return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class _Batcher:
    """Collects rows as column lists and emits Arrow tables of ``batch_rows`` rows."""

    def __init__(self, opts: ReadOptions, source: str, counters: Counter):
        self.opts, self.source, self.counters = opts, source, counters
        self.schema = _schema(opts.keep_fields)
        self.cols: dict[str, list] = {name: [] for name in self.schema.names}

    def add(self, record: Any, line: int, bad: tuple[str, str] | None = None) -> None:
        opts, cols = self.opts, self.cols
        where = f"{self.source}:{line}"
        text = None
        meta = None
        rid = None
        kept: dict[str, str | None] = {}
        if bad is None and not isinstance(record, dict):
            bad = ("malformed", f"{where}: record is {type(record).__name__}, not an object")
        if bad is None:
            rid = record.get(opts.id_field)
            text = record.get(opts.text_field)
            if opts.text_field not in record:
                bad = ("missing_text", f"{where}: no field {opts.text_field!r}")
            elif not isinstance(text, str):
                bad = ("non_string_text", f"{where}: {opts.text_field!r} is {type(text).__name__}")
                text = None
            elif not text.strip():
                bad = ("empty_text", where)
            elif len(text) > opts.max_doc_bytes // 4 and len(text.encode("utf-8", "surrogatepass")) > opts.max_doc_bytes:
                bad = ("too_large", f"{where}: more than {opts.max_doc_bytes} bytes")
            for f in opts.keep_fields:
                v = record.get(f)
                kept[f] = v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False)
            rest = {k: v for k, v in record.items() if k not in (opts.text_field, opts.id_field, *opts.keep_fields)}
            meta = json.dumps(rest, ensure_ascii=False) if rest else None
        if bad is not None:
            self.counters[f"rejected.{bad[0]}"] += 1
            if opts.strict and bad[0] in STRICT_REASONS:
                raise InputError(f"{bad[1]} ({bad[0]}); rerun without --strict to reject such records")
        cols["id"].append(str(rid) if rid is not None else where)
        cols["text"].append(text)
        for f in opts.keep_fields:
            cols[f].append(kept.get(f))
        cols["meta"].append(meta)
        cols["source"].append(where)
        cols[STAGE].append(READ_STAGE if bad else None)
        cols[REASON].append(bad[0] if bad else None)
        cols[DETAIL].append(bad[1] if bad else None)

    def __len__(self) -> int:
        return len(self.cols["id"])

    def flush(self) -> pa.Table:
        try:
            table = pa.Table.from_pydict(self.cols, schema=self.schema)
        except (UnicodeEncodeError, pa.ArrowInvalid):
            fixed = {k: [_fix_surrogates(v) if isinstance(v, str) else v for v in vs] for k, vs in self.cols.items()}
            table = pa.Table.from_pydict(fixed, schema=self.schema)
        self.cols = {name: [] for name in self.schema.names}
        return table


def _decode(raw: bytes, opts: ReadOptions, counters: Counter) -> tuple[str, bool]:
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        counters["invalid_utf8"] += 1
        return raw.decode("utf-8", "replace"), opts.invalid_utf8 == "replace"


def _jsonl_records(path: str, opts: ReadOptions, batcher: _Batcher) -> Iterator[pa.Table]:
    with _open_binary(path) as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            line, ok = _decode(raw, opts, batcher.counters)
            if not ok:
                batcher.add(None, lineno, ("invalid_utf8", f"{batcher.source}:{lineno}: invalid UTF-8 bytes"))
            else:
                try:
                    batcher.add(json.loads(line), lineno)
                except json.JSONDecodeError as exc:
                    batcher.add(None, lineno, ("malformed", f"{batcher.source}:{lineno}: {exc.msg} at column {exc.colno}"))
            if len(batcher) >= opts.batch_rows:
                yield batcher.flush()


def _json_array_records(path: str, opts: ReadOptions, batcher: _Batcher) -> Iterator[pa.Table]:
    with _open_binary(path) as fh:
        text, _ = _decode(fh.read(), opts, batcher.counters)
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        if opts.strict:
            raise InputError(f"{batcher.source}: not valid JSON: {exc}") from exc
        batcher.add(None, exc.lineno, ("malformed", f"{batcher.source}:{exc.lineno}: {exc.msg} (whole file)"))
        yield batcher.flush()
        return
    if isinstance(records, dict):  # a single object, or {"data": [...]}
        records = next((v for v in records.values() if isinstance(v, list)), [records])
    for index, record in enumerate(records, start=1):
        batcher.add(record, index)
        if len(batcher) >= opts.batch_rows:
            yield batcher.flush()


def _parquet_records(path: str, opts: ReadOptions, batcher: _Batcher) -> Iterator[pa.Table]:
    row = 0
    for rb in pq.ParquetFile(path).iter_batches(batch_size=opts.batch_rows):
        for record in rb.to_pylist():
            row += 1
            batcher.add(record, row)
        yield batcher.flush()


def read_file(path: str, opts: ReadOptions, source: str | None = None, counters: Counter | None = None) -> Iterator[pa.Table]:
    """Yield Arrow tables for one file; ``counters`` receives rows read and problems seen."""
    counters = counters if counters is not None else Counter()
    batcher = _Batcher(opts, source or os.path.basename(path), counters)
    fmt = detect_format(path) if opts.format == "auto" else opts.format
    reader = {"jsonl": _jsonl_records, "json": _json_array_records, "parquet": _parquet_records}[fmt]
    for table in reader(path, opts, batcher):
        counters["rows"] += table.num_rows
        yield table
    if len(batcher):
        table = batcher.flush()
        counters["rows"] += table.num_rows
        yield table


def peek_columns(path: str, opts: ReadOptions) -> list[str]:
    """Column names the reader produces (fixed by the options, not by the data)."""
    return _schema(opts.keep_fields).names
