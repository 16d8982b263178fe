"""``sluiceway select``: run an SFT selection pipeline on instruction data and write the selection back.

Output folder: ``kept/`` and ``rejected/`` (Parquet, every column, from the ordinary pipeline writer),
``scores.parquet`` (one row per input record with every score, ``selected`` and the reason if not),
``selected.json`` or ``selected.jsonl`` (the selected records unchanged, in the input's container and
order) and ``report.json`` (the selection report under the selection stage's entry, as ``report``).
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import tempfile
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sluiceway.sft.io import SFT_FIELDS, normalize, write_selected
from sluiceway.sft.report import format_selection_report, selection_section

SFT_STAGE_MODULES = ("sluiceway.stages.iqs", "sluiceway.stages.nuggets", "sluiceway.stages.car_select")


def sft_read_options(base: Any) -> Any:
    """The reader settings for normalized instruction data (keeps the config's size limits)."""
    return dataclasses.replace(base, format="jsonl", text_field="text", id_field="id", keep_fields=SFT_FIELDS,
                               strict=False)


def _read_dir(path: str) -> pa.Table | None:
    files = sorted(glob.glob(os.path.join(path, "*.parquet")))
    if not files:
        return None
    return pa.concat_tables([pq.read_table(f) for f in files], promote_options="permissive")


def _order_key(meta: str | None) -> tuple[str, int]:
    sft = json.loads(meta or "{}").get("sft", {})
    return sft.get("file", ""), int(sft.get("index", 0))


def write_outputs(output: str, container: str) -> dict[str, Any]:
    """``selected.json[l]`` and ``scores.parquet`` from the pipeline's kept/ and rejected/ Parquet."""
    kept, rejected = _read_dir(os.path.join(output, "kept")), _read_dir(os.path.join(output, "rejected"))
    metas = kept.column("meta").to_pylist() if kept is not None else []
    selected_path = write_selected(metas, output, container)
    parts = []
    for table, chosen in ((kept, True), (rejected, False)):
        if table is None:
            continue
        table = table.append_column("selected", pa.array([chosen] * table.num_rows, pa.bool_()))
        parts.append(table.drop_columns([c for c in ("text",) if c in table.column_names]))
    if not parts:
        return {"selected_file": selected_path, "selected_rows": 0}
    scores = pa.concat_tables(parts, promote_options="permissive")
    order = sorted(range(scores.num_rows), key=lambda i: _order_key(scores.column("meta")[i].as_py()))
    scores = scores.take(pa.array(order, pa.int64())).drop_columns(["meta"])
    scores_path = os.path.join(output, "scores.parquet")
    pq.write_table(scores, scores_path, compression="zstd")
    return {"selected_file": selected_path, "selected_rows": len(metas), "scores_file": scores_path}


def run_select(config: Any, input: str | list[str], output: str, *, overwrite: bool = False,
               ray_address: str | None = None, num_cpus: int | None = None, strict: bool = False,
               work_dir: str | None = None, limit: int | None = None, quiet: bool = False) -> dict:
    """Normalize the instruction data, run the pipeline (a config path or a ``Pipeline``), write the selection.

    ``work_dir`` holds the normalized copy of the input while the pipeline runs; on a multi-node Ray
    cluster it must be on storage every node can read. ``limit`` selects from the first N records only.
    """
    import importlib

    from sluiceway.pipelines.pipeline import Pipeline

    for module in SFT_STAGE_MODULES:  # registered even before the registry lists them
        importlib.import_module(module)
    pipeline = Pipeline.from_config(config) if isinstance(config, str) else config
    pipeline.read_options = sft_read_options(pipeline.read_options)
    pipeline.output_format = "parquet"
    if work_dir:
        os.makedirs(work_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sluiceway-sft-", dir=work_dir) as tmp:
        files, info = normalize(input, tmp, strict=strict, limit=limit)
        report = pipeline.run(files, output, overwrite=overwrite, ray_address=ray_address, num_cpus=num_cpus,
                              quiet=quiet)
    report["input"] = info.files
    report["sft_input"] = {"layout": info.layout, "container": info.container, "records": info.rows,
                           "unusable": info.invalid}
    report.update(write_outputs(output, info.container))
    with open(os.path.join(output, "report.json"), "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=2, ensure_ascii=False)
    if not quiet:
        if selection_section(report):
            print(format_selection_report(selection_section(report)))
        print(f"selected {report['selected_rows']} records -> {report['selected_file']}")
    return report
