"""Parquet read throughput of ``read_file`` (one process, no Ray) on a synthetic corpus with real-world columns.

The file has ``--rows`` rows: a string id, a ~600-character text, a URL, a timestamp, an int64 score and a
float; ``--keep url`` lifts the URL into its own column, everything else goes to ``meta``. ``--plain`` drops the
timestamp (the reader before the typed-column fix crashed on it). Rows/s are the best of ``--repeats``.

    PYTHONPATH=. python benchmarks/read_parquet.py --rows 100000
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import tempfile
import time
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

WORDS = "the of and a to in is was for on that with as by at from his her it an were are which be".split()


def make_table(rows: int, plain: bool, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    vocab = np.array(WORDS + [f"w{i}" for i in range(2000)])
    words = vocab[rng.integers(0, len(vocab), size=(rows, 100))]
    texts = [" ".join(w) for w in words]
    cols = {
        "id": [f"doc-{i}" for i in range(rows)],
        "text": texts,
        "url": [f"https://example.org/{i % 997}/{i}" for i in range(rows)],
        "score": pa.array(rng.integers(0, 1000, rows), pa.int64()),
        "prob": pa.array(rng.random(rows), pa.float64()),
    }
    if not plain:
        base = datetime.datetime(2020, 1, 1)
        cols["crawled"] = pa.array([base + datetime.timedelta(seconds=int(s))
                                    for s in rng.integers(0, 10**8, rows)], pa.timestamp("us"))
    return pa.table(cols)


def main() -> int:
    from sluiceway.io.read import ReadOptions, read_file

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--plain", action="store_true", help="no timestamp column")
    ap.add_argument("--keep", nargs="*", default=["url"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "corpus.parquet")
        pq.write_table(make_table(args.rows, args.plain), path, row_group_size=20_000)
        opts = ReadOptions(keep_fields=tuple(args.keep))
        best = float("inf")
        rows = 0
        for _ in range(args.repeats):
            counters: Counter = Counter()
            start = time.perf_counter()
            rows = sum(t.num_rows for t in read_file(path, opts, "corpus.parquet", counters))
            best = min(best, time.perf_counter() - start)
        assert rows == args.rows, (rows, args.rows)
        print(json.dumps({"rows": rows, "seconds": round(best, 3), "rows_per_s": round(rows / best),
                          "timestamp": not args.plain, "size_mb": round(os.path.getsize(path) / 1e6, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
