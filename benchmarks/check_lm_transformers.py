"""Check the Nuggets LM backend on the installed transformers with the shipped SmolLM2-135M-Instruct.

Run once per transformers version that the `sft` extra allows (results: benchmarks/results/default_models.md,
"transformers versions"). It loads the model on CPU, reports which fast paths are on (shared-prefix attention,
packed linears, the body/head split), checks that the cached and uncached prefix paths agree, and runs golden
scores on 3 candidates x 5 anchors. Exit 1 when a check fails.

    python benchmarks/check_lm_transformers.py
"""

from __future__ import annotations

import sys
import time

ANCHORS = [  # (instruction, input, output), Alpaca-style
    ("Give three tips for staying healthy.", "", "Eat a balanced diet, exercise regularly and sleep well."),
    ("What is the capital of France?", "", "The capital of France is Paris."),
    ("Translate the phrase into Spanish.", "good morning", "Buenos días."),
    ("Name a primary colour.", "", "Red is a primary colour."),
    ("Summarize the sentence.", "The cat sat on the mat all afternoon.", "A cat spent the afternoon on a mat."),
]
CANDIDATES = [
    ("List two uses of copper.", "", "Electrical wiring and plumbing pipes."),
    ("Write a haiku about rain.", "", "Soft rain on the roof / the garden drinks in silence / puddles hold the sky"),
    ("Explain what a prime number is.", "", "A prime number has exactly two divisors: one and itself."),
]


def main() -> int:
    import torch
    import transformers

    from sluiceway.sft.lm import HFCausalLM, LMConfig
    from sluiceway.sft.nuggets import golden_scores
    from sluiceway.sft.template import nuggets_demonstration, nuggets_example

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    lm = HFCausalLM(LMConfig("smollm2-135m-instruct", device="cpu"))
    print(f"transformers {transformers.__version__}, torch {torch.__version__}: loaded in "
          f"{time.perf_counter() - t0:.1f}s; shared_prefix={lm.shared_prefix} packed={lm.packed} "
          f"body_split={lm._body is not None} int8={lm.int8}")
    ok = bool(lm.shared_prefix and lm.packed and lm._body is not None)

    prefix = nuggets_demonstration(*CANDIDATES[0])
    pairs = [nuggets_example(*a) for a in ANCHORS]
    cached = lm.score_with_prefix(prefix, pairs, reuse_cache=True)
    plain = lm.score_with_prefix(prefix, pairs, reuse_cache=False)
    diff = max(abs(a - b) for (a, _), (b, _) in zip(cached, plain, strict=True))
    same_counts = all(n == m for (_, n), (_, m) in zip(cached, plain, strict=True))
    print(f"score_with_prefix cached vs uncached: max |diff| {diff:.2e} over {len(pairs)} pairs "
          f"(counts equal: {same_counts})")
    ok = ok and diff <= 1e-3 and same_counts

    t0 = time.perf_counter()
    scores = golden_scores(lm, CANDIDATES, ANCHORS)
    print(f"golden scores, 3 candidates x 5 anchors in {time.perf_counter() - t0:.1f}s: "
          + ", ".join(f"{s:.2f}" for s in scores))
    ok = ok and len(scores) == len(CANDIDATES) and all(0.0 <= s <= 1.0 for s in scores)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
