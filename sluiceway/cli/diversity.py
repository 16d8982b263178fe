"""CLI hooks: ``sluiceway embed train`` and ``sluiceway diversity OUT_DIR``."""

from __future__ import annotations

import argparse
import json
import time


def _train(args: argparse.Namespace) -> int:
    from sluiceway.diversity.fasttext_embedder import train_fasttext_embedder

    start = time.perf_counter()
    extra = {"threads": args.threads} if args.threads is not None else {}
    embedder = train_fasttext_embedder(None, args.output, files=args.input, text_field=args.text_field,
                                       max_texts=args.max_texts, dim=args.dim, epoch=args.epoch, seed=args.seed,
                                       min_count=args.min_count, bucket=args.bucket, weighting=args.weighting,
                                       **extra)
    print(f"trained a {embedder.dim}-d fastText embedder ({embedder.weighting}) in "
          f"{time.perf_counter() - start:.1f} s: {args.output}")
    print(f"use it with: - embed: {{backend: fasttext, model_path: {args.output}}}")
    return 0


def _diversity(args: argparse.Namespace) -> int:
    from sluiceway.diversity.metrics import format_diversity
    from sluiceway.diversity.output import diversity_of_output

    result = diversity_of_output(args.output_dir, cluster_column=args.cluster_column,
                                 embedding_column=args.embedding_column)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    flat = {k: v for k, v in result.items() if k != "rejected_by_stage"}
    flat.update({f"rejected/{k}": v for k, v in result.get("rejected_by_stage", {}).items()})
    print(format_diversity(flat))
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    embed = subparsers.add_parser("embed", help="sentence embedders (train a fastText embedder)")
    embed_sub = embed.add_subparsers(dest="embed_command", required=True)
    train = embed_sub.add_parser("train", help="train skip-gram vectors + TF-IDF/SIF weights on a corpus")
    train.add_argument("--input", required=True, nargs="+", help="files: .txt (one text per line), JSONL, JSON, Parquet")
    train.add_argument("--output", required=True, help="directory to write vectors.bin and embedder.json")
    train.add_argument("--text-field", default="text", help="field holding the text (not for .txt)")
    train.add_argument("--max-texts", type=int, help="train on the first N texts only")
    train.add_argument("--dim", type=int, default=100)
    train.add_argument("--epoch", type=int, default=5)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--min-count", type=int, default=2, help="minimum word count for a word vector")
    train.add_argument("--bucket", type=int, default=200_000, help="character n-gram buckets (model size)")
    train.add_argument("--threads", type=int, help="training threads; fewer than 11 are raised to 11 (fastText "
                       "0.9.3 initializes only threads/10 of the matrix), so runs are not bit-for-bit repeatable")
    train.add_argument("--weighting", choices=("tfidf", "sif", "mean"), default="tfidf")
    train.set_defaults(func=_train)

    div = subparsers.add_parser("diversity", help="diversity of kept vs rejected rows of a finished run")
    div.add_argument("output_dir", help="a run's output directory (Parquet, after embed + cluster)")
    div.add_argument("--cluster-column", default="cluster_id")
    div.add_argument("--embedding-column", default="embedding")
    div.add_argument("--json", action="store_true", help="print the full JSON")
    div.set_defaults(func=_diversity)
