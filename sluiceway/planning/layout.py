"""Step-time estimate of a parallel layout and the search over layouts.

Step time = pipeline time + exposed data-parallel communication + optimizer update, where

* one micro-batch on one stage takes compute (hardware FLOPs incl. recomputation / (tp·pp) at peak x MFU)
  plus its tensor-parallel collectives (on the critical path in Megatron-LM) plus its pipeline Send/Recv;
* a 1F1B pipeline of m micro-batches and p stages takes (m + p − 1) such slots: the bubble is (p − 1)/m of the
  ideal time (Narayanan et al. 2021 §2.2);
* data-parallel traffic overlaps the backward pass it follows: the last micro-batch's backward for DP/ZeRO-1,
  each micro-batch's backward for ZeRO-2's reduce-scatters, each micro-batch's forward+backward for ZeRO-3
  (Rajbhandari et al. 2019); only what exceeds that window is counted;
* the optimizer step is memory-bound: the state it reads and writes over HBM bandwidth.

The estimate ranks layouts; it is not a promise of throughput. Layouts whose memory exceeds the usable share of
the GPU are dropped. Search space: TP within a node dividing heads, KV heads and FFN width; PP dividing the
layers; DP the rest; ZeRO 0–3 (only 0–1 with PP, as in DeepSpeed and Megatron-LM; only 0 without DP);
recompute none/selective/full; sequence parallelism with TP unless told otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .communication import CommItem, communication_plan
from .compute import RECOMPUTE_MODES, flops_per_token
from .errors import PlanError
from .hardware import Hardware
from .memory import stage_params, state_convention, training_memory
from .model import ModelSpec, ParamCounts, count_params
from .training import Layout, TrainingSpec, check_layout


@dataclass(frozen=True)
class StepEstimate:
    """Estimated time of one optimizer step for one layout, and its memory per GPU."""

    layout: Layout
    microbatches: int
    memory: dict
    fits: bool
    compute_s: float
    tp_comm_s: float
    pp_comm_s: float
    bubble_s: float
    dp_exposed_s: float
    optimizer_s: float
    step_s: float
    mfu: float
    comm: list[CommItem] = field(default_factory=list)

    def as_dict(self, with_memory: bool = True) -> dict:
        d = {"layout": self.layout.as_dict(), "label": self.layout.label(), "microbatches": self.microbatches,
             "fits": self.fits, "memory_total_bytes": self.memory["total_bytes"],
             "compute_s": self.compute_s, "tp_comm_s": self.tp_comm_s, "pp_comm_s": self.pp_comm_s,
             "bubble_s": self.bubble_s, "dp_exposed_s": self.dp_exposed_s, "optimizer_s": self.optimizer_s,
             "step_s": self.step_s, "estimated_mfu": self.mfu}
        if with_memory:
            d["memory"] = {k: v for k, v in self.memory.items() if k.endswith("_bytes")}
        return d


def estimate_step(spec: ModelSpec, training: TrainingSpec, layout: Layout, hw: Hardware,
                  counts: ParamCounts | None = None) -> StepEstimate:
    """Memory and step time of one layout (raises PlanError if the layout does not divide the model)."""
    c = counts or count_params(spec)
    m = check_layout(spec, layout, training)
    mem = training_memory(spec, training, layout, c, m)
    tf = flops_per_token(spec, training.seq_len, layout.recompute, c)
    rate = hw.peak_for(training.precision) * hw.mfu
    tokens_mb = training.micro_batch * training.seq_len
    split = layout.tp * layout.pp
    mb_compute = tf.hardware * tokens_mb / split / rate
    mb_backward = (tf.model * 2 / 3 + tf.recompute) * tokens_mb / split / rate

    comm = communication_plan(spec, training, layout, hw, c, m)
    by_kind = {i.kind: i for i in comm}
    tp_mb = by_kind["tensor"].seconds / m if "tensor" in by_kind else 0.0
    pp_mb = by_kind["pipeline"].seconds / m if "pipeline" in by_kind else 0.0
    slot = mb_compute + tp_mb + pp_mb
    pipeline = (m + layout.pp - 1) * slot
    bubble = (layout.pp - 1) * slot

    dp_exposed = 0.0
    if "data" in by_kind:
        d = by_kind["data"]
        if layout.zero <= 1:
            dp_exposed = max(0.0, d.seconds - mb_backward)
        elif layout.zero == 2:
            per_mb = d.seconds / (m + 1)  # one reduce-scatter per micro-batch, one all-gather per step
            dp_exposed = m * max(0.0, per_mb - mb_backward) + per_mb
        else:
            dp_exposed = m * max(0.0, d.seconds / m - mb_compute)

    conv = state_convention(training.precision, training.optimizer)
    shard = stage_params(spec, c, layout.pp) / layout.tp
    opt_shard = shard / (layout.dp if layout.zero >= 1 else 1)
    optimizer = opt_shard * (2 * conv.optimizer_total + conv.gradients + conv.weights) / hw.hbm_bw

    step = pipeline + dp_exposed + optimizer
    model_flops = tf.model * training.tokens_per_step
    mfu = model_flops / (layout.gpus * hw.peak_for(training.precision) * step)
    fits = mem["total_bytes"] <= hw.memory_bytes * hw.usable_fraction
    return StepEstimate(layout, m, mem, fits, m * mb_compute, m * tp_mb, m * pp_mb, bubble, dp_exposed,
                        optimizer, step, mfu, comm)


def _divisors(n: int) -> list[int]:
    small = [d for d in range(1, int(n**0.5) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def search_layouts(spec: ModelSpec, training: TrainingSpec, hw: Hardware, gpus: int,
                   counts: ParamCounts | None = None, top: int = 5, tp: int | None = None, pp: int | None = None,
                   zero: int | None = None, recompute: str | None = None,
                   sequence_parallel: bool | None = None) -> dict:
    """Enumerate TP x PP x DP x ZeRO x recompute layouts for ``gpus`` GPUs; rank those that fit by step time.

    Any of tp, pp, zero, recompute, sequence_parallel given fixes that dimension. Returns the best ``top``
    estimates, counts of layouts considered and fitting, and the smallest-memory layout when none fits.
    """
    if not isinstance(gpus, int) or gpus <= 0:
        raise PlanError(f"GPU count must be a positive integer, got {gpus!r}")
    if recompute is not None and recompute not in RECOMPUTE_MODES:
        raise PlanError(f"recompute must be one of {', '.join(RECOMPUTE_MODES)}, got {recompute!r}")
    if tp is not None and gpus % tp:
        raise PlanError(f"tensor-parallel size {tp} does not divide the {gpus} GPUs")
    if pp is not None and gpus % pp:
        raise PlanError(f"pipeline-parallel size {pp} does not divide the {gpus} GPUs")
    if tp is not None and pp is not None and gpus % (tp * pp):
        raise PlanError(f"TP {tp} x PP {pp} = {tp * pp} does not divide the {gpus} GPUs")
    c = counts or count_params(spec)
    results: list[StepEstimate] = []
    considered = 0
    smallest: StepEstimate | None = None
    tps = [tp] if tp is not None else [t for t in _divisors(gpus) if t <= hw.gpus_per_node]
    for t in tps:
        if spec.num_heads % t or spec.num_kv_heads % t or spec.ffn_size % t:
            continue
        pps = [pp] if pp is not None else _divisors(gpus // t)
        for p in pps:
            if spec.num_layers % p or (gpus // t) % p:
                continue
            d = gpus // (t * p)
            if training.global_batch % (training.micro_batch * d):
                continue
            zeros = [0, 1] if p > 1 else [0, 1, 2, 3]
            if d == 1:
                zeros = [0]
            if zero is not None:
                zeros = [zero] if (zero in zeros or d == 1) else []
            sps = [sequence_parallel] if sequence_parallel is not None else [t > 1]
            for z in zeros:
                for rc in [recompute] if recompute else list(RECOMPUTE_MODES):
                    for sp in sps:
                        est = estimate_step(spec, training, Layout(t, p, d, z if d > 1 else 0, rc, sp), hw, c)
                        considered += 1
                        if smallest is None or est.memory["total_bytes"] < smallest.memory["total_bytes"]:
                            smallest = est
                        if est.fits:
                            results.append(est)
    results.sort(key=lambda e: (e.step_s, e.memory["total_bytes"]))
    return {"best": results[:top], "considered": considered, "fitting": len(results),
            "smallest_memory": smallest, "usable_bytes": hw.memory_bytes * hw.usable_fraction}
