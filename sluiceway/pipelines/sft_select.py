"""``sluiceway select``: an SFT selection pipeline on instruction data, with the selection written back.

The pipeline reads the input in place as instruction records (``input: {records: instructions}``). A post-step
reads the written kept/ and rejected/ Parquet and adds ``selected.json`` or ``selected.jsonl`` (the selected
records unchanged, found in the input by their row key ``relpath:N``, in the input's container and order) and
``scores.parquet`` (one row per input record: every score, ``selected``, the reason if not). Its facts go into
report.json, which is written once.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
from collections import Counter
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sluiceway.io.instructions import layout_of
from sluiceway.io.raw import iter_records
from sluiceway.io.read import READ_STAGE, ReadOptions, detect_format, expand_inputs, source_names
from sluiceway.rows import STAGE
from sluiceway.sft.report import format_selection_report, selection_section

SFT_STAGE_MODULES = ("sluiceway.stages.iqs", "sluiceway.stages.nuggets", "sluiceway.stages.car_select")


def read_instructions(pipeline: Any) -> None:
    """SFT selection stages read instruction records (Alpaca/ShareGPT): the reader lifts them into columns."""
    if any(type(s).__module__ in SFT_STAGE_MODULES for s in pipeline.stages):
        pipeline.read_options = dataclasses.replace(pipeline.read_options, records="instructions")


def _read_dir(path: str) -> pa.Table | None:
    files = sorted(glob.glob(os.path.join(path, "*.parquet")))
    if not files:
        return None
    return pa.concat_tables([pq.read_table(f) for f in files], promote_options="permissive")


def selected_records(files: list[str], opts: ReadOptions, keys: set[str]) -> tuple[list[Any], Counter, str]:
    """The input records whose row keys are in ``keys``, in input order; the layouts of all records read; the
    input's container (``json`` when every file is a JSON array, else ``jsonl``)."""
    names = source_names(files)
    chosen: list[Any] = []
    layouts, counters = Counter(), Counter()
    for path in files:
        for count, (n, record) in enumerate(iter_records(path, opts, counters), start=1):
            if opts.limit is not None and count > opts.limit:
                break
            layouts[layout_of(record)] += 1
            if f"{names[path]}:{n}" in keys:
                chosen.append(record)
    arrays = all(detect_format(f) == "json" for f in files) and not counters["json_lines_in_json"]
    return chosen, layouts, "json" if arrays else "jsonl"


def write_selected(records: list[Any], output_dir: str, container: str) -> str:
    """``selected.json`` (a JSON array) or ``selected.jsonl``; returns the file written."""
    path = os.path.join(output_dir, "selected.json" if container == "json" else "selected.jsonl")
    with open(path, "w", encoding="utf-8") as fh:
        if container == "json":
            json.dump(records, fh, ensure_ascii=False, indent=2)
        else:
            fh.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    return path


def write_scores(kept: pa.Table | None, rejected: pa.Table | None, files: list[str], output: str) -> str | None:
    """``scores.parquet``: every row without ``text``/``meta``, with ``selected``, in input order."""
    parts = []
    for table, chosen in ((kept, True), (rejected, False)):
        if table is not None:
            table = table.append_column("selected", pa.array([chosen] * table.num_rows, pa.bool_()))
            parts.append(table.drop_columns([c for c in ("text", "meta") if c in table.column_names]))
    if not parts:
        return None
    scores = pa.concat_tables(parts, promote_options="permissive")
    order = {name: i for i, name in enumerate(source_names(files).values())}

    def key(source: str) -> tuple[int, int]:
        name, n = source.rsplit(":", 1)
        return order.get(name, len(order)), int(n)

    sources = scores.column("source").to_pylist()
    scores = scores.take(pa.array(sorted(range(scores.num_rows), key=lambda i: key(sources[i])), pa.int64()))
    path = os.path.join(output, "scores.parquet")
    pq.write_table(scores, path, compression="zstd")
    return path


def selection_outputs(output: str, files: list[str], opts: ReadOptions) -> dict[str, Any]:
    """The post-step: selected records and scores from the written output; the report entries it adds."""
    kept, rejected = _read_dir(os.path.join(output, "kept")), _read_dir(os.path.join(output, "rejected"))
    keys = set(kept.column("source").to_pylist()) if kept is not None else set()
    records, layouts, container = selected_records(files, opts, keys)
    usable = [name for name in layouts if name]
    unusable = 0 if rejected is None else sum(s == READ_STAGE for s in rejected.column(STAGE).to_pylist())
    facts: dict[str, Any] = {
        "sft_input": {"layout": usable[0] if len(usable) == 1 else "mixed" if usable else "alpaca",
                      "container": container, "records": sum(layouts.values()), "unusable": unusable},
        "selected_file": write_selected(records, output, container), "selected_rows": len(records)}
    scores = write_scores(kept, rejected, files, output)
    if scores:
        facts["scores_file"] = scores
    return facts


def run_select(config: Any, input: str | list[str], output: str, *, overwrite: bool = False,
               ray_address: str | None = None, num_cpus: int | None = None, strict: bool = False,
               limit: int | None = None, quiet: bool = False) -> dict:
    """Run the selection pipeline (a config path or a ``Pipeline``) on the instruction data, write the selection.

    ``limit`` selects from the first N records of each file only (a quick look)."""
    from sluiceway.pipelines.pipeline import Pipeline

    pipeline = Pipeline.from_config(config) if isinstance(config, str) else config
    pipeline.read_options = dataclasses.replace(pipeline.read_options, records="instructions", limit=limit)
    pipeline.output_format = "parquet"
    files = expand_inputs(input)
    opts = pipeline.read_options
    report = pipeline.run(files, output, overwrite=overwrite, ray_address=ray_address, num_cpus=num_cpus,
                          strict=strict or None, quiet=quiet,
                          post_step=lambda _report: selection_outputs(output, files, opts))
    if not quiet:
        if selection_section(report):
            print(format_selection_report(selection_section(report)))
        print(f"selected {report['selected_rows']} records -> {report['selected_file']}")
    return report
