"""``sluiceway quality|langid|tokenizer train``: train the models the model stages need.

The lead's CLI calls :func:`add_parser`; handlers return an exit code and raise ``ValueError`` on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from sluiceway.fasttext_models.params import LangidTrainParams, QualityTrainParams


def _out_dir(path: str) -> None:
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise ValueError(f"output directory does not exist: {parent}")


def _write_json(path: str | None, result: dict) -> None:
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)


def _quality_train(args: argparse.Namespace) -> int:
    from sluiceway.fasttext_models.quality import format_metrics, train_quality
    from sluiceway.io.texts import read_texts

    _out_dir(args.out)
    params = QualityTrainParams(dim=args.dim, epoch=args.epoch, lr=args.lr, word_ngrams=args.word_ngrams,
                                min_count=args.min_count, bucket=args.bucket, holdout=args.holdout,
                                balance=not args.no_balance, seed=args.seed, threads=args.threads)
    params.validate()
    start = time.perf_counter()
    positive = read_texts(args.positive, args.text_field, args.max_docs, args.seed)
    negative = read_texts(args.negative, args.text_field, args.max_docs, args.seed)
    result = train_quality(positive, negative, args.out, params)
    result["seconds"] = round(time.perf_counter() - start, 2)
    print(format_metrics(result))
    _write_json(args.metrics_json, result)
    return 0


def _langid_train(args: argparse.Namespace) -> int:
    from sluiceway.fasttext_models.langid import format_langid, read_langid_dir, train_langid

    _out_dir(args.out)
    params = LangidTrainParams(dim=args.dim, epoch=args.epoch, lr=args.lr, minn=args.minn, maxn=args.maxn,
                               bucket=args.bucket, holdout=args.holdout, seed=args.seed, threads=args.threads)
    params.validate()
    result = train_langid(read_langid_dir(args.data), args.out, params)
    print(format_langid(result))
    _write_json(args.metrics_json, result)
    return 0


def _tokenizer_train(args: argparse.Namespace) -> int:
    from sluiceway.io.texts import read_texts
    from sluiceway.text.tokenizer import train_bpe

    _out_dir(args.out)
    if args.sample_docs < 1:
        raise ValueError(f"--sample-docs must be >= 1, got {args.sample_docs}")
    start = time.perf_counter()
    texts = read_texts(args.input, args.text_field, args.sample_docs, args.seed)
    if not texts:
        raise ValueError(f"no documents found in {' '.join(args.input)}")
    tok = train_bpe(texts, args.vocab_size, args.out, args.min_frequency, length=len(texts))
    print(f"tokenizer: {args.out}  vocab {tok.get_vocab_size()}  trained on {len(texts)} documents "
          f"in {time.perf_counter() - start:.1f} s")
    return 0


def _common(p: argparse.ArgumentParser, out_default: str, dim: int, epoch: int, lr: float, bucket: int,
            holdout: float) -> None:
    p.add_argument("--out", default=out_default, help=f"model file to write (default {out_default})")
    p.add_argument("--dim", type=int, default=dim, help=f"vector dimension (default {dim})")
    p.add_argument("--epoch", type=int, default=epoch, help=f"training epochs (default {epoch})")
    p.add_argument("--lr", type=float, default=lr, help=f"learning rate (default {lr})")
    p.add_argument("--bucket", type=int, default=bucket, help=f"hash buckets for n-grams (default {bucket})")
    p.add_argument("--holdout", type=float, default=holdout, help=f"held-out fraction for metrics (default {holdout})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2, help="fastText training threads (default 2)")
    p.add_argument("--metrics-json", help="also write the metrics to this JSON file")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``quality``, ``langid`` and ``tokenizer`` sub-commands, each with ``train``."""
    q, lq = QualityTrainParams(), LangidTrainParams()

    quality = subparsers.add_parser("quality", help="fastText quality classifier").add_subparsers(
        dest="quality_command", required=True)
    qt = quality.add_parser("train", help="train reference-quality vs raw-crawl (GPT-3 / DCLM recipe)")
    qt.add_argument("--positive", required=True, nargs="+", help="high-quality files or globs (JSONL/JSON/Parquet, "
                    ".txt = one document per line)")
    qt.add_argument("--negative", required=True, nargs="+", help="raw/low-quality files or globs")
    qt.add_argument("--text-field", default="text")
    qt.add_argument("--max-docs", type=int, help="sample at most this many documents per class")
    qt.add_argument("--word-ngrams", type=int, default=q.word_ngrams, help=f"word n-grams (default {q.word_ngrams})")
    qt.add_argument("--min-count", type=int, default=q.min_count, help=f"minimum word count (default {q.min_count})")
    qt.add_argument("--no-balance", action="store_true", help="keep class sizes as they are (default: downsample)")
    _common(qt, "quality.bin", q.dim, q.epoch, q.lr, q.bucket, q.holdout)
    qt.set_defaults(func=_quality_train)

    langid = subparsers.add_parser("langid", help="fastText language identification").add_subparsers(
        dest="langid_command", required=True)
    lt = langid.add_parser("train", help="train from DIR/<language>.txt files, one sentence per line")
    lt.add_argument("--data", required=True, help="directory of <language>.txt files")
    lt.add_argument("--minn", type=int, default=lq.minn, help=f"min char n-gram (default {lq.minn})")
    lt.add_argument("--maxn", type=int, default=lq.maxn, help=f"max char n-gram (default {lq.maxn})")
    _common(lt, "lid.bin", lq.dim, lq.epoch, lq.lr, lq.bucket, lq.holdout)
    lt.set_defaults(func=_langid_train)

    tokenizer = subparsers.add_parser("tokenizer", help="tokenizers for count_tokens").add_subparsers(
        dest="tokenizer_command", required=True)
    tt = tokenizer.add_parser("train", help="train a byte-level BPE tokenizer.json on a sample of the corpus")
    tt.add_argument("--input", required=True, nargs="+", help="corpus files or globs")
    tt.add_argument("--vocab-size", type=int, default=32000)
    tt.add_argument("--out", default="tokenizer.json")
    tt.add_argument("--sample-docs", type=int, default=100_000, help="reservoir sample size (default 100000)")
    tt.add_argument("--min-frequency", type=int, default=2)
    tt.add_argument("--text-field", default="text")
    tt.add_argument("--seed", type=int, default=0)
    tt.set_defaults(func=_tokenizer_train)
