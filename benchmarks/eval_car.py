"""CaR end to end on the Alpaca demo data (Ge et al., EMNLP 2024): selected size, cluster coverage, runtime.

Trains the cheap IQS on the expert-revised pairs if ``--iqs-model`` does not exist yet, then runs
``sluiceway select`` (iqs_score -> car_select) on Ray.

    python benchmarks/eval_car.py --data ../shared/data --iqs-model out/models/iqs-cheap
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from save_json import save_json  # noqa: E402  (benchmarks/save_json.py)

from sluiceway.pipelines.pipeline import Pipeline  # noqa: E402
from sluiceway.pipelines.report import stage_section  # noqa: E402
from sluiceway.pipelines.sft_select import run_select  # noqa: E402
from sluiceway.sft import iqs  # noqa: E402
from sluiceway.stages.car_select import CarSelect  # noqa: E402
from sluiceway.stages.iqs import IQSScore  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--iqs-model", default="out/models/iqs-cheap")
    ap.add_argument("--output", default="bench_out/car_demo")
    ap.add_argument("--n1", type=float, default=0.0192, help="count, or fraction of the pool when < 1")
    ap.add_argument("--n2", type=int, default=1)
    ap.add_argument("--embedder", default="auto")
    ap.add_argument("--num-cpus", type=int, default=2)
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args(argv)
    res: dict = {}
    if not os.path.exists(os.path.join(args.iqs_model, iqs.CONFIG)):
        start = time.perf_counter()
        pairs = iqs.load_pairs(os.path.join(args.data, "sft", "car_expert_revised"), "train")
        res["iqs_train"] = iqs.train_iqs(pairs, args.iqs_model, backend="cheap")
        res["iqs_train"]["seconds"] = round(time.perf_counter() - start, 1)
    n1 = args.n1 if args.n1 < 1 else int(args.n1)
    pipeline = Pipeline([IQSScore(model=args.iqs_model), CarSelect(n1=n1, n2=args.n2, embedder=args.embedder)])
    start = time.perf_counter()
    report = run_select(pipeline, os.path.join(args.data, "sft", "alpaca_en_demo.json"), args.output,
                        overwrite=True, num_cpus=args.num_cpus)
    sft = stage_section(report, "car_select")
    res["car"] = {"pool": sft["pool"], "selected": sft["selected"], "fraction": sft["fraction"],
                  "k": sft["car"]["k"], "top_n1": sft["car"]["top_n1"],
                  "added_by_clusters": sft["car"]["added_by_clusters"],
                  "clusters_covered": sft["clusters"]["covered_by_selection"], "clusters": sft["clusters"]["pool"],
                  "mean_iqs_pool": sft["scores"]["iqs_score"]["mean_pool"],
                  "mean_iqs_selected": sft["scores"]["iqs_score"]["mean_selected"],
                  "median_output_chars_pool": sft["lengths"]["output_chars"]["pool"]["p50"],
                  "median_output_chars_selected": sft["lengths"]["output_chars"]["selected"]["p50"],
                  "wall_seconds": round(time.perf_counter() - start, 1),
                  "stage_seconds": {s["name"]: s["seconds"] for s in report["stages"]}}
    print(json.dumps(res, indent=2))
    save_json(args.json, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
