"""Training hyper-parameters (kept apart so the CLI can show defaults without heavy imports)."""

from __future__ import annotations

import dataclasses
from typing import Any


def _positive(obj: Any, names: tuple[str, ...]) -> None:
    for name in names:
        if getattr(obj, name) < 1:
            raise ValueError(f"{name} must be >= 1, got {getattr(obj, name)}")


@dataclasses.dataclass
class QualityTrainParams:
    """fastText hyper-parameters and split; defaults suit 10^3–10^6 documents per class."""

    dim: int = 64
    epoch: int = 10
    lr: float = 0.5
    word_ngrams: int = 2
    min_count: int = 2
    bucket: int = 200_000  # model size ≈ bucket × dim × 4 bytes (51 MB at the defaults)
    holdout: float = 0.1
    balance: bool = True  # downsample the larger class so both weigh the same
    positive_label: str = "hq"
    negative_label: str = "lq"
    seed: int = 0
    threads: int = 2

    def validate(self) -> None:
        if not 0.0 <= self.holdout < 1.0:
            raise ValueError(f"holdout must be in [0, 1), got {self.holdout}")
        _positive(self, ("dim", "epoch", "word_ngrams", "min_count", "bucket", "threads"))
        if self.lr <= 0:
            raise ValueError(f"lr must be positive, got {self.lr}")
        if self.positive_label.removeprefix("__label__") == self.negative_label.removeprefix("__label__"):
            raise ValueError("positive and negative labels must differ")

    def fasttext_args(self) -> dict[str, Any]:
        return {"dim": self.dim, "epoch": self.epoch, "lr": self.lr, "wordNgrams": self.word_ngrams,
                "minCount": self.min_count, "bucket": self.bucket, "thread": self.threads, "seed": self.seed}


@dataclasses.dataclass
class LangidTrainParams:
    """fastText hyper-parameters for language ID: character 1–4-grams, small dimension."""

    dim: int = 16
    epoch: int = 15
    lr: float = 0.5
    minn: int = 1  # single characters matter for kana, hangul and hanzi
    maxn: int = 4
    word_ngrams: int = 1
    min_count: int = 1
    bucket: int = 200_000  # model size ≈ bucket × dim × 4 bytes (13 MB)
    holdout: float = 0.2
    seed: int = 0
    threads: int = 2

    def validate(self) -> None:
        if not 0.0 <= self.holdout < 1.0:
            raise ValueError(f"holdout must be in [0, 1), got {self.holdout}")
        if not 0 <= self.minn <= self.maxn:
            raise ValueError(f"need 0 <= minn <= maxn, got minn={self.minn} maxn={self.maxn}")
        _positive(self, ("dim", "epoch", "word_ngrams", "min_count", "bucket", "threads"))

    def fasttext_args(self) -> dict[str, Any]:
        return {"dim": self.dim, "epoch": self.epoch, "lr": self.lr, "minn": self.minn, "maxn": self.maxn,
                "wordNgrams": self.word_ngrams, "minCount": self.min_count, "bucket": self.bucket,
                "thread": self.threads, "seed": self.seed}
