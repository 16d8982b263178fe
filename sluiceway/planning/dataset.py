"""Token totals written by a curation run (``OUT_DIR/report.json``, stage ``count_tokens``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import PlanError


@dataclass(frozen=True)
class DatasetTokens:
    total: int
    tokenizer: str | None
    report: str


def tokens_from_report(out_dir: str | Path) -> DatasetTokens:
    """Read ``report["tokens"]["total"]`` (and the tokenizer name) from ``OUT_DIR/report.json``."""
    path = Path(out_dir)
    if path.is_dir():
        path = path / "report.json"
    if not path.is_file():
        raise PlanError(f"no curation report at {path} (expected OUT_DIR/report.json from a curation run)")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PlanError(f"cannot read curation report {path}: {exc}") from None
    tokens = report.get("tokens") if isinstance(report, dict) else None
    if not isinstance(tokens, dict) or "total" not in tokens:
        raise PlanError(f"{path} has no tokens.total: run the curation pipeline with its count_tokens stage")
    total = tokens["total"]
    if isinstance(total, bool) or not isinstance(total, (int, float)) or total <= 0:
        raise PlanError(f"{path}: tokens.total must be a positive number, got {total!r}")
    tok = tokens.get("tokenizer")
    return DatasetTokens(int(total), str(tok) if tok is not None else None, str(path))
