"""Throughput of quality scoring, language ID and token counting, per core, over >= 100,000 documents.

Documents are the non-empty C4 and Common Crawl samples repeated to ``--docs`` (each copy gets its
own id). Each stage runs exactly as in a Ray actor (``apply_stage`` on Arrow batches), in this one
process; "per core" is documents per CPU-second (``time.process_time``), so other load on the machine
does not distort it. Token counting runs single-threaded (``TOKENIZERS_PARALLELISM=false``) for the
per-core figure; ``--parallel`` adds a run with the Rust thread pool on.

    .venv/bin/python benchmarks/throughput_fasttext_tokens.py --data ../shared/data --docs 100000
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

import pyarrow as pa  # noqa: E402

from sluiceway.fasttext_models.langid import read_langid_dir, train_langid  # noqa: E402
from sluiceway.fasttext_models.params import LangidTrainParams, QualityTrainParams  # noqa: E402
from sluiceway.fasttext_models.quality import train_quality  # noqa: E402
from sluiceway.pipelines.execute import apply_stage  # noqa: E402
from sluiceway.stages.langid import LanguageId  # noqa: E402
from sluiceway.stages.quality import FastTextQuality  # noqa: E402
from sluiceway.stages.tokens import CountTokens  # noqa: E402
from sluiceway.text.tokenizer import train_bpe  # noqa: E402


def load_docs(data: str) -> tuple[list[str], list[str]]:
    with open(os.path.join(data, "web/c4_demo.jsonl"), encoding="utf-8") as fh:
        c4 = [t for t in (json.loads(x)["text"] for x in fh if x.strip()) if t.strip()]
    with gzip.open(os.path.join(data, "web/cc_main_sample.jsonl.gz"), "rt", encoding="utf-8") as fh:
        cc = [t for t in (json.loads(x)["text"] for x in fh if x.strip()) if t.strip()]
    return c4, cc


def batches(texts: list[str], n: int, size: int) -> list[pa.Table]:
    out = []
    for start in range(0, n, size):
        rows = range(start, min(start + size, n))
        out.append(pa.table({
            "id": pa.array([f"doc{i}" for i in rows], pa.string()),
            "text": pa.array([texts[i % len(texts)] for i in rows], pa.large_string()),
            "stage": pa.nulls(len(rows), pa.string()), "reason": pa.nulls(len(rows), pa.string()),
            "detail": pa.nulls(len(rows), pa.string())}))
    return out


def measure(name: str, stage, tables: list[pa.Table], n_chars: int) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    stage.setup()
    load = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    counters: Counter = Counter()
    for table in tables:
        apply_stage(stage, table, counters)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = sum(t.num_rows for t in tables)
    print(f"{name:<34}{n:>9,}{n / cpu:>12,.0f}{n_chars / cpu / 1e6:>10.1f}{n / wall:>12,.0f}{load:>8.2f}"
          + (f"   tokens {counters['tokens_counted']:,}" if "tokens_counted" in counters else ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--parallel", action="store_true", help="also count tokens with the Rust thread pool on")
    args = ap.parse_args()

    c4, cc = load_docs(args.data)
    texts = c4 + cc
    tables = batches(texts, args.docs, args.batch_size)
    n_chars = sum(len(texts[i % len(texts)]) for i in range(args.docs))
    print(f"{args.docs:,} documents, mean {n_chars / args.docs:,.0f} characters; batches of {args.batch_size}; "
          f"{os.cpu_count()} CPUs on this machine")
    with tempfile.TemporaryDirectory() as tmp:
        quality, lid, tok = (os.path.join(tmp, x) for x in ("quality.bin", "lid.bin", "tokenizer.json"))
        train_quality(c4, cc, quality, QualityTrainParams(holdout=0.0))
        train_langid(read_langid_dir(os.path.join(args.data, "langid")), lid, LangidTrainParams(holdout=0.0))
        start = time.perf_counter()
        train_bpe(texts, 32_000, tok)
        print(f"byte-level BPE, vocab 32000, trained on {len(texts)} documents in {time.perf_counter() - start:.1f} s")
        print(f"{'stage':<34}{'docs':>9}{'docs/CPU-s':>12}{'MB/CPU-s':>10}{'docs/s wall':>12}{'load s':>8}")
        measure("fasttext_quality (threshold)", FastTextQuality(model=quality), tables, n_chars)
        measure("fasttext_quality (pareto)", FastTextQuality(model=quality, mode="pareto"), tables, n_chars)
        measure("langid", LanguageId(model=lid), tables, n_chars)
        measure("count_tokens (1 thread)", CountTokens(tokenizer=tok), tables, n_chars)
        if args.parallel:
            os.environ["TOKENIZERS_PARALLELISM"] = "true"
            measure("count_tokens (Rust pool, all CPUs)", CountTokens(tokenizer=tok), tables, n_chars)


if __name__ == "__main__":
    main()
