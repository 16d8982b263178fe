"""Training-run settings and parallel layouts, validated."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .compute import RECOMPUTE_MODES
from .errors import PlanError
from .model import ModelSpec
from .units import positive_int

PRECISIONS = ("fp32", "bf16", "fp16")
OPTIMIZERS = ("adamw", "adam8bit", "sgd")


@dataclass(frozen=True)
class TrainingSpec:
    """What is trained and how: sequence length, batch sizes (in sequences), precision, optimizer."""

    seq_len: int = 4096
    micro_batch: int = 1
    global_batch: int = 1024
    precision: str = "bf16"
    optimizer: str = "adamw"
    tokens: float | None = None
    flash_attention: bool = False  # the papers' accounting stores the s x s attention scores

    def __post_init__(self) -> None:
        positive_int(self.seq_len, "sequence length")
        positive_int(self.micro_batch, "micro-batch")
        positive_int(self.global_batch, "global batch")
        if self.precision not in PRECISIONS:
            raise PlanError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")
        if self.optimizer not in OPTIMIZERS:
            raise PlanError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.tokens is not None and not self.tokens > 0:
            raise PlanError(f"tokens must be positive, got {self.tokens!r}")
        if self.micro_batch > self.global_batch:
            raise PlanError(f"micro-batch {self.micro_batch} exceeds the global batch {self.global_batch}")

    @property
    def tokens_per_step(self) -> int:
        return self.global_batch * self.seq_len

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Layout:
    """A parallel layout: tensor x pipeline x data parallel sizes, ZeRO stage, recomputation, sequence parallel."""

    tp: int = 1
    pp: int = 1
    dp: int = 1
    zero: int = 0
    recompute: str = "none"
    sequence_parallel: bool = False

    def __post_init__(self) -> None:
        positive_int(self.tp, "tensor-parallel size")
        positive_int(self.pp, "pipeline-parallel size")
        positive_int(self.dp, "data-parallel size")
        if self.zero not in (0, 1, 2, 3):
            raise PlanError(f"ZeRO stage must be 0, 1, 2 or 3, got {self.zero!r}")
        if self.recompute not in RECOMPUTE_MODES:
            raise PlanError(f"recompute must be one of {', '.join(RECOMPUTE_MODES)}, got {self.recompute!r}")

    @property
    def gpus(self) -> int:
        return self.tp * self.pp * self.dp

    @property
    def sp(self) -> bool:
        """Sequence parallelism only means something with tensor parallelism."""
        return self.sequence_parallel and self.tp > 1

    def label(self) -> str:
        sp = "+SP" if self.sp else ""
        return f"TP{self.tp}{sp} PP{self.pp} DP{self.dp} ZeRO-{self.zero} rc={self.recompute}"

    def as_dict(self) -> dict:
        d = asdict(self)
        d["gpus"] = self.gpus
        d["sequence_parallel"] = self.sp
        return d


def check_layout(spec: ModelSpec, layout: Layout, training: TrainingSpec | None = None,
                 gpus: int | None = None) -> int:
    """Raise PlanError unless the layout fits the model (heads, layers) and GPU count; return micro-batches/step."""
    if gpus is not None and layout.gpus != gpus:
        raise PlanError(f"layout TP{layout.tp} x PP{layout.pp} x DP{layout.dp} = {layout.gpus} GPUs "
                        f"does not match the {gpus} GPUs given")
    if spec.num_heads % layout.tp:
        raise PlanError(f"tensor-parallel size {layout.tp} does not divide the {spec.num_heads} attention heads")
    if spec.num_kv_heads % layout.tp:
        raise PlanError(f"tensor-parallel size {layout.tp} does not divide the {spec.num_kv_heads} key/value heads")
    if spec.ffn_size % layout.tp:
        raise PlanError(f"tensor-parallel size {layout.tp} does not divide the FFN width {spec.ffn_size}")
    if spec.num_layers % layout.pp:
        raise PlanError(f"pipeline-parallel size {layout.pp} does not divide the {spec.num_layers} layers")
    if training is None:
        return 1
    per_step = training.micro_batch * layout.dp
    if training.global_batch % per_step:
        raise PlanError(f"global batch {training.global_batch} is not a multiple of micro-batch "
                        f"{training.micro_batch} x data-parallel {layout.dp} = {per_step}")
    return training.global_batch // per_step
