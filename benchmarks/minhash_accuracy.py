"""MinHash dedup accuracy against exact Jaccard: precision and recall of near-duplicate pairs.

A sample of real web sentences recombined into documents, with many edited copies whose similarity to
their source spreads across the threshold. Exact Jaccard of the word 5-gram shingle sets (the stage's own
shingles, as strings: no hashing) is computed for *all* pairs with one sparse product. The dedup runs with
the stage's code (signatures, buckets, optional verification, components: ``find_components``).

* pair precision: reported pairs (candidate edges, or verified edges) whose exact Jaccard ≥ threshold;
* pair recall: pairs with exact Jaccard ≥ threshold that end in the same component;
* removal precision: removed documents that have a true near duplicate (≥ threshold) in their component.

    python benchmarks/minhash_accuracy.py --docs 5000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402


def exact_pairs(texts: list[str], cfg: object, threshold: float) -> tuple[dict, np.ndarray]:
    """All pairs (i < j) with exact Jaccard >= threshold, and the similarity histogram of pairs >= 0.3."""
    from scipy.sparse import csr_matrix

    from sluiceway.dedup.shingles import shingle_texts

    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, t in enumerate(texts):
        ids = {vocab.setdefault(s, len(vocab)) for s in shingle_texts(t, cfg)}
        rows += [i] * len(ids)
        cols += list(ids)
    x = csr_matrix((np.ones(len(rows), np.int32), (rows, cols)), shape=(len(texts), len(vocab)))
    sizes = np.asarray(x.sum(axis=1)).ravel()
    inter = (x @ x.T).tocoo()
    keep = inter.row < inter.col
    i, j, n = inter.row[keep], inter.col[keep], inter.data[keep]
    sim = n / (sizes[i] + sizes[j] - n)
    true = {(int(a), int(b)): float(s) for a, b, s in zip(i, j, sim, strict=True) if s >= threshold}
    hist = np.histogram(sim[sim >= 0.3], bins=[0.3, 0.5, 0.7, 0.8, 0.9, 1.0001])[0]
    return true, hist


def evaluate(texts: list[str], ids: list[str], true: dict, verify: bool, threshold: float,
             bands: tuple[int, int] | None) -> dict:
    from sluiceway.dedup.local import find_components, verify_edges
    from sluiceway.dedup.tables import NODE, band_rows, bucket_edge_table, signature_rows
    from sluiceway.stages.minhash_dedup import MinHashDedup

    stage = MinHashDedup(threshold=threshold, verify=verify,
                         **({"bands": bands[0], "rows": bands[1]} if bands else {}))
    plan = stage.plan()
    n = len(texts)
    table = pa.table({"id": ids, "text": pa.array(texts, pa.large_string()), "source": ["s"] * n,
                      "reason": pa.nulls(n, pa.string())})
    start = time.perf_counter()
    keyed, reps, counts = find_components(table, plan)
    seconds = time.perf_counter() - start
    index = {int(k): i for i, k in enumerate(keyed.column(NODE).to_pylist())}
    # reported pairs: the edges the components were built from
    sigs = signature_rows(keyed, plan)
    edges = bucket_edge_table(band_rows(sigs, plan.bands, plan.rows))
    u, v = edges.column("u").to_numpy(), edges.column("v").to_numpy()
    if verify:
        u, v = verify_edges(u, v, sigs, plan.threshold)
    reported = {tuple(sorted((index[int(a)], index[int(b)]))) for a, b in zip(u, v, strict=True)}
    comp = {index[int(k)]: int(c) for k, c in zip(reps.column("node").to_pylist(), reps.column("comp").to_pylist(),
                                                   strict=True)}
    rep = {index[int(k)]: index[int(r)] for k, r in zip(reps.column("node").to_pylist(),
                                                        reps.column("rep_node").to_pylist(), strict=True)}
    hit = sum(1 for a, b in true if a in comp and comp.get(a) == comp.get(b))
    good_reported = sum(1 for p in reported if p in true)
    has_true = {x for p in true for x in p}
    removed = [d for d, r in rep.items() if d != r]
    members: dict[int, list[int]] = {}
    for d, c in comp.items():
        members.setdefault(c, []).append(d)
    ok_removed = sum(1 for d in removed
                     if any(tuple(sorted((d, o))) in true for o in members[comp[d]] if o != d))
    return {"verify": verify, "bands_rows": [plan.bands, plan.rows], "seconds": round(seconds, 2),
            "reported_pairs": len(reported), "pair_precision": round(good_reported / max(1, len(reported)), 4),
            "pair_recall": round(hit / max(1, len(true)), 4),
            "direct_recall": round(good_reported / max(1, len(true)), 4),
            "removed": len(removed), "removal_precision": round(ok_removed / max(1, len(removed)), 4),
            "docs_with_a_true_duplicate": len(has_true), **{k: v for k, v in counts.items() if k != "duplicates"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    from minhash_corpus import build

    from sluiceway.dedup.shingles import ShingleConfig

    ids, texts, _ = build(args.data, args.docs, seed=args.seed, words=200, near_dup=0.3, rates=(0.0, 0.25))
    start = time.perf_counter()
    true, hist = exact_pairs(texts, ShingleConfig(), args.threshold)
    exact_s = time.perf_counter() - start
    print(f"{len(texts)} docs, {len(texts) * (len(texts) - 1) // 2} pairs compared exactly in {exact_s:.1f}s; "
          f"{len(true)} pairs >= {args.threshold}; pairs by similarity [.3,.5,.7,.8,.9,1]: {hist.tolist()}")
    rows = []
    for verify, bands in ((False, None), (True, None), (True, (9, 13))):
        r = evaluate(texts, ids, true, verify, args.threshold, bands)
        rows.append(r)
        print(json.dumps(r))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"docs": len(texts), "threshold": args.threshold, "true_pairs": len(true),
                       "similarity_histogram": hist.tolist(), "runs": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
