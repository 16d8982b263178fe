"""Nuggets golden score (Li et al., ACL 2024) with SmolLM2-135M-Instruct on CPU: speed and score agreement.

``speed``: the same candidates x anchors scored by several LM variants in one process (``fp32_unpacked``: plain
``nn.Linear``; ``fp32``: weights packed for oneDNN, the default; ``fp32_full_logits``: vocab logits at every
position; ``int8``: dynamic quantization of the linear layers), interleaved
per candidate so that every variant sees the same machine load; Spearman of each variant's golden scores against
the first variant's, and the share of identical (candidate, anchor) win decisions.

``layout``: wall time per candidate on N cores (``--threads N``), the old layout (one process with N torch
threads, unpacked) against the default one (N single-thread scoring processes, packed), alternating rounds.

``agreement``: golden scores from 100 k-means anchors vs 300 random anchors (Spearman) on a pool of Alpaca
English + Chinese demo data, and how the selected top share differs from the pool (lengths, sources, clusters).

    python benchmarks/bench_nuggets.py speed --data ../shared/data --candidates 24 --anchors 40
    python benchmarks/bench_nuggets.py layout --data ../shared/data --candidates 8 --anchors 40 --threads 2
    python benchmarks/bench_nuggets.py agreement --data ../shared/data --candidates 30
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from save_json import save_json  # noqa: E402  (benchmarks/save_json.py)

from sluiceway.io.read import ReadOptions, read_file  # noqa: E402
from sluiceway.rows import alive_rows  # noqa: E402
from sluiceway.sft.lm import HFCausalLM, LMConfig  # noqa: E402
from sluiceway.sft.nuggets import golden_scores, kmeans_anchors, random_anchors, select_mask, zero_shot  # noqa: E402
from sluiceway.sft.template import nuggets_demonstration, nuggets_example  # noqa: E402

ALPACA_52K = 52_002


def load_examples(path: str) -> list[tuple[str, str, str]]:
    cols = ["instruction", "input", "output"]
    return [tuple(row.values()) for table in read_file(path, ReadOptions(records="instructions"))
            for row in alive_rows(table).select(cols).to_pylist()]


def variants(model: str, names: list[str]) -> dict[str, HFCausalLM]:
    """One fp32 load, shared: ``fp32_unpacked`` keeps ``nn.Linear`` (MKL on every call), ``fp32`` is the default
    (weights packed once for oneDNN), ``fp32_full_logits`` runs the model's own forward (vocab logits at every
    position), ``int8`` a dynamically quantized copy (what ``quantize: int8`` does at load time)."""
    import copy

    import torch

    from sluiceway.sft.cpu_linear import pack_linears

    base = HFCausalLM(LMConfig(model, device="cpu", quantize="none", pack_linear=False))
    out = {}
    for name in names:
        lm = copy.copy(base)
        lm._plans, lm._ids = {}, {}
        if name == "fp32_full_logits":
            lm._body = lm._head = None  # the model's own forward: vocab logits at every position
        elif name == "fp32":
            lm.model = copy.deepcopy(base.model)
            lm.packed = pack_linears(lm.model)
            lm._body, lm._head = lm._split_head()
        elif name == "int8":
            lm.model = torch.ao.quantization.quantize_dynamic(base.model, {torch.nn.Linear}, dtype=torch.qint8)
            lm._body, lm._head = lm._split_head()
        elif name != "fp32_unpacked":
            raise SystemExit(f"unknown variant {name}")
        out[name] = lm
    return out


def speed(lms: dict[str, HFCausalLM], cands: list, anchors: list) -> dict:
    pairs = [nuggets_example(*a) for a in anchors]
    zero = {k: zero_shot(lm, anchors) for k, lm in lms.items()}
    cpu, wall = dict.fromkeys(lms, 0.0), dict.fromkeys(lms, 0.0)
    gs: dict[str, list[float]] = {k: [] for k in lms}
    delta: dict[str, list[float]] = {k: [] for k in lms}
    for i, cand in enumerate(cands):
        demo = nuggets_demonstration(*cand)
        for k, lm in lms.items():
            c, w = time.process_time(), time.perf_counter()
            one = lm.score_with_prefix(demo, pairs)
            cpu[k] += time.process_time() - c
            wall[k] += time.perf_counter() - w
            d = [o[0] - z[0] for o, z in zip(one, zero[k], strict=True)]
            delta[k] += d
            gs[k].append(float(np.mean(np.asarray(d) > 0)))
        print(f"  candidate {i + 1}/{len(cands)}: " + ", ".join(f"{k} {wall[k] / (i + 1):.2f}s" for k in lms),
              flush=True)
    from scipy.stats import pearsonr, spearmanr

    ref = next(iter(lms))  # the first variant named is the reference
    n = len(cands)
    out: dict = {"candidates": n, "anchors": len(anchors), "threads": _threads(),
                 "anchor_tokens_mean": round(float(np.mean([len(lms[ref].encode(c)) + len(lms[ref].encode(t))
                                                            for c, t in pairs])), 1), "reference": ref,
                 "variants": {}}
    for k in lms:
        wins_same = float(np.mean((np.asarray(delta[k]) > 0) == (np.asarray(delta[ref]) > 0)))
        per_cand = cpu[k] / n * 100 / len(anchors)  # CPU-seconds per candidate, scaled to 100 anchors
        out["variants"][k] = {
            "cpu_s_per_candidate_100_anchors": round(per_cand, 2),
            "wall_s_per_candidate_100_anchors": round(wall[k] / n * 100 / len(anchors), 2),
            "candidates_per_cpu_s_100_anchors": round(1 / per_cand, 4),
            "cpu_hours_52k": round(per_cand * ALPACA_52K / 3600, 1),
            "hours_52k_on_2_cores": round(per_cand * ALPACA_52K / 3600 / 2, 1),
            "speedup_cpu_vs_ref": round(cpu[ref] / cpu[k], 2),
            "speedup_wall_vs_ref": round(wall[ref] / wall[k], 2),
            "gs_spearman_vs_ref": round(float(spearmanr(gs[k], gs[ref]).statistic), 4),
            "win_decisions_same_as_ref": round(wins_same, 4),
            "delta_pearson_vs_ref": round(float(pearsonr(delta[k], delta[ref]).statistic), 4)}
    return out


def _layout_worker(model: str, anchors: list, jobs: object, results: object) -> None:
    """One single-thread process with the default (packed) model: scores the candidates it is sent."""
    import torch

    torch.set_num_threads(1)
    lm = HFCausalLM(LMConfig(model, device="cpu", threads=1))
    zero = zero_shot(lm, anchors)
    results.put("ready")
    while (job := jobs.get()) is not None:
        results.put((job[0], float(golden_scores(lm, [job[1]], anchors, zero)[0])))


def layout(model: str, cands: list, anchors: list, cores: int) -> dict:
    """Wall time per candidate on ``cores`` CPUs, side by side: the old layout (one process, ``cores`` torch
    threads, ``nn.Linear`` unpacked) and the new one (``cores`` single-thread processes, packed weights).
    Rounds alternate, each scoring the same ``cores`` candidates both ways, so both see the same machine load."""
    import multiprocessing as mp

    import torch

    ctx = mp.get_context("spawn")
    jobs, results = ctx.Queue(), ctx.Queue()
    workers = [ctx.Process(target=_layout_worker, args=(model, anchors, jobs, results)) for _ in range(cores)]
    for w in workers:
        w.start()
    torch.set_num_threads(cores)
    old = HFCausalLM(LMConfig(model, device="cpu", threads=cores, pack_linear=False))
    zero = zero_shot(old, anchors)
    for _ in workers:
        results.get()
    wall = {"old": 0.0, "new": 0.0}
    gs_old, gs_new = [], []
    for r in range(0, len(cands) - cores + 1, cores):
        group = cands[r:r + cores]
        start = time.perf_counter()
        gs_old += list(golden_scores(old, group, anchors, zero))
        wall["old"] += time.perf_counter() - start
        start = time.perf_counter()
        for i, c in enumerate(group):
            jobs.put((i, c))
        gs_new += [gs for _, gs in sorted(results.get() for _ in group)]
        wall["new"] += time.perf_counter() - start
        print(f"  round {r // cores + 1}: old {wall['old'] / len(gs_old):.1f}s, new {wall['new'] / len(gs_new):.1f}s"
              " per candidate", flush=True)
    for _ in workers:
        jobs.put(None)
    for w in workers:
        w.join()
    n = len(gs_old)
    per = {k: v / n * 100 / len(anchors) for k, v in wall.items()}  # wall-s per candidate, scaled to 100 anchors
    return {"cores": cores, "candidates": n, "anchors": len(anchors),
            "old_wall_s_per_candidate_100_anchors": round(per["old"], 2),
            "new_wall_s_per_candidate_100_anchors": round(per["new"], 2),
            "speedup": round(per["old"] / per["new"], 2),
            "new_candidates_per_s_per_core": round(1 / per["new"] / cores, 5),
            "new_hours_52k": round(per["new"] * ALPACA_52K / 3600, 1),
            "golden_scores_equal": bool(np.allclose(gs_old, gs_new, atol=0))}


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def agreement(model: str, data: str, n_cands: int, km_n: int, rnd_n: int, top: float, seed: int,
              quantize: str) -> dict:
    """k-means vs random anchors on an English + Chinese Alpaca pool; then what the top share looks like."""
    from scipy.stats import spearmanr

    from sluiceway.diversity.embedders import embed_texts
    from sluiceway.diversity.kmeans import cluster_labels
    from sluiceway.sft.report import selection_report
    from sluiceway.sft.template import nuggets_prompt

    files = ["alpaca_en_demo.json", "alpaca_zh_demo.json"]
    pool, sources = [], []
    for f in files:
        ex = load_examples(os.path.join(data, "sft", f))
        pool += ex
        sources += [f] * len(ex)
    start = time.perf_counter()
    x = embed_texts([nuggets_demonstration(*e, reference=True) for e in pool], "auto")
    labels, dist = cluster_labels(x, km_n, seed=seed)
    km = kmeans_anchors(labels, dist)
    rnd = random_anchors(len(pool), rnd_n, seed=seed)
    rng = np.random.default_rng(seed + 1)
    cand_idx = np.sort(rng.choice(len(pool), n_cands, replace=False))
    cands = [pool[i] for i in cand_idx]
    lm = HFCausalLM(LMConfig(model, device="cpu", quantize=quantize))
    scores = {}
    for name, idx in (("kmeans", km), ("random", rnd)):
        where = {int(a): j for j, a in enumerate(idx)}
        scores[name] = golden_scores(lm, cands, [pool[i] for i in idx], anchor_of=[where.get(int(i)) for i in cand_idx],
                                     progress=lambda i, name=name: print(f"  {name} {i}/{n_cands}", flush=True))
    rho = float(spearmanr(scores["kmeans"], scores["random"]).statistic)
    keep = select_mask(scores["kmeans"], top_fraction=top)
    report = selection_report("nuggets", keep, {"golden_score": scores["kmeans"]}, labels[cand_idx],
                              [len(nuggets_prompt(*cands[i][:2])) for i in range(n_cands)],
                              [len(c[2]) for c in cands], [sources[i] for i in cand_idx])
    by_source = {f: round(float(np.mean(scores["kmeans"][[sources[i] == f for i in cand_idx]])), 4) for f in files}
    return {"pool": len(pool), "candidates": n_cands, "kmeans_anchors": int(len(km)), "random_anchors": int(len(rnd)),
            "quantize": quantize, "spearman_kmeans_vs_random": round(rho, 4),
            "mean_gs": {k: round(float(np.mean(v)), 4) for k, v in scores.items()}, "mean_gs_by_source": by_source,
            "seconds": round(time.perf_counter() - start, 1), "selection_top_fraction": top,
            "selection": {k: report[k] for k in ("selected", "clusters", "lengths", "sources")}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["speed", "layout", "agreement"])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--model", default="smollm2-135m-instruct")
    ap.add_argument("--candidates", type=int, default=24)
    ap.add_argument("--anchors", type=int, default=40, help="speed: anchors per candidate")
    ap.add_argument("--variants", nargs="+", default=["fp32_unpacked", "fp32", "int8"])
    ap.add_argument("--kmeans-anchors", type=int, default=100)
    ap.add_argument("--random-anchors", type=int, default=300)
    ap.add_argument("--top-fraction", type=float, default=0.3)
    ap.add_argument("--quantize", default="auto", help="agreement: the LM's quantize setting")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    if args.what in ("speed", "layout"):
        ex = load_examples(os.path.join(args.data, "sft", "alpaca_en_demo.json"))
        pick = np.random.default_rng(args.seed).choice(len(ex), args.candidates + args.anchors, replace=False)
    if args.what == "layout":
        res = layout(args.model, [ex[i] for i in pick[:args.candidates]], [ex[i] for i in pick[args.candidates:]],
                     args.threads)
    elif args.what == "speed":
        res = speed(variants(args.model, args.variants), [ex[i] for i in pick[:args.candidates]],
                    [ex[i] for i in pick[args.candidates:]])
    else:
        res = agreement(args.model, args.data, args.candidates, args.kmeans_anchors, args.random_anchors,
                        args.top_fraction, args.seed, args.quantize)
    res = {"benchmark": args.what, "model": args.model, **res}
    print(json.dumps(res, indent=2))
    save_json(args.json, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
