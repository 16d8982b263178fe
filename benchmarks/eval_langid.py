"""Evaluate fastText language ID on the 12-language sentence set (train 80%, test 20% per language).

Also runs the ``langid`` stage on short snippets (the first N characters of each held-out sentence):
how many it reports as "unknown" and how accurate the rest are.

    .venv/bin/python benchmarks/eval_langid.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter

import pyarrow as pa

from sluiceway.fasttext_models.fasttext_io import load_model
from sluiceway.fasttext_models.langid import (
    evaluate_langid,
    format_langid,
    read_langid_dir,
    split_data,
    train_langid,
)
from sluiceway.fasttext_models.params import LangidTrainParams
from sluiceway.pipelines.execute import apply_stage
from sluiceway.stages.langid import LanguageId


def snippets(test: dict[str, list[str]], chars: int, **params) -> str:
    """Stage semantics on the first ``chars`` characters: unknown rate and accuracy of the rest."""
    stage = LanguageId(model=params.pop("model"), **params)
    texts = [s[:chars] for lines in test.values() for s in lines]
    truth = [lang for lang, lines in test.items() for _ in lines]
    ids = [str(i) for i in range(len(texts))]
    table = pa.table({"id": ids, "text": texts, "stage": pa.nulls(len(texts), pa.string()),
                      "reason": pa.nulls(len(texts), pa.string()), "detail": pa.nulls(len(texts), pa.string())})
    langs = apply_stage(stage, table, Counter()).column("language").to_pylist()
    known = [(p, t) for p, t in zip(langs, truth, strict=True) if p != "unknown"]
    what = "whole sentence" if chars >= 10_000 else f"first {chars:>2} chars"
    return (f"{what:<15} unknown {1 - len(known) / len(texts):6.1%}   accuracy of the rest "
            f"{sum(p == t for p, t in known) / max(len(known), 1):6.1%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--holdout", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    data = read_langid_dir(os.path.join(args.data, "langid"))
    params = LangidTrainParams(holdout=args.holdout, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "lid.bin")
        start = time.perf_counter()
        result = train_langid(data, path, params)
        print(f"trained in {time.perf_counter() - start:.1f} s; model {os.path.getsize(path) / 1e6:.1f} MB; "
              f"params {params}")
        print(format_langid(result))
        model = load_model(path)
        _, test = split_data(data, args.holdout, args.seed)
        assert evaluate_langid(model, test)["macro_accuracy"] == result["macro_accuracy"]
        d = LanguageId(model=path)
        print(f"snippets through the langid stage, defaults (min_chars {d.min_chars}, "
              f"unknown_below {d.unknown_below}):")
        for chars in (5, 10, 20, 40, 10_000):
            print("  " + snippets(test, chars, model=path))
        print("20-char snippets, min_chars 0, by unknown_below:")
        for cut in (0.0, 0.5, 0.7, 0.9):
            print(f"  {cut:.1f}: " + snippets(test, 20, model=path, min_chars=0, unknown_below=cut))


if __name__ == "__main__":
    main()
