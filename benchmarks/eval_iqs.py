"""IQS pairwise accuracy on the valid split of CaR's expert-revised pairs (Ge et al., EMNLP 2024).

Trains each backend on ``pairs_train.csv`` and reports the share of ``pairs_valid.csv`` pairs whose
expert-revised response scores strictly above the original, next to "the longer response wins" and the
paper's 84.25% (xlm-roberta-large, on its own test split). Both sides are unescaped first.

    python benchmarks/eval_iqs.py --data ../shared/data --backends cheap encoder
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from save_json import save_json  # noqa: E402  (benchmarks/save_json.py)

from sluiceway.sft import iqs  # noqa: E402

PAPER = 0.8425


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data", help="folder holding sft/car_expert_revised/")
    ap.add_argument("--backends", nargs="+", default=["cheap", "encoder"], choices=iqs.BACKENDS)
    ap.add_argument("--models", default="bench_out/iqs", help="where trained models are written")
    ap.add_argument("--epochs", type=int, default=2, help="encoder fine-tuning epochs")
    ap.add_argument("--max-length", type=int, default=256, help="encoder max tokens")
    ap.add_argument("--max-minutes", type=float, default=None, help="stop encoder training after this long")
    ap.add_argument("--train-layers", type=int, default=None, help="encoder: train only the top N layers + head")
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args(argv)
    pairs_dir = os.path.join(args.data, "sft", "car_expert_revised")
    train, valid = iqs.load_pairs(pairs_dir, "train"), iqs.load_pairs(pairs_dir, "valid")
    results: dict = {"train_pairs": len(train), "valid_pairs": len(valid),
                     "longer_wins": iqs.length_baseline(valid), "paper_xlmr_large": PAPER}
    print(f"train {len(train)} pairs, valid {len(valid)} pairs (unescaped)")
    print(f"longer response wins: {results['longer_wins']}")
    for backend in args.backends:
        out = os.path.join(args.models, backend)
        start = time.perf_counter()
        opts = ({"epochs": args.epochs, "max_length": args.max_length, "max_minutes": args.max_minutes,
                 "train_layers": args.train_layers}
                if backend == "encoder" else {})
        info = iqs.train_iqs(train, out, backend=backend, **opts)
        train_s = time.perf_counter() - start
        start = time.perf_counter()
        acc = iqs.evaluate(iqs.load_iqs(out), valid)
        results[backend] = {**acc, "train_seconds": round(train_s, 1),
                            "eval_seconds": round(time.perf_counter() - start, 1), "info": info}
        print(f"{backend}: {acc} (train {train_s:.0f} s)")
    print(f"paper (xlm-roberta-large, its test split): {PAPER}")
    save_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
