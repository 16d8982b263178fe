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
import io
import json
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from sluiceway.io import fields
from sluiceway.io.open import DAMAGE, DamagedFile, open_binary
from sluiceway.io.parquet import parquet_tables
from sluiceway.io.rows import (
    READ_STAGE,
    RESERVED_COLUMNS,
    STRICT_REASONS,
    InputError,
    row_schema,
    strict_error,
)
from sluiceway.io.values import dumps, id_string
from sluiceway.stages.base import DETAIL, REASON, STAGE

__all__ = ["InputError", "ReadOptions", "READ_STAGE", "STRICT_REASONS", "expand_inputs", "read_file"]

FORMATS = ("auto", "jsonl", "json", "parquet")
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8"))


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


@dataclasses.dataclass
class ReadOptions:
    text_field: str = "text"  # a dotted path (metadata.text) reaches into objects / struct columns
    id_field: str = "id"
    format: str = "auto"  # auto | jsonl | json | parquet
    keep_fields: tuple[str, ...] = ()  # lifted into string columns; all other fields go to `meta`
    max_doc_bytes: int = 4_000_000
    invalid_utf8: str = "replace"  # replace (counted) | reject
    strict: bool = False
    batch_rows: int = 2000

    def __post_init__(self) -> None:
        for name in ("text_field", "id_field"):
            value = getattr(self, name)
            _check(isinstance(value, str) and value != "", f"{name} must be a non-empty string, not {value!r}")
        _check(self.format in FORMATS, f"input format {self.format!r} is not one of {', '.join(FORMATS)}")
        _check(self.invalid_utf8 in ("replace", "reject"),
               f"invalid_utf8 must be 'replace' or 'reject', not {self.invalid_utf8!r}")
        _check(not isinstance(self.keep_fields, str),
               f"keep_fields must be a list of field names, not the string {self.keep_fields!r} "
               f"(write keep_fields: [{self.keep_fields}])")
        _check(isinstance(self.keep_fields, (list, tuple)), f"keep_fields must be a list, not {self.keep_fields!r}")
        self.keep_fields = tuple(self.keep_fields)
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


def _fix_surrogates(s: str) -> str:
    return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class _Batcher:
    """Collects rows as column lists and emits Arrow tables of ``batch_rows`` rows; ``last`` is the number of
    the last record added (for damage reports)."""

    def __init__(self, opts: ReadOptions, source: str, counters: Counter):
        self.opts, self.source, self.counters = opts, source, counters
        self.schema = row_schema(opts.keep_fields)
        self.cols: dict[str, list] = {name: [] for name in self.schema.names}
        self.last = 0

    def add(self, record: Any, line: int, bad: tuple[str, str] | None = None) -> None:
        opts, cols = self.opts, self.cols
        self.last = line
        where = f"{self.source}:{line}"
        text = meta = rid = None
        kept: dict[str, str | None] = {}
        if bad is None and not isinstance(record, dict):
            bad = ("malformed", f"{where}: record is {type(record).__name__}, not an object")
        if bad is None:
            rid, id_keys = fields.find(record, opts.id_field)
            rid = None if rid is fields.MISSING else rid
            text, text_keys = fields.find(record, opts.text_field)
            if not text_keys:
                bad, text = ("missing_text", f"{where}: no field {opts.text_field!r}"), None
            elif not isinstance(text, str):
                kind = "null" if text is None else type(text).__name__
                bad, text = ("non_string_text", f"{where}: {opts.text_field!r} is {kind}"), None
            elif not text.strip():
                bad = ("empty_text", where)
            elif len(text) > opts.max_doc_bytes // 4 and len(text.encode("utf-8", "surrogatepass")) > opts.max_doc_bytes:
                bad = ("too_large", f"{where}: more than {opts.max_doc_bytes} bytes")
            chains = [text_keys, id_keys]
            for f in opts.keep_fields:
                v, keys = fields.find(record, f)
                chains.append(keys)
                kept[f] = None if v is fields.MISSING or v is None else v if isinstance(v, str) else dumps(v)
            rest = fields.without(record, chains)
            meta = dumps(rest) if rest else None
        if bad is not None:
            self.counters[f"rejected.{bad[0]}"] += 1
            if opts.strict and bad[0] in STRICT_REASONS:
                raise strict_error(*bad)
        cols["id"].append(id_string(rid) if rid is not None else where)
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


def _decode(raw: bytes | str, opts: ReadOptions, counters: Counter) -> tuple[str, bool]:
    if isinstance(raw, str):
        return raw, True
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        counters["invalid_utf8"] += 1
        return raw.decode("utf-8", "replace"), opts.invalid_utf8 == "replace"


def _parse(text: str) -> Any:
    return json.loads(text, strict=False)


def _text_stream(fh: io.BufferedIOBase, counters: Counter) -> io.IOBase:
    """``fh`` past a byte-order mark; a UTF-16/32 file comes back as a text stream in its encoding."""
    head = fh.peek(4)[:4] if hasattr(fh, "peek") else b""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            fh.read(len(bom))
            if encoding == "utf-8":
                counters["utf8_bom"] += 1
                return fh
            counters[f"{encoding[:6].replace('-', '')}_files"] += 1
            return io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
    return fh


def _add_line(raw: bytes | str, lineno: int, batcher: _Batcher) -> None:
    line, ok = _decode(raw, batcher.opts, batcher.counters)
    if not ok:
        batcher.add(None, lineno, ("invalid_utf8", f"{batcher.source}:{lineno}: invalid UTF-8 bytes"))
        return
    try:
        batcher.add(_parse(line), lineno)
    except json.JSONDecodeError as exc:
        batcher.add(None, lineno, ("malformed", f"{batcher.source}:{lineno}: {exc.msg} at column {exc.colno}"))
    except RecursionError:
        batcher.add(None, lineno, ("malformed", f"{batcher.source}:{lineno}: nested too deeply"))


def _jsonl_records(path: str, opts: ReadOptions, batcher: _Batcher) -> Iterator[pa.Table]:
    limit = opts.max_line_bytes
    lineno = 0
    tail: tuple[bytes | str, int] | None = None  # a last line without newline: complete only at a clean end
    with _text_stream(open_binary(path, batcher.counters), batcher.counters) as fh:
        nl: Any = "\n" if isinstance(fh, io.TextIOBase) else b"\n"
        try:
            while True:
                raw = fh.readline(limit)
                if not raw:
                    break
                lineno += 1
                if len(raw) >= limit and not raw.endswith(nl):
                    size = len(raw)
                    while raw and not raw.endswith(nl):
                        raw = fh.readline(limit)
                        size += len(raw)
                    batcher.add(None, lineno, ("too_large", f"{batcher.source}:{lineno}: a line of {size} "
                                                            f"bytes (more than {limit}), not parsed"))
                elif not raw.strip():
                    continue
                elif not raw.endswith(nl):
                    tail = (raw, lineno)
                    continue
                else:
                    _add_line(raw, lineno, batcher)
                if len(batcher) >= opts.batch_rows:
                    yield batcher.flush()
        except DAMAGE as exc:
            if tail is not None:
                raise DamagedFile(f"line {tail[1]} is cut off: {_message(exc)}") from exc
            raise
    if tail is not None:
        _add_line(*tail, batcher)


def _json_array_records(path: str, opts: ReadOptions, batcher: _Batcher) -> Iterator[pa.Table]:
    """A JSON array (or an object holding one) parsed element by element, so records before a syntax error
    or before the damage of a truncated file are kept."""
    with _text_stream(open_binary(path, batcher.counters), batcher.counters) as fh:
        data = fh.read()
    text, ok = _decode(data, opts, batcher.counters)
    del data
    start = len(text) - len(text.lstrip())
    if start == len(text):
        batcher.counters["empty_files"] += 1
        return
    if not ok:
        batcher.add(None, 1, ("invalid_utf8", f"{batcher.source}: invalid UTF-8 bytes (whole file)"))
        return
    if text[start] != "[":
        try:
            doc = _parse(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            msg = f"{exc.msg} at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            batcher.add(None, 1, ("malformed", f"{batcher.source}:1: not valid JSON: {msg} (whole file)"))
            return
        if not isinstance(doc, dict):
            batcher.add(None, 1, ("malformed", f"{batcher.source}:1: the file holds a JSON {type(doc).__name__}, "
                                               "not an array of records"))
            return
        records = next((v for v in doc.values() if isinstance(v, list)), [doc])  # {"data": [...]} or one record
        for index, record in enumerate(records, start=1):
            batcher.add(record, index)
            if len(batcher) >= opts.batch_rows:
                yield batcher.flush()
        return
    decoder = json.JSONDecoder(strict=False)
    pos, index = start + 1, 0
    while True:
        pos = _skip_ws(text, pos)
        if pos < len(text) and text[pos] == "]" and index == 0:
            break
        try:
            record, pos = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError) as exc:
            index += 1
            msg = f"{exc.msg} at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) \
                else "nested too deeply"
            batcher.add(None, index, ("malformed", f"{batcher.source}:{index}: {msg}; the rest of the file "
                                                   "from here is this one row"))
            break
        index += 1
        batcher.add(record, index)
        if len(batcher) >= opts.batch_rows:
            yield batcher.flush()
        pos = _skip_ws(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        if pos < len(text) and text[pos] == "]":
            break
        batcher.add(None, index + 1, ("malformed", f"{batcher.source}:{index + 1}: expected ',' or ']' after "
                                                   f"record {index}; the rest of the file from here is this one row"))
        break


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _message(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else 'no message'}"


def read_file(path: str, opts: ReadOptions, source: str | None = None, counters: Counter | None = None) -> Iterator[pa.Table]:
    """Yield Arrow tables for one file; ``counters`` receives rows read and problems seen."""
    counters = counters if counters is not None else Counter()
    source = source or os.path.basename(path)
    batcher = _Batcher(opts, source, counters)
    fmt = detect_format(path) if opts.format == "auto" else opts.format
    progress = [0]
    if fmt == "parquet":
        tables = parquet_tables(path, opts, source, counters, progress)
    else:
        tables = {"jsonl": _jsonl_records, "json": _json_array_records}[fmt](path, opts, batcher)
    unit = "line" if fmt == "jsonl" else "record"
    try:
        for table in tables:
            counters["rows"] += table.num_rows
            yield table
    except DAMAGE as exc:
        last = max(batcher.last, progress[0])
        counters["damaged_files"] += 1
        good = f"last good {unit} {last}" if last else f"no {unit} readable"
        detail = f"{source}: damaged file ({good}): {_message(exc)}"
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
