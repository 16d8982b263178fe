"""Instruction data in and out: Alpaca (``instruction``/``input``/``output``) and ShareGPT conversations.

Inputs are normalized into JSONL that the pipeline's reader understands (``id``, ``text``, ``instruction``,
``input``, ``output``; the original record rides along in ``meta``), so selection reuses the ordinary reader,
row accounting and writer. After the run the selected records are written back unchanged, in input order
and in the input's container (JSON array or JSONL).

ShareGPT (``conversations`` with ``from``/``value`` or ``messages`` with ``role``/``content``): the first user
turn is the instruction and the first assistant turn after it the output. A system prompt and any later
turns are not scored but are kept in the record and written back as they were; ``meta.sft.turns`` counts
the user and assistant turns.
"""

from __future__ import annotations

import dataclasses
import glob
import gzip
import json
import os
from collections.abc import Iterator
from typing import Any

from sluiceway.io.instructions import SFT_FIELDS, parse_record  # noqa: F401  (re-exported)
from sluiceway.sft.template import nuggets_example


@dataclasses.dataclass
class InputInfo:
    """What the inputs looked like, so the selection can be written back the same way."""

    files: list[str]
    container: str  # json | jsonl
    layout: str  # alpaca | sharegpt | mixed
    rows: int = 0
    invalid: int = 0


def _open(path: str, mode: str = "rt"):
    return gzip.open(path, mode, encoding="utf-8") if path.endswith(".gz") else open(path, mode, encoding="utf-8")


def iter_records(path: str) -> tuple[str, Iterator[Any]]:
    """``(container, records)``: a JSON array (or ``{"data": [...]}``) or one JSON object per line."""
    with _open(path) as fh:
        head = fh.read(4096).lstrip()
    if head.startswith("["):
        with _open(path) as fh:
            return "json", iter(json.load(fh))
    if head.startswith("{") and path.removesuffix(".gz").endswith(".json"):
        with _open(path) as fh:
            try:
                doc = json.load(fh)
            except json.JSONDecodeError:
                doc = None
        if isinstance(doc, dict):
            rows = next((v for v in doc.values() if isinstance(v, list)), [doc])
            return "json", iter(rows)
    return "jsonl", _jsonl(path)


def _jsonl(path: str) -> Iterator[Any]:
    with _open(path) as fh:
        for line in fh:
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    yield _Malformed(f"not valid JSON: {exc.msg}")


@dataclasses.dataclass
class _Malformed:
    error: str


def expand(patterns: str | list[str]) -> list[str]:
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)
    files: list[str] = []
    for pattern in patterns:
        if os.path.isdir(pattern):
            files += [p for p in glob.glob(os.path.join(pattern, "**", "*.json*"), recursive=True) if os.path.isfile(p)]
        else:
            files += [p for p in glob.glob(pattern) if os.path.isfile(p)]
    if not files:
        raise ValueError(f"no instruction data files match {patterns!r}")
    return sorted(set(files))


def normalize(patterns: str | list[str], work_dir: str, *, strict: bool = False,
              limit: int | None = None) -> tuple[list[str], InputInfo]:
    """Write one reader-ready JSONL per input file under ``work_dir``; unusable records get no ``text``
    (the reader rejects them as ``missing_text``) and carry the reason in ``meta.sft.error``.
    ``limit`` reads only the first N records over all files (a quick look at a large set)."""
    files = expand(patterns)
    os.makedirs(work_dir, exist_ok=True)
    containers, layouts, out_files = set(), set(), []
    info = InputInfo(files=files, container="json", layout="alpaca")
    used: set[str] = set()
    for n, path in enumerate(files):
        container, records = iter_records(path)
        containers.add(container)
        name = os.path.basename(path)
        if name in used:
            name = f"{n}-{name}"
        used.add(name)
        out = os.path.join(work_dir, name)
        with open(out, "w", encoding="utf-8") as fh:
            for index, record in enumerate(records):
                if limit is not None and info.rows >= limit:
                    break
                row, layout = _normalized_row(record, path, index, container, strict)
                if layout:
                    layouts.add(layout)
                else:
                    info.invalid += 1
                info.rows += 1
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        out_files.append(out)
    info.container = "json" if containers == {"json"} else "jsonl"
    info.layout = layouts.pop() if len(layouts) == 1 else ("mixed" if layouts else "alpaca")
    return out_files, info


def _normalized_row(record: Any, path: str, index: int, container: str, strict: bool) -> tuple[dict, str | None]:
    sft: dict[str, Any] = {"file": os.path.abspath(path), "index": index, "container": container}
    try:
        if isinstance(record, _Malformed):
            raise ValueError(record.error)
        layout, fields, turns = parse_record(record)
    except ValueError as exc:
        if strict:
            raise ValueError(f"{path} record {index + 1}: {exc}") from exc
        sft.update(error=str(exc), record=None if isinstance(record, _Malformed) else record)
        return {"id": _record_id(record, path, index), "sft": sft}, None
    sft.update(layout=layout, turns=turns, record=record)
    prompt, answer = nuggets_example(fields["instruction"], fields["input"], fields["output"])
    row = {"id": _record_id(record, path, index),
           "text": prompt + answer, **fields, "sft": sft}
    return row, layout


def _record_id(record: Any, path: str, index: int) -> str:
    rid = record.get("id") if isinstance(record, dict) else None
    return str(rid) if isinstance(rid, str | int) else f"{os.path.basename(path)}:{index + 1}"


def record_source(meta: str | None, fallback: str | None) -> str:
    """Where a row came from, for the report: a ``source``/``dataset`` field of the record, else its file."""
    if meta:
        sft = json.loads(meta).get("sft", {})
        record = sft.get("record") or {}
        for key in ("source", "dataset", "category"):
            if isinstance(record, dict) and isinstance(record.get(key), str):
                return record[key]
        if sft.get("file"):
            return os.path.basename(sft["file"])
    return (fallback or "").rsplit(":", 1)[0]


def write_selected(metas: list[str | None], output_dir: str, container: str) -> str:
    """Write the original records of the selected rows in input order; returns the file written."""
    items = []
    for meta in metas:
        sft = json.loads(meta or "{}").get("sft", {})
        if sft.get("record") is not None:
            items.append(((sft.get("file", ""), sft.get("index", 0)), sft["record"]))
    items.sort(key=lambda kv: kv[0])
    records = [r for _, r in items]
    os.makedirs(output_dir, exist_ok=True)
    if container == "json":
        path = os.path.join(output_dir, "selected.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(records, fh, ensure_ascii=False, indent=2)
    else:
        path = os.path.join(output_dir, "selected.jsonl")
        with open(path, "w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
