"""``nuggets_score``: the Nuggets golden score (Li et al., ACL 2024) and selection by it.

Anchors are picked on the driver (k-means over embeddings of the pool, the example nearest each centroid;
or a seeded random sample); zero-shot anchor scores are computed once in one Ray task; candidates are
scored by Ray actors that each load the model once (one GPU per actor when the cluster has GPUs). Anchors
stay candidates, scored over the other anchors. See ``sluiceway.sft.nuggets`` for the template quirks.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Literal

import numpy as np
import pyarrow as pa

from sluiceway.stages.base import DatasetStage, RunContext
from sluiceway.stages.registry import register


@register
@dataclasses.dataclass
class NuggetsScore(DatasetStage):
    """Golden score = share of anchors a row helps as a one-shot demonstration; select by GS."""

    name: ClassVar[str] = "nuggets_score"
    reads: ClassVar[tuple[str, ...]] = ("instruction", "input", "output")
    writes: ClassVar[dict[str, pa.DataType]] = {"golden_score": pa.float64(), "nuggets_anchor": pa.bool_(),
                                                "nuggets_cluster": pa.int64()}

    model: str = "smollm2-135m-instruct"  # the shipped SmolLM2-135M-Instruct, a .gguf file, or a Hugging Face folder
    device: str = "auto"  # a GPU when there is one
    dtype: str = "auto"
    quantize: str = "none"  # int8 (or auto: int8 on CPU) flipped most SmolLM2 win decisions: off
    threads: int = 0  # torch threads per scoring actor on CPU; 0 = the CPUs the actor holds
    pack_linear: bool = True  # CPU fp32: linear weights packed once for oneDNN (same scores, faster)
    batch_size: int = 16
    max_prefix_tokens: int = 512
    max_context_tokens: int = 256
    max_continuation_tokens: int = 256
    anchors: Literal["kmeans", "random"] = "kmeans"
    num_anchors: int = 100
    seed: int = 0
    embedder: str = "auto"  # for k-means anchors and the coverage report; "hashing" needs no model
    embedder_path: str | None = None
    reference_template: bool = False  # reproduce the reference code's BOS/separator behaviour
    reuse_cache: bool = True
    threshold: float | None = None  # keep golden_score > threshold
    top_fraction: float | None = None
    top_k: int | None = None
    concurrency: int = 0  # scoring actors; 0 = one per GPU, or on CPUs see actor_layout
    coverage_clusters: bool = True  # with random anchors, cluster the pool anyway for the report

    def model_paths(self) -> dict[str, str]:
        return {"model": self.model, "embedder_path": self.embedder_path or ""}

    def validate(self) -> None:
        from sluiceway.sft.nuggets import check_selection

        self.lm_config().validate()
        if self.num_anchors < 2:
            raise ValueError(f"num_anchors must be >= 2, got {self.num_anchors}")
        if self.concurrency < 0:
            raise ValueError("concurrency must be >= 0")
        check_selection(self.threshold, self.top_fraction, self.top_k)

    def lm_config(self) -> Any:
        from sluiceway.sft.lm import LMConfig

        return LMConfig(self.model, self.device, self.dtype, self.batch_size,
                        max_prefix_tokens=self.max_prefix_tokens, max_context_tokens=self.max_context_tokens,
                        max_continuation_tokens=self.max_continuation_tokens, quantize=self.quantize,
                        threads=self.threads, pack_linear=self.pack_linear)

    def apply(self, ds: Any, ctx: RunContext) -> Any:
        from sluiceway.sft import frame
        table = self.select(frame.collect(ds), ctx.report(self.name), scorer=_ray_scorer(self))
        return frame.to_dataset(table, ctx.num_partitions)

    def pick_anchors(self, ex: list[tuple[str, str, str]]) -> tuple[np.ndarray, np.ndarray | None]:
        """``(anchor row indices, cluster labels or None)``."""
        from sluiceway.diversity.embedders import embed_texts
        from sluiceway.diversity.kmeans import cluster_labels, default_k
        from sluiceway.sft.nuggets import kmeans_anchors, random_anchors
        from sluiceway.sft.template import nuggets_demonstration

        n = len(ex)
        labels = None
        if self.anchors == "kmeans" or self.coverage_clusters:
            x = embed_texts([nuggets_demonstration(*e, reference=True) for e in ex], self.embedder, self.embedder_path)
            k = min(self.num_anchors, n) if self.anchors == "kmeans" else default_k(n)
            labels, distances = cluster_labels(x, k, seed=self.seed)
        if self.anchors == "kmeans":
            return kmeans_anchors(labels, distances), labels
        return random_anchors(n, self.num_anchors, self.seed), labels

    def select(self, table: pa.Table, report: dict | None = None, scorer: Any = None) -> pa.Table:
        """The whole stage on one Arrow table; ``scorer(candidates, anchors, anchor_of)`` defaults to in-process."""
        from sluiceway.sft import frame
        from sluiceway.sft.lm import preflight
        from sluiceway.sft.nuggets import select_mask
        from sluiceway.sft.report import selection_report
        from sluiceway.sft.tiny_lm import STAND_IN_NOTE, is_stand_in

        preflight(self.lm_config())  # a missing/corrupt/unsupported model or too short a context: fail now
        alive = frame.alive_mask(table)
        ex = frame.examples(table, alive)
        n = len(ex)
        if n == 0:
            for col, dtype in self.writes.items():
                table = frame.put(table, col, alive, [], dtype)
            return table
        anchor_idx, labels = self.pick_anchors(ex)
        anchor_of: list[int | None] = [None] * n
        for j, i in enumerate(anchor_idx):
            anchor_of[int(i)] = j
        scorer = scorer or _local_scorer(self)
        gs = np.asarray(scorer(ex, [ex[i] for i in anchor_idx], anchor_of), dtype=float)
        keep = select_mask(gs, threshold=self.threshold, top_fraction=self.top_fraction, top_k=self.top_k)
        table = frame.put(table, "golden_score", alive, gs, pa.float64())
        table = frame.put(table, "nuggets_anchor", alive, [a is not None for a in anchor_of], pa.bool_())
        table = frame.put(table, "nuggets_cluster", alive, labels if labels is not None else [None] * n, pa.int64())
        idx = np.flatnonzero(alive)
        drop = ~keep
        rule = (f"> {self.threshold}" if self.threshold is not None else
                f"top {self.top_fraction:.2%}" if self.top_fraction is not None else f"top {self.top_k}")
        table = frame.reject_rows(table, idx[drop], self.name, "nuggets_not_selected",
                             [f"golden score {g:.3f} not {rule}" if not np.isnan(g) else "no golden score"
                              for g in gs[drop]])
        if report is not None:  # this stage's section of report.json
            prompt_chars, output_chars, sources = frame.report_inputs(table, alive)
            notes = [STAND_IN_NOTE] if is_stand_in(self.model) else []
            report.update(selection_report(
                "nuggets", keep, frame.score_columns(table, alive, {"golden_score": gs}), labels, prompt_chars, output_chars, sources,
                {"notes": notes, "nuggets": {"anchors": self.anchors, "num_anchors": int(len(anchor_idx)),
                                             "model": self.model, "reference_template": self.reference_template,
                                             "reuse_cache": self.reuse_cache, "selection": rule if drop.any() else "all"}}))
        return table


def _local_scorer(stage: NuggetsScore) -> Any:
    def score(candidates: list, anchors: list, anchor_of: list) -> np.ndarray:
        from sluiceway.sft.lm import HFCausalLM
        from sluiceway.sft.nuggets import golden_scores

        lm = HFCausalLM(stage.lm_config())
        return golden_scores(lm, candidates, anchors, anchor_of=anchor_of, reference=stage.reference_template,
                             reuse_cache=stage.reuse_cache)
    return score


class _GoldenActor:
    """One model per Ray actor (one GPU each when the cluster has GPUs)."""

    def __init__(self, config: Any, reference: bool, reuse_cache: bool):
        from sluiceway.sft.lm import HFCausalLM

        self.lm = HFCausalLM(config)
        self.reference, self.reuse = reference, reuse_cache

    def zero_shot(self, anchors: list) -> list:
        from sluiceway.sft.nuggets import zero_shot

        return zero_shot(self.lm, anchors, reference=self.reference)

    def score(self, candidates: list, anchors: list, zero: list, anchor_of: list) -> np.ndarray:
        from sluiceway.sft.nuggets import golden_scores

        return golden_scores(self.lm, candidates, anchors, zero, anchor_of=anchor_of, reference=self.reference,
                             reuse_cache=self.reuse)


def actor_layout(gpus: int, cpus: int, concurrency: int, candidates: int) -> tuple[int, int]:
    """``(actors, CPUs per actor)``. One actor per GPU; on CPUs, small single-thread actors by default (a GEMM
    thread per actor wastes less than torch threads sharing one forward pass; see BENCHMARKS.md, Nuggets),
    two threads each from 4 CPUs on, so that at most 8 model copies sit in memory."""
    if gpus:
        return max(1, min(concurrency or gpus, candidates)), 1
    cpus = max(1, cpus)
    wanted = concurrency or (cpus if cpus < 4 else min(8, cpus // 2))
    actors = max(1, min(wanted, candidates, cpus))
    return actors, max(1, cpus // actors)


def _ray_scorer(stage: NuggetsScore) -> Any:
    def score(candidates: list, anchors: list, anchor_of: list) -> np.ndarray:
        """Zero-shot once on the first actor, then candidate chunks spread over all actors."""
        import ray

        gpus = int(ray.cluster_resources().get("GPU", 0))
        n_actors, cpus = actor_layout(gpus, int(ray.cluster_resources().get("CPU", 1)), stage.concurrency,
                                      len(candidates))
        cls = ray.remote(num_gpus=1 if gpus else 0, num_cpus=cpus)(_GoldenActor)
        config = dataclasses.replace(stage.lm_config(), threads=stage.threads or cpus)
        actors = [cls.remote(config, stage.reference_template, stage.reuse_cache) for _ in range(n_actors)]
        zero = ray.put(ray.get(actors[0].zero_shot.remote(anchors)))
        anchors_ref = ray.put(anchors)
        chunks = np.array_split(np.arange(len(candidates)), n_actors * 4)
        futures = [actors[i % n_actors].score.remote([candidates[j] for j in chunk], anchors_ref, zero,
                                                     [anchor_of[j] for j in chunk])
                   for i, chunk in enumerate(chunks) if len(chunk)]
        out = np.concatenate(ray.get(futures)) if futures else np.empty(0)
        for actor in actors:
            ray.kill(actor)
        return out
    return score
