"""Nuggets golden score (Li et al., ACL 2024, "One Shot Learning as Instruction Data Prospector").

For a candidate c and anchors a_1..a_m, GS(c) = (1/m) * #{j : log p(answer_j | c, prompt_j) >
log p(answer_j | prompt_j)}: the fraction of anchors whose answer becomes strictly more likely when c is
prepended as a one-shot demonstration. Zero-shot scores are computed once; the demonstration's key/value
cache is computed once per candidate and reused for all its anchors.

Two quirks of the reference code are fixed by default and reproduced with ``reference=True``: it
prepends BOS on the one-shot side only, and it puts no separator between demonstration and anchor. Here
both sides get the same BOS treatment and ``template.SEPARATOR`` ("\\n\\n") follows the demonstration.

Anchors stay candidates and are scored consistently: an anchor's own pair is left out of its score, so
its GS is a fraction over the other m - 1 anchors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sluiceway.sft.lm import LogProbLM, Score
from sluiceway.sft.template import nuggets_demonstration, nuggets_example

Example = tuple[str, str, str]  # (instruction, input, output)
ANCHOR_METHODS = ("kmeans", "random")


def random_anchors(n: int, m: int, seed: int = 0) -> np.ndarray:
    """``m`` distinct indices out of ``n``, seeded (all of them when ``m >= n``)."""
    if m >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=m, replace=False))


def kmeans_anchors(labels: np.ndarray, distances: np.ndarray) -> np.ndarray:
    """The example nearest each centroid (one per non-empty cluster), in cluster order."""
    picks = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        picks.append(members[np.argmin(distances[members])])
    return np.asarray(picks, dtype=np.int64)


def zero_shot(lm: LogProbLM, anchors: Sequence[Example], *, reference: bool = False) -> list[Score]:
    """Zero-shot answer scores of the anchors (no BOS in reference mode, as the reference code does)."""
    return lm.score([nuggets_example(*a) for a in anchors], bos=not reference)


def golden_scores(lm: LogProbLM, candidates: Sequence[Example], anchors: Sequence[Example],
                  zero: Sequence[Score] | None = None, *, anchor_of: Sequence[int | None] | None = None,
                  reference: bool = False, reuse_cache: bool = True,
                  progress: Callable[[int], None] | None = None) -> np.ndarray:
    """GS per candidate; ``anchor_of[i]`` is the anchor index candidate ``i`` is (its pair is skipped)."""
    pairs = [nuggets_example(*a) for a in anchors]
    zero = list(zero) if zero is not None else zero_shot(lm, anchors, reference=reference)
    if len(zero) != len(pairs):
        raise ValueError(f"{len(zero)} zero-shot scores for {len(pairs)} anchors")
    scores = np.full(len(candidates), np.nan)
    for i, candidate in enumerate(candidates):
        own = anchor_of[i] if anchor_of is not None else None
        others = [j for j in range(len(pairs)) if j != own]
        if not others:
            continue
        demo = nuggets_demonstration(*candidate, reference=reference)
        one = lm.score_with_prefix(demo, [pairs[j] for j in others], bos=True, reuse_cache=reuse_cache)
        wins = sum(o[0] > zero[j][0] for o, j in zip(one, others, strict=True))
        scores[i] = wins / len(others)
        if progress is not None:
            progress(i + 1)
    return scores


def select_mask(scores: np.ndarray, *, threshold: float | None = None, top_fraction: float | None = None,
                top_k: int | None = None) -> np.ndarray:
    """Keep ``score > threshold`` (strict, as in the paper), the best ``top_fraction`` or the best ``top_k``.

    With none given every scored row is kept; NaN scores are never kept; ties go to the earlier row.
    """
    given = [v is not None for v in (threshold, top_fraction, top_k)]
    if sum(given) > 1:
        raise ValueError("give at most one of threshold, top_fraction, top_k")
    valid = ~np.isnan(scores)
    if threshold is not None:
        return valid & (np.nan_to_num(scores, nan=-np.inf) > threshold)
    if top_fraction is None and top_k is None:
        return valid
    k = top_k if top_k is not None else int(round(top_fraction * int(valid.sum())))
    order = np.argsort(-np.nan_to_num(scores, nan=-np.inf), kind="stable")
    mask = np.zeros(len(scores), dtype=bool)
    mask[order[:max(0, min(k, int(valid.sum())))]] = True
    return mask


def check_selection(threshold: float | None, top_fraction: float | None, top_k: int | None) -> None:
    if sum(v is not None for v in (threshold, top_fraction, top_k)) > 1:
        raise ValueError("give at most one of threshold, top_fraction, top_k")
    if top_fraction is not None and not 0 < top_fraction <= 1:
        raise ValueError(f"top_fraction must be in (0, 1], got {top_fraction}")
    if top_k is not None and top_k < 0:
        raise ValueError(f"top_k must be >= 0, got {top_k}")
