"""Scaling laws: compute-optimal allocation, predicted loss, and repeated data.

* Hoffmann et al. 2022 (Chinchilla), Approach 3: L(N, D) = E + A/N^α + B/D^β, minimised under C = 6ND:
  N_opt = G·(C/6)^a, D_opt = G⁻¹·(C/6)^b, G = (αA/(βB))^(1/(α+β)), a = β/(α+β), b = α/(α+β).
  The printed constants are rounded (E=1.69, A=406.4, B=410.7, α=0.34, β=0.28) and put the optimum for the Gopher
  budget (5.76e23 FLOPs) at ~32B params; the unrounded values recovered by Epoch AI (Besiroglu et al. 2024) put it
  at ~40B as the paper states. Besiroglu et al.'s own refit is offered too.
* The rule of thumb D ≈ 20·N (Hoffmann et al. 2022), so N = sqrt(C/120).
* Kaplan et al. 2020 Table 6: N_opt = 1.3e9·C^0.73 non-embedding params, C in PF-days.
* Muennighoff et al. 2023 (data-constrained): D' = U + U·R*·(1 − e^(−R/R*)) with R = epochs − 1, R*_D ≈ 15.4;
  excess parameters decay likewise with R*_N ≈ 5.3.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from .errors import PlanError
from .units import PF_DAY


@dataclass(frozen=True)
class ChinchillaFit:
    """Constants of L(N, D) = E + A/N^alpha + B/D^beta."""

    name: str
    E: float
    A: float
    B: float
    alpha: float
    beta: float
    source: str

    def as_dict(self) -> dict:
        return asdict(self)


FITS: dict[str, ChinchillaFit] = {
    "hoffmann2022": ChinchillaFit("hoffmann2022", 1.6934, 406.40, 410.72, 0.33917, 0.28491,
                                  "Hoffmann et al. 2022 Approach 3, unrounded (as recovered by Epoch AI)"),
    "hoffmann2022-rounded": ChinchillaFit("hoffmann2022-rounded", 1.69, 406.4, 410.7, 0.34, 0.28,
                                          "Hoffmann et al. 2022 eq. 10, rounded as printed"),
    "besiroglu2024": ChinchillaFit("besiroglu2024", 1.8169, 482.01, 2085.43, 0.3478, 0.3658,
                                   "Besiroglu et al. 2024, Epoch AI replication"),
}
DEFAULT_FIT = "hoffmann2022"

# Hoffmann et al. 2022, Table 3 (Approach 1 projections): params, FLOPs, tokens.
CHINCHILLA_TABLE3: tuple[tuple[float, float, float], ...] = (
    (400e6, 1.92e19, 8.0e9),
    (1e9, 1.21e20, 20.2e9),
    (10e9, 1.23e22, 205.1e9),
    (67e9, 5.76e23, 1.5e12),
    (175e9, 3.85e24, 3.7e12),
    (280e9, 9.90e24, 5.9e12),
    (520e9, 3.43e25, 11.0e12),
    (1e12, 1.27e26, 21.2e12),
    (10e12, 1.30e28, 216.2e12),
)

KAPLAN_NE, KAPLAN_PN = 1.3e9, 0.73  # Kaplan et al. 2020, Table 6
R_STAR_DATA = 15.4  # Muennighoff et al. 2023
R_STAR_PARAMS = 5.3
TOKENS_PER_PARAM = 20.0


def get_fit(name: str | ChinchillaFit) -> ChinchillaFit:
    if isinstance(name, ChinchillaFit):
        return name
    try:
        return FITS[name]
    except KeyError:
        raise PlanError(f"unknown scaling fit {name!r}; choose one of {', '.join(FITS)}") from None


def chinchilla_loss(params: float, tokens: float, fit: str | ChinchillaFit = DEFAULT_FIT) -> float:
    """Predicted final loss L(N, D) = E + A/N^α + B/D^β (nats per token on the paper's MassiveText)."""
    f = get_fit(fit)
    if params <= 0 or tokens <= 0:
        raise PlanError("parameters and tokens must be positive")
    return f.E + f.A / params**f.alpha + f.B / tokens**f.beta


def chinchilla_optimal(compute: float, fit: str | ChinchillaFit = DEFAULT_FIT) -> tuple[float, float]:
    """Compute-optimal (N, D) for a budget of ``compute`` FLOPs under C = 6ND (closed form)."""
    if compute <= 0:
        raise PlanError(f"compute budget must be positive, got {compute!r}")
    f = get_fit(fit)
    g = (f.alpha * f.A / (f.beta * f.B)) ** (1.0 / (f.alpha + f.beta))
    a = f.beta / (f.alpha + f.beta)
    b = f.alpha / (f.alpha + f.beta)
    return g * (compute / 6.0) ** a, (compute / 6.0) ** b / g


def chinchilla_tokens_for_params(params: float, fit: str | ChinchillaFit = DEFAULT_FIT) -> float:
    """The D that makes ``params`` compute-optimal (inverse of N_opt(C))."""
    f = get_fit(fit)
    g = (f.alpha * f.A / (f.beta * f.B)) ** (1.0 / (f.alpha + f.beta))
    a = f.beta / (f.alpha + f.beta)
    c6 = (params / g) ** (1.0 / a)
    return c6 / params


def rule_of_thumb(compute: float, tokens_per_param: float = TOKENS_PER_PARAM) -> tuple[float, float]:
    """D = 20·N with C = 6ND: N = sqrt(C / (6·20))."""
    if compute <= 0:
        raise PlanError(f"compute budget must be positive, got {compute!r}")
    n = math.sqrt(compute / (6.0 * tokens_per_param))
    return n, tokens_per_param * n


def kaplan_optimal(compute: float) -> tuple[float, float]:
    """Kaplan et al. 2020: N_opt = 1.3e9·C_PFday^0.73 non-embedding params; D from C = 6ND."""
    if compute <= 0:
        raise PlanError(f"compute budget must be positive, got {compute!r}")
    n = KAPLAN_NE * (compute / PF_DAY) ** KAPLAN_PN
    return n, compute / (6.0 * n)


def effective_data(unique_tokens: float, tokens: float, r_star: float = R_STAR_DATA) -> float:
    """Muennighoff et al. 2023: D' = U + U·R*·(1 − e^(−R/R*)), R = D/U − 1 repetitions beyond the first."""
    if unique_tokens <= 0:
        raise PlanError("unique tokens must be positive")
    if tokens <= unique_tokens:
        return tokens
    reps = tokens / unique_tokens - 1.0
    return unique_tokens + unique_tokens * r_star * (1.0 - math.exp(-reps / r_star))


def effective_params(params: float, unique_tokens: float, fit: str | ChinchillaFit = DEFAULT_FIT,
                     r_star: float = R_STAR_PARAMS) -> float:
    """Muennighoff et al. 2023: parameters beyond the optimum for U unique tokens decay like repeated data."""
    f = get_fit(fit)
    g = (f.alpha * f.A / (f.beta * f.B)) ** (1.0 / (f.alpha + f.beta))
    a, b = f.beta / (f.alpha + f.beta), f.alpha / (f.alpha + f.beta)
    u_n = min(params, g * (unique_tokens * g) ** (a / b))  # N_opt at the budget whose D_opt = U
    if params <= u_n:
        return params
    reps = params / u_n - 1.0
    return u_n + u_n * r_star * (1.0 - math.exp(-reps / r_star))


def data_constrained_loss(params: float, tokens: float, unique_tokens: float,
                          fit: str | ChinchillaFit = DEFAULT_FIT) -> float:
    """L(N', D') with repeated data and excess parameters discounted (Muennighoff et al. 2023)."""
    return chinchilla_loss(effective_params(params, unique_tokens, fit), effective_data(unique_tokens, tokens), fit)


def data_constrained_optimum(compute: float, unique_tokens: float,
                             fit: str | ChinchillaFit = DEFAULT_FIT) -> tuple[float, float]:
    """Best (N, D) for ``compute`` when only ``unique_tokens`` exist: minimise L(N', D') along C = 6ND."""
    lo, hi = math.log(1e6), math.log(max(compute / 6.0 / 1e6, 1e7))
    phi = (math.sqrt(5) - 1) / 2

    def loss(log_n: float) -> float:
        n = math.exp(log_n)
        return data_constrained_loss(n, compute / (6.0 * n), unique_tokens, fit)

    a, b = lo, hi
    for _ in range(80):
        c, d = b - phi * (b - a), a + phi * (b - a)
        if loss(c) < loss(d):
            b = d
        else:
            a = c
    n = math.exp((a + b) / 2)
    return n, compute / (6.0 * n)


def chinchilla_summary(compute: float, fit: str = DEFAULT_FIT) -> dict:
    """Everything ``plan chinchilla`` reports for one budget: every fit, the 20x rule and Kaplan."""
    n, d = chinchilla_optimal(compute, fit)
    fits = {}
    for name, f in FITS.items():
        fn, fd = chinchilla_optimal(compute, f)
        fits[name] = {"params": fn, "tokens": fd, "loss": chinchilla_loss(fn, fd, f),
                      "tokens_per_param": fd / fn, "constants": f.as_dict()}
    rn, rd = rule_of_thumb(compute)
    kn, kd = kaplan_optimal(compute)
    return {
        "compute": compute,
        "fit": fit,
        "params": n,
        "tokens": d,
        "loss": chinchilla_loss(n, d, fit),
        "tokens_per_param": d / n,
        "constants": get_fit(fit).as_dict(),
        "fits": fits,
        "rule_20_tokens_per_param": {"params": rn, "tokens": rd, "loss": chinchilla_loss(rn, rd, fit)},
        "kaplan2020": {"non_embedding_params": kn, "tokens": kd,
                       "formula": "N = 1.3e9 · (C / 8.64e19 FLOP per PF-day)^0.73"},
    }


def data_advice(params: float, tokens: float, unique_tokens: float, fit: str = DEFAULT_FIT) -> dict:
    """Advice when a curated dataset of ``unique_tokens`` meets a plan of ``tokens`` for ``params`` (Muennighoff)."""
    if unique_tokens <= 0:
        raise PlanError("the dataset's token total must be positive")
    epochs = tokens / unique_tokens
    d_eff = effective_data(unique_tokens, tokens)
    optimal_d = chinchilla_tokens_for_params(params, fit)
    compute = 6.0 * params * tokens
    best_n, best_d = data_constrained_optimum(compute, unique_tokens, fit)
    if epochs <= 1.0:
        verdict = "single pass: every planned token is unique"
    elif epochs <= 4.0:
        verdict = f"{epochs:.2f} epochs: up to ~4 epochs cost almost nothing against unique data (Muennighoff 2023)"
    elif epochs <= 16.0:
        verdict = f"{epochs:.1f} epochs: diminishing returns; more unique data or a larger model is better value"
    else:
        verdict = (f"{epochs:.0f} epochs: repeated tokens are worth little past ~16 epochs (R* ≈ 15.4); "
                   "get more data or train a bigger model on fewer tokens")
    if unique_tokens < optimal_d:
        reach = optimal_d / unique_tokens
        verdict += (f". The dataset holds {unique_tokens / optimal_d:.0%} of the {optimal_d:.3g} tokens that are "
                    f"compute-optimal for this model size: {reach:.1f} epochs would reach that count, worth "
                    f"{effective_data(unique_tokens, optimal_d) / optimal_d:.0%} of unique data")
    return {
        "unique_tokens": unique_tokens,
        "planned_tokens": tokens,
        "epochs": epochs,
        "effective_tokens": d_eff,
        "effective_fraction": d_eff / tokens,
        "chinchilla_optimal_tokens_for_model": optimal_d,
        "rule_20_tokens_for_model": TOKENS_PER_PARAM * params,
        "dataset_smaller_than_optimal": unique_tokens < optimal_d,
        "epochs_to_reach_optimal": optimal_d / unique_tokens,
        "loss_if_unique": chinchilla_loss(params, tokens, fit),
        "loss_with_repetition": data_constrained_loss(params, tokens, unique_tokens, fit),
        "data_constrained_optimum": {"params": best_n, "tokens": best_d, "epochs": best_d / unique_tokens,
                                     "loss": data_constrained_loss(best_n, best_d, unique_tokens, fit)},
        "verdict": verdict,
        "r_star_data": R_STAR_DATA,
        "r_star_params": R_STAR_PARAMS,
    }
