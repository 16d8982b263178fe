"""Evaluate the fastText quality classifier: Wikipedia + C4 (positives) vs raw Common Crawl (negatives).

Splits are made per source before training (Wikipedia by article, so no article has paragraphs on both
sides); the model is trained with ``sluiceway.fasttext_models.quality.train_quality`` on the training parts and
evaluated on the held-out parts: accuracy/precision/recall/F1 at 0.5, ROC AUC, and the score
distribution and keep rates (threshold 0.5, GPT-3 Pareto alpha 9) per source.

    .venv/bin/python benchmarks/eval_quality.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import tempfile
import time

import numpy as np

from sluiceway.fasttext_models.fasttext_io import label_probability, load_model
from sluiceway.fasttext_models.params import QualityTrainParams
from sluiceway.fasttext_models.quality import binary_metrics, train_quality
from sluiceway.topk import pareto_keep

# Paragraphs in wiki_demo.txt were joined without a separator: "...socialism.Humans lived..."
PARAGRAPH_JOIN = re.compile(r"(?<=[a-z0-9)\]\"][.!?])(?=[A-Z])")


def load_sources(data: str) -> dict[str, list[list[str]]]:
    """Per source, a list of units to split on (a Wikipedia article = its paragraphs; else one document)."""
    with open(os.path.join(data, "web/wiki_demo.txt"), encoding="utf-8") as fh:
        wiki = [[p for p in PARAGRAPH_JOIN.split(line.strip()) if p.strip()] for line in fh if line.strip()]
    with open(os.path.join(data, "web/c4_demo.jsonl"), encoding="utf-8") as fh:
        c4 = [[t] for t in (json.loads(line)["text"] for line in fh if line.strip()) if t.strip()]
    with gzip.open(os.path.join(data, "web/cc_main_sample.jsonl.gz"), "rt", encoding="utf-8") as fh:
        cc = [[t] for t in (json.loads(line)["text"] for line in fh if line.strip()) if t.strip()]  # 27 empty
    return {"wikipedia": wiki, "c4": c4, "common_crawl": cc}


def split(units: list[list[str]], test: float, rng: random.Random) -> tuple[list[str], list[str]]:
    units = units[:]
    rng.shuffle(units)
    n_test = max(1, round(len(units) * test))
    return [d for u in units[n_test:] for d in u], [d for u in units[:n_test] for d in u]


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    scores = np.concatenate([pos, neg])
    ranks = scores.argsort().argsort() + 1.0
    for value in np.unique(scores):  # average ranks of ties
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def run_once(sources: dict, args: argparse.Namespace, seed: int, show: bool) -> dict[str, float]:
    rng = random.Random(seed)
    train, test = {}, {}
    for name, units in sources.items():
        train[name], test[name] = split(units, args.test, rng)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "quality.bin")
        start = time.perf_counter()
        result = train_quality(train["wikipedia"] + train["c4"], train["common_crawl"], path,
                               QualityTrainParams(holdout=0.0, seed=seed, epoch=args.epoch, dim=args.dim, lr=args.lr))
        seconds = time.perf_counter() - start
        model = load_model(path)
        scores = {k: label_probability(model, v, "hq").astype(np.float64) for k, v in test.items()}
    pos = np.concatenate([scores["wikipedia"], scores["c4"]])
    neg = scores["common_crawl"]
    m = binary_metrics([True] * len(pos) + [False] * len(neg), np.concatenate([pos, neg]) >= 0.5)
    m["auc"] = round(auc(pos, neg), 4)
    print(f"seed {seed}: documents (train / held out) "
          f"{ {k: (len(train[k]), len(test[k])) for k in sources} }; trained on {result['train']} "
          f"(positives downsampled to balance) in {seconds:.1f} s")
    print(f"  held out: accuracy {m['accuracy']:.3f}  precision {m['precision']:.3f}  recall {m['recall']:.3f}  "
          f"F1 {m['f1']:.3f}  ROC AUC {m['auc']:.3f}  ({len(pos)} positive, {len(neg)} negative)")
    if show:
        print(f"  {'source':<14}{'n':>6}{'mean':>7}{'p10':>7}{'p50':>7}{'p90':>7}{'>=0.5':>8}{'pareto9':>9}")
        for name, s in scores.items():
            keep = pareto_keep(s, [f"{name}:{i}" for i in range(len(s))], 9.0, seed).mean()
            p10, p50, p90 = np.quantile(s, [0.1, 0.5, 0.9])
            print(f"  {name:<14}{len(s):>6}{s.mean():>7.3f}{p10:>7.3f}{p50:>7.3f}{p90:>7.3f}"
                  f"{(s >= 0.5).mean():>8.1%}{keep:>9.1%}")
    return m


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--test", type=float, default=0.2, help="held-out fraction per source")
    ap.add_argument("--seeds", type=int, default=3, help="repeat with seeds 0..N-1 (split and training)")
    ap.add_argument("--epoch", type=int, default=QualityTrainParams.epoch)
    ap.add_argument("--dim", type=int, default=QualityTrainParams.dim)
    ap.add_argument("--lr", type=float, default=QualityTrainParams.lr)
    args = ap.parse_args()

    sources = load_sources(args.data)
    runs = [run_once(sources, args, seed, show=True) for seed in range(args.seeds)]
    summary = {k: (np.mean([r[k] for r in runs]), np.std([r[k] for r in runs])) for k in ("accuracy", "f1", "auc")}
    print(f"mean ± sd over {args.seeds} seeds: " + "  ".join(f"{k} {m:.3f} ± {s:.3f}" for k, (m, s) in summary.items()))


if __name__ == "__main__":
    main()
