"""Memory per GPU: weights, gradients, optimizer states, activations, and inference KV cache.

Model states (Rajbhandari et al. 2019, ZeRO §3): with mixed-precision Adam a parameter costs 2 bytes of 16-bit
weights, 2 of 16-bit gradients and K = 12 of optimizer state (fp32 master copy 4, momentum 4, variance 4): 16Ψ.
In pure fp32 the weights are the master copy: 4 + 4 + 8 = 16Ψ too, so mixed precision saves no model-state memory.
ZeRO-1 shards the K part over the N_d data-parallel ranks (4Ψ + KΨ/N_d), ZeRO-2 the gradients as well
(2Ψ + (2+K)Ψ/N_d), ZeRO-3 everything ((4+K)Ψ/N_d). Tensor and pipeline parallelism divide the model first.
8-bit Adam (Dettmers et al. 2022) keeps both moments in 1 byte each plus one fp32 absmax per 2048-value block.
SGD here means SGD with momentum (one fp32 state).

Activations: Korthikanti et al. 2022 (Table 2), bytes per transformer layer with 16-bit activations, sequence s,
micro-batch b, hidden h, a heads, tensor-parallel size t: sbh(34 + 5as/h) without parallelism, sbh(10 + 24/t +
5as/(ht)) with TP, sbh/t·(34 + 5as/h) with TP+SP, sbh(10 + 24/t) with selective recompute, 34sbh/t with both,
2sbh with full recompute. ``layer_activation_bytes`` generalises that decomposition to grouped-query attention,
head_dim ≠ h/a, SwiGLU (four d_FFN-wide tensors instead of two) and models trained without dropout; for a GPT
block it reproduces the paper's numbers exactly. The product owner's formula is kept beside it as given.

Inference KV cache: 2 (K and V) · L · n_kv · head_dim · bytes per token.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .errors import PlanError
from .model import ModelSpec, ParamCounts, count_params
from .training import Layout, TrainingSpec, check_layout

WEIGHT_BYTES = {"fp32": 4.0, "fp16": 2.0, "bf16": 2.0, "int8": 1.0, "int4": 0.5}
ADAM8BIT_BLOCK = 2048  # values per quantisation block, one fp32 absmax each (Dettmers et al. 2022)


def weight_bytes(params: float, dtype: str = "bf16", group_size: int = 128) -> float:
    """Bytes to hold ``params`` weights; int4 adds one fp16 scale per ``group_size`` weights."""
    if dtype not in WEIGHT_BYTES:
        raise PlanError(f"weight dtype must be one of {', '.join(WEIGHT_BYTES)}, got {dtype!r}")
    per = WEIGHT_BYTES[dtype] + (2.0 / group_size if dtype == "int4" else 0.0)
    return params * per


def weights_table(params: float) -> dict[str, float]:
    """Weights by precision: FP32 4Φ, FP16/BF16 2Φ, INT8 1Φ, INT4 0.5Φ + scales."""
    return {dtype: weight_bytes(params, dtype) for dtype in ("fp32", "bf16", "int8", "int4")}


@dataclass(frozen=True)
class StateConvention:
    """Bytes per parameter of each model state, for one precision and optimizer."""

    precision: str
    optimizer: str
    weights: float
    gradients: float
    master: float
    optimizer_states: float

    @property
    def optimizer_total(self) -> float:
        """K in the ZeRO paper: everything the optimizer keeps (master copy included)."""
        return self.master + self.optimizer_states

    @property
    def total(self) -> float:
        return self.weights + self.gradients + self.optimizer_total

    def describe(self) -> str:
        w = "fp32" if self.precision == "fp32" else self.precision
        mode = "fp32" if self.precision == "fp32" else f"{self.precision} mixed precision"
        parts = [f"{self.weights:g} ({w} weights)", f"{self.gradients:g} ({w} gradients)"]
        if self.master:
            parts.append(f"{self.master:g} (fp32 master weights)")
        name = {"adamw": "AdamW momentum + variance", "adam8bit": "8-bit Adam moments",
                "sgd": "SGD momentum"}[self.optimizer]
        parts.append(f"{self.optimizer_states:.4g} ({name})")
        return f"{mode} + {self.optimizer}: " + " + ".join(parts) + f" = {self.total:.4g} bytes/parameter"

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(optimizer_total=self.optimizer_total, total=self.total, convention=self.describe())
        return d


def state_convention(precision: str = "bf16", optimizer: str = "adamw") -> StateConvention:
    """Bytes per parameter of weights, gradients, master copy and optimizer states."""
    if precision not in ("fp32", "bf16", "fp16"):
        raise PlanError(f"precision must be fp32, bf16 or fp16, got {precision!r}")
    states = {"adamw": 8.0, "adam8bit": 2.0 + 2 * 4.0 / ADAM8BIT_BLOCK, "sgd": 4.0}
    if optimizer not in states:
        raise PlanError(f"optimizer must be one of {', '.join(states)}, got {optimizer!r}")
    if precision == "fp32":
        return StateConvention(precision, optimizer, 4.0, 4.0, 0.0, states[optimizer])
    return StateConvention(precision, optimizer, 2.0, 2.0, 4.0, states[optimizer])


def zero_model_states(params: float, dp: int, stage: int, k: float = 12.0) -> float:
    """ZeRO paper §5 model-state bytes per GPU: (2 + 2 + K)Ψ with stage 1/2/3 partitioning over N_d = dp."""
    if stage not in (0, 1, 2, 3):
        raise PlanError(f"ZeRO stage must be 0..3, got {stage}")
    w = 2.0 * params / (dp if stage >= 3 else 1)
    g = 2.0 * params / (dp if stage >= 2 else 1)
    o = k * params / (dp if stage >= 1 else 1)
    return w + g + o


def pp_zero1_bytes(params: float, tp: int, pp: int, dp: int) -> float:
    """Product owner's PP + ZeRO-1 formula: 2Φ/(tp·pp) + 2Φ/(tp·pp) + 12Φ/(dp·tp·pp)."""
    return 2 * params / (tp * pp) + 2 * params / (tp * pp) + 12 * params / (dp * tp * pp)


def stage_params(spec: ModelSpec, counts: ParamCounts, pp: int) -> int:
    """Parameters of the most loaded pipeline stage (first holds the embeddings, last the head)."""
    if pp == 1:
        return counts.total
    body = (spec.num_layers // pp) * counts.per_layer
    first = body + counts.token_embedding + counts.position_embedding
    head = counts.output_head if counts.output_head else counts.token_embedding  # tied: last stage keeps a copy
    last = body + head + counts.final_norm
    return max(first, last)


# ---------------------------------------------------------------- activations

def owner_activation_bytes(spec: ModelSpec, micro_batch: int, seq_len: int) -> float:
    """Product owner's formula, as given: L·[(10 + 4·n_kv/n_head)·bsh + 8·bs·d_FFN + 5·bs²·n_head] + 4·bsh."""
    b, s, h = micro_batch, seq_len, spec.hidden_size
    r = spec.num_kv_heads / spec.num_heads
    per_layer = (10 + 4 * r) * b * s * h + 8 * b * s * spec.ffn_size + 5 * b * s * s * spec.num_heads
    return spec.num_layers * per_layer + 4 * b * s * h


def korthikanti_layer_bytes(seq_len: int, micro_batch: int, hidden: int, heads: int, tp: int = 1,
                            sp: bool = False, recompute: str = "none") -> float:
    """Korthikanti et al. 2022 Table 2, bytes per GPT layer (16-bit activations), exactly as published."""
    s, b, h, a, t = seq_len, micro_batch, hidden, heads, tp
    sbh = s * b * h
    if recompute == "full":
        return 2.0 * sbh
    if recompute == "selective":
        return 34.0 * sbh / t if sp else sbh * (10 + 24 / t)
    if sp:
        return sbh / t * (34 + 5 * a * s / h)
    return sbh * (10 + 24 / t + 5 * a * s / (h * t))


def layer_activation_terms(spec: ModelSpec, micro_batch: int, seq_len: int,
                           flash_attention: bool = False) -> dict[str, float]:
    """Activation bytes of one layer (16-bit), split by how tensor/sequence parallelism and recompute treat them.

    ``replicated``: LayerNorm inputs, the QKV and MLP inputs, dropout masks of the residual branches (replicated
    across TP ranks; sharded by sequence parallelism). ``tp_sharded``: Q, K, V, the attention output projection
    input, the FFN's inner tensors. ``scores``: the s x s softmax output (+ its dropout mask and output), dropped
    by selective recomputation; FlashAttention keeps only an fp32 log-sum-exp per head and position instead.
    """
    b, s, h = micro_batch, seq_len, spec.hidden_size
    sb = s * b
    drop = 1.0 if spec.dropout else 0.0
    replicated = sb * h * (2 + 2 + 2 + 2 + 2 * drop)  # LN1, QKV in, LN2, MLP in, 2 dropout masks (1 byte)
    attention = 2 * sb * spec.attn_dim * 2 + 2 * sb * spec.kv_dim * 2  # Q, out-proj input; K, V
    ffn_tensors = 4 if spec.gated_ffn else 2  # SwiGLU: gate, up, act(gate), product; GELU: input, output
    ffn = ffn_tensors * 2 * sb * spec.ffn_size * spec.experts_per_token
    if flash_attention:
        scores = 4.0 * sb * spec.num_heads  # fp32 log-sum-exp
    else:
        scores = spec.num_heads * s * s * b * (2 + 3 * drop)  # softmax out 2; mask 1 + dropout out 2
    return {"replicated": replicated, "tp_sharded": attention + ffn, "scores": scores}


def layer_activation_bytes(spec: ModelSpec, micro_batch: int, seq_len: int, tp: int = 1, sp: bool = False,
                           recompute: str = "none", flash_attention: bool = False) -> float:
    """Activation bytes one layer keeps per micro-batch on one GPU (Korthikanti et al. 2022, generalised)."""
    terms = layer_activation_terms(spec, micro_batch, seq_len, flash_attention)
    rep = terms["replicated"] / (tp if sp else 1)
    if recompute == "full":
        return 2.0 * seq_len * micro_batch * spec.hidden_size / (tp if sp else 1)
    if recompute == "selective":
        return rep + terms["tp_sharded"] / tp
    if recompute != "none":
        raise PlanError(f"recompute must be none, selective or full, got {recompute!r}")
    return rep + (terms["tp_sharded"] + terms["scores"]) / tp


def activation_bytes(spec: ModelSpec, training: TrainingSpec, layout: Layout, microbatches: int = 1) -> dict:
    """Activation bytes on the busiest GPU (the first pipeline stage under 1F1B).

    Under 1F1B the first stage holds min(pp, m) micro-batches of its L/pp layers, i.e. about L layers' worth
    (Korthikanti et al. 2022 §4.2.3). Extras: the embedding dropout mask (one per in-flight micro-batch), the
    final norm, output-layer input and fp32 logits when the stage also holds the head (pp = 1), and for full
    recompute the working set of one layer recomputed during the backward pass. fp32 training doubles it all.
    """
    b, s, h, t = training.micro_batch, training.seq_len, spec.hidden_size, layout.tp
    sp = layout.sp
    in_flight = min(layout.pp, microbatches)
    layers = spec.num_layers // layout.pp
    per_layer = layer_activation_bytes(spec, b, s, t, sp, layout.recompute, training.flash_attention)
    body = per_layer * layers * in_flight
    extra = 0.0
    if spec.dropout:
        extra += s * b * h * in_flight / (t if sp else 1)
    if layout.pp == 1:
        extra += 4.0 * s * b * h / (t if sp else 1) + 4.0 * s * b * spec.vocab_size / t
    working = 0.0
    if layout.recompute == "full":
        working = layer_activation_bytes(spec, b, s, t, sp, "none", training.flash_attention)
    scale = 2.0 if training.precision == "fp32" else 1.0
    total = (body + extra + working) * scale
    return {"per_layer": per_layer * scale, "layers_held": layers * in_flight, "in_flight_microbatches": in_flight,
            "extras": extra * scale, "recompute_working_set": working * scale, "total": total}


# ---------------------------------------------------------------- training memory

def training_memory(spec: ModelSpec, training: TrainingSpec, layout: Layout,
                    counts: ParamCounts | None = None, microbatches: int | None = None) -> dict:
    """Per-GPU memory of one training layout; keys include weights/gradients/optimizer/activations/total_bytes."""
    c = counts or count_params(spec)
    m = microbatches if microbatches is not None else check_layout(spec, layout, training)
    conv = state_convention(training.precision, training.optimizer)
    shard = stage_params(spec, c, layout.pp) / layout.tp
    dp = layout.dp
    weights = conv.weights * shard / (dp if layout.zero >= 3 else 1)
    grads = conv.gradients * shard / (dp if layout.zero >= 2 else 1)
    optim = conv.optimizer_total * shard / (dp if layout.zero >= 1 else 1)
    act = activation_bytes(spec, training, layout, m)
    total = weights + grads + optim + act["total"]
    return {
        "weights_bytes": weights,
        "gradients_bytes": grads,
        "optimizer_bytes": optim,
        "model_states_bytes": weights + grads + optim,
        "activations_bytes": act["total"],
        "total_bytes": total,
        "params_per_gpu": shard / (dp if layout.zero >= 3 else 1),
        "activations": act,
        "activations_owner_formula_bytes": owner_activation_bytes(spec, training.micro_batch, training.seq_len),
        "pp_zero1_owner_formula_bytes": pp_zero1_bytes(c.total, layout.tp, layout.pp, dp),
        "bytes_per_param": conv.as_dict(),
        "convention": conv.describe(),
        "microbatches_per_step": m,
        "layout": layout.as_dict(),
    }


# ---------------------------------------------------------------- inference

def kv_cache_bytes_per_token(spec: ModelSpec, dtype: str = "bf16") -> float:
    """2 · L · n_kv · head_dim · bytes (keys and values of every layer)."""
    if dtype not in WEIGHT_BYTES:
        raise PlanError(f"KV cache dtype must be one of {', '.join(WEIGHT_BYTES)}, got {dtype!r}")
    return 2.0 * spec.num_layers * spec.num_kv_heads * spec.head_dim * WEIGHT_BYTES[dtype]


def inference_memory(spec: ModelSpec, batch: int = 1, context: int = 4096, weight_dtype: str = "bf16",
                     kv_dtype: str = "bf16", counts: ParamCounts | None = None) -> dict:
    """Weights + KV cache for ``batch`` sequences of ``context`` tokens (activations of decoding ignored)."""
    for value, what in ((batch, "batch"), (context, "context length")):
        if not isinstance(value, int) or value <= 0:
            raise PlanError(f"{what} must be a positive integer, got {value!r}")
    c = counts or count_params(spec)
    per_tok = kv_cache_bytes_per_token(spec, kv_dtype)
    weights = weight_bytes(c.total, weight_dtype)
    kv = per_tok * batch * context
    return {"weights_bytes": weights, "kv_cache_bytes_per_token": per_tok, "kv_cache_bytes": kv,
            "total_bytes": weights + kv, "batch": batch, "context": context, "weight_dtype": weight_dtype,
            "kv_dtype": kv_dtype, "weights_by_precision": weights_table(c.total),
            "formula": "KV cache = 2 · L · n_kv · head_dim · bytes per token"}
