"""MinHash signature throughput per core: sluiceway vs datasketch ``MinHash.bulk`` vs rensa, side by side.

Same documents (real web sentences recombined, ~250 words), 128 permutations, word 5-gram shingles, one
thread for everyone (``RAYON_NUM_THREADS=1``, Arrow's pool at 1 CPU). Baselines get their shingles from
Python (``text.lower().split()`` 5-grams), timed separately ("shingling") and together ("from text").
Needs ``rensa``: run it in the benchmark venv, with the checkout on the path:

    RAYON_NUM_THREADS=1 PYTHONPATH=. .bench-venv/bin/python benchmarks/minhash_signatures.py --docs 100000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402


def py_shingles(text: str, n: int = 5) -> list[str]:
    words = text.lower().split()
    if len(words) < n:
        return [" ".join(words)] if words else []
    return [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]


def timed(fn, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def run_sluiceway(texts: list[str], batch: int, hash_function: str) -> np.ndarray:
    from sluiceway.dedup.minhash import MinHasher
    from sluiceway.dedup.shingles import ShingleConfig

    hasher = MinHasher(128, 1, "affine32", ShingleConfig(hash_function=hash_function))
    arr = pa.array(texts, pa.large_string())
    return np.vstack([hasher.signatures(arr.slice(i, batch))[0] for i in range(0, len(texts), batch)])


def run_datasketch(shingles: list[list[bytes]]) -> list:
    from datasketch import MinHash

    return MinHash.bulk(shingles, num_perm=128, seed=1)


def run_rensa(shingles: list[list[str]]) -> list:
    from rensa import RMinHash

    out = []
    for s in shingles:
        m = RMinHash(num_perm=128, seed=1)
        m.update(s)
        out.append(m.digest())
    return out


def run_rensa_matrix(shingles: list[list[str]]) -> object:
    from rensa import RMinHash

    return RMinHash.digest_matrix_from_token_sets(shingles, 128, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10, help="methods alternate on this many slices")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    from minhash_corpus import build

    _, texts, _ = build(args.data, args.docs, near_dup=0.0)
    words = float(np.mean([len(t.split()) for t in texts]))
    n = len(texts)
    seconds: dict[str, float] = {}

    def add(name: str, dt: float) -> None:
        seconds[name] = seconds.get(name, 0.0) + dt

    try:
        import rensa  # noqa: F401

        have_rensa = True
    except ImportError:
        have_rensa = False
        print("rensa not installed: skipped (pip install rensa in the benchmark venv)")
    ours_sha_first = None
    bounds = np.linspace(0, n, args.rounds + 1).astype(int)
    for r in range(args.rounds):  # interleaved, so every method sees the same machine load
        part = texts[bounds[r]:bounds[r + 1]]
        dt, _ = timed(run_sluiceway, part, args.batch, "fast")
        add("sluiceway fast", dt)
        dt, sig = timed(run_sluiceway, part, args.batch, "sha1")
        add("sluiceway sha1", dt)
        if ours_sha_first is None:
            ours_sha_first = (part, sig)
        dt, str_shingles = timed(lambda p=part: [py_shingles(t) for t in p])
        add("python shingling", dt)
        dt, byte_shingles = timed(lambda s=str_shingles: [[x.encode() for x in d] for d in s])
        add("datasketch encode", dt)
        dt, _ = timed(run_datasketch, byte_shingles)
        add("datasketch bulk", dt)
        if have_rensa:
            dt, _ = timed(run_rensa, str_shingles)
            add("rensa RMinHash", dt)
            dt, _ = timed(run_rensa_matrix, str_shingles)
            add("rensa digest_matrix", dt)
        print(f"round {r + 1}/{args.rounds}: " + ", ".join(f"{k} {v:.1f}s" for k, v in seconds.items()), flush=True)
    shingle = seconds["python shingling"]
    rows = {
        "sluiceway fast, from text (default)": seconds["sluiceway fast"],
        "sluiceway sha1, from text (= datasketch bits)": seconds["sluiceway sha1"],
        "datasketch MinHash.bulk, from text": seconds["datasketch bulk"] + seconds["datasketch encode"] + shingle,
        "datasketch MinHash.bulk, shingles given": seconds["datasketch bulk"] + seconds["datasketch encode"],
    }
    if have_rensa:
        rows.update({
            "rensa RMinHash, from text": seconds["rensa RMinHash"] + shingle,
            "rensa RMinHash, shingles given": seconds["rensa RMinHash"],
            "rensa digest_matrix, from text": seconds["rensa digest_matrix"] + shingle,
            "rensa digest_matrix, shingles given": seconds["rensa digest_matrix"],
        })
    base = n / rows["datasketch MinHash.bulk, from text"]
    results = {k: {"seconds": round(v, 2), "docs_per_s": round(n / v, 1), "x_datasketch_bulk": round(n / v / base, 2)}
               for k, v in rows.items()}
    print(f"{n} docs, {words:.0f} words/doc, 128 permutations, 1 thread")
    for k, v in results.items():
        print(f"{k:<48} {v['docs_per_s']:>10.0f} docs/s  {v['x_datasketch_bulk']:>6.2f}x datasketch bulk")
    # bit-identity spot check: sha1 mode vs datasketch on the same documents
    from datasketch import MinHash

    from sluiceway.dedup.shingles import ShingleConfig, shingle_texts

    part, sig = ours_sha_first
    for i in range(0, len(part), max(1, len(part) // 50)):
        m = MinHash(num_perm=128, seed=1)
        m.update_batch([s.encode() for s in shingle_texts(part[i], ShingleConfig(hash_function="sha1"))])
        assert (m.hashvalues == sig[i]).all(), f"sha1 mode differs from datasketch on doc {i}"
    print("sha1 mode bit-identical to datasketch on the checked documents")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"docs": n, "words_per_doc": round(words, 1), "num_perm": 128, "threads": 1,
                       "results": results}, fh, indent=1)


if __name__ == "__main__":
    main()
