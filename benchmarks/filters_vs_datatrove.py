"""Throughput and decision agreement: sluiceway's cleaning + heuristic filters vs DataTrove 0.10.1.

Run from the repository root with the benchmark venv, which has ``datatrove==0.10.1`` (needs spacy,
orjson, regex, ``xxhash<4``) and sluiceway installed (``pip install -e .``):

    .bench-venv/bin/python benchmarks/make_web_corpus.py --docs 50000
    .bench-venv/bin/python benchmarks/filters_vs_datatrove.py --docs 10000 --agree-docs 5000

Measured in one process, on the same documents:

1. one core (the process pinned to one CPU): sluiceway's batch stage functions through ``apply_stage``
   (cleaning + filters, and filters alone) vs DataTrove's GopherRepetition -> GopherQuality -> C4Quality
   -> FineWebQuality chain of ``run`` generators;
2. two cores: sluiceway's Ray ``Pipeline`` (``num_cpus=2``) vs DataTrove's ``LocalPipelineExecutor``
   with 2 workers, both reading the corpus cut into shards and writing their output;
3. agreement of kept/rejected decisions, per filter on the raw documents (no cleaning) and for the
   chain, with the disagreements grouped by the rules that fired.

The machine is shared: report same-run ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from typing import Any

import pyarrow as pa

from sluiceway.pipelines.execute import apply_stage
from sluiceway.stages.c4 import C4
from sluiceway.stages.clean import CleanControl, CleanWhitespace, Normalize, RemoveBoilerplate
from sluiceway.stages.fineweb import FineWebQuality
from sluiceway.stages.gopher import GopherQuality, GopherRepetition

FILTERS = ("gopher_repetition", "gopher_quality", "c4", "fineweb_quality")


def sw_filters() -> list:
    return [GopherRepetition(), GopherQuality(), C4(), FineWebQuality()]


def sw_cleaning() -> list:
    return [Normalize(), CleanControl(), RemoveBoilerplate(), CleanWhitespace()]


def dt_filters() -> list:
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    return [GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(), FineWebQualityFilter()]


def load(path: str, n: int) -> list[dict]:
    docs = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if len(docs) >= n:
                break
            docs.append(json.loads(line))
    return docs


def table(docs: list[dict]) -> pa.Table:
    n = len(docs)
    return pa.table({"id": [d["id"] for d in docs], "text": pa.array([d["text"] for d in docs], pa.large_string()),
                     "stage": pa.nulls(n, pa.string()), "reason": pa.nulls(n, pa.string()),
                     "detail": pa.nulls(n, pa.string())})


def run_sluiceway(docs: list[dict], stages: list, batch_rows: int = 1000) -> tuple[float, dict[str, float], pa.Table]:
    """All stages over batches of ``batch_rows``, as a Ray task would: seconds in all, per stage, output."""
    per_stage: Counter = Counter()
    outs = []
    start = time.perf_counter()
    for i in range(0, len(docs), batch_rows):
        t = table(docs[i:i + batch_rows])
        for stage in stages:
            s0 = time.perf_counter()
            t = apply_stage(stage, t, Counter())
            per_stage[stage.name] += time.perf_counter() - s0
        outs.append(t)
    return time.perf_counter() - start, dict(per_stage), pa.concat_tables(outs, promote_options="default")


def run_datatrove(docs: list[dict]) -> tuple[float, int]:
    """DataTrove's filters chained as its pipeline chains them (generators, first rejection drops)."""
    from datatrove.data import Document

    filters = dt_filters()
    start = time.perf_counter()
    stream: Any = (Document(text=d["text"], id=d["id"]) for d in docs)
    for f in filters:
        stream = f.run(stream)
    kept = sum(1 for _ in stream)
    return time.perf_counter() - start, kept


def dt_decisions(docs: list[dict]) -> tuple[dict[str, list], list]:
    """Per filter on the raw text, and for the chain: ``None`` (kept) or the reason."""
    from datatrove.data import Document

    per: dict[str, list] = {}
    for name, f in zip(FILTERS, dt_filters(), strict=True):
        per[name] = [_dt_reason(f.filter(Document(text=d["text"], id=d["id"]))) for d in docs]
    chain = []
    filters = dt_filters()
    for d in docs:
        doc, reason = Document(text=d["text"], id=d["id"]), None
        for name, f in zip(FILTERS, filters, strict=True):
            r = _dt_reason(f.filter(doc))
            if r is not None:
                reason = f"{name}:{r}"
                break
        chain.append(reason)
    return per, chain


def _dt_reason(result: Any) -> str | None:
    if result is True:
        return None
    return result[1] if isinstance(result, tuple) else "rejected"


def sw_decisions(docs: list[dict]) -> tuple[dict[str, list], list]:
    per = {}
    for stage in sw_filters():
        _, _, out = run_sluiceway(docs, [stage])
        per[stage.name] = _by_id(docs, out)
    _, _, out = run_sluiceway(docs, sw_filters())
    return per, _by_id(docs, out)


def _by_id(docs: list[dict], out: pa.Table) -> list:
    reasons = dict(zip(out.column("id").to_pylist(), out.column("reason").to_pylist(), strict=True))
    return [reasons[d["id"]] for d in docs]


def agreement(dt: list, sw: list) -> dict:
    n = len(dt)
    same = sum((a is None) == (b is None) for a, b in zip(dt, sw, strict=True))
    diffs = Counter((a, b) for a, b in zip(dt, sw, strict=True) if (a is None) != (b is None))
    return {"docs": n, "agree": same, "rate": same / n if n else 1.0,
            "dt_kept": sum(a is None for a in dt), "sw_kept": sum(b is None for b in sw),
            "top_differences": [(a, b, c) for (a, b), c in diffs.most_common(8)]}


def pipelines_2cores(docs: list[dict], shards: int, workdir: str) -> dict:
    """Sluiceway's Ray pipeline vs DataTrove's LocalPipelineExecutor, both on 2 CPUs, same shard files."""
    src = os.path.join(workdir, "input")
    os.makedirs(src)
    for k in range(shards):
        with gzip.open(os.path.join(src, f"part-{k:03d}.jsonl.gz"), "wt", encoding="utf-8") as f:
            for d in docs[k::shards]:
                f.write(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n")
    out: dict = {"docs": len(docs)}
    try:
        from sluiceway.pipelines.pipeline import Pipeline
    except ImportError:
        out["sluiceway"] = None
    else:  # cleaning + filters first (its wall time includes starting Ray), then the filters alone
        for key, stages in (("sluiceway", sw_cleaning() + sw_filters()), ("sluiceway_filters", sw_filters())):
            start = time.perf_counter()
            report = Pipeline(stages).run(os.path.join(src, "*.jsonl.gz"), os.path.join(workdir, key),
                                          overwrite=True, num_cpus=2, quiet=True)
            out[key] = {"wall_s": time.perf_counter() - start, "report_wall_s": report["wall_seconds"],
                        "kept": report["rows"].get("kept")}
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    executor = LocalPipelineExecutor(
        pipeline=[JsonlReader(src, glob_pattern="*.jsonl.gz"), *dt_filters(),
                  JsonlWriter(os.path.join(workdir, "dt_out"), compression=None)],
        tasks=shards, workers=2, logging_dir=os.path.join(workdir, "dt_logs"))
    start = time.perf_counter()
    executor.run()
    out["datatrove"] = {"wall_s": time.perf_counter() - start}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=os.path.join("bench_out", "web_corpus.jsonl.gz"))
    ap.add_argument("--docs", type=int, default=10_000, help="documents for the throughput runs")
    ap.add_argument("--agree-docs", type=int, default=5_000, help="documents for the agreement check")
    ap.add_argument("--repeats", type=int, default=2, help="alternating one-core runs of each side")
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--skip-one-core", action="store_true")
    ap.add_argument("--skip-agreement", action="store_true")
    ap.add_argument("--skip-pipelines", action="store_true")
    ap.add_argument("--json", default=os.path.join("bench_out", "filters_vs_datatrove.json"))
    args = ap.parse_args()

    docs = load(args.corpus, max(args.docs, args.agree_docs))
    bench, agree_docs = docs[:args.docs], docs[:args.agree_docs]
    result: dict = {"command": " ".join([os.path.basename(sys.executable), *sys.argv]), "cpus": os.cpu_count(),
                    "load_before": os.getloadavg(), "docs": len(bench),
                    "chars": sum(len(d["text"]) for d in bench)}

    # 1. one core
    if not args.skip_one_core:
        affinity = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(affinity)})
        pa.set_cpu_count(1)
        pa.set_io_thread_count(1)
        runs: dict[str, list[float]] = {"sluiceway_clean_filters": [], "sluiceway_filters": [], "datatrove_filters": []}
        per_stage: dict[str, float] = {}
        for _ in range(args.repeats):
            seconds, per_stage, _ = run_sluiceway(bench, sw_cleaning() + sw_filters())
            runs["sluiceway_clean_filters"].append(seconds)
            runs["sluiceway_filters"].append(run_sluiceway(bench, sw_filters())[0])
            runs["datatrove_filters"].append(run_datatrove(bench)[0])
            print({k: round(len(bench) / v[-1], 1) for k, v in runs.items()}, flush=True)
        result["one_core"] = {k: {"seconds": v, "docs_per_s": [len(bench) / s for s in v]} for k, v in runs.items()}
        dt_rates = [len(bench) / s for s in runs["datatrove_filters"]]
        for k in ("sluiceway_clean_filters", "sluiceway_filters"):
            ratios = [d / s for d, s in zip(runs["datatrove_filters"], runs[k], strict=True)]
            result["one_core"][k]["ratio_vs_datatrove"] = ratios
            result["one_core"][k]["ratio_median"] = statistics.median(ratios)
        result["one_core"]["datatrove_filters"]["docs_per_s_median"] = statistics.median(dt_rates)
        result["one_core_stage_seconds"] = per_stage
        os.sched_setaffinity(0, affinity)
        pa.set_cpu_count(len(affinity))

    # 2. agreement (raw text, no cleaning)
    if not args.skip_agreement:
        dt_per, dt_chain = dt_decisions(agree_docs)
        sw_per, sw_chain = sw_decisions(agree_docs)
        result["agreement"] = {name: agreement(dt_per[name], sw_per[name]) for name in FILTERS}
        result["agreement"]["chain"] = agreement(dt_chain, sw_chain)
        print(json.dumps(result["agreement"], indent=1), flush=True)

    # 3. two cores, full pipelines
    if not args.skip_pipelines:
        workdir = tempfile.mkdtemp(prefix="sw_bench_")
        try:
            result["two_cores"] = pipelines_2cores(bench, args.shards, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        print(result["two_cores"], flush=True)
    result["load_after"] = os.getloadavg()
    os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, ensure_ascii=False)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
