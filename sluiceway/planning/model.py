"""Model architecture from a Hugging Face ``config.json`` (or a YAML with the same keys) and exact parameter counts.

The product owner's formula for a decoder-only model with grouped-query attention, a 3-matrix SwiGLU FFN,
RMSNorm and an untied head (``owner_param_formula``) is exact for Llama-2-7B (6,738,415,616). Real configs differ
from it, and ``count_params`` follows each family's modelling code:

* ``head_dim`` may differ from hidden/heads (Qwen3-0.6B: 1024 hidden, 16 heads of 128);
* Qwen2/Qwen2.5 put biases on the q, k and v projections (not on o);
* Qwen3 adds RMSNorm weights on queries and keys (2 x head_dim per layer);
* ``tie_word_embeddings`` drops the h x V output head;
* Meta's ``params.json`` gives the FFN width as multiple_of * ceil(ffn_dim_multiplier * floor(8h/3) / multiple_of)
  (Touvron et al. 2023);
* GPT-2/GPT-3 style models (Radford et al. 2019; Brown et al. 2020) have learned positions, LayerNorm with bias,
  a 2-matrix GELU MLP of width 4h and biases on every linear layer;
* Mixtral (Jiang et al. 2024) replaces the FFN by ``num_local_experts`` SwiGLU experts and a router.

Convention: ``embedding`` counts the token embedding, learned position embeddings and an *untied* output head;
``non_embedding`` is everything else (all blocks plus the final norm), i.e. Kaplan et al. (2020)'s N.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import PlanError

# Families whose modelling code the counts below follow exactly.
KNOWN_FAMILIES = ("llama", "mistral", "qwen2", "qwen3", "mixtral", "gpt2")


@dataclass(frozen=True)
class ModelSpec:
    """Architecture numbers the planner needs; build with ``model_from_config`` or directly."""

    name: str
    family: str
    vocab_size: int
    hidden_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    ffn_size: int
    tie_embeddings: bool = False
    gated_ffn: bool = True  # SwiGLU: gate, up, down (3 matrices); else 2-matrix GELU MLP
    qkv_bias: bool = False
    o_bias: bool = False
    mlp_bias: bool = False
    qk_norm: bool = False
    norm_has_bias: bool = False  # LayerNorm (weight + bias) vs RMSNorm (weight only)
    learned_positions: int = 0  # rows of a learned position table (GPT-2/3); 0 for RoPE
    max_position: int | None = None
    num_experts: int = 1
    experts_per_token: int = 1
    dropout: bool = False  # whether dropout masks are stored (activation accounting)
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def attn_dim(self) -> int:
        """Width of the concatenated query heads, n_heads x head_dim (= hidden for most models)."""
        return self.num_heads * self.head_dim

    @property
    def kv_dim(self) -> int:
        """Width of the key (or value) projection, n_kv_heads x head_dim."""
        return self.num_kv_heads * self.head_dim


@dataclass(frozen=True)
class ParamCounts:
    """Exact parameter counts; ``active`` differs from ``total`` only for mixture-of-experts models."""

    total: int
    embedding: int
    non_embedding: int
    per_layer: int
    attention_per_layer: int
    ffn_per_layer: int
    norms_per_layer: int
    token_embedding: int
    position_embedding: int
    output_head: int
    final_norm: int
    active: int
    active_non_embedding: int
    matmul_per_layer_active: int  # weights that take part in a matmul per token, per layer (no norms/biases)

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _pick(cfg: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in cfg and cfg[key] is not None:
            return cfg[key]
    return None


def _require_int(cfg: dict[str, Any], source: str, *keys: str) -> int:
    value = _pick(cfg, *keys)
    if value is None:
        alias = f" (or {'/'.join(keys[1:])})" if len(keys) > 1 else ""
        raise PlanError(f"{source}: missing required field {keys[0]!r}{alias}")
    return _as_positive_int(value, f"{source}: {keys[0]}")


def _as_positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PlanError(f"{what} must be a positive integer, got {value!r}")
    if isinstance(value, float) and not value.is_integer():
        raise PlanError(f"{what} must be a whole number, got {value!r}")
    if value <= 0:
        raise PlanError(f"{what} must be positive, got {value!r}")
    return int(value)


def meta_ffn_width(hidden: int, multiple_of: int, ffn_dim_multiplier: float | None = None) -> int:
    """FFN width of Meta's Llama code: multiple_of * ceil(mult * floor(8h/3) / multiple_of)."""
    width = int(2 * (4 * hidden) / 3)
    if ffn_dim_multiplier is not None:
        width = int(ffn_dim_multiplier * width)
    return multiple_of * math.ceil(width / multiple_of)


def _family_of(cfg: dict[str, Any]) -> str:
    mt = str(cfg.get("model_type") or "").lower()
    if mt:
        return mt
    archs = cfg.get("architectures") or []
    if archs:
        arch = str(archs[0]).lower()
        for fam in ("qwen3", "qwen2", "mixtral", "mistral", "llama", "gpt2"):
            if arch.startswith(fam):
                return fam
    if "dim" in cfg and "n_layers" in cfg and "multiple_of" in cfg:
        return "llama"  # Meta's params.json
    return ""


def model_from_config(cfg: dict[str, Any], name: str = "model", source: str | None = None) -> ModelSpec:
    """Build a ModelSpec from a Hugging Face config dict (llama, mistral, qwen2, qwen3, mixtral, gpt2 families).

    Unknown families fall back to the product owner's generic decoder formula, with a note saying so.
    Raises PlanError on a missing required field or a non-positive size.
    """
    if not isinstance(cfg, dict):
        raise PlanError(f"{source or name}: a model config must be a mapping of fields, got {type(cfg).__name__}")
    src = source or name
    family = _family_of(cfg)
    notes: list[str] = []
    gpt2 = family in ("gpt2", "gpt3")

    hidden = _require_int(cfg, src, "hidden_size", "n_embd", "d_model", "dim")
    layers = _require_int(cfg, src, "num_hidden_layers", "n_layer", "n_layers", "num_layers")
    heads = _require_int(cfg, src, "num_attention_heads", "n_head", "n_heads", "num_heads")
    vocab = _require_int(cfg, src, "vocab_size", "padded_vocab_size")
    kv_raw = _pick(cfg, "num_key_value_heads", "n_kv_heads", "num_kv_heads")
    kv_heads = heads if kv_raw is None else _as_positive_int(kv_raw, f"{src}: num_key_value_heads")
    hd_raw = _pick(cfg, "head_dim")
    if hd_raw is None:
        if hidden % heads:
            raise PlanError(f"{src}: hidden_size {hidden} is not divisible by num_attention_heads {heads}; "
                            "give head_dim")
        head_dim = hidden // heads
    else:
        head_dim = _as_positive_int(hd_raw, f"{src}: head_dim")
    if heads % kv_heads:
        raise PlanError(f"{src}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kv_heads}")

    ffn_raw = _pick(cfg, "intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size")
    if ffn_raw is None and "multiple_of" in cfg:
        ffn = meta_ffn_width(hidden, _as_positive_int(cfg["multiple_of"], f"{src}: multiple_of"),
                             cfg.get("ffn_dim_multiplier"))
        notes.append(f"FFN width {ffn} derived from multiple_of/ffn_dim_multiplier (Meta's rule)")
    elif ffn_raw is None and gpt2:
        ffn = 4 * hidden
    elif ffn_raw is None:
        raise PlanError(f"{src}: missing required field 'intermediate_size' (the FFN width)")
    else:
        ffn = _as_positive_int(ffn_raw, f"{src}: intermediate_size")

    tie_raw = _pick(cfg, "tie_word_embeddings")
    if gpt2:
        tie = True if tie_raw is None else bool(tie_raw)
    elif tie_raw is None:
        tie = False
        if family not in KNOWN_FAMILIES:
            notes.append("tie_word_embeddings absent: untied output head assumed")
    else:
        tie = bool(tie_raw)

    max_pos = _pick(cfg, "max_position_embeddings", "n_positions", "n_ctx", "max_seq_len")
    max_pos = int(max_pos) if isinstance(max_pos, (int, float)) and max_pos > 0 else None
    drop_keys = ("attention_dropout", "attn_pdrop", "hidden_dropout", "resid_pdrop", "dropout")
    dropout = any(isinstance(cfg.get(k), (int, float)) and cfg.get(k) > 0 for k in drop_keys)

    spec = ModelSpec(
        name=name, family=family or "generic", vocab_size=vocab, hidden_size=hidden, num_layers=layers,
        num_heads=heads, num_kv_heads=kv_heads, head_dim=head_dim, ffn_size=ffn, tie_embeddings=tie,
        max_position=max_pos, dropout=dropout,
    )
    if family in ("llama", "mistral"):
        bias = bool(cfg.get("attention_bias", False))
        spec = replace(spec, qkv_bias=bias, o_bias=bias, mlp_bias=bool(cfg.get("mlp_bias", False)))
    elif family == "qwen2":
        spec = replace(spec, qkv_bias=True)  # Qwen2Attention: bias on q/k/v, none on o
    elif family == "qwen3":
        bias = bool(cfg.get("attention_bias", False))
        spec = replace(spec, qkv_bias=bias, o_bias=bias, qk_norm=True)
    elif family == "mixtral":
        experts = _require_int(cfg, src, "num_local_experts")
        topk = _require_int(cfg, src, "num_experts_per_tok")
        spec = replace(spec, num_experts=experts, experts_per_token=min(topk, experts))
        notes.append("mixture of experts: memory holds all experts, compute uses the active ones; "
                     "expert parallelism is not modelled")
    elif gpt2:
        positions = max_pos or 1024
        spec = replace(spec, family="gpt2", gated_ffn=False, qkv_bias=True, o_bias=True, mlp_bias=True,
                       norm_has_bias=True, learned_positions=positions, max_position=positions,
                       dropout=True if not any(k in cfg for k in drop_keys) else dropout)
    else:
        shown = family or "unspecified"
        notes.append(f"model_type {shown!r} is not one the planner knows ({', '.join(KNOWN_FAMILIES)}): "
                     "generic decoder formula used (GQA attention, 3-matrix SwiGLU FFN, RMSNorm, no biases)")
        if any(k in cfg for k in ("num_local_experts", "num_experts", "n_routed_experts")):
            notes.append("the config looks like a mixture of experts, which the generic formula does not count")
    return replace(spec, notes=tuple(notes))


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError(f"cannot read model config {path}: {exc.strerror or exc}") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as exc:  # json.JSONDecodeError, yaml.YAMLError
        raise PlanError(f"cannot parse model config {path}: {exc}") from None
    if not isinstance(data, dict):
        raise PlanError(f"model config {path} must hold a mapping of fields")
    return data


def presets_dir(kind: str) -> Path:
    """The preset folder ``kind`` (``models`` or ``hardware``), package data of ``sluiceway.planning``.

    Found with :mod:`importlib.resources`, so presets work from any installed copy, not only a checkout.
    """
    from importlib.resources import files

    return Path(str(files("sluiceway.planning") / "presets" / kind))


def model_presets() -> list[str]:
    """Names of the YAML model presets (``sluiceway/planning/presets/models``)."""
    folder = presets_dir("models")
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def load_model(ref: str | Path) -> ModelSpec:
    """Load a model from a ``config.json``, a YAML file, a folder holding ``config.json``, or a preset name."""
    path = Path(ref)
    if path.is_dir():
        path = path / "config.json"
    if not path.exists():
        preset = presets_dir("models") / f"{ref}.yaml"
        if preset.exists():
            path = preset
        else:
            known = ", ".join(model_presets()) or "none found"
            raise PlanError(f"model config {str(ref)!r} not found (not a file, and not a preset: {known})")
    cfg = _read_mapping(path)
    name = str(cfg.get("name") or (path.parent.name if path.name == "config.json" else path.stem))
    return model_from_config(cfg, name=name, source=str(path))


def count_params(spec: ModelSpec) -> ParamCounts:
    """Exact parameter count following each family's modelling code (see module docstring)."""
    h, V, L = spec.hidden_size, spec.vocab_size, spec.num_layers
    q, kv = spec.attn_dim, spec.kv_dim
    attn_w = h * q + 2 * h * kv + q * h
    attn_b = (q + 2 * kv if spec.qkv_bias else 0) + (h if spec.o_bias else 0)
    qk_norm = 2 * spec.head_dim if spec.qk_norm else 0
    attention = attn_w + attn_b + qk_norm

    n_mat = 3 if spec.gated_ffn else 2
    expert_w = n_mat * h * spec.ffn_size
    expert_b = 0
    if spec.mlp_bias:
        expert_b = (2 * spec.ffn_size + h) if spec.gated_ffn else (spec.ffn_size + h)
    expert = expert_w + expert_b
    router = h * spec.num_experts if spec.num_experts > 1 else 0
    ffn = spec.num_experts * expert + router
    ffn_active = spec.experts_per_token * expert + router

    norm_size = 2 * h if spec.norm_has_bias else h
    norms = 2 * norm_size
    per_layer = attention + ffn + norms
    per_layer_active = attention + ffn_active + norms

    tok = V * h
    pos = spec.learned_positions * h
    head = 0 if spec.tie_embeddings else V * h
    final_norm = norm_size
    embedding = tok + pos + head
    non_emb = L * per_layer + final_norm
    non_emb_active = L * per_layer_active + final_norm
    return ParamCounts(
        total=embedding + non_emb, embedding=embedding, non_embedding=non_emb, per_layer=per_layer,
        attention_per_layer=attention, ffn_per_layer=ffn, norms_per_layer=norms, token_embedding=tok,
        position_embedding=pos, output_head=head, final_norm=final_norm,
        active=embedding + non_emb_active, active_non_embedding=non_emb_active,
        matmul_per_layer_active=attn_w + spec.experts_per_token * expert_w + router,
    )


def owner_param_formula(vocab: int, hidden: int, layers: int, ffn: int, kv_heads: int, heads: int) -> float:
    """Product owner's formula: V·h + L·[h + (2 + 2·n_kv/n_head)·h² + h + 3·h·d_FFN] + h + h·V.

    Exact for GQA/SwiGLU/RMSNorm models with an untied head, head_dim = h/n_head and no biases.
    """
    r = kv_heads / heads
    return vocab * hidden + layers * (hidden + (2 + 2 * r) * hidden**2 + hidden + 3 * hidden * ffn) \
        + hidden + hidden * vocab


def model_overrides(spec: ModelSpec | None, **fields: Any) -> ModelSpec:
    """Apply flag overrides (None = keep); with no base spec, build one from the flags alone."""
    given = {k: v for k, v in fields.items() if v is not None}
    if spec is None:
        cfg = {
            "model_type": given.pop("family", "llama"),
            "hidden_size": given.pop("hidden_size", None),
            "num_hidden_layers": given.pop("num_layers", None),
            "num_attention_heads": given.pop("num_heads", None),
            "num_key_value_heads": given.pop("num_kv_heads", None),
            "vocab_size": given.pop("vocab_size", None),
            "intermediate_size": given.pop("ffn_size", None),
            "head_dim": given.pop("head_dim", None),
            "tie_word_embeddings": given.pop("tie_embeddings", None),
        }
        return model_from_config({k: v for k, v in cfg.items() if v is not None}, name="flags", source="flags")
    for key, value in given.items():
        if key in ("tie_embeddings", "family"):
            continue
        _as_positive_int(value, f"--{key.replace('_', '-')}")
    derived_head_dim = spec.head_dim * spec.num_heads == spec.hidden_size
    spec = replace(spec, **given)
    if "head_dim" not in given and derived_head_dim and ("hidden_size" in given or "num_heads" in given):
        if spec.hidden_size % spec.num_heads:
            raise PlanError(f"hidden size {spec.hidden_size} is not divisible by {spec.num_heads} heads")
        spec = replace(spec, head_dim=spec.hidden_size // spec.num_heads)
    if spec.num_heads % spec.num_kv_heads:
        raise PlanError(f"num_heads {spec.num_heads} is not a multiple of num_kv_heads {spec.num_kv_heads}")
    return spec
