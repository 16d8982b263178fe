"""Build report.json from what is on disk (the verified scan of the written shards), the writer's
counts (cross-checked against it) and the workers' timings; print a summary."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sluiceway.io.keys import HASH_NAME
from sluiceway.stages.base import DatasetStage, ModelStage, Stage

if TYPE_CHECKING:
    from sluiceway.pipelines.verify import Verification


class AccountingError(RuntimeError):
    """The written files do not hold every input row exactly once."""


def _kind(stage: Stage) -> str:
    if isinstance(stage, DatasetStage):
        return "dataset"
    return "model" if isinstance(stage, ModelStage) else "batch"


def build_report(stages: list[Stage], summary: list[dict], snapshot: dict, wall_seconds: float,
                 dataset_seconds: dict[str, float], sections: dict[str, dict[str, Any]],
                 verification: Verification | None = None) -> dict:
    """``summary`` rows are the writer's (stage, reason, rows); ``snapshot`` is the stats actor's;
    ``sections`` are the stages' own report sections (nested under each entry as ``"report"``);
    ``verification`` is the scan of the written files: when given, every row figure comes from it."""
    top: dict[str, Any] = {}  # only report_extra writes top-level keys
    removed: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sums: dict[str, int | float] = defaultdict(int)
    kept = 0
    for row in summary:
        if row["stage"] == "":
            kept += row["rows"]
        elif row["stage"] == "__sum__":
            sums[row["reason"]] += row["rows"]
        else:
            removed[row["stage"]][row["reason"]] += row["rows"]
    rejected = sum(sum(r.values()) for r in removed.values())
    written = {"kept": kept, "rejected": rejected}
    if verification is not None:
        scan = verification.scan
        if (kept, rejected) != (scan.kept, scan.rejected):
            verification.problems.append(f"the writer committed kept {kept} + rejected {rejected}, the files hold "
                                         f"kept {scan.kept} + rejected {scan.rejected}")
            verification.ok = False
        kept, rejected = scan.kept, scan.rejected
        removed = defaultdict(lambda: defaultdict(int), {k: defaultdict(int, v) for k, v in scan.removed.items()})
    files = snapshot.get("files", {})
    input_rows = sum(c.get("rows", 0) for c in files.values())
    read_problems: dict[str, int] = defaultdict(int)
    for counters in files.values():
        for key, value in counters.items():
            if key != "rows":
                read_problems[key] += value

    rows_in = input_rows
    stage_reports = [{"name": "read", "kind": "read", "rows_in": input_rows,
                      "rows_out": input_rows - sum(removed.get("read", {}).values()),
                      "removed": dict(removed.get("read", {})), "seconds": round(snapshot["seconds"].get("read", 0.0), 3),
                      "counters": dict(read_problems)}]
    rows_in -= sum(removed.get("read", {}).values())
    for stage in stages:
        gone = dict(removed.get(stage.name, {}))
        seconds = snapshot["seconds"].get(stage.name, 0.0) + dataset_seconds.get(stage.name, 0.0)
        entry = {"name": stage.name, "kind": _kind(stage), "rows_in": rows_in, "rows_out": rows_in - sum(gone.values()),
                 "removed": gone, "seconds": round(seconds, 3),
                 "docs_per_s": round(rows_in / seconds, 1) if seconds > 0 else None,
                 "counters": snapshot["counters"].get(stage.name, {})}
        for column in stage.report_sums:
            entry.setdefault("sums", {})[column] = sums.get(column, 0)
        if sections.get(stage.name):
            entry["report"] = sections[stage.name]
        stage_reports.append(entry)
        top.update(stage.report_extra(entry))
        rows_in = entry["rows_out"]
    accounted = input_rows == kept + rejected if verification is None else verification.ok
    report = {"rows": {"input": input_rows, "kept": kept, "rejected": rejected, "accounted": accounted},
              "wall_seconds": round(wall_seconds, 3), "stages": stage_reports}
    if verification is not None:
        scan = verification.scan
        report["accounting"] = {"verified_from": "written files", "hash": HASH_NAME,
                                "manifest": verification.manifest, "written": written,
                                "shards": scan.shards, "problems": verification.problems}
        report["duplicate_ids"] = dict(scan.duplicate_ids)
    report.update(top)
    return report


def stage_section(report: dict, name: str) -> dict:
    """The report section of the last stage entry called ``name`` (``{}`` if none)."""
    entries = [s for s in report.get("stages", []) if s.get("name") == name]
    return entries[-1].get("report", {}) if entries else {}


def format_summary(report: dict) -> str:
    lines = [f"{'stage':<22}{'in':>10}{'out':>10}{'removed':>10}{'seconds':>10}{'docs/s':>11}  top reasons"]
    for s in report["stages"]:
        gone = sum(s["removed"].values())
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(s["removed"].items(), key=lambda kv: -kv[1])[:3])
        rate = f"{s['docs_per_s']:.0f}" if s.get("docs_per_s") else "-"
        lines.append(f"{s['name']:<22}{s['rows_in']:>10}{s['rows_out']:>10}{gone:>10}{s['seconds']:>10.2f}{rate:>11}  {reasons}")
    r = report["rows"]
    how = " (verified from the written files)" if "accounting" in report else ""
    lines.append(f"input {r['input']} = kept {r['kept']} + rejected {r['rejected']}: "
                 f"{'OK' if r['accounted'] else 'MISMATCH'}{how}; wall {report['wall_seconds']:.1f} s")
    dup = report.get("duplicate_ids", {})
    if dup.get("ids"):
        lines.append(f"duplicate ids: {dup['ids']} ids are shared by {dup['rows']} rows (rows are keyed by source, "
                     "so none is lost; --strict refuses them)")
    for problem in report.get("accounting", {}).get("problems", [])[:20]:
        lines.append(f"  problem: {problem}")
    return "\n".join(lines)
