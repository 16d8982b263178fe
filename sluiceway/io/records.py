"""Records (parsed JSON values) into reader rows: field lookup, rejection reasons, Arrow batches."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pyarrow as pa

from sluiceway.io import fields
from sluiceway.io.instructions import instruction_record
from sluiceway.io.rows import READ_STAGE, STRICT_REASONS, row_schema, strict_error
from sluiceway.io.values import dumps, id_string
from sluiceway.rows import DETAIL, REASON, STAGE


def _fix_surrogates(s: str) -> str:
    return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class Batcher:
    """Collects rows as column lists and emits Arrow tables of ``batch_rows`` rows; ``last`` is the number of
    the last record added (for damage reports)."""

    def __init__(self, opts: Any, source: str, counters: Counter):
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
        if bad is None and opts.records == "instructions":
            try:
                record = instruction_record(record, opts.text_field)
            except ValueError as exc:
                bad = ("malformed", f"{where}: {exc}")
                rid = fields.find(record, opts.id_field)[0]  # the user's id, so the rejected row can be found
                rid = None if rid is fields.MISSING else rid
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


def decode(raw: bytes | str, opts: Any, counters: Counter) -> tuple[str, bool]:
    if isinstance(raw, str):
        return raw, True
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        counters["invalid_utf8"] += 1
        return raw.decode("utf-8", "replace"), opts.invalid_utf8 == "replace"


def parse(text: str) -> Any:
    return json.loads(text, strict=False)
