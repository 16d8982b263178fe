"""JSONL and JSON-array files into reader rows, past byte-order marks, oversized lines and damage."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from sluiceway.io.open import DAMAGE, DamagedFile, error_message, open_binary
from sluiceway.io.records import Batcher, decode, parse

_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8"))


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


def _add_line(raw: bytes | str, lineno: int, batcher: Batcher) -> None:
    line, ok = decode(raw, batcher.opts, batcher.counters)
    if not ok:
        batcher.add(None, lineno, ("invalid_utf8", f"{batcher.source}:{lineno}: invalid UTF-8 bytes"))
        return
    try:
        batcher.add(parse(line), lineno)
    except json.JSONDecodeError as exc:
        batcher.add(None, lineno, ("malformed", f"{batcher.source}:{lineno}: {exc.msg} at column {exc.colno}"))
    except RecursionError:
        batcher.add(None, lineno, ("malformed", f"{batcher.source}:{lineno}: nested too deeply"))


def jsonl_tables(path: str, opts: Any, batcher: Batcher) -> Iterator[pa.Table]:
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
                raise DamagedFile(f"line {tail[1]} is cut off: {error_message(exc)}") from exc
            raise
    if tail is not None:
        _add_line(*tail, batcher)


def json_array_tables(path: str, opts: Any, batcher: Batcher) -> Iterator[pa.Table]:
    """A JSON array (or an object holding one) parsed element by element, so records before a syntax error
    or before the damage of a truncated file are kept."""
    damage: BaseException | None = None
    with _text_stream(open_binary(path, batcher.counters), batcher.counters) as fh:
        chunks: list[Any] = []
        try:
            read = getattr(fh, "read1", fh.read)  # read1: a failing call loses at most one decoder step
            while chunk := read(1 << 16):
                chunks.append(chunk)
        except DAMAGE as exc:  # parse what was decoded, then report the damage
            damage = exc
    text, ok = decode(chunks[0][:0].join(chunks) if chunks else b"", opts, batcher.counters)
    del chunks
    yield from _json_text_records(text, ok, opts, batcher, damage)
    if damage is not None:
        raise damage


def _json_text_records(text: str, ok: bool, opts: Any, batcher: Batcher,
                       damage: BaseException | None) -> Iterator[pa.Table]:
    start = len(text) - len(text.lstrip())
    if start == len(text):
        batcher.counters["empty_files"] += 1
        return
    if not ok:
        batcher.add(None, 1, ("invalid_utf8", f"{batcher.source}: invalid UTF-8 bytes (whole file)"))
        return
    if text[start] != "[":
        try:
            doc = parse(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            if isinstance(exc, json.JSONDecodeError) and exc.msg == "Extra data" and text[start] == "{":
                batcher.counters["json_lines_in_json"] += 1  # a .json file holding JSON Lines: read as such
                yield from _json_lines(text, opts, batcher)
                return
            if damage is not None:
                return
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
            if damage is not None:
                break  # the record the damage cut off: it is part of the damaged_file row
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
        if pos < len(text) and text[pos] == "]" or pos == len(text) and damage is not None:
            break
        batcher.add(None, index + 1, ("malformed", f"{batcher.source}:{index + 1}: expected ',' or ']' after "
                                                   f"record {index}; the rest of the file from here is this one row"))
        break


def _json_lines(text: str, opts: Any, batcher: Batcher) -> Iterator[pa.Table]:
    for lineno, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            _add_line(line, lineno, batcher)
            if len(batcher) >= opts.batch_rows:
                yield batcher.flush()


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos
