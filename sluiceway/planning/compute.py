"""Training compute (FLOPs).

* C ≈ 6·N·D (Kaplan et al. 2020 §2.1; Hoffmann et al. 2022): 2 FLOPs per parameter per token forward, 4 backward.
* With the attention term (Kaplan et al. 2020 Table 1; Chowdhery et al. 2022 App. B, "6N + 12·L·H·Q·T"):
  per token 6·N_matmul + 12·L·s·d_attn, where N_matmul counts weights used in matmuls (the output head
  included, the embedding lookup excluded) and d_attn = n_heads·head_dim. Causal masking is not discounted.
* Narayanan et al. 2021 (§5.1), GPT blocks: F = 72·B·s·L·h²·(1 + s/6h + V/12Lh) per iteration without
  recomputation and 96·B·s·L·h²·(1 + s/6h + V/16Lh) with full recomputation.
* Recomputation adds one forward of what is recomputed (Korthikanti et al. 2022): everything in each layer for
  full recompute, only the s² attention part (QKᵀ, softmax, attention·V) for selective.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import PlanError
from .model import ModelSpec, ParamCounts, count_params

RECOMPUTE_MODES = ("none", "selective", "full")


def simple_training_flops(params: float, tokens: float) -> float:
    """C = 6·N·D."""
    return 6.0 * params * tokens


@dataclass(frozen=True)
class TokenFlops:
    """FLOPs per trained token (forward + backward), by term."""

    matmul_params: int
    linear: float  # 6·N_matmul
    attention: float  # 12·L·s·d_attn
    recompute: float  # extra forward work from activation recomputation
    simple: float  # 6·N (all parameters, the C = 6ND convention)

    @property
    def model(self) -> float:
        """Model FLOPs per token (what MFU counts): linear + attention, no recomputation."""
        return self.linear + self.attention

    @property
    def hardware(self) -> float:
        """Hardware FLOPs per token (what HFU counts): model FLOPs plus recomputation."""
        return self.model + self.recompute


def flops_per_token(spec: ModelSpec, seq_len: int, recompute: str = "none",
                    counts: ParamCounts | None = None) -> TokenFlops:
    """Training FLOPs per token with the attention term and the recomputation overhead (uses active params)."""
    if recompute not in RECOMPUTE_MODES:
        raise PlanError(f"recompute must be one of {', '.join(RECOMPUTE_MODES)}, got {recompute!r}")
    c = counts or count_params(spec)
    head = spec.hidden_size * spec.vocab_size  # the output projection is a matmul, tied or not
    n_matmul = spec.num_layers * c.matmul_per_layer_active + head
    attn_fwd = 4.0 * spec.num_layers * seq_len * spec.attn_dim  # QKᵀ and attention·V, 2 FLOPs per MAC
    if recompute == "full":
        extra = 2.0 * spec.num_layers * c.matmul_per_layer_active + attn_fwd
    elif recompute == "selective":
        extra = attn_fwd
    else:
        extra = 0.0
    return TokenFlops(matmul_params=n_matmul, linear=6.0 * n_matmul, attention=3.0 * attn_fwd,
                      recompute=extra, simple=6.0 * c.active)


def narayanan_flops_per_iteration(batch: int, seq_len: int, layers: int, hidden: int, vocab: int,
                                  recompute: bool = True) -> float:
    """Narayanan et al. 2021 §5.1 FLOPs per iteration of a GPT model (batch in sequences)."""
    base = batch * seq_len * layers * hidden**2
    if recompute:
        return 96.0 * base * (1 + seq_len / (6 * hidden) + vocab / (16 * layers * hidden))
    return 72.0 * base * (1 + seq_len / (6 * hidden) + vocab / (12 * layers * hidden))


def compute_summary(spec: ModelSpec, tokens: float, seq_len: int, counts: ParamCounts | None = None) -> dict:
    """Total training FLOPs for ``tokens`` tokens: 6ND and the attention-aware count."""
    c = counts or count_params(spec)
    per_tok = flops_per_token(spec, seq_len, "none", c)
    return {
        "flops_6nd": simple_training_flops(c.active, tokens),
        "flops_with_attention": per_tok.model * tokens,
        "flops_per_token_6n": per_tok.simple,
        "flops_per_token_with_attention": per_tok.model,
        "attention_share": per_tok.attention / per_tok.model,
        "params_used": c.active,
        "tokens": tokens,
        "seq_len": seq_len,
        "formula": "C = 6·N·D; exact: (6·N_matmul + 12·L·s·n_heads·head_dim)·D (Kaplan 2020; Chowdhery 2022)",
    }
