"""The selection report: score histograms, cluster coverage, lengths and sources of pool vs selection."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np


def histogram(values: np.ndarray, bins: int = 10, lo: float | None = None, hi: float | None = None) -> dict:
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    if not len(values):
        return {"edges": [], "counts": []}
    lo = float(values.min()) if lo is None else lo
    hi = float(values.max()) if hi is None else hi
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi if hi > lo else lo + 1))
    return {"edges": [round(float(e), 4) for e in edges], "counts": [int(c) for c in counts]}


def _stats(values: Sequence[int]) -> dict:
    arr = np.asarray(values, dtype=np.float64)
    if not len(arr):
        return {}
    return {"mean": round(float(arr.mean()), 1), "p50": float(np.percentile(arr, 50)),
            "p90": float(np.percentile(arr, 90)), "max": float(arr.max())}


def selection_report(method: str, selected: np.ndarray, scores: dict[str, np.ndarray],
                     clusters: np.ndarray | None, prompt_chars: Sequence[int], output_chars: Sequence[int],
                     sources: Sequence[str], extra: dict | None = None) -> dict:
    """Summaries over the alive pool and the selected part of it."""
    selected = np.asarray(selected, dtype=bool)
    report: dict = {"method": method, "pool": int(len(selected)), "selected": int(selected.sum()),
                    "fraction": round(float(selected.mean()), 4) if len(selected) else 0.0, "scores": {}}
    for name, values in scores.items():
        values = np.asarray(values, dtype=np.float64)
        finite = values[~np.isnan(values)]
        lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        report["scores"][name] = {
            "pool": histogram(values, lo=lo, hi=hi), "selected": histogram(values[selected], lo=lo, hi=hi),
            "mean_pool": round(float(finite.mean()), 4) if len(finite) else None,
            "mean_selected": round(float(np.nanmean(values[selected])), 4) if selected.any() else None}
    if clusters is not None and len(clusters):
        report["clusters"] = {"pool": int(len(np.unique(clusters))),
                              "covered_by_selection": int(len(np.unique(clusters[selected])))}
    prompt_chars, output_chars = np.asarray(prompt_chars), np.asarray(output_chars)
    report["lengths"] = {"prompt_chars": {"pool": _stats(prompt_chars), "selected": _stats(prompt_chars[selected])},
                         "output_chars": {"pool": _stats(output_chars), "selected": _stats(output_chars[selected])}}
    src = np.asarray(sources, dtype=object)
    report["sources"] = {"pool": dict(Counter(src).most_common(20)),
                         "selected": dict(Counter(src[selected]).most_common(20))}
    report.update(extra or {})
    return report


def _bar(counts: list[int], width: int = 30) -> list[str]:
    top = max(counts) if counts else 0
    return ["#" * (round(width * c / top) if top else 0) for c in counts]


def format_selection_report(report: dict) -> str:
    lines = [f"SFT selection ({report['method']}): {report['selected']} of {report['pool']} "
             f"({100 * report['fraction']:.2f}%)"]
    for note in report.get("notes", []):
        lines.append(f"NOTE: {note}")
    for name, s in report.get("scores", {}).items():
        lines.append(f"{name}: mean pool {s['mean_pool']}, selected {s['mean_selected']}")
        edges, pool, sel = s["pool"]["edges"], s["pool"]["counts"], s["selected"]["counts"]
        for i, bar in enumerate(_bar(pool)):
            lines.append(f"  [{edges[i]:>8.3f}, {edges[i + 1]:>8.3f}) {pool[i]:>7} {sel[i]:>7}  {bar}")
    if "clusters" in report:
        c = report["clusters"]
        lines.append(f"clusters covered: {c['covered_by_selection']} of {c['pool']}")
    for key, s in report.get("lengths", {}).items():
        if s["pool"]:
            lines.append(f"{key}: median pool {s['pool']['p50']:.0f}, selected "
                         f"{s['selected'].get('p50', float('nan')):.0f}")
    sel = report.get("sources", {}).get("selected", {})
    if sel:
        lines.append("selected by source: " + ", ".join(f"{k}={v}" for k, v in list(sel.items())[:8]))
    return "\n".join(lines)


def selection_section(report: dict) -> dict:
    """The report section of the run's last SFT selection stage (``nuggets_score``, ``car_select``), or ``{}``."""
    for entry in reversed(report.get("stages", [])):
        if "method" in entry.get("report", {}):
            return entry["report"]
    return {}
