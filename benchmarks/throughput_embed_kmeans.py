"""Throughput: sentence embeddings per second per core (fastText TF-IDF and all-MiniLM-L6-v2, one
thread each) on >= 50,000 texts, and k-means fit + assign time on >= 500,000 vectors (numpy and the
Ray `cluster` stage).

Texts come from ../shared/data, cycled to --texts: ``--pool short`` (default) is the sentences and
instructions the purity evaluation clusters (12-language sentences; instruction + input of the SFT
sets: 15.5k distinct, mean 92 characters); ``--pool all`` adds answers, Wikipedia lines and web
documents (18.5k distinct, mean 358 characters, cut to --max-chars). "Per core" is texts per CPU-second of this
process, so other load on the machine does not count against it. Vectors for k-means are
synthetic: a mixture of 1,000 Gaussian clusters on the 384-d unit sphere (the MiniLM size), since
embedding 500k real texts would take hours on one CPU core.

    .venv/bin/python benchmarks/throughput_embed_kmeans.py --data ../shared/data --skip-kmeans
    .venv/bin/python benchmarks/throughput_embed_kmeans.py --skip-embed --rows 500000
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # "per core": one thread for BLAS/torch in the embedding part
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import glob  # noqa: E402
import gzip  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def _instruction(instruction: str, inp: str | None) -> str:
    return f"{instruction.strip()}\n{(inp or '').strip()}".strip()


def gather_texts(data: str, pool: str = "short") -> list[str]:
    """Distinct non-empty texts: ``short`` = sentences + instructions, ``all`` = also answers and documents."""
    import csv

    texts: list[str] = []
    for path in sorted(glob.glob(os.path.join(data, "langid", "*.txt"))):
        with open(path, encoding="utf-8") as fh:
            texts += [line.strip() for line in fh if line.strip()]
    alpaca = []
    for name in ("alpaca_en_demo.json", "alpaca_zh_demo.json"):
        with open(os.path.join(data, "sft", name), encoding="utf-8") as fh:
            alpaca += json.load(fh)
    texts += [_instruction(r["instruction"], r.get("input")) for r in alpaca]
    with open(os.path.join(data, "sft", "seed_tasks.jsonl"), encoding="utf-8") as fh:
        seeds = [json.loads(line) for line in fh if line.strip()]
    texts += [_instruction(r["instruction"], (r.get("instances") or [{}])[0].get("input")) for r in seeds]
    for split in ("train", "valid"):
        with open(os.path.join(data, "sft", "car_expert_revised", f"pairs_{split}.csv"), encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                instruction, _, inp = r["src"].removeprefix("Instruction:").strip().partition(" Input: ")
                texts.append(_instruction(instruction, inp))
    if pool == "all":
        texts += [r["output"] for r in alpaca if r.get("output")]
        with open(os.path.join(data, "web", "wiki_demo.txt"), encoding="utf-8") as fh:
            texts += [line.strip() for line in fh if line.strip()]
        for path, opener in ((os.path.join(data, "web", "c4_demo.jsonl"), open),
                             (os.path.join(data, "web", "cc_main_sample.jsonl.gz"), gzip.open)):
            with opener(path, "rt", encoding="utf-8") as fh:
                texts += [json.loads(line)["text"] for line in fh if line.strip()]
    elif pool != "short":
        raise ValueError(f"--pool must be short or all, got {pool!r}")
    return [t for t in dict.fromkeys(texts) if t.strip()]


class Timer:
    """Wall and CPU seconds of this process: on a shared machine, n / CPU seconds is the per-core rate."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def rate(self, n: int) -> str:
        return (f"{n} in {self.wall:.1f} s wall, {self.cpu:.1f} s CPU = {n / self.cpu:,.0f}/s per core "
                f"({n / self.wall:,.0f}/s wall)")


def bench_embed(texts: list[str], corpus: list[str], backends: list[str], max_chars: int, st_threads: int,
                save_minilm: str | None = None) -> None:
    from sluiceway.diversity.embedders import load_embedder, train_fasttext_embedder

    texts = [t[:max_chars] for t in texts]
    corpus = [t[:max_chars] for t in corpus]
    print(f"texts: {len(texts)} (from {len(corpus)} distinct), mean {np.mean([len(t) for t in texts]):.0f} chars")
    if "fasttext" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            start, before = time.perf_counter(), os.times()
            train_fasttext_embedder(corpus, tmp, dim=100, epoch=5)
            after = os.times()
            child = after.children_user + after.children_system - before.children_user - before.children_system
            own = after.user + after.system - before.user - before.system
            print(f"fastText train (dim 100, 5 epochs, 11 threads, in a subprocess) on {len(corpus)} texts: "
                  f"{time.perf_counter() - start:.1f} s wall, {child:.1f} s CPU training + {own:.1f} s CPU "
                  "tokenizing/IDF/SIF")
            for name, batch in (("distinct texts, cold word cache", corpus), ("all texts", texts)):
                emb = load_embedder("fasttext", tmp)
                with Timer() as t:
                    for i in range(0, len(batch), 1000):
                        emb.encode(batch[i:i + 1000])
                print(f"fastText TF-IDF encode, 1 thread, {name}: {t.rate(len(batch))}")
    if "minilm" in backends:
        emb = load_embedder("sentence-transformers", threads=st_threads, device="cpu")
        tokens = [min(len(ids), emb.model.max_seq_length) for ids in emb.model.tokenizer(corpus)["input_ids"]]
        emb.encode(texts[:64])
        first = []  # vectors of the first len(corpus) texts (distinct), for --save-minilm
        with Timer() as t:
            for i in range(0, len(texts), 1024):
                X = emb.encode(texts[i:i + 1024], batch_size=64)
                if i < len(corpus):
                    first.append(X)
                if (i // 1024) % 10 == 9:
                    done, cpu = i + len(X), time.process_time() - t.cpu
                    print(f"  {done} texts: {time.perf_counter() - t.wall:.0f} s wall, {done / cpu:.1f}/CPU-s",
                          flush=True)
        if save_minilm:  # reused by eval_diversity.py --minilm-from (keyed by text)
            os.makedirs(save_minilm, exist_ok=True)
            vectors = np.concatenate(first)[:len(corpus)]
            np.save(os.path.join(save_minilm, "vectors.npy"), vectors)
            with open(os.path.join(save_minilm, "texts.json"), "w", encoding="utf-8") as fh:
                json.dump(texts[:len(vectors)], fh, ensure_ascii=False)
        print(f"all-MiniLM-L6-v2 encode (max_seq_length {emb.model.max_seq_length}, mean {np.mean(tokens):.0f} "
              f"tokens after truncation), {st_threads} torch thread(s): {t.rate(len(texts))}")


def synthetic(rows: int, dim: int, centers: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    C = rng.normal(size=(centers, dim)).astype(np.float32)
    C /= np.linalg.norm(C, axis=1, keepdims=True)
    X = C[rng.integers(0, centers, rows)] + rng.normal(scale=0.04, size=(rows, dim)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X


def bench_kmeans(rows: int, dim: int, sample: int, ray_too: bool, pcas: tuple[float | None, ...]) -> None:
    from threadpoolctl import threadpool_limits

    from sluiceway.diversity.kmeans import default_k, fit_kmeans

    X = synthetic(rows, dim, 1000)
    k = default_k(rows)
    cores = os.cpu_count()
    with threadpool_limits(limits=cores):
        for pca in pcas:
            with Timer() as fit:
                model = fit_kmeans(X, k, seed=0, sample_size=sample, pca_variance=pca)
            with Timer() as assign:
                model.assign(X)
            extra = f", PCA {pca} -> {model.info['pca_dim']} dims" if pca else ""
            print(f"k-means numpy/sklearn, {rows} x {dim}, k={k}, fit on {sample} ({model.info['algorithm']}{extra}, "
                  f"{model.info['iterations']} iterations): "
                  f"fit {fit.wall:.1f} s wall / {fit.cpu:.1f} s CPU; assign all {assign.wall:.1f} s wall / "
                  f"{assign.cpu:.1f} s CPU ({rows / assign.cpu:,.0f} rows per CPU-second); up to {cores} threads")
        if ray_too:  # the driver fits with all cores; Ray workers assign with one thread each
            bench_ray_cluster(X, k, sample)


def bench_ray_cluster(X: np.ndarray, k: int, sample: int) -> None:
    import pyarrow as pa
    import ray

    from sluiceway.diversity.arrow import to_vector_array
    from sluiceway.pipelines.runtime import init_ray
    from sluiceway.stages.base import RunContext
    from sluiceway.stages.cluster import Cluster

    init_ray(num_cpus=os.cpu_count())
    blocks = []
    for start in range(0, len(X), 50_000):
        n = min(50_000, len(X) - start)
        blocks.append(pa.table({"id": [str(i) for i in range(start, start + n)], "source": ["synthetic"] * n,
                                "reason": pa.nulls(n, pa.string()), "embedding": to_vector_array(X[start:start + n])}))
    ds = ray.data.from_arrow(blocks).materialize()
    with tempfile.TemporaryDirectory() as tmp:
        ctx = RunContext(tmp, num_partitions=4)
        start = time.perf_counter()
        out = Cluster(k=k, sample_size=sample, seed=0).apply(ds, ctx)
        fitted = time.perf_counter() - start
        counts = out.map_batches(lambda t: pa.table({"n": [t.num_rows]}), batch_format="pyarrow")
        n = sum(int(b.column("n").to_numpy().sum()) for b in counts.iter_batches(batch_format="pyarrow"))
        total = time.perf_counter() - start
    d = ctx.report("cluster")["alive"]
    print(f"Ray `cluster` stage, {len(X)} rows: sample + fit + metrics {fitted:.1f} s, with assigning all rows "
          f"{total:.1f} s; {n} rows out; effective clusters {d['effective_clusters']:.0f} of {k}")
    ray.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--texts", type=int, default=50_000)
    ap.add_argument("--offset", type=int, default=0, help="start this far into the cycled texts (to split a run "
                    "over processes, one per core)")
    ap.add_argument("--max-chars", type=int, default=10_000, help="as the embed stage's max_chars")
    ap.add_argument("--backends", default="fasttext,minilm")
    ap.add_argument("--pool", choices=("short", "all"), default="short", help="which texts (see above)")
    ap.add_argument("--st-threads", type=int, default=1, help="torch threads for MiniLM")
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--sample", type=int, default=100_000)
    ap.add_argument("--skip-embed", action="store_true")
    ap.add_argument("--skip-kmeans", action="store_true")
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--pca", default="none,0.95", help="numpy k-means runs: PCA variance fractions or none, "
                    "comma-separated (\"\" = only the Ray stage)")
    ap.add_argument("--save-minilm", help="directory for the MiniLM vectors of the distinct texts")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not args.skip_embed:
        corpus = gather_texts(args.data, args.pool)
        texts = list(itertools.islice(itertools.cycle(corpus), args.offset, args.offset + args.texts))
        bench_embed(texts, corpus, args.backends.split(","), args.max_chars, args.st_threads, args.save_minilm)
    if not args.skip_kmeans:
        pcas = tuple(None if v == "none" else float(v) for v in args.pca.split(",") if v)
        bench_kmeans(args.rows, args.dim, args.sample, not args.no_ray, pcas)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
