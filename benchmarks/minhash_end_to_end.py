"""End-to-end MinHash dedup (signatures → buckets → components → filtered output) on a large corpus, and
against datasketch ``MinHashLSH`` + union-find on a subset both can handle.

The corpus is real web sentences recombined into ~250-word documents, 10% of them edited copies of an
earlier document (known source; up to 3% of words edited, so mostly above the 0.8 threshold). The stage runs as a sluiceway pipeline on local Ray (Parquet in, kept /
rejected Parquet out). Peak memory is the largest sum of PSS over the driver and every process it
started (Ray's raylet, workers and object store), sampled every 2 s.

    python benchmarks/minhash_end_to_end.py --docs 1000000 --compare-docs 100000
"""

from __future__ import annotations

import argparse
import glob
import json
import multiprocessing as mp
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from proc_memory import PeakMemory  # noqa: E402


def make_corpus(data: str, docs: int, out_dir: str, files: int) -> dict[str, str]:
    from minhash_corpus import build, write

    stamp = os.path.join(out_dir, f"corpus-{docs}.json")
    if os.path.exists(stamp):
        with open(stamp, encoding="utf-8") as fh:
            return json.load(fh)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    start = time.perf_counter()
    ids, texts, truth = build(data, docs, rates=(0.0, 0.03))  # copies mostly above the 0.8 threshold
    write(os.path.join(out_dir, "part.parquet"), ids, texts, files)
    with open(stamp, "w", encoding="utf-8") as fh:
        json.dump(truth, fh)
    print(f"corpus: {docs} docs in {time.perf_counter() - start:.0f}s -> {out_dir}", flush=True)
    return truth


def run_pipeline(inputs: list[str], out: str, verify: bool, num_cpus: int, hash_function: str = "fast",
                 resume: bool = False) -> dict:
    from sluiceway.pipelines.pipeline import Pipeline
    from sluiceway.stages.minhash_dedup import MinHashDedup

    if not resume:
        shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    with PeakMemory() as mem:
        stage = MinHashDedup(verify=verify, hash_function=hash_function)
        report = Pipeline([stage]).run(inputs, out, num_cpus=num_cpus, quiet=True, resume=resume)
    wall = time.perf_counter() - start
    steps = {}
    for marker in glob.glob(os.path.join(out, "_checkpoints", "minhash", "*", "_COMPLETE.json")):
        with open(marker, encoding="utf-8") as fh:
            steps[os.path.basename(os.path.dirname(marker)).split("-")[0]] = json.load(fh).get("seconds")
    info = next(s for s in report["stages"] if s["name"] == "minhash_dedup")["report"]
    return {"docs": report["rows"]["input"], "wall_s": round(wall, 1), "docs_per_s": round(report["rows"]["input"] / wall),
            "peak_pss_gib": round(mem.peak / 2**30, 2), "removed": report["rows"]["rejected"],
            "step_seconds": steps, "bands_rows": [info["bands"], info["rows"]], "cc_rounds": info.get("cc_rounds"),
            "candidate_edges": info.get("candidate_edges"), "verified_edges": info.get("verified_edges"),
            "steps": info["steps"]}


def removed_ids(out: str) -> dict[str, str]:
    import pyarrow.parquet as pq

    got = {}
    for f in glob.glob(os.path.join(out, "rejected", "**", "*.parquet"), recursive=True):
        t = pq.read_table(f, columns=["id", "reason", "duplicate_of"])
        for i, r, d in zip(*(t.column(c).to_pylist() for c in ("id", "reason", "duplicate_of")), strict=True):
            if r == "near_duplicate":
                got[i] = d
    return got


def recall_of_injected(truth: dict[str, str], removed: dict[str, str]) -> float:
    """Injected copies (or their sources) that were removed as near duplicates of one another's group."""
    found = sum(1 for dup, src in truth.items() if dup in removed or src in removed)
    return round(found / max(1, len(truth)), 4)


def injected_recall(corpus_dir: str, truth: dict[str, str], removed: dict[str, str],
                    threshold: float = 0.8) -> dict:
    """Recall over the injected copies whose exact Jaccard (stage shingles) with their source is at least
    the threshold; copies below it are reported apart (edits push about half of them under 0.8)."""
    import pyarrow.parquet as pq

    from sluiceway.dedup.shingles import ShingleConfig, shingle_text_lists

    needed = set(truth) | set(truth.values())
    text = {}
    for f in sorted(glob.glob(os.path.join(corpus_dir, "*.parquet"))):
        t = pq.read_table(f)
        for i, x in zip(t.column("id").to_pylist(), t.column("text").to_pylist(), strict=True):
            if i in needed:
                text[i] = x
    above = below = hit_above = hit_below = 0
    cfg, order = ShingleConfig(), sorted(text)
    sets = {}
    for k in range(0, len(order), 5000):  # the stage's own vectorized shingling, a chunk at a time
        chunk = order[k:k + 5000]
        sets.update(zip(chunk, map(set, shingle_text_lists([text[i] for i in chunk], cfg)), strict=True))
    for dup, src in truth.items():
        a, b = sets[dup], sets[src]
        sim = len(a & b) / max(1, len(a | b))
        hit = dup in removed or src in removed
        if sim >= threshold:
            above, hit_above = above + 1, hit_above + hit
        else:
            below, hit_below = below + 1, hit_below + hit
    return {"injected_pairs_at_or_above_threshold": above, "recall_at_or_above": round(hit_above / max(1, above), 4),
            "injected_pairs_below_threshold": below, "found_below": round(hit_below / max(1, below), 4)}


def _datasketch_job(paths: list[str], limit: int, queue: mp.Queue) -> None:
    """datasketch MinHash.bulk + MinHashLSH + union-find, in a fresh process (its own peak RSS)."""
    import pyarrow.parquet as pq
    from datasketch import MinHash, MinHashLSH

    from sluiceway.dedup.shingles import ShingleConfig, shingle_texts

    ids, texts = [], []
    for p in paths:
        t = pq.read_table(p)
        ids += t.column("id").to_pylist()
        texts += t.column("text").to_pylist()
        if len(ids) >= limit:
            break
    ids, texts = ids[:limit], texts[:limit]
    cfg = ShingleConfig(hash_function="sha1")
    shingles = [[s.encode() for s in shingle_texts(t, cfg)] for t in texts]  # not timed: same shingles as ours
    start = time.perf_counter()
    sigs = MinHash.bulk(shingles, num_perm=128, seed=1)
    t_sig = time.perf_counter() - start
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    for i, m in enumerate(sigs):
        if len(shingles[i]):
            lsh.insert(i, m)
    parent = list(range(len(ids)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, m in enumerate(sigs):
        if len(shingles[i]):
            for j in lsh.query(m):
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(ids)):
        groups.setdefault(find(i), []).append(i)
    removed = {ids[i]: ids[min(g, key=lambda k: ids[k])] for g in groups.values() if len(g) > 1 for i in g
               if ids[i] != min(ids[k] for k in g)}
    wall = time.perf_counter() - start
    queue.put({"docs": len(ids), "wall_s": round(wall, 1), "signatures_s": round(t_sig, 1),
               "docs_per_s": round(len(ids) / wall), "removed": removed})


def run_datasketch(paths: list[str], limit: int) -> dict:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_datasketch_job, args=(paths, limit, queue))
    proc.start()
    with PeakMemory(every=0.5, root=proc.pid) as mem:  # ru_maxrss would include the parent's size at fork
        result = queue.get()
        proc.join()
    result["peak_pss_gib"] = round(mem.peak / 2**30, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--compare-docs", type=int, default=100_000, help="subset for datasketch (0: skip)")
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--workdir", default="/tmp/minhash_e2e")
    parser.add_argument("--num-cpus", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-verify", action="store_true", help="skip verification in the big run")
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted big run from its checkpoints")
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    os.environ.setdefault("SLUICEWAY_PROGRESS", "0")
    results: dict = {"machine": {"cpus": os.cpu_count(), "num_cpus": args.num_cpus}}

    if not args.skip_big:
        big_dir = os.path.join(args.workdir, f"corpus-{args.docs}")
        truth = make_corpus(args.data, args.docs, big_dir, args.files)
        big = sorted(glob.glob(os.path.join(big_dir, "*.parquet")))
        out = os.path.join(args.workdir, "out-big")
        res = run_pipeline(big, out, not args.no_verify, args.num_cpus, resume=args.resume)
        gone = removed_ids(out)
        res["recall_of_injected"] = recall_of_injected(truth, gone)
        res.update(injected_recall(big_dir, truth, gone))
        results["big"] = res
        print("sluiceway (big):", json.dumps(res), flush=True)
        if args.json:  # after each part, so a long run leaves its numbers behind
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump(results, fh, indent=1)
    if args.compare_docs:
        small_dir = os.path.join(args.workdir, f"corpus-{args.compare_docs}")
        truth_small = make_corpus(args.data, args.compare_docs, small_dir, max(1, args.files // 10))
        small = sorted(glob.glob(os.path.join(small_dir, "*.parquet")))
        ours = run_pipeline(small, os.path.join(args.workdir, "out-small"), True, args.num_cpus)
        ours_removed = removed_ids(os.path.join(args.workdir, "out-small"))
        ours["recall_of_injected"] = recall_of_injected(truth_small, ours_removed)
        print("sluiceway, defaults (subset):", json.dumps(ours), flush=True)
        sha = run_pipeline(small, os.path.join(args.workdir, "out-small-sha1"), False, args.num_cpus, "sha1")
        sha_removed = removed_ids(os.path.join(args.workdir, "out-small-sha1"))
        sha["recall_of_injected"] = recall_of_injected(truth_small, sha_removed)
        print("sluiceway sha1 (subset):", json.dumps(sha), flush=True)
        ds = run_datasketch(small, args.compare_docs)
        ds_removed = ds.pop("removed")
        ds["recall_of_injected"] = recall_of_injected(truth_small, ds_removed)
        print("datasketch MinHashLSH + union-find (subset):", json.dumps(ds), flush=True)
        results["subset"] = {"sluiceway_fast": ours, "sluiceway_sha1": sha, "datasketch": ds,
                             "sha1_same_removals_as_datasketch": sha_removed == ds_removed,
                             "fast_vs_datasketch_removed_only_by": [len(set(ours_removed) - set(ds_removed)),
                                                                    len(set(ds_removed) - set(ours_removed))]}
        print("sha1 run removes exactly what datasketch removes (same representative):",
              results["subset"]["sha1_same_removals_as_datasketch"], flush=True)

    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
