"""CLI hook: ``sluiceway select``, ``sluiceway iqs train|eval`` and ``sluiceway lm train-demo``."""

from __future__ import annotations

import argparse
import json

from sluiceway.cli.options import add_run_options


def _select(args: argparse.Namespace) -> int:
    from sluiceway.pipelines.sft_select import run_select

    run_select(args.config, args.input, args.output, overwrite=args.overwrite, ray_address=args.ray_address,
               num_cpus=args.num_cpus, strict=args.strict, limit=args.limit)
    return 0


def _iqs_train(args: argparse.Namespace) -> int:
    from sluiceway.sft import iqs

    pairs = iqs.load_pairs(args.data, args.split)
    if args.backend == "encoder":
        opts = {"base_model": args.base_model, "epochs": args.epochs, "max_length": args.max_length,
                "batch_size": args.batch_size, "lr": args.lr, "max_minutes": args.max_minutes, "device": args.device,
                "train_layers": args.train_layers}
    else:
        opts = {"embedder": args.embedder, "embedder_path": args.embedder_path,
                "use_embeddings": not args.no_embeddings}
    info = iqs.train_iqs(pairs, args.output, backend=args.backend, **opts)
    print(json.dumps(info, indent=2))
    if args.valid:
        valid = iqs.load_pairs(args.valid if args.valid != "auto" else args.data, "valid")
        print(f"valid: {iqs.evaluate(iqs.load_iqs(args.output), valid)}; "
              f"longer response wins: {iqs.length_baseline(valid)}")
    return 0


def _iqs_eval(args: argparse.Namespace) -> int:
    from sluiceway.sft import iqs

    pairs = iqs.load_pairs(args.data, args.split)
    print(json.dumps({"model": iqs.evaluate(iqs.load_iqs(args.model), pairs),
                      "longer_wins": iqs.length_baseline(pairs)}, indent=2))
    return 0


def _lm_train_demo(args: argparse.Namespace) -> int:
    from sluiceway.io.read import ReadOptions, expand_inputs, read_file
    from sluiceway.rows import alive_rows
    from sluiceway.sft.template import nuggets_demonstration
    from sluiceway.sft.tiny_lm import STAND_IN_NOTE, train_tiny_lm

    opts = ReadOptions(records="instructions")
    texts = [nuggets_demonstration(row["instruction"], row["input"], row["output"], reference=True)
             for path in expand_inputs(args.data) for table in read_file(path, opts)
             for row in alive_rows(table).select(["instruction", "input", "output"]).to_pylist()]
    if not texts:
        raise ValueError(f"no usable instruction records in {args.data}")
    info = train_tiny_lm(args.output, texts, arch=args.arch, minutes=args.minutes, max_steps=args.max_steps,
                         seed=args.seed)
    print(json.dumps(info, indent=2))
    print(f"NOTE: {STAND_IN_NOTE}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    sel = sub.add_parser("select", help="select SFT data (Nuggets or CaR) from Alpaca/ShareGPT JSON[L]")
    add_run_options(sel, example="configs/sft_car.yaml", inputs="instruction data: Alpaca/ShareGPT JSON[L]",
                    strict="stop at the first unusable record", resume=False)
    sel.add_argument("--limit", type=int, help="use only the first N records of each file (a quick look)")
    sel.add_argument("--work-dir", help=argparse.SUPPRESS)  # accepted, unused: the input is read in place
    sel.set_defaults(func=_select)

    iqs = sub.add_parser("iqs", help="CaR instruction-pair quality scorer").add_subparsers(dest="iqs_command",
                                                                                         required=True)
    train = iqs.add_parser("train", help="train on (instruction, better, worse) pairs")
    train.add_argument("--data", required=True, help="pairs CSV (src,pos,neg) / JSONL, or the folder with pairs_*.csv")
    train.add_argument("--split", default="train", help="which pairs_{split}.csv when --data is a folder")
    train.add_argument("--output", required=True, help="model folder to write")
    train.add_argument("--backend", choices=("cheap", "encoder"), default="cheap")
    train.add_argument("--valid", nargs="?", const="auto", help="report accuracy on pairs_valid (folder or file)")
    train.add_argument("--embedder", default="auto", help="cheap: embedding backend (auto, fasttext, hashing, ...)")
    train.add_argument("--embedder-path", help="cheap: embedding model path")
    train.add_argument("--no-embeddings", action="store_true", help="cheap: surface features only")
    train.add_argument("--base-model", help="encoder: local encoder to fine-tune (default: bundled MiniLM)")
    train.add_argument("--epochs", type=int, default=2)
    train.add_argument("--max-length", type=int, default=256)
    train.add_argument("--batch-size", type=int, default=16)
    train.add_argument("--lr", type=float, default=5e-5)
    train.add_argument("--max-minutes", type=float, help="encoder: stop training after this long")
    train.add_argument("--train-layers", type=int, help="encoder: train only the top N layers and the head")
    train.add_argument("--device", default="auto")
    train.set_defaults(func=_iqs_train)
    ev = iqs.add_parser("eval", help="pairwise accuracy of a trained scorer")
    ev.add_argument("--model", required=True)
    ev.add_argument("--data", required=True)
    ev.add_argument("--split", default="valid")
    ev.set_defaults(func=_iqs_eval)

    lm = sub.add_parser("lm", help="language-model helpers").add_subparsers(dest="lm_command", required=True)
    demo = lm.add_parser("train-demo", help="train the tiny stand-in GPT for offline Nuggets demos")
    demo.add_argument("--data", required=True, nargs="+", help="instruction data to train on")
    demo.add_argument("--output", required=True, help="model folder to write")
    demo.add_argument("--arch", choices=("gpt2", "llama"), default="gpt2")
    demo.add_argument("--minutes", type=float, default=3.0, help="training time budget")
    demo.add_argument("--max-steps", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(func=_lm_train_demo)

