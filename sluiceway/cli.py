"""The ``sluiceway`` command. Heavy imports (Ray) happen inside handlers so ``sluiceway plan`` stays fast.

Every error is printed in a few lines naming the file (and line) involved; Ray's wrappers are unwrapped to
the root cause. The trace is shown only with the global ``--debug`` flag.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Callable

# sub-commands defined next to the code they drive: module -> the commands it adds
EXTENSIONS = {
    "sluiceway.planning.cli": ("plan",),
    "sluiceway.models.cli": ("quality", "langid", "tokenizer"),
    "sluiceway.diversity.cli": ("embed", "diversity"),
    "sluiceway.sft.cli": ("select", "iqs", "lm"),
}
# a missing optional import -> what to install
INSTALL = {"torch": "torch (CPU: pip install torch --index-url https://download.pytorch.org/whl/cpu)",
           "transformers": "'sluiceway[sft]'", "sentence_transformers": "'sluiceway[embed]'",
           "sklearn": "scikit-learn", "yaml": "pyyaml", "fasttext": "fasttext"}
SFT_STAGE_MODULES = ("sluiceway.stages.iqs", "sluiceway.stages.nuggets", "sluiceway.stages.car_select")


def _is_sft(pipeline) -> bool:
    return any(type(s).__module__ in SFT_STAGE_MODULES for s in pipeline.stages)


def _run(args: argparse.Namespace) -> int:
    from sluiceway.pipelines.pipeline import Pipeline
    from sluiceway.stages.registry import ConfigError

    pipeline = Pipeline.from_config(args.config)
    if _is_sft(pipeline):
        raise ConfigError(f"{args.config} is an SFT selection config: run it with `sluiceway select {args.config} "
                          "--input ... --output ...`")
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

    pipeline = Pipeline.from_config(args.config)
    how = ""
    if _is_sft(pipeline):  # `sluiceway select` lifts the instruction fields into columns
        from sluiceway.sft.select import sft_read_options

        pipeline.read_options = sft_read_options(pipeline.read_options)
        how = " (run it with `sluiceway select`)"
    pipeline.check()
    print(f"{args.config}: {len(pipeline.stages)} stages OK{how}: {', '.join(s.name for s in pipeline.stages)}")
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
            for field in stage_params(cls).values():
                default = field.default if field.default is not dataclasses.MISSING else "(required)"
                print(f"    {field.name} = {default!r}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sluiceway", description="Curate LLM training data on Ray.")
    parser.add_argument("--debug", action="store_true", help="show Python and Ray traces with errors")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a YAML pipeline")
    run.add_argument("config", help="pipeline YAML, e.g. configs/pretrain_web.yaml")
    run.add_argument("--input", required=True, nargs="+", help="input files or globs (JSONL[.gz|.zst], JSON, Parquet)")
    run.add_argument("--output", required=True, help="output directory")
    run.add_argument("--format", choices=("parquet", "jsonl", "jsonl.gz"), help="output format (default: config)")
    run.add_argument("--text-field", help="input field holding the text")
    run.add_argument("--id-field", help="input field holding the id (default: assigned file:line)")
    run.add_argument("--ray-address", help="attach to a running Ray cluster (e.g. 'auto')")
    run.add_argument("--num-cpus", type=int, help="CPUs for embedded local Ray (default: all)")
    run.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    run.add_argument("--resume", action="store_true", help="reuse checkpoints in an existing output directory")
    run.add_argument("--strict", action="store_true", help="stop at the first malformed record instead of rejecting it")
    run.set_defaults(func=_run)

    check = sub.add_parser("check", help="validate a YAML pipeline without running it")
    check.add_argument("config")
    check.set_defaults(func=_check)

    verify = sub.add_parser("verify", help="re-check a finished output: every input row exactly once, by row key")
    verify.add_argument("output", help="output directory of `sluiceway run` (with its report.json)")
    verify.set_defaults(func=_verify)

    stages = sub.add_parser("stages", help="list the registered stages")
    stages.add_argument("-v", "--verbose", action="store_true", help="show parameters and defaults")
    stages.set_defaults(func=_stages)

    for module, commands in EXTENSIONS.items():
        _add_extension(sub, module, commands)
    return parser


def _add_extension(sub: argparse._SubParsersAction, module: str, commands: tuple[str, ...]) -> None:
    """Register a module's sub-commands; if it cannot be imported, its commands say why instead of vanishing."""
    import importlib

    try:
        register: Callable[[argparse._SubParsersAction], None] = importlib.import_module(module).add_parser
    except ImportError as exc:
        message = _import_message(module, exc)
        for name in commands:
            stub = sub.add_parser(name, help=f"(unavailable: {message})", add_help=False)
            stub.add_argument("rest", nargs=argparse.REMAINDER)
            stub.set_defaults(func=_unavailable(message, exc))
        return
    register(sub)


def _import_message(module: str, exc: ImportError) -> str:
    missing = getattr(exc, "name", None) or ""
    top = missing.split(".")[0]
    if isinstance(exc, ModuleNotFoundError) and top and top != "sluiceway":
        return f"needs: pip install {INSTALL.get(top, top)} (no module {missing!r})"
    return f"{module} cannot be imported: {type(exc).__name__}: {exc}"


def _unavailable(message: str, exc: ImportError) -> Callable[[argparse.Namespace], int]:
    def fail(args: argparse.Namespace) -> int:
        raise CommandUnavailable(message) from exc

    return fail


class CommandUnavailable(RuntimeError):
    """A sub-command whose module (or an optional dependency of it) cannot be imported."""


def _resume_command(argv: list[str]) -> str:
    """The same ``sluiceway run`` command line with ``--resume`` instead of ``--overwrite``."""
    args = [a for a in argv if a not in ("--overwrite", "--resume", "--debug")]
    return "sluiceway " + shlex.join([*args, "--resume"])


def _own_error(exc: BaseException) -> bool:
    """Errors sluiceway raises on purpose, with a message written for the user."""
    return type(exc).__module__.split(".")[0] == "sluiceway" or isinstance(exc, FileNotFoundError | FileExistsError)


def report_error(exc: BaseException, debug: bool) -> int:
    """Print ``exc`` in a few lines (the root cause behind Ray's wrappers); return the exit status."""
    import traceback

    from sluiceway.pipelines.runtime import is_ray_wrapper, root_cause, short_message

    if debug:
        traceback.print_exception(exc)
    cause = root_cause(exc)
    message = short_message(exc)
    expected = isinstance(cause, ValueError | OSError | RuntimeError)
    if _own_error(cause) or is_ray_wrapper(cause):  # a remote cause's message already names its type
        print(f"error: {message}", file=sys.stderr)
        if is_ray_wrapper(cause) and not debug:
            print("rerun with --debug for the trace", file=sys.stderr)
    else:
        print(f"error: {type(cause).__name__}: {message}", file=sys.stderr)
        if not debug:
            print("rerun with --debug for the trace", file=sys.stderr)
    return 2 if expected else 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # accepted anywhere on the line, not only before the sub-command
    if debug:
        os.environ["SLUICEWAY_DEBUG"] = "1"
    args = build_parser().parse_args([a for a in argv if a != "--debug"])
    try:
        return args.func(args)
    except KeyboardInterrupt as exc:
        output = getattr(exc, "output", None)
        if output is not None and getattr(args, "command", None) == "run":
            print(f"interrupted: {output} is marked interrupted and unlocked; resume with:\n  "
                  f"{_resume_command(argv)}", file=sys.stderr)
        elif output is not None:
            print(f"interrupted: {output} is marked interrupted and unlocked", file=sys.stderr)
        else:
            print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the catch-all: a few lines, never a raw traceback
        return report_error(exc, debug)


if __name__ == "__main__":
    sys.exit(main())
