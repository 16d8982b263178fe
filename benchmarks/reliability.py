#!/usr/bin/env python
"""Fault injection for a whole pipeline: kill the driver (SIGKILL) or interrupt it (SIGINT) at random points,
resume, and compare the output with an uninterrupted run.

    python benchmarks/reliability.py --config configs/pretrain_web.yaml --input 'data/demo/web-*.jsonl.gz' \
        --work bench_out/reliability --kills 5 --interrupts 2 --seed 0

Each trial runs into its own fresh directory, is stopped after a random delay drawn uniformly between 10% and
``--max-fraction`` (90%) of the reference run's wall time, then rerun with ``--resume`` until it finishes. Outputs are compared by
identity: the sorted row keys (``source``) of kept/ and rejected/ and a SHA-256 over the canonical rows.
After each SIGKILL the script also counts the processes of the dead driver's Ray session that are still alive.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq
from proc_memory import cmdline  # benchmarks/proc_memory.py (this script's folder is on sys.path)


def output_digest(output: str) -> dict:
    """Rows and a content hash per split (kept, rejected), independent of shard names and row order."""
    result = {}
    for split in ("kept", "rejected"):
        folder = os.path.join(output, split)
        tables = [pq.read_table(os.path.join(folder, f)) for f in sorted(os.listdir(folder))
                  if f.endswith(".parquet")] if os.path.isdir(folder) else []
        if not tables:
            result[split] = {"rows": 0, "sha256": hashlib.sha256().hexdigest()}
            continue
        table = pa.concat_tables(tables, promote_options="permissive").sort_by("source")
        digest = hashlib.sha256()
        for row in table.to_pylist():
            digest.update(json.dumps(row, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8",
                                                                                             "surrogatepass"))
        keys = table.column("source").to_pylist()
        result[split] = {"rows": table.num_rows, "distinct_keys": len(set(keys)), "sha256": digest.hexdigest()}
    return result


def command(args: argparse.Namespace, output: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "sluiceway.cli", "run", args.config, "--input", *args.input,
            "--output", output, *extra]


def ray_processes_of(session_dirs: set[str]) -> int:
    """Processes whose command line names one of these Ray session directories."""
    commands = (" ".join(cmdline(int(pid))) for pid in os.listdir("/proc") if pid.isdigit())
    return sum(any(s in cmd for s in session_dirs) for cmd in commands)


def ray_sessions() -> set[str]:
    root = "/tmp/ray"
    return {os.path.join(root, d) for d in os.listdir(root) if d.startswith("session_2")} if os.path.isdir(root) \
        else set()


def stop_at(cmd: list[str], delay: float, sig: int, env: dict) -> tuple[int, float, str, set[str]]:
    """Start ``cmd``, send ``sig`` after ``delay`` seconds; return (exit code, seconds, stderr tail, new sessions)."""
    before = ray_sessions()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, time.perf_counter() - start, err[-600:], ray_sessions() - before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/pretrain_web.yaml")
    parser.add_argument("--input", nargs="+", default=["data/demo/web-*.jsonl.gz"])
    parser.add_argument("--work", default="bench_out/reliability")
    parser.add_argument("--kills", type=int, default=5, help="SIGKILL trials")
    parser.add_argument("--interrupts", type=int, default=2, help="SIGINT (Ctrl-C) trials")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-fraction", type=float, default=0.9,
                        help="latest stop, as a fraction of the reference run's wall time (default 0.9)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    env = {**os.environ, "SLUICEWAY_PROGRESS": "0"}
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)

    ref = os.path.join(args.work, "reference")
    start = time.perf_counter()
    subprocess.run(command(args, ref), check=True, env=env, stdout=subprocess.DEVNULL)
    ref_seconds = time.perf_counter() - start
    expected = output_digest(ref)
    print(f"reference run: {ref_seconds:.1f} s, kept {expected['kept']['rows']}, "
          f"rejected {expected['rejected']['rows']}", flush=True)

    trials = [("SIGKILL", signal.SIGKILL)] * args.kills + [("SIGINT", signal.SIGINT)] * args.interrupts
    results = []
    for number, (label, sig) in enumerate(trials):
        out = os.path.join(args.work, f"trial-{number}")
        delay = rng.uniform(0.1, args.max_fraction) * ref_seconds
        code, seconds, err, sessions = stop_at(command(args, out), delay, sig, env)
        time.sleep(5)
        leftover = ray_processes_of(sessions) if sig == signal.SIGKILL else None
        start = time.perf_counter()
        resumed = subprocess.run(command(args, out, "--resume"), env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
        resume_seconds = time.perf_counter() - start
        got = output_digest(out) if resumed.returncode == 0 else None
        row = {"signal": label, "stopped": code != 0, "delay_s": round(delay, 1), "exit": code, "stopped_after_s": round(seconds, 1),
               "ray_processes_left": leftover, "resume_exit": resumed.returncode,
               "resume_s": round(resume_seconds, 1), "identical": got == expected,
               "resume_hint": "--resume" in err if sig == signal.SIGINT else None}
        if resumed.returncode != 0:
            row["resume_error"] = resumed.stderr[-400:]
        results.append(row)
        print(json.dumps(row), flush=True)
        shutil.rmtree(out, ignore_errors=True)

    identical = sum(r["identical"] for r in results)
    print(f"{identical}/{len(results)} interrupted runs resumed to output identical to the reference")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"reference_seconds": ref_seconds, "expected": expected, "trials": results}, fh, indent=1)
    return 0 if identical == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
