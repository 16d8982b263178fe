"""Read JSONL (plain, .gz, .zst), JSON arrays (Alpaca style) and Parquet into Arrow batches.

Every physical record becomes exactly one row. Records that cannot be used (malformed JSON, a
missing or non-string text field, empty or oversized text) become rows already rejected by the
``read`` stage, with the file and line in ``detail``; ``strict`` turns them into an error instead.

A damaged file (truncated or corrupt gzip/zstd, a broken Parquet footer or row group, a compressed name on
other bytes, a file that cannot be opened) keeps the rows decoded before the damage and adds ONE row rejected
as ``damaged_file``: its ``source`` is the next line (record) number and its detail names the file, the last
good line (record) and the decoder's message. ``counters["damaged_files"]`` counts such files.

Text encodings: a UTF-8 byte-order mark is dropped; a UTF-16 or UTF-32 mark decodes the file in that encoding
(``counters["utf16_files"]``/``utf32_files``); other bytes that are not UTF-8 (Windows-1252, Latin-1) are
replaced by U+FFFD and counted as ``invalid_utf8`` (or rejected, with ``invalid_utf8: reject``). JSON is parsed
leniently about raw control characters (a tab or NUL inside a string is kept); lone surrogate escapes
(``\\ud800``) become U+FFFD. A JSONL line longer than ``4 * max_doc_bytes + 1 MiB`` is rejected as
``too_large`` without being parsed or held whole in memory.
"""

from __future__ import annotations

import dataclasses
import glob
import os
from collections import Counter
from collections.abc import Iterator

import pyarrow as pa

from sluiceway.io.instructions import SFT_FIELDS
from sluiceway.io.jsontext import json_array_tables, jsonl_tables
from sluiceway.io.open import DAMAGE, error_message
from sluiceway.io.parquet import parquet_tables
from sluiceway.io.records import Batcher
from sluiceway.io.rows import (
    READ_STAGE,
    RESERVED_COLUMNS,
    STRICT_REASONS,
    InputError,
    row_schema,
)

__all__ = ["InputError", "ReadOptions", "READ_STAGE", "STRICT_REASONS", "expand_inputs", "read_file"]

FORMATS = ("auto", "jsonl", "json", "parquet")
RECORDS = ("documents", "instructions")


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


@dataclasses.dataclass
class ReadOptions:
    text_field: str = "text"  # a dotted path (metadata.text) reaches into objects / struct columns
    id_field: str = "id"
    format: str = "auto"  # auto | jsonl | json | parquet
    records: str = "documents"  # documents | instructions (Alpaca/ShareGPT -> instruction, input, output columns)
    keep_fields: tuple[str, ...] = ()  # lifted into string columns; all other fields go to `meta`
    max_doc_bytes: int = 4_000_000
    invalid_utf8: str = "replace"  # replace (counted) | reject
    strict: bool = False
    batch_rows: int = 2000
    limit: int | None = None  # read only the first N records of each file (a quick look)

    def __post_init__(self) -> None:
        for name in ("text_field", "id_field"):
            value = getattr(self, name)
            _check(isinstance(value, str) and value != "", f"{name} must be a non-empty string, not {value!r}")
        _check(self.format in FORMATS, f"input format {self.format!r} is not one of {', '.join(FORMATS)}")
        _check(self.records in RECORDS, f"records {self.records!r} is not one of {', '.join(RECORDS)}")
        _check(self.invalid_utf8 in ("replace", "reject"),
               f"invalid_utf8 must be 'replace' or 'reject', not {self.invalid_utf8!r}")
        _check(not isinstance(self.keep_fields, str),
               f"keep_fields must be a list of field names, not the string {self.keep_fields!r} "
               f"(write keep_fields: [{self.keep_fields}])")
        _check(isinstance(self.keep_fields, (list, tuple)), f"keep_fields must be a list, not {self.keep_fields!r}")
        self.keep_fields = tuple(self.keep_fields)
        if self.records == "instructions":  # their columns come first
            self.keep_fields = SFT_FIELDS + tuple(f for f in self.keep_fields if f not in SFT_FIELDS)
        for f in self.keep_fields:
            _check(isinstance(f, str) and f != "", f"keep_fields entries must be non-empty strings, not {f!r}")
            _check(f not in RESERVED_COLUMNS, f"keep_fields entry {f!r} collides with the reserved column {f!r} "
                                              f"(reserved: {', '.join(RESERVED_COLUMNS)})")
            _check(f not in (self.text_field, self.id_field), f"keep_fields entry {f!r} is already read as "
                                                              "text_field or id_field")
        _check(len(set(self.keep_fields)) == len(self.keep_fields), f"keep_fields repeats a name: {self.keep_fields}")
        for name in ("max_doc_bytes", "batch_rows"):
            value = getattr(self, name)
            _check(isinstance(value, int) and not isinstance(value, bool) and value >= 1,
                   f"{name} must be a positive integer, not {value!r}")
        _check(isinstance(self.strict, bool), f"strict must be true or false, not {self.strict!r}")
        _check(self.limit is None or isinstance(self.limit, int) and not isinstance(self.limit, bool)
               and self.limit >= 1, f"limit must be a positive integer, not {self.limit!r}")

    @property
    def max_line_bytes(self) -> int:
        """JSONL lines beyond this are too large without parsing: room for JSON escapes and other fields."""
        return 4 * self.max_doc_bytes + (1 << 20)


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


def read_file(path: str, opts: ReadOptions, source: str | None = None, counters: Counter | None = None) -> Iterator[pa.Table]:
    """Yield Arrow tables for one file; ``counters`` receives rows read and problems seen."""
    counters = counters if counters is not None else Counter()
    if opts.limit is None:
        yield from _read_file(path, opts, source, counters)
        return
    left = opts.limit  # batches of at most `limit` rows: records past it are neither parsed nor counted
    for table in _read_file(path, dataclasses.replace(opts, batch_rows=min(opts.batch_rows, left)), source,
                            counters):
        counters["rows"] -= max(0, table.num_rows - left)  # rows past the limit were not read for the run
        yield table.slice(0, left)
        left -= min(left, table.num_rows)
        if not left:
            return


def _read_file(path: str, opts: ReadOptions, source: str | None, counters: Counter) -> Iterator[pa.Table]:
    source = source or os.path.basename(path)
    batcher = Batcher(opts, source, counters)
    fmt = detect_format(path) if opts.format == "auto" else opts.format
    progress = [0]
    if fmt == "parquet" and opts.records == "instructions":
        raise InputError(f"{path}: instruction records are read from JSON or JSONL files, not Parquet")
    if fmt == "parquet":
        tables = parquet_tables(path, opts, source, counters, progress)
    else:
        tables = {"jsonl": jsonl_tables, "json": json_array_tables}[fmt](path, opts, batcher)
    unit = "line" if fmt == "jsonl" else "record"
    try:
        for table in tables:
            counters["rows"] += table.num_rows
            yield table
    except DAMAGE as exc:
        last = max(batcher.last, progress[0])
        counters["damaged_files"] += 1
        good = f"last good {unit} {last}" if last else f"no {unit} readable"
        detail = f"{source}: damaged file ({good}): {error_message(exc)}"
        if opts.strict:
            raise InputError(f"{detail}; rerun without --strict to keep the rows before the damage") from None
        if len(batcher):  # rows decoded before the damage, then the damage as one more row
            table = batcher.flush()
            counters["rows"] += table.num_rows
            yield table
        batcher.add(None, last + 1, ("damaged_file", detail))
    if len(batcher):
        table = batcher.flush()
        counters["rows"] += table.num_rows
        yield table


def peek_columns(path: str, opts: ReadOptions) -> list[str]:
    """Column names the reader produces (fixed by the options, not by the data)."""
    return row_schema(opts.keep_fields).names
