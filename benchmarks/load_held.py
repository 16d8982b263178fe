"""Load held: a large corpus through ``sluiceway run`` end to end, with peak memory, and the same run with
an object store small enough to spill (it must still finish, every row accounted for).

Each run is the CLI a user types, as a subprocess: ``python -m sluiceway.cli run CONFIG --input ... --output
...``. While it runs, every 0.5 s, the benchmark samples the total PSS of the CLI and all its descendants
(raylet with the object store, GCS, workers; see ``proc_memory``) and the bytes on disk in the Ray session's
spill directory (``ray_spilled_objects_*``). The object store size comes from the raylet's command line
(``--object_store_memory``); ``SLUICEWAY_OBJECT_STORE_MB`` sets it. Spill totals come from the raylet's own
log lines (``Spilled N MiB, K objects``, ``Restored N MiB``): the CLI sets Ray's backend log level to
``fatal`` unless asked otherwise, so the benchmark runs it with ``RAY_BACKEND_LOG_LEVEL=info`` (Ray's own
default; nothing else changes). Afterwards the output is checked from the written files twice:
``sluiceway verify OUT`` (report.json's manifest against the shards) and
``sluiceway.testing.assert_output_accounts`` (the inputs re-read, every row's key found exactly once).

    python benchmarks/make_web_corpus.py --docs 100000 --out bench_out/load_held/web-100k.jsonl.gz
    python benchmarks/load_held.py --config benchmarks/configs/load_held.yaml \\
        --input bench_out/load_held/web-100k.jsonl.gz --store-mb default 200 --work bench_out/load_held
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from proc_memory import PeakMemory, cmdline  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SPILLED = re.compile(r"Spilled (\d+) MiB, (\d+) objects")
_RESTORED = re.compile(r"Restored (\d+) MiB, (\d+) objects")


def _flag(args: list[str], name: str) -> str | None:
    prefix = f"--{name}="
    return next((a[len(prefix):] for a in args if a.startswith(prefix)), None)


def _dir_bytes(pattern: str) -> int:
    total = 0
    for folder in glob.glob(pattern):
        for base, _, files in os.walk(folder):
            for f in files:
                try:
                    total += os.path.getsize(os.path.join(base, f))
                except OSError:  # deleted while we walk: the object was freed
                    pass
    return total


class RayWatch:
    """Per sample: finds the run's raylet among the CLI's descendants (session dir, store size) and the
    bytes currently in the session's spill directory."""

    def __init__(self) -> None:
        self.session: str | None = None
        self.store_bytes: int | None = None
        self.peak_spill_dir = 0

    def __call__(self, pids: list[int]) -> None:
        if self.session is None:
            for pid in pids:
                args = cmdline(pid)
                if args and os.path.basename(args[0]) == "raylet":
                    self.session = _flag(args, "session_dir")
                    store = _flag(args, "object_store_memory")
                    self.store_bytes = int(store) if store and store.isdigit() else None
                    break
        if self.session:
            self.peak_spill_dir = max(self.peak_spill_dir,
                                      _dir_bytes(os.path.join(self.session, "ray_spilled_objects_*")))


def raylet_spill_log(session: str | None) -> dict:
    """The last cumulative ``Spilled`` / ``Restored`` figures the raylet logged (0 when it logged none)."""
    out = {"spilled_mib": 0, "spilled_objects": 0, "restored_mib": 0, "restored_objects": 0}
    for path in sorted(glob.glob(os.path.join(session or "/nonexistent", "logs", "raylet*.out"))):
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                for pattern, key in ((_SPILLED, "spilled"), (_RESTORED, "restored")):
                    m = pattern.search(line)
                    if m:
                        out[f"{key}_mib"] = max(out[f"{key}_mib"], int(m.group(1)))
                        out[f"{key}_objects"] = max(out[f"{key}_objects"], int(m.group(2)))
    return out


def _load() -> str:
    with open("/proc/loadavg", encoding="utf-8") as fh:
        return " ".join(fh.read().split()[:3])


def _env(store_mb: str) -> dict:
    env = {**os.environ, "SLUICEWAY_PROGRESS": "0", "RAY_BACKEND_LOG_LEVEL": "info"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)
    env.pop("SLUICEWAY_OBJECT_STORE_MB", None)
    if store_mb != "default":
        env["SLUICEWAY_OBJECT_STORE_MB"] = store_mb
    return env


def check_output(out: str, inputs: list[str], env: dict) -> dict:
    """Accounting from the written files: ``sluiceway verify`` and, independently, the inputs re-read."""
    from sluiceway.testing import assert_output_accounts

    verify = subprocess.run([sys.executable, "-m", "sluiceway.cli", "verify", out], env=env,
                            capture_output=True, text=True)
    result = {"verify_rc": verify.returncode, "verify": (verify.stdout + verify.stderr).strip().splitlines()[-1:]}
    try:
        assert_output_accounts(out, inputs)
        result["identity_check"] = "ok"
    except AssertionError as exc:
        result["identity_check"] = f"FAILED: {exc}"
    return result


def run_once(config: str, inputs: list[str], out: str, store_mb: str, log: str) -> dict:
    env = _env(store_mb)
    cmd = [sys.executable, "-m", "sluiceway.cli", "run", config, "--input", *inputs, "--output", out, "--overwrite"]
    res: dict = {"object_store_mb_asked": store_mb, "command": " ".join(cmd[1:]), "load_start": _load()}
    watch = RayWatch()
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
        with PeakMemory(every=0.5, root=proc.pid, on_sample=watch) as mem:
            rc = proc.wait()
    res.update(wall_s=round(time.perf_counter() - start, 1), rc=rc, load_end=_load(),
               peak_pss_gib=round(mem.peak / 2**30, 2), pss_samples=mem.samples, session=watch.session,
               object_store_mib=round(watch.store_bytes / 2**20) if watch.store_bytes else None,
               peak_spill_dir_mib=round(watch.peak_spill_dir / 2**20, 1), **raylet_spill_log(watch.session))
    if rc != 0:
        with open(log, encoding="utf-8", errors="replace") as fh:
            res["error_tail"] = fh.read()[-3000:]
        return res
    with open(os.path.join(out, "report.json"), encoding="utf-8") as fh:
        rows = json.load(fh)["rows"]
    res.update(input=rows["input"], kept=rows["kept"], rejected=rows["rejected"],
               rows_lost=rows["input"] - rows["kept"] - rows["rejected"],
               docs_per_s=round(rows["input"] / res["wall_s"], 1))
    res.update(check_output(out, inputs, env))
    return res


def markdown(results: list[dict]) -> str:
    head = ("| object store | docs | wall (s) | docs/s | peak PSS (GiB) | spilled | restored | peak in spill dir "
            "| kept / rejected | accounting | load start → end |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
    lines = []
    for r in results:
        store = f"{r['object_store_mib']} MiB" + (" (default)" if r["object_store_mb_asked"] == "default" else "")
        if r["rc"] != 0:
            lines.append(f"| {store} | - | {r['wall_s']} | - | {r['peak_pss_gib']} | {r['spilled_mib']} MiB | "
                         f"{r['restored_mib']} MiB | {r['peak_spill_dir_mib']} MiB | - | FAILED (exit {r['rc']}) | "
                         f"{r['load_start']} → {r['load_end']} |")
            continue
        spilled = f"{r['spilled_mib']} MiB ({r['spilled_objects']} objects)" if r["spilled_mib"] else "no spill"
        ok = r["verify_rc"] == 0 and r["identity_check"] == "ok" and r["rows_lost"] == 0
        lines.append(f"| {store} | {r['input']:,} | {r['wall_s']} | {r['docs_per_s']} | {r['peak_pss_gib']} | "
                     f"{spilled} | {r['restored_mib']} MiB | {r['peak_spill_dir_mib']} MiB | "
                     f"{r['kept']:,} / {r['rejected']:,} | {'verify OK, rows lost 0' if ok else 'FAILED'} | "
                     f"{r['load_start']} → {r['load_end']} |")
    return head + "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=os.path.join("benchmarks", "configs", "load_held.yaml"))
    ap.add_argument("--input", nargs="+", required=True)
    ap.add_argument("--store-mb", nargs="+", default=["default", "200"],
                    help="object store sizes to run with, in MiB ('default': Ray's own, 30%% of memory)")
    ap.add_argument("--work", default=os.path.join("bench_out", "load_held"))
    ap.add_argument("--name", default="load_held", help="prefix of the output dirs, logs, JSON and Markdown")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    inputs = sorted(p for pattern in args.input for p in glob.glob(pattern)) or args.input
    results = []
    for store in args.store_mb:
        tag = f"{args.name}-store-{store}"
        res = run_once(args.config, inputs, os.path.join(args.work, tag), store,
                       os.path.join(args.work, f"{tag}.log"))
        res["config"] = args.config
        results.append(res)
        print(json.dumps(res), flush=True)
        with open(os.path.join(args.work, f"{args.name}.json"), "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1)  # after each run, so a long one leaves its numbers behind
    table = markdown(results)
    with open(os.path.join(args.work, f"{args.name}.md"), "w", encoding="utf-8") as fh:
        fh.write(table)
    print(table)


if __name__ == "__main__":
    main()
