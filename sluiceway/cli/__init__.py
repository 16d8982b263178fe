"""The ``sluiceway`` command: one ``main``, one module per command group (``pipeline``, ``plan``, ``models``,
``diversity``, ``sft``). Heavy imports (Ray) happen inside handlers so ``sluiceway plan`` stays fast.

Every error is printed in a few lines naming the file (and line) involved; Ray's wrappers are unwrapped to
the root cause. The trace is shown only with the global ``--debug`` flag.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Callable

# one module per command group: module -> the commands it adds
GROUPS = {
    "sluiceway.cli.pipeline": ("run", "check", "verify", "stages"),
    "sluiceway.cli.plan": ("plan",),
    "sluiceway.cli.models": ("quality", "langid", "tokenizer"),
    "sluiceway.cli.diversity": ("embed", "diversity"),
    "sluiceway.cli.sft": ("select", "iqs", "lm"),
}
# a missing optional import -> what to install
INSTALL = {"torch": "torch (CPU: pip install torch --index-url https://download.pytorch.org/whl/cpu)",
           "transformers": "'sluiceway[sft]'", "sentence_transformers": "'sluiceway[embed]'",
           "sklearn": "scikit-learn", "yaml": "pyyaml", "fasttext": "fasttext"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sluiceway", description="Curate LLM training data on Ray.")
    parser.add_argument("--debug", action="store_true", help="show Python and Ray traces with errors")
    sub = parser.add_subparsers(dest="command", required=True)

    for module, commands in GROUPS.items():
        _add_group(sub, module, commands)
    return parser


def _add_group(sub: argparse._SubParsersAction, module: str, commands: tuple[str, ...]) -> None:
    """Register a group's sub-commands. If an optional dependency is missing, its commands say what to
    install instead of vanishing; a broken sluiceway import is raised, never hidden."""
    import importlib

    try:
        register: Callable[[argparse._SubParsersAction], None] = importlib.import_module(module).add_parser
    except ImportError as exc:
        if not _optional_missing(exc):
            raise
        message = _import_message(module, exc)
        for name in commands:
            stub = sub.add_parser(name, help=f"(unavailable: {message})", add_help=False)
            stub.add_argument("rest", nargs=argparse.REMAINDER)
            stub.set_defaults(func=_unavailable(message, exc))
        return
    register(sub)


def _optional_missing(exc: ImportError) -> bool:
    """A third-party module is not installed (not a broken sluiceway import)."""
    top = (getattr(exc, "name", None) or "").split(".")[0]
    return isinstance(exc, ModuleNotFoundError) and bool(top) and top != "sluiceway"


def _import_message(module: str, exc: ImportError) -> str:
    missing = getattr(exc, "name", None) or ""
    return f"needs: pip install {INSTALL.get(missing.split('.')[0], missing)} (no module {missing!r})"


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
