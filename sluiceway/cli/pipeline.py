"""``sluiceway run | check | verify | stages``: run and check YAML pipelines, re-check an output, list stages."""

from __future__ import annotations

import argparse
import sys

from sluiceway.cli.options import add_run_options


def _run(args: argparse.Namespace) -> int:
    from sluiceway.pipelines.pipeline import Pipeline
    from sluiceway.pipelines.sft_select import read_instructions

    pipeline = Pipeline.from_config(args.config)
    read_instructions(pipeline)
    if args.format:
        pipeline.output_format = args.format
    if args.text_field:
        pipeline.read_options.text_field = args.text_field
    if args.id_field:
        pipeline.read_options.id_field = args.id_field
    pipeline.run(args.input, args.output, overwrite=args.overwrite, resume=args.resume,
                 ray_address=args.ray_address, num_cpus=args.num_cpus, strict=args.strict or None)
    return 0


def _check(args: argparse.Namespace) -> int:
    from sluiceway.pipelines.pipeline import Pipeline
    from sluiceway.pipelines.sft_select import read_instructions

    pipeline = Pipeline.from_config(args.config)
    read_instructions(pipeline)
    pipeline.check()
    print(f"{args.config}: {len(pipeline.stages)} stages OK: {', '.join(s.name for s in pipeline.stages)}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from sluiceway.pipelines.verify import verify_output

    result = verify_output(args.output)
    if result.ok:
        print(f"{args.output}: {result.summary()}")
        return 0
    print(f"{args.output}: {result.summary()}", file=sys.stderr)
    for problem in result.problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def _stages(args: argparse.Namespace) -> int:
    import dataclasses

    from sluiceway.stages.registry import stage_classes, stage_params

    for name, cls in stage_classes().items():
        doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
        print(f"{name}: {doc}")
        if args.verbose:
            print(f"    module: {cls.__module__}")
            for field in stage_params(cls).values():
                default = field.default if field.default is not dataclasses.MISSING else "(required)"
                print(f"    {field.name} = {default!r}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run a YAML pipeline")
    add_run_options(run, example="configs/pretrain_web.yaml", inputs="JSONL[.gz|.zst], JSON, Parquet",
                    strict="stop at the first malformed record instead of rejecting it")
    run.add_argument("--format", choices=("parquet", "jsonl", "jsonl.gz"), help="output format (default: config)")
    run.add_argument("--text-field", help="input field holding the text")
    run.add_argument("--id-field", help="input field holding the id (default: assigned file:line)")
    run.set_defaults(func=_run)

    check = sub.add_parser("check", help="validate a YAML pipeline without running it")
    check.add_argument("config")
    check.set_defaults(func=_check)

    verify = sub.add_parser("verify", help="re-check a finished output: every input row exactly once, by row key")
    verify.add_argument("output", help="output directory of `sluiceway run` (with its report.json)")
    verify.set_defaults(func=_verify)

    stages = sub.add_parser("stages", help="list the registered stages")
    stages.add_argument("-v", "--verbose", action="store_true", help="show each stage's module, parameters and defaults")
    stages.set_defaults(func=_stages)

