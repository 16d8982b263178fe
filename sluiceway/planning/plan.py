"""Whole answers, as plain dicts (what ``sluiceway plan ... --json`` prints)."""

from __future__ import annotations

import math

from .communication import comm_at_bandwidth, comm_summary, communication_plan
from .compute import compute_summary
from .cost import narayanan_seconds, run_cost, training_seconds
from .errors import PlanError
from .hardware import Hardware
from .layout import search_layouts
from .memory import inference_memory, kv_cache_bytes_per_token, training_memory, weights_table
from .model import ModelSpec, count_params, owner_param_formula
from .scaling import (
    DEFAULT_FIT,
    chinchilla_loss,
    chinchilla_optimal,
    chinchilla_tokens_for_params,
    data_advice,
    kaplan_optimal,
    rule_of_thumb,
)
from .training import Layout, TrainingSpec, check_layout

MEMORY_CONVENTION = ("bytes: memory shown in GiB (2^30) with GB (10^9) beside it; model states counted "
                     "with the bytes/parameter convention stated (ZeRO's 16 bytes for mixed-precision AdamW; "
                     "tools that also count fp32 gradients or buffers say 18 or 20)")


def model_summary(spec: ModelSpec) -> dict:
    return {"name": spec.name, "family": spec.family, "vocab_size": spec.vocab_size, "hidden_size": spec.hidden_size,
            "num_layers": spec.num_layers, "num_heads": spec.num_heads, "num_kv_heads": spec.num_kv_heads,
            "head_dim": spec.head_dim, "ffn_size": spec.ffn_size, "tie_embeddings": spec.tie_embeddings,
            "qkv_bias": spec.qkv_bias, "qk_norm": spec.qk_norm, "num_experts": spec.num_experts,
            "notes": list(spec.notes)}


def plan_params(spec: ModelSpec) -> dict:
    """Parameter counts (contract keys: total_params, embedding_params, non_embedding_params)."""
    c = count_params(spec)
    owner = owner_param_formula(spec.vocab_size, spec.hidden_size, spec.num_layers, spec.ffn_size,
                                spec.num_kv_heads, spec.num_heads)
    return {"model": model_summary(spec), "total_params": c.total, "embedding_params": c.embedding,
            "non_embedding_params": c.non_embedding, "active_params": c.active, "breakdown": c.as_dict(),
            "owner_formula_params": owner,
            "owner_formula_note": "V·h + L·[h + (2 + 2·n_kv/n_head)·h² + h + 3·h·d_FFN] + h + h·V "
                                  "(untied, no biases, head_dim = h/n_head)",
            "convention": "embedding = token embedding + learned positions + untied output head",
            "notes": list(spec.notes)}


def plan_memory(spec: ModelSpec, training: TrainingSpec, layout: Layout, hw: Hardware | None = None,
                gpus: int | None = None) -> dict:
    """Per-GPU training memory for one layout, and whether it fits ``hw``."""
    c = count_params(spec)
    m = check_layout(spec, layout, training, gpus)
    out = training_memory(spec, training, layout, c, m)
    out["weights_by_precision"] = weights_table(c.total)
    out["kv_cache_bytes_per_token_bf16"] = kv_cache_bytes_per_token(spec, "bf16")
    out["total_params"] = c.total
    out["conventions"] = MEMORY_CONVENTION
    out["notes"] = _layout_notes(layout) + list(spec.notes)
    if hw is not None:
        usable = hw.memory_bytes * hw.usable_fraction
        out["gpu"] = hw.name
        out["gpu_memory_bytes"] = hw.memory_bytes
        out["usable_bytes"] = usable
        out["fits"] = out["total_bytes"] <= usable
    return out


def _layout_notes(layout: Layout) -> list[str]:
    notes = []
    if layout.pp > 1 and layout.zero >= 2:
        notes.append("ZeRO-2/3 with pipeline parallelism is not supported by DeepSpeed or Megatron-LM")
    if layout.sequence_parallel and layout.tp == 1:
        notes.append("sequence parallelism needs tensor parallelism (tp > 1): ignored")
    if layout.zero and layout.dp == 1:
        notes.append("ZeRO shards over data-parallel ranks; with dp = 1 it changes nothing")
    return notes


def plan_kv(spec: ModelSpec, batch: int, context: int, weight_dtype: str = "bf16", kv_dtype: str = "bf16") -> dict:
    out = inference_memory(spec, batch, context, weight_dtype, kv_dtype)
    out["model"] = spec.name
    out["conventions"] = MEMORY_CONVENTION
    return out


def plan_comm(spec: ModelSpec, training: TrainingSpec, layout: Layout, hw: Hardware,
              bandwidth: float | None = None, gpus: int | None = None) -> dict:
    m = check_layout(spec, layout, training, gpus)
    items = communication_plan(spec, training, layout, hw, microbatches=m)
    out = comm_summary(items)
    out.update(layout=layout.as_dict(), microbatches=m, gpu=hw.name)
    if bandwidth is not None:
        out["at_bandwidth"] = {"bandwidth_bytes_per_s": bandwidth, "items": comm_at_bandwidth(items, bandwidth)}
    return out


def plan_compute(spec: ModelSpec, tokens: float, seq_len: int, gpus: int, hw: Hardware,
                 precision: str = "bf16") -> dict:
    c = count_params(spec)
    out = compute_summary(spec, tokens, seq_len, c)
    peak = hw.peak_for(precision)
    secs = training_seconds(out["flops_6nd"], gpus, peak, hw.mfu)
    out["time_cost"] = run_cost(secs, gpus, hw.price_per_gpu_hour)
    out["time_cost"]["formula"] = "6ND / (GPUs · peak · MFU)"
    out["narayanan_full_recompute"] = run_cost(narayanan_seconds(tokens, c.active, gpus, peak * hw.mfu), gpus,
                                               hw.price_per_gpu_hour)
    out.update(gpus=gpus, gpu=hw.name, peak_flops=peak, mfu=hw.mfu)
    return out


def plan_run(spec: ModelSpec, training: TrainingSpec, hw: Hardware, gpus: int, *, top: int = 5,
             fit: str = DEFAULT_FIT, unique_tokens: float | None = None, dataset: dict | None = None,
             tp: int | None = None, pp: int | None = None, zero: int | None = None,
             recompute: str | None = None, sequence_parallel: bool | None = None) -> dict:
    """The whole plan: size, data and compute, scaling, best layouts with memory and communication, time, cost."""
    if not isinstance(gpus, int) or gpus <= 0:
        raise PlanError(f"GPU count must be a positive integer, got {gpus!r}")
    c = count_params(spec)
    notes: list[str] = list(spec.notes)
    tokens = training.tokens
    if tokens is None and unique_tokens is not None:
        tokens = float(unique_tokens)
        notes.append("no --tokens: one pass over the dataset planned")
    if tokens is None:
        tokens = chinchilla_tokens_for_params(c.active, fit)
        notes.append(f"no --tokens: the compute-optimal token count for this model size ({fit}) is planned")
    steps = math.ceil(tokens / training.tokens_per_step)

    compute = compute_summary(spec, tokens, training.seq_len, c)
    budget = compute["flops_6nd"]
    n_opt, d_opt = chinchilla_optimal(budget, fit)
    rn, rd = rule_of_thumb(budget)
    kn, kd = kaplan_optimal(budget)
    scaling = {
        "fit": fit,
        "compute_budget": budget,
        "planned_loss": chinchilla_loss(c.active, tokens, fit),
        "chinchilla_optimal": {"params": n_opt, "tokens": d_opt, "loss": chinchilla_loss(n_opt, d_opt, fit)},
        "rule_20_tokens_per_param": {"params": rn, "tokens": rd},
        "kaplan2020": {"non_embedding_params": kn, "tokens": kd},
        "tokens_per_param": tokens / c.active,
        "optimal_tokens_for_this_model": chinchilla_tokens_for_params(c.active, fit),
    }

    search = search_layouts(spec, training, hw, gpus, c, top, tp, pp, zero, recompute, sequence_parallel)
    best = search["best"]
    peak = hw.peak_for(training.precision)
    simple_s = training_seconds(budget, gpus, peak, hw.mfu)
    time_cost = {"simple": {**run_cost(simple_s, gpus, hw.price_per_gpu_hour),
                            "formula": "6ND / (GPUs · peak · MFU)"},
                 "narayanan_full_recompute": {**run_cost(narayanan_seconds(tokens, c.active, gpus, peak * hw.mfu),
                                                         gpus, hw.price_per_gpu_hour),
                                              "formula": "8TP / (nX), X = peak · MFU"}}
    out: dict = {
        "model": model_summary(spec),
        "total_params": c.total, "embedding_params": c.embedding, "non_embedding_params": c.non_embedding,
        "active_params": c.active,
        "training": {**training.as_dict(), "tokens": tokens, "steps": steps, "tokens_per_step":
                     training.tokens_per_step},
        "hardware": {**hw.as_dict(), "gpus": gpus},
        "compute": compute,
        "scaling": scaling,
        "layouts": {"considered": search["considered"], "fitting": search["fitting"],
                    "usable_bytes_per_gpu": search["usable_bytes"],
                    "best": [e.as_dict(with_memory=False) for e in best]},
        "time_cost": time_cost,
        "conventions": MEMORY_CONVENTION,
        "notes": notes,
    }
    if best:
        top_est = best[0]
        out["memory"] = {k: v for k, v in top_est.memory.items() if k not in ("layout",)}
        out["communication"] = comm_summary(top_est.comm)
        layout_s = steps * top_est.step_s
        time_cost["best_layout"] = {**run_cost(layout_s, gpus, hw.price_per_gpu_hour),
                                    "layout": top_est.layout.label(), "step_s": top_est.step_s,
                                    "estimated_mfu": top_est.mfu}
    else:
        small = search["smallest_memory"]
        out["memory"] = None
        out["communication"] = None
        if small is not None:
            out["layouts"]["smallest_memory"] = small.as_dict()
            notes.append(f"no layout fits in {hw.usable_fraction:.0%} of {hw.memory_bytes / 2**30:.1f} GiB: the "
                         f"smallest needs {small.memory['total_bytes'] / 2**30:.1f} GiB per GPU "
                         f"({small.layout.label()}); add GPUs, use a larger GPU, or shorten sequences")
        else:
            notes.append("no layout divides this model and GPU count (check heads, layers and global batch)")
    if unique_tokens is not None:
        out["data"] = {**data_advice(c.active, tokens, unique_tokens, fit), **(dataset or {})}
    return out
