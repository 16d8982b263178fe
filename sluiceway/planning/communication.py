"""Communication volume per training step, the collective each uses, and its time at a bandwidth.

Volumes follow the product owner's notes, which match the papers:

* Tensor parallelism (Shoeybi et al. 2019; Korthikanti et al. 2022): per layer and micro-batch, one forward +
  backward of the FFN moves 4·b·s·h elements and of the attention block another 4·b·s·h: an All-Reduce in the
  forward and one in the backward of each block (an All-Gather + Reduce-Scatter pair with sequence parallelism,
  same volume). Full recomputation repeats the forward ones (+50%).
* Pipeline parallelism over N stages: 2·(N−1)·b·s·h per micro-batch (activations forward, gradients backward,
  point-to-point Send/Recv between neighbouring stages); each stage sends and receives 2·b·s·h.
* Data parallelism (Rajbhandari et al. 2019 §7): All-Reduce of the gradients 2Φ; ZeRO-1/2 Reduce-Scatter of
  gradients + All-Gather of parameters 2Φ; ZeRO-3 adds a second All-Gather of parameters, 3Φ. These are per
  optimizer step with one micro-batch. With m micro-batches of gradient accumulation ZeRO-2 reduce-scatters every
  micro-batch (its gradients are sharded) and ZeRO-3 gathers parameters every micro-batch, so they move
  (m + 1)Φ and 3mΦ.

Reported volumes are element counts times bytes per element, the large-group limit; times use the ring factor
(g−1)/g of a group of g GPUs and the per-GPU bandwidth of the link the group crosses (NVLink inside a node,
the network across nodes).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .hardware import Hardware
from .memory import stage_params
from .model import ModelSpec, ParamCounts, count_params
from .training import Layout, TrainingSpec, check_layout


@dataclass(frozen=True)
class CommItem:
    """One kind of traffic in a training step, as seen by one GPU."""

    kind: str  # "tensor", "pipeline", "data"
    collective: str
    group_size: int
    bytes_per_step: float
    link: str  # "intra-node" or "inter-node"
    bandwidth: float  # bytes/s
    seconds: float  # at that bandwidth, before any overlap with compute
    formula: str

    def as_dict(self) -> dict:
        return asdict(self)


def tp_volume(hidden: int, micro_batch: int, seq_len: int, layers: int, dtype_bytes: float,
              recompute: str = "none") -> float:
    """Bytes one GPU moves for TP per micro-batch: (4bsh FFN + 4bsh attention) per layer, fwd + bwd."""
    per_layer = (4 + 4) * micro_batch * seq_len * hidden * dtype_bytes
    if recompute == "full":
        per_layer *= 1.5
    return per_layer * layers


def pp_volume_total(hidden: int, micro_batch: int, seq_len: int, stages: int, dtype_bytes: float) -> float:
    """Bytes the whole pipeline moves per micro-batch: 2·(N−1)·b·s·h elements."""
    return 2 * (stages - 1) * micro_batch * seq_len * hidden * dtype_bytes


def dp_volume(params: float, zero: int, dtype_bytes: float, microbatches: int = 1) -> float:
    """Bytes one GPU moves for data parallelism per step: 2Φ (DP, ZeRO-1), (m+1)Φ (ZeRO-2), 3mΦ (ZeRO-3)."""
    if zero <= 1:
        return 2 * params * dtype_bytes
    if zero == 2:
        return (microbatches + 1) * params * dtype_bytes
    return 3 * microbatches * params * dtype_bytes


def _link(group_span: int, hw: Hardware) -> tuple[str, float]:
    if group_span <= hw.gpus_per_node:
        return "intra-node", hw.intra_node_bw
    return "inter-node", hw.inter_node_bw


def communication_plan(spec: ModelSpec, training: TrainingSpec, layout: Layout, hw: Hardware,
                       counts: ParamCounts | None = None, microbatches: int | None = None) -> list[CommItem]:
    """Traffic per step for one GPU of the layout (ranks ordered TP fastest, then PP, then DP)."""
    c = counts or count_params(spec)
    m = microbatches if microbatches is not None else check_layout(spec, layout, training)
    b, s, h = training.micro_batch, training.seq_len, spec.hidden_size
    act_bytes = 4.0 if training.precision == "fp32" else 2.0
    items: list[CommItem] = []
    if layout.tp > 1:
        vol = tp_volume(h, b, s, spec.num_layers // layout.pp, act_bytes, layout.recompute) * m
        link, bw = _link(layout.tp, hw)
        ring = (layout.tp - 1) / layout.tp
        coll = "All-Gather + Reduce-Scatter (sequence parallel)" if layout.sp else "All-Reduce"
        items.append(CommItem("tensor", coll, layout.tp, vol, link, bw, vol * ring / bw,
                              "per layer 4bsh (FFN) + 4bsh (attention), fwd+bwd, x micro-batches"))
    if layout.pp > 1:
        per_stage = 2 * b * s * h * act_bytes * m
        link, bw = _link(layout.tp * layout.pp, hw)
        items.append(CommItem("pipeline", "point-to-point Send/Recv", layout.pp, per_stage, link, bw,
                              per_stage / bw,
                              f"2bsh per stage per micro-batch; pipeline total 2(N-1)bsh = "
                              f"{pp_volume_total(h, b, s, layout.pp, act_bytes) * m:.4g} bytes/step"))
    if layout.dp > 1:
        shard = stage_params(spec, c, layout.pp) / layout.tp
        grad_bytes = 4.0 if training.precision == "fp32" else 2.0
        vol = dp_volume(shard, layout.zero, grad_bytes, m)
        link, bw = _link(layout.gpus, hw)
        ring = (layout.dp - 1) / layout.dp
        coll = {0: "All-Reduce (gradients)",
                1: "Reduce-Scatter (gradients) + All-Gather (parameters)",
                2: "Reduce-Scatter (gradients, every micro-batch) + All-Gather (parameters)",
                3: "All-Gather (parameters, fwd and bwd) + Reduce-Scatter (gradients), every micro-batch"}
        formula = {0: "2Φ", 1: "2Φ", 2: "Φ per micro-batch + Φ", 3: "3Φ per micro-batch"}[layout.zero]
        items.append(CommItem("data", coll[layout.zero], layout.dp, vol, link, bw, vol * ring / bw,
                              f"{formula} with Φ = {shard:.4g} params per model shard"))
    return items


def comm_summary(items: list[CommItem]) -> dict:
    """Totals of a communication plan, in JSON-friendly form."""
    return {"items": [i.as_dict() for i in items],
            "total_bytes_per_step": sum(i.bytes_per_step for i in items),
            "total_seconds_unoverlapped": sum(i.seconds for i in items)}


def comm_at_bandwidth(items: list[CommItem], bandwidth: float) -> list[dict]:
    """The same volumes timed at one given bandwidth (bytes/s), ring factor applied."""
    out = []
    for i in items:
        ring = (i.group_size - 1) / i.group_size if i.kind != "pipeline" else 1.0
        out.append({"kind": i.kind, "bytes_per_step": i.bytes_per_step,
                    "seconds": i.bytes_per_step * ring / bandwidth})
    return out
