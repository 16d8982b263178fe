"""Cluster purity of the diversity embedders against known labels.

* langid: ~11k sentences in 12 languages (label = language);
* sft: instructions (+ input) from four instruction sets (label = source: Alpaca-en demo, Alpaca-zh
  demo, self-instruct seed tasks, CaR expert-revised pairs; note the CaR prompts are Alpaca prompts too).

For each embedder (fastText trained here on the same texts, without labels, with TF-IDF, SIF and mean
weighting; sentence-transformers all-MiniLM-L6-v2 when installed), k-means with k = number of labels
and k = int(sqrt(n/2)); purity (share of rows in their cluster's majority label), NMI and ARI, mean over
seeds; per label, the share of its rows that sit in clusters where it is the majority (k = labels).
The sft set is scored twice: four sources, and three ("alpaca" = Alpaca-en demo + CaR prompts, which
come from the same Alpaca pool and cannot be told apart by content). Also the diversity metrics.

    .venv/bin/python benchmarks/eval_diversity.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
import time

import numpy as np

from sluiceway.diversity.embedders import load_embedder, train_fasttext_embedder
from sluiceway.diversity.kmeans import default_k, fit_kmeans
from sluiceway.diversity.metrics import diversity_summary


def load_langid(data: str) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    folder = os.path.join(data, "langid")
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            lines = [line.strip() for line in fh if line.strip()]
        texts += lines
        labels += [name.removesuffix(".txt")] * len(lines)
    return texts, labels


def _join(instruction: str, inp: str) -> str:
    return f"{instruction.strip()}\n{inp.strip()}".strip()


def load_sft(data: str) -> tuple[list[str], list[str]]:
    folder = os.path.join(data, "sft")
    texts, labels = [], []
    for name, label in (("alpaca_en_demo.json", "alpaca_en"), ("alpaca_zh_demo.json", "alpaca_zh")):
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            for r in json.load(fh):
                texts.append(_join(r["instruction"], r.get("input", "")))
                labels.append(label)
    with open(os.path.join(folder, "seed_tasks.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            texts.append(_join(r["instruction"], (r.get("instances") or [{}])[0].get("input", "")))
            labels.append("self_instruct_seed")
    for split in ("train", "valid"):
        with open(os.path.join(folder, "car_expert_revised", f"pairs_{split}.csv"), encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                src = r["src"].removeprefix("Instruction:").strip()
                instruction, _, inp = src.partition(" Input: ")
                texts.append(_join(instruction, inp))
                labels.append("car_pairs")
    return texts, labels


def purity(labels: np.ndarray, clusters: np.ndarray) -> float:
    total = 0
    for c in np.unique(clusters):
        _, counts = np.unique(labels[clusters == c], return_counts=True)
        total += counts.max()
    return total / len(labels)


def majority_recall(labels: np.ndarray, clusters: np.ndarray) -> dict[str, float]:
    """Per label: share of its rows in clusters whose majority label it is."""
    hit: dict[str, int] = {}
    for c in np.unique(clusters):
        values, counts = np.unique(labels[clusters == c], return_counts=True)
        hit[values[counts.argmax()]] = hit.get(values[counts.argmax()], 0) + int(counts.max())
    return {lab: round(hit.get(lab, 0) / int((labels == lab).sum()), 3) for lab in sorted(set(labels.tolist()))}


def evaluate(X: np.ndarray, labels: list[str], seeds: tuple[int, ...], fits: dict | None = None) -> dict:
    """Purity/NMI/ARI at two k, mean over ``seeds``; ``fits`` caches cluster labels per ``(k, seed)`` for this X."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    fits = {} if fits is None else fits

    def clusters_of(k: int, seed: int) -> np.ndarray:
        if (k, seed) not in fits:
            fits[k, seed] = fit_kmeans(X, k, seed=seed).assign(X)[0]
        return fits[k, seed]

    y = np.array(labels)
    out: dict = {"recall_k=labels": majority_recall(y, clusters_of(len(set(labels)), seeds[0]))}
    for name, k in (("k=labels", len(set(labels))), ("k=sqrt(n/2)", default_k(len(labels)))):
        scores = []
        for seed in seeds:
            clusters = clusters_of(k, seed)
            scores.append((purity(y, clusters), normalized_mutual_info_score(y, clusters),
                           adjusted_rand_score(y, clusters)))
        p, nmi, ari = np.mean(scores, axis=0)
        out[name] = {"k": k, "purity": round(float(p), 4), "nmi": round(float(nmi), 4), "ari": round(float(ari), 4)}
    clusters = clusters_of(default_k(len(labels)), seeds[0])
    d = diversity_summary(clusters, X)
    out["diversity"] = {key: d[key] for key in ("effective_clusters", "normalized_entropy",
                                               "mean_pairwise_cosine_distance")}
    return out


def embedders(texts: list[str], tmp: str, minilm: bool) -> dict:
    start = time.perf_counter()
    path = os.path.join(tmp, f"ft{len(texts)}")
    train_fasttext_embedder(texts, path, dim=100, epoch=10, seed=0)  # >= 11 threads (fastText 0.9.3 init)
    print(f"  fastText trained on {len(texts)} texts in {time.perf_counter() - start:.1f} s")
    found = {f"fasttext-{w}": load_embedder("fasttext", path, weighting=w) for w in ("tfidf", "sif", "mean")}
    if minilm:
        try:
            found["minilm-l6-v2"] = load_embedder("sentence-transformers")
        except ValueError as exc:
            print(f"  sentence-transformers skipped: {exc}")
    return found


def reuse_vectors(directory: str, texts: list[str], emb) -> np.ndarray:
    """Vectors saved by ``throughput_embed_kmeans.py --save-minilm`` in ``directory`` (comma-separated:
    several); texts missing there are encoded."""
    saved_texts, parts = [], []
    for folder in directory.split(","):
        with open(os.path.join(folder, "texts.json"), encoding="utf-8") as fh:
            saved_texts += json.load(fh)
        parts.append(np.load(os.path.join(folder, "vectors.npy")))
    row = {t: i for i, t in enumerate(saved_texts)}
    saved = np.concatenate(parts)
    missing = sorted({t for t in texts if t not in row})
    if missing:
        extra = emb.encode(missing, batch_size=64)
        row.update({t: len(saved) + i for i, t in enumerate(missing)})
        saved = np.concatenate([saved, extra])
    print(f"  minilm-l6-v2: {len(texts) - len(missing)} of {len(texts)} vectors reused from {directory}")
    return saved[[row[t] for t in texts]]


def encoded(name: str, texts: list[str], tmp: str, args: argparse.Namespace):
    """``(embedder name, vectors, seconds to embed)``, from ``--cache`` when there."""
    names = ["fasttext-tfidf", "fasttext-sif", "fasttext-mean"] + ([] if args.no_minilm else ["minilm-l6-v2"])
    if args.cache and all(os.path.exists(os.path.join(args.cache, f"{name}-{e}.npy")) for e in names):
        for e in names:
            yield e, np.load(os.path.join(args.cache, f"{name}-{e}.npy")), "cached"  # seconds unknown
        return
    for emb_name, emb in embedders(texts, tmp, not args.no_minilm).items():
        if emb_name == "minilm-l6-v2" and args.minilm_from:
            yield emb_name, reuse_vectors(args.minilm_from, texts, emb), "reused"
            continue
        start = time.perf_counter()
        X = emb.encode(texts, batch_size=64)
        took = round(time.perf_counter() - start, 1)
        if args.cache:
            os.makedirs(args.cache, exist_ok=True)
            np.save(os.path.join(args.cache, f"{name}-{emb_name}.npy"), X)
        yield emb_name, X, took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--no-minilm", action="store_true")
    ap.add_argument("--sets", default="langid,sft")
    ap.add_argument("--cache", help="directory to keep embeddings in (.npy) and reuse them from")
    ap.add_argument("--json", help="also write results here")
    ap.add_argument("--minilm-from", help="reuse MiniLM vectors saved by throughput_embed_kmeans.py --save-minilm")
    ap.add_argument("--limit", type=int, help="at most this many texts per label (quick checks)")
    args = ap.parse_args()
    seeds = tuple(range(args.seeds))
    results = {}
    loaders = {"langid": load_langid, "sft": load_sft}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets.split(","):
            texts, labels = loaders[name](args.data)
            if args.limit:
                seen: dict[str, int] = {}
                keep = [seen.__setitem__(lab, seen.get(lab, 0) + 1) or seen[lab] <= args.limit for lab in labels]
                texts = [t for t, k in zip(texts, keep, strict=True) if k]
                labels = [lab for lab, k in zip(labels, keep, strict=True) if k]
            views = {name: labels}
            if name == "sft":
                views["sft-3"] = ["alpaca" if lab in ("alpaca_en", "car_pairs") else lab for lab in labels]
            print(f"{name}: {len(texts)} texts, {len(set(labels))} labels")
            for emb_name, X, took in encoded(name, texts, tmp, args):
                fits: dict = {}  # views of one set share the k = sqrt(n/2) fits
                for view, view_labels in views.items():
                    r = evaluate(X, view_labels, seeds, fits)
                    r["encode_seconds"] = took
                    results[f"{view}/{emb_name}"] = r
                    print(f"  {view:<7}{emb_name:<16} " + "  ".join(
                        f"{key}: purity {v['purity']:.3f} nmi {v['nmi']:.3f} ari {v['ari']:.3f}"
                        for key, v in r.items() if key.startswith("k=")) + f"  (embedding: {took} s)")
                    print(f"         recall per label (k=labels): {r['recall_k=labels']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
