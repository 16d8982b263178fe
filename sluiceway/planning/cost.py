"""Training time and cost.

* Time ≈ C / (GPUs · peak FLOP/s · MFU) with C = 6ND (the product owner's formula; MFU as in Chowdhery et al. 2022).
* Narayanan et al. 2021 (§5.1): end-to-end time ≈ 8·T·P / (n·X) with full recomputation (6·T·P / (n·X)
  without), T tokens, P parameters, n GPUs, X achieved FLOP/s per GPU. GPT-3 (175B, 300B tokens) on 1024 A100s at
  140 TFLOP/s: about 34 days.
"""

from __future__ import annotations

from .errors import PlanError


def training_seconds(flops: float, gpus: int, peak_flops: float, mfu: float) -> float:
    """Wall-clock seconds to execute ``flops`` model FLOPs on ``gpus`` GPUs at ``mfu`` of ``peak_flops``."""
    if flops <= 0 or gpus <= 0 or peak_flops <= 0:
        raise PlanError("FLOPs, GPU count and peak FLOP/s must be positive")
    if not 0 < mfu <= 1:
        raise PlanError(f"MFU must be in (0, 1], got {mfu}")
    return flops / (gpus * peak_flops * mfu)


def narayanan_seconds(tokens: float, params: float, gpus: int, achieved_flops: float,
                      recompute: bool = True) -> float:
    """Narayanan et al. 2021: 8TP/(nX) with activation recomputation, 6TP/(nX) without."""
    if tokens <= 0 or params <= 0 or gpus <= 0 or achieved_flops <= 0:
        raise PlanError("tokens, parameters, GPU count and FLOP/s must be positive")
    return (8.0 if recompute else 6.0) * tokens * params / (gpus * achieved_flops)


def run_cost(seconds: float, gpus: int, price_per_gpu_hour: float) -> dict:
    """GPU-hours and money for a run of ``seconds`` on ``gpus`` GPUs."""
    gpu_hours = seconds / 3600.0 * gpus
    return {"seconds": seconds, "days": seconds / 86400.0, "gpu_hours": gpu_hours,
            "price_per_gpu_hour": price_per_gpu_hour, "cost": gpu_hours * price_per_gpu_hour}
