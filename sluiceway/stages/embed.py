"""Sentence embeddings as a fixed-size ``list<float32, dim>`` column (L2-normalized rows).

Backends (see ``sluiceway.diversity.embedders``): fastText TF-IDF/SIF-weighted word vectors
(Bojanowski et al. 2017; Arora et al. 2017), trained on the corpus with ``sluiceway embed train``;
or sentence-transformers from a local directory (Reimers & Gurevych 2019), the bundled
all-MiniLM-L6-v2 by default. The model loads once per Ray actor; ``concurrency`` sets the pool size.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any, ClassVar

import pyarrow as pa

from sluiceway.stages.base import ModelStage
from sluiceway.stages.registry import register


@register
@dataclasses.dataclass
class Embed(ModelStage):
    """Embed each alive row's text into a unit-length vector column (fastText or sentence-transformers)."""

    name: ClassVar[str] = "embed"
    reads: ClassVar[tuple[str, ...]] = ("text",)

    backend: str = "auto"  # auto | fasttext | sentence-transformers
    model_path: str | None = None  # fastText: a `sluiceway embed train` directory or .bin; ST: model directory
    column: str = "embedding"
    text_column: str = "text"
    batch_size: int = 64  # encoder batch (the pipeline hands each actor larger Arrow batches)
    max_chars: int = 10_000  # texts are cut to this many characters before encoding (0 = no cut)
    weighting: str | None = None  # fastText: tfidf | sif | mean (default: as trained)
    device: str | None = None  # sentence-transformers: cpu | cuda | ... (default: auto)
    threads: int = 0  # sentence-transformers: torch threads per actor (0 = Ray's default, one per CPU)
    max_seq_length: int = 0  # sentence-transformers: tokens per text (0 = the model's; MiniLM: 256, trained at 128)
    dim: int = 0  # 0 = read from the model files

    _resolved: tuple[str, int] | None = dataclasses.field(default=None, init=False, repr=False)

    def model_paths(self) -> dict[str, str]:
        return {"model_path": self.model_path or ""}

    def validate(self) -> None:
        from sluiceway.diversity.fasttext_embedder import WEIGHTINGS

        super().validate()
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.max_chars < 0 or self.dim < 0 or self.threads < 0 or self.max_seq_length < 0:
            raise ValueError("max_chars, dim, threads and max_seq_length must be >= 0")
        if self.weighting is not None and self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting {self.weighting!r} is not one of {', '.join(WEIGHTINGS)}")
        self._resolve()

    def _resolve(self) -> tuple[str, int]:
        if self._resolved is None:
            from sluiceway.diversity.embedders import embedding_dim, resolve_backend

            backend = resolve_backend(self.backend, self.model_path)
            try:
                dim = self.dim or embedding_dim(backend, self.model_path)
            except FileNotFoundError as exc:
                raise ValueError(str(exc)) from exc
            self._resolved = (backend, dim)
        return self._resolved

    def columns_read(self) -> tuple[str, ...]:
        return (self.text_column,)

    def columns_written(self) -> dict[str, pa.DataType]:
        from sluiceway.diversity.arrow import vector_type

        return {self.column: vector_type(self._resolve()[1])}

    def setup(self) -> None:
        from sluiceway.diversity.embedders import load_embedder

        backend, dim = self._resolve()
        kw: dict[str, Any] = {"weighting": self.weighting} if backend == "fasttext" else {
            "device": self.device, "threads": self.threads, "max_seq_length": self.max_seq_length or None}
        embedder = load_embedder(backend, self.model_path, **kw)
        if embedder.dim != dim:
            raise ValueError(f"model {self.model_path or backend} makes {embedder.dim}-d vectors, not dim={dim}")
        self._model = embedder

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, pa.Array]:
        from sluiceway.diversity.arrow import to_vector_array

        texts = [t or "" for t in batch.column(self.text_column).to_pylist()]
        if self.max_chars:
            texts = [t[:self.max_chars] for t in texts]
        X = self.ensure_model().encode(texts, batch_size=self.batch_size)
        counters["embedded"] += len(texts)
        return {self.column: to_vector_array(X)}
