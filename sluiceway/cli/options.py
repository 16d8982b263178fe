"""The options ``run`` and ``select`` share: the config, where to read and write, Ray, strictness."""

from __future__ import annotations

import argparse


def add_run_options(parser: argparse.ArgumentParser, *, example: str, inputs: str, strict: str,
                    resume: bool = True) -> None:
    """``config --input --output --ray-address --num-cpus --overwrite [--resume] --strict``."""
    parser.add_argument("config", help=f"pipeline YAML, e.g. {example}")
    parser.add_argument("--input", required=True, nargs="+", help=f"{inputs} (files or globs)")
    parser.add_argument("--output", required=True, help="output directory")
    parser.add_argument("--ray-address", help="attach to a running Ray cluster (e.g. 'auto')")
    parser.add_argument("--num-cpus", type=int, help="CPUs for embedded local Ray (default: all)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    if resume:
        parser.add_argument("--resume", action="store_true", help="reuse checkpoints in an existing output directory")
    parser.add_argument("--strict", action="store_true", help=strict)
