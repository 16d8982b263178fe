#!/usr/bin/env python
"""Write the sluiceway demo data set: python scripts/make_demo_corpus.py --out data/demo --docs 3000 --seed 0"""

from __future__ import annotations

import argparse
import os
import sys
import time

# the generator lives in the checkout's demo/ folder, not in the installed package
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from demo import make_demo_corpus  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="data/demo", help="output directory (default: data/demo)")
    parser.add_argument("--docs", type=int, default=3000, help="lines in the web corpus (default: 3000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--quality-docs", type=int, default=1000, help="positives and negatives each")
    parser.add_argument("--langid-sentences", type=int, default=1500, help="sentences per language")
    parser.add_argument("--sft-examples", type=int, default=400, help="Alpaca records")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    manifest = make_demo_corpus(args.out, docs=args.docs, seed=args.seed, quality_docs=args.quality_docs,
                                langid_sentences=args.langid_sentences, sft_examples=args.sft_examples)
    counts = ", ".join(f"{k} {v}" for k, v in manifest["counts"].items())
    print(f"wrote {args.out}: {manifest['docs']} web docs ({counts}); "
          f"quality {manifest['quality']['positive']}+{manifest['quality']['negative']}; "
          f"langid {sum(manifest['langid'].values())} sentences; sft {manifest['sft']['examples']} "
          f"in {time.perf_counter() - start:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
