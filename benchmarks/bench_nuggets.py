"""Nuggets on CPU: anchors scored per second with and without key/value reuse, and how well golden scores
from 100 k-means anchors agree (Spearman) with golden scores from 300 random anchors (Li et al., ACL 2024).

Uses the stand-in model from `sluiceway lm train-demo` (trained here if missing) on the Alpaca demo data, and
randomly initialized GPT-2/Llama-shaped models with its tokenizer for the speed figures (``--wide``).

    python benchmarks/bench_nuggets.py --data ../shared/data --model out/models/nuggets-lm
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sluiceway.sft.embed import cluster, embed_texts  # noqa: E402
from sluiceway.sft.io import iter_records, parse_record  # noqa: E402
from sluiceway.sft.lm import HFCausalLM, LMConfig  # noqa: E402
from sluiceway.sft.nuggets import golden_scores, kmeans_anchors, random_anchors, zero_shot  # noqa: E402
from sluiceway.sft.template import nuggets_demonstration, nuggets_example  # noqa: E402
from sluiceway.sft.tiny_lm import train_tiny_lm  # noqa: E402


def load_examples(path: str) -> list[tuple[str, str, str]]:
    out = []
    for record in iter_records(path)[1]:
        fields = parse_record(record)[1]
        out.append((fields["instruction"], fields["input"], fields["output"]))
    return out


def speed(lm: HFCausalLM, cands: list, anchors: list) -> dict:
    """Anchors scored per CPU-second and per wall-second, with and without KV reuse (the same code, only the
    reuse switched), interleaved per candidate so both modes see the same machine load; plus the token-count
    bound on the speed-up, without and with the padding of the batches actually run."""
    zero = zero_shot(lm, anchors)  # also builds the anchors' batches, which every candidate then reuses
    golden_scores(lm, cands[:1], anchors[:4], zero[:4])  # warm-up
    cpu, wall = {True: 0.0, False: 0.0}, {True: 0.0, False: 0.0}
    for cand in cands:
        for reuse in (True, False):
            c, w = time.process_time(), time.perf_counter()
            golden_scores(lm, [cand], anchors, zero, reuse_cache=reuse)
            cpu[reuse] += time.process_time() - c
            wall[reuse] += time.perf_counter() - w
    n = len(cands) * len(anchors)
    pairs = [nuggets_example(*a) for a in anchors]
    anchor_tokens = sum(len(c) + len(t) for c, t in lm._pair_ids(pairs))
    plan = lm._plan_for(pairs)[1]
    padded = sum(b.ids.numel() for b in plan)
    rows = sum(b.ids.shape[0] for b in plan)
    demo = [1 + len(lm.encode(nuggets_demonstration(*c))[-lm.config.max_prefix_tokens:]) for c in cands]
    bound = (sum(demo) * len(anchors) + len(cands) * anchor_tokens) / (sum(demo) + len(cands) * anchor_tokens)
    bound_padded = (sum(demo) * rows + len(cands) * padded) / (sum(demo) + len(cands) * padded)
    return {"candidates": len(cands), "anchors": len(anchors), "shared_prefix_attention": lm.shared_prefix,
            "batches": len(plan), "padding": round(padded / anchor_tokens - 1, 3),
            "anchors_per_cpu_s_kv_reuse": round(n / cpu[True], 1), "anchors_per_cpu_s_no_reuse": round(n / cpu[False], 1),
            "cpu_s_kv_reuse": round(cpu[True], 2), "cpu_s_no_reuse": round(cpu[False], 2),
            "speedup_cpu": round(cpu[False] / cpu[True], 2), "speedup_wall": round(wall[False] / wall[True], 2),
            "token_ratio": round(bound, 2), "token_ratio_padded": round(bound_padded, 2)}


def random_model(tokenizer_dir: str, out: str, spec: str) -> str:
    """A randomly initialized ``arch:HIDDENxLAYERS`` model (gpt2 or llama, 64-dim heads) with the stand-in's
    tokenizer: an LLM's compute mix (mostly linear layers) without a pretrained checkpoint."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from sluiceway.sft.tiny_lm import tiny_config

    arch, shape = spec.split(":")
    hidden, layers = map(int, shape.split("x"))
    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = tiny_config(arch, len(tok), hidden=hidden, layers=layers, heads=hidden // 64, bos_id=tok.bos_token_id,
                         eos_id=tok.eos_token_id)
    if arch == "llama":
        config.intermediate_size = hidden * 8 // 3 // 64 * 64  # Llama's ~8/3 ratio
    AutoModelForCausalLM.from_config(config).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--model", default="out/models/nuggets-lm")
    ap.add_argument("--speed-candidates", type=int, default=8)
    ap.add_argument("--speed-anchors", type=int, default=64)
    ap.add_argument("--candidates", type=int, default=30, help="candidates for the agreement study")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 = cleanest timing on a busy box)")
    ap.add_argument("--wide", nargs="*", default=["gpt2:512x4", "gpt2:768x12"],
                    help="also time random models arch:HIDDENxLAYERS (gpt2 | llama), e.g. gpt2:768x12 = GPT-2 small")
    ap.add_argument("--wide-candidates", type=int, default=0, help="candidates for those (0 = all speed candidates)")
    ap.add_argument("--skip-agreement", action="store_true")
    ap.add_argument("--no-shared-prefix", action="store_true",
                    help="ablation: expand the prefix cache over each batch instead of shared-prefix attention")
    ap.add_argument("--batch-cost", type=int, default=LMConfig.batch_cost_tokens,
                    help="LMConfig.batch_cost_tokens (ablation: 1000000 = fewest batches, as before padding-aware cuts)")
    ap.add_argument("--kmeans-anchors", type=int, default=100)
    ap.add_argument("--random-anchors", type=int, default=300)
    ap.add_argument("--embedder", default="auto")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args(argv)
    examples = load_examples(os.path.join(args.data, "sft", "alpaca_en_demo.json"))
    if not os.path.exists(os.path.join(args.model, "config.json")):
        print(f"training the stand-in model into {args.model}")
        train_tiny_lm(args.model, [nuggets_demonstration(*e, reference=True) for e in examples], minutes=4)
    import torch

    torch.set_num_threads(args.threads)
    opts = {"shared_prefix": not args.no_shared_prefix, "batch_cost_tokens": args.batch_cost}
    lm = HFCausalLM(LMConfig(args.model, device="cpu", batch_size=16), **opts)
    rng = np.random.default_rng(args.seed)
    res: dict = {"model": args.model, "pool": len(examples), "stand_in": True}

    pick = rng.choice(len(examples), args.speed_candidates + args.speed_anchors, replace=False)
    cands = [examples[i] for i in pick[:args.speed_candidates]]
    anchors = [examples[i] for i in pick[args.speed_candidates:]]
    res["speed"] = speed(lm, cands, anchors)
    print(f"speed (stand-in): {res['speed']}", flush=True)
    if args.wide:
        import tempfile

        res["speed_wide"] = {}
        for spec in args.wide:
            with tempfile.TemporaryDirectory() as tmp:
                wide = HFCausalLM(LMConfig(random_model(args.model, tmp, spec), device="cpu", batch_size=16), **opts)
                res["speed_wide"][spec] = speed(wide, cands[:args.wide_candidates or None], anchors)
                del wide
            print(f"speed (random {spec}): {res['speed_wide'][spec]}", flush=True)
    if args.skip_agreement:
        _dump(args.json, res)
        return 0

    start = time.perf_counter()
    x = embed_texts([nuggets_demonstration(*e, reference=True) for e in examples], args.embedder)
    labels, dist = cluster(x, args.kmeans_anchors, seed=args.seed)
    km = kmeans_anchors(labels, dist)
    rnd = random_anchors(len(examples), args.random_anchors, seed=args.seed)
    cand_idx = np.sort(rng.choice(len(examples), args.candidates, replace=False))
    cands = [examples[i] for i in cand_idx]
    scores = {}
    for name, idx in (("kmeans", km), ("random", rnd)):
        where = {int(a): j for j, a in enumerate(idx)}
        scores[name] = golden_scores(lm, cands, [examples[i] for i in idx],
                                     anchor_of=[where.get(int(i)) for i in cand_idx])
    from scipy.stats import spearmanr

    rho = spearmanr(scores["kmeans"], scores["random"]).statistic
    res["agreement"] = {"candidates": len(cands), "kmeans_anchors": int(len(km)), "random_anchors": int(len(rnd)),
                        "spearman": round(float(rho), 4), "seconds": round(time.perf_counter() - start, 1),
                        "mean_gs_kmeans": round(float(np.mean(scores["kmeans"])), 4),
                        "mean_gs_random": round(float(np.mean(scores["random"])), 4)}
    print(f"agreement: {res['agreement']}")
    _dump(args.json, res)
    return 0


def _dump(path: str | None, res: dict) -> None:
    if path:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=2)


if __name__ == "__main__":
    sys.exit(main())
