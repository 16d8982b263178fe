"""Time ``sluiceway plan run`` end to end (a fresh process each time, layout search included).

Usage: python benchmarks/plan_speed.py [--repeat 5] [-- extra plan-run arguments]
Runs the top-level ``sluiceway.cli`` main. Target: < 1 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ["plan", "run", "llama2-7b", "--tokens", "2e12", "--gpus", "1024", "--gpu", "h100", "--json"]
CASES = [
    DEFAULT,
    ["plan", "run", "gpt3-175b", "--tokens", "300B", "--gpus", "4096", "--gpu", "a100-80gb", "--global-batch",
     "1536", "--json"],
    ["plan", "run", "llama2-70b", "--tokens", "2T", "--gpus", "2048", "--gpu", "h200"],
]


def entry() -> list[str]:
    return [sys.executable, "-c", "import sys; from sluiceway.cli import main; sys.exit(main())"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("extra", nargs="*", help="plan-run arguments replacing the built-in cases")
    args = ap.parse_args()
    cmd = entry()
    cases = [args.extra] if args.extra else CASES
    worst = 0.0
    for case in cases:
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            res = subprocess.run(cmd + case, cwd=ROOT, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            if res.returncode != 0:
                print(res.stderr, file=sys.stderr)
                return 1
        best, median = min(times), sorted(times)[len(times) // 2]
        worst = max(worst, median)
        print(f"{median:.3f} s median, {best:.3f} s best  ({' '.join(case)})")
    print(f"entry: sluiceway.cli; slowest median {worst:.3f} s ({'OK' if worst < 1 else 'OVER 1 s'})")
    return 0 if worst < 1 else 1


if __name__ == "__main__":
    sys.exit(main())
