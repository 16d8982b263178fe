"""fastText sentence embeddings: a TF-IDF- or SIF-weighted average of skip-gram word vectors.

Word vectors are skip-gram vectors with character n-grams (Bojanowski et al. 2017, "Enriching
Word Vectors with Subword Information"), so unseen words still get a vector from their n-grams.
A sentence is the weighted average of its tokens' vectors, L2-normalized. Weights:

* ``tfidf`` — term count × smoothed IDF ``log((1 + N) / (1 + df)) + 1`` from the training corpus;
* ``sif`` — ``a / (a + p(w))`` with the first principal component of the training sentences
  removed (Arora, Liang & Ma 2017, "A Simple but Tough-to-Beat Baseline for Sentence Embeddings");
* ``mean`` — a plain average.

A trained embedder is a directory: ``vectors.bin`` (fastText) and ``embedder.json`` (weights).
Training always uses at least ``MIN_TRAIN_THREADS`` threads: fastText 0.9.3 randomly initializes only
the first ``thread/10`` of the input matrix (see ``sluiceway.fasttext_models.fasttext_io``).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from sluiceway.diversity.arrow import l2_normalize
from sluiceway.diversity.tokenize import tokenize
from sluiceway.fasttext_models.fasttext_io import MIN_TRAIN_THREADS, training_threads

MODEL_FILE, META_FILE = "vectors.bin", "embedder.json"
WEIGHTINGS = ("tfidf", "sif", "mean")
_CACHE_LIMIT = 1_000_000


def model_files(path: str) -> tuple[str, str | None]:
    """``(vectors.bin, embedder.json or None)`` for a trained directory or a plain fastText ``.bin``."""
    if os.path.isdir(path):
        bin_path, meta = os.path.join(path, MODEL_FILE), os.path.join(path, META_FILE)
        if not os.path.isfile(bin_path):
            raise FileNotFoundError(f"{path} has no {MODEL_FILE}; train one with `sluiceway embed train`")
        return bin_path, meta if os.path.isfile(meta) else None
    if os.path.isfile(path):
        return path, None
    raise FileNotFoundError(f"fastText model not found: {path}")


def peek_dim(path: str) -> int:
    """Vector size from the fastText binary header (magic, version, then ``dim``), without loading it."""
    bin_path, _ = model_files(path)
    with open(bin_path, "rb") as fh:
        magic, _version, dim = struct.unpack("<iii", fh.read(12))
    if magic != 793712314:
        raise ValueError(f"{bin_path} is not a fastText binary model")
    return dim


class FastTextEmbedder:
    """``encode(texts)`` → float32 ``(n, dim)``, unit rows (all-zero only for whitespace-only text)."""

    backend = "fasttext"

    def __init__(self, path: str, weighting: str | None = None):
        import fasttext

        bin_path, meta_path = model_files(path)
        meta: dict = {}
        if meta_path:
            with open(meta_path, encoding="utf-8") as fh:
                meta = json.load(fh)
        self.path = path
        self.weighting = weighting or meta.get("weighting", "tfidf" if meta else "mean")
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting {self.weighting!r} is not one of {', '.join(WEIGHTINGS)}")
        if self.weighting != "mean" and not meta:
            raise ValueError(f"weighting {self.weighting!r} needs {META_FILE} from `sluiceway embed train`; "
                             "use weighting='mean' for a plain fastText .bin")
        self.model = fasttext.load_model(bin_path)
        self.dim = int(self.model.get_dimension())
        n_docs, total = meta.get("n_docs", 1), max(1, meta.get("n_tokens", 1))
        self._sif_a = float(meta.get("sif_a", 1e-3))
        self._idf = {w: math.log((1 + n_docs) / (1 + df)) + 1 for w, df, _ in meta.get("vocab", ())}
        self._prob = {w: c / total for w, _, c in meta.get("vocab", ())}
        self._idf_unseen = math.log((1 + n_docs) / 2) + 1  # words below the stored df cut: df = 1
        pc = meta.get("sif_pc")
        self._pc = np.asarray(pc, np.float32) if pc is not None and self.weighting == "sif" else None
        self._index: dict[str, int] = {}
        self._vecs = np.zeros((1024, self.dim), np.float32)
        self._weights = np.zeros(1024, np.float32)

    def _weight(self, word: str) -> float:
        if self.weighting == "tfidf":
            return self._idf.get(word, self._idf_unseen)
        if self.weighting == "sif":
            return self._sif_a / (self._sif_a + self._prob.get(word, 0.0))
        return 1.0

    def _lookup(self, word: str) -> int:
        idx = self._index.get(word)
        if idx is None:
            idx = len(self._index)
            if idx >= len(self._vecs):
                self._vecs = np.concatenate([self._vecs, np.zeros_like(self._vecs)])
                self._weights = np.concatenate([self._weights, np.zeros_like(self._weights)])
            self._vecs[idx] = self.model.get_word_vector(word)
            self._weights[idx] = self._weight(word)
            self._index[word] = idx
        return idx

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed ``texts``; ``batch_size`` is accepted for interface parity (encoding is per text)."""
        from scipy.sparse import csr_matrix

        if len(self._index) >= _CACHE_LIMIT:  # bound memory on huge vocabularies
            self._index.clear()
        rows, cols, counts = [], [], []
        for row, text in enumerate(texts):
            for word, count in Counter(tokenize(text or "")).items():
                rows.append(row)
                cols.append(self._lookup(word))
                counts.append(count)
        n_words = len(self._index)
        cols_arr = np.asarray(cols, np.int64)
        data = np.asarray(counts, np.float32) * self._weights[cols_arr] if cols else np.zeros(0, np.float32)
        weights = csr_matrix((data, (np.asarray(rows, np.int64), cols_arr)), shape=(len(texts), max(1, n_words)))
        X = np.asarray(weights @ self._vecs[:max(1, n_words)], dtype=np.float32)
        if self._pc is not None:
            X -= np.outer(X @ self._pc, self._pc)
        return l2_normalize(X)


def _document_stats(texts: Iterable[str], fh) -> tuple[int, int, Counter, Counter]:
    n_docs = n_tokens = 0
    df: Counter = Counter()
    counts: Counter = Counter()
    for text in texts:
        tokens = tokenize(text or "")
        if not tokens:
            continue
        fh.write(" ".join(tokens) + "\n")
        n_docs += 1
        n_tokens += len(tokens)
        counts.update(tokens)
        df.update(set(tokens))
    return n_docs, n_tokens, df, counts


def train_fasttext_embedder(texts: Iterable[str] | None, out_path: str, *, files: Sequence[str] | None = None,
                            text_field: str = "text", max_texts: int | None = None, dim: int = 100,
                            epoch: int = 5, seed: int = 0, min_count: int = 2, minn: int = 3, maxn: int = 6,
                            bucket: int = 200_000, lr: float = 0.05, ws: int = 5,
                            threads: int = MIN_TRAIN_THREADS,
                            weighting: str = "tfidf", max_vocab: int = 500_000) -> FastTextEmbedder:
    """Train skip-gram vectors on ``texts`` (or the ``files``) and save an embedder in ``out_path``.

    ``threads`` below ``MIN_TRAIN_THREADS`` (11) are raised to it, because fastText 0.9.3 initializes
    only the first ``threads/10`` of the input matrix. The seed fixes the initialization, but the
    threads update the vectors concurrently (hogwild), so retraining gives close, not identical,
    vectors. ``bucket`` rows of n-gram vectors dominate the model size (``bucket × dim × 4`` bytes).
    """
    from sluiceway.io.texts import iter_texts

    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting {weighting!r} is not one of {', '.join(WEIGHTINGS)}")
    if (texts is None) == (files is None):
        raise ValueError("give exactly one of texts or files")
    for key, value in (("dim", dim), ("epoch", epoch), ("min_count", min_count), ("bucket", bucket),
                       ("threads", threads)):
        if value < 1:
            raise ValueError(f"{key} must be >= 1, got {value}")
    source = iter_texts(files, text_field) if files is not None else iter(texts)
    if max_texts is not None:
        source = itertools.islice(source, max_texts)
    threads = training_threads(threads)
    os.makedirs(out_path, exist_ok=True)
    corpus_sample: list[str] = []

    def remember(it: Iterable[str]) -> Iterable[str]:
        for text in it:
            if len(corpus_sample) < 10_000:
                corpus_sample.append(text)
            yield text

    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", dir=out_path, delete=False) as fh:
        n_docs, n_tokens, df, counts = _document_stats(remember(source), fh)
    try:
        if n_docs == 0:
            raise ValueError("no text to train on (inputs empty or all records unusable)")
        _train_skipgram(fh.name, os.path.join(out_path, MODEL_FILE), seed, dim=dim, epoch=epoch, minCount=min_count,
                        minn=minn, maxn=maxn, bucket=bucket, lr=lr, ws=ws, thread=threads)
    finally:
        os.remove(fh.name)
    kept = [w for w, d in df.most_common(max_vocab) if d >= 2]
    meta = {"format": 1, "backend": "fasttext", "weighting": weighting, "dim": dim, "n_docs": n_docs,
            "n_tokens": n_tokens, "sif_a": 1e-3, "train": {"epoch": epoch, "seed": seed, "min_count": min_count,
                                                            "minn": minn, "maxn": maxn, "bucket": bucket, "lr": lr,
                                                            "threads": threads},
            "vocab": [[w, df[w], counts[w]] for w in kept]}
    _write_meta(out_path, meta)
    sif = FastTextEmbedder(out_path, weighting="sif")
    X = sif.encode(corpus_sample)  # SIF common component: first right singular vector (uncentered)
    meta["sif_pc"] = np.linalg.svd(X, full_matrices=False)[2][0].tolist() if len(X) > 1 else None
    _write_meta(out_path, meta)
    return FastTextEmbedder(out_path)


def _train_skipgram(path: str, out_bin: str, seed: int, **params) -> None:
    """Train in a fresh Python process and save to ``out_bin``.

    A fresh process keeps fastText's memory out of the caller's (a matrix allocated from freed
    memory is what turned the partial initialization into "Encountered NaN"). On NaN the learning
    rate is halved, up to twice.
    """
    code = "import sys, json; from sluiceway.diversity.fasttext_embedder import _train_child as t; t(sys.argv[1])"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
    for _ in range(3):
        job = json.dumps({"path": path, "out": out_bin, "seed": seed, "params": params})
        proc = subprocess.run([sys.executable, "-c", code, job], env=env, capture_output=True, text=True)
        if proc.returncode == 0:
            return
        if "NaN" not in proc.stderr:
            raise ValueError(f"fastText training failed: {proc.stderr.strip().splitlines()[-1:]}")
        params["lr"] = params.get("lr", 0.05) / 2
    raise ValueError(f"fastText training diverged (NaN) even at lr={params['lr']}; lower lr or add data")


def _train_child(job_json: str) -> None:
    import fasttext
    import fasttext.FastText as ft

    job = json.loads(job_json)
    params = job["params"]
    args = dict(ft.unsupervised_default, input=job["path"], model="skipgram", verbose=0, **params)
    if "seed" in args:  # fastText >= 0.9.2 has a seed, but train_unsupervised does not accept it
        args["seed"] = job["seed"] + 1  # fastText seeds std::minstd_rand, for which seeds 0 and 1 coincide
        built = ft._build_args(args, set(params) | {"input", "model", "seed"})
        model = ft._FastText(args=built)
        ft.fasttext.train(model.f, built)
    else:
        model = fasttext.train_unsupervised(job["path"], model="skipgram", verbose=0, **params)
    model.save_model(job["out"])


def _write_meta(out_path: str, meta: dict) -> None:
    tmp = os.path.join(out_path, f".{META_FILE}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(meta, fh, ensure_ascii=False)
    os.replace(tmp, os.path.join(out_path, META_FILE))
