"""GPU presets and overrides.

Peak dense tensor-core FLOP/s are NVIDIA's datasheet figures without sparsity (A100: 312 TFLOP/s BF16/FP16,
156 TF32; H100/H200 SXM: 989 BF16/FP16, 495 TF32). Memory is what ``nvidia-smi`` reports, in GiB. Link speeds
are per GPU and per direction: NVLink 3 = 300 GB/s (A100), NVLink 4 = 450 GB/s (H100/H200); one InfiniBand NIC
per GPU, HDR 200 Gb/s = 25 GB/s (DGX A100) or NDR 400 Gb/s = 50 GB/s (DGX H100/H200). Prices are illustrative
on-demand USD per GPU-hour: pass your own with ``--price``. The package data ``presets/hardware/*.yaml`` hold the
same presets and override these built-in copies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from .errors import PlanError
from .model import presets_dir
from .units import GiB


@dataclass(frozen=True)
class Hardware:
    """One GPU type (all sizes per GPU)."""

    name: str
    memory_bytes: float
    peak_flops: float  # dense BF16/FP16 tensor-core FLOP/s
    peak_flops_fp32: float  # dense TF32 tensor-core FLOP/s, used for fp32 training
    mfu: float = 0.40  # expected model FLOPs utilisation of the kernels
    gpus_per_node: int = 8
    intra_node_bw: float = 300e9  # bytes/s per GPU per direction (NVLink)
    inter_node_bw: float = 25e9  # bytes/s per GPU per direction (network)
    hbm_bw: float = 2.0e12  # bytes/s
    price_per_gpu_hour: float = 2.0  # USD
    usable_fraction: float = 0.90  # of memory left to the model after CUDA context, NCCL buffers, fragmentation

    def peak_for(self, precision: str) -> float:
        return self.peak_flops_fp32 if precision == "fp32" else self.peak_flops

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


BUILTIN: dict[str, Hardware] = {
    "a100-40gb": Hardware("a100-40gb", 40 * GiB, 312e12, 156e12, 0.40, 8, 300e9, 25e9, 1.555e12, 1.50),
    "a100-80gb": Hardware("a100-80gb", 80 * GiB, 312e12, 156e12, 0.40, 8, 300e9, 25e9, 2.039e12, 2.00),
    "h100": Hardware("h100", 79.6 * GiB, 989e12, 494.5e12, 0.40, 8, 450e9, 50e9, 3.35e12, 3.00),
    "h200": Hardware("h200", 140.4 * GiB, 989e12, 494.5e12, 0.40, 8, 450e9, 50e9, 4.8e12, 3.70),
}
ALIASES = {"a100": "a100-80gb", "a100-40": "a100-40gb", "a100-80": "a100-80gb", "h100-80gb": "h100",
           "h100-sxm": "h100", "h200-141gb": "h200"}

_YAML_KEYS = {
    "memory_gib": ("memory_bytes", GiB),
    "peak_tflops": ("peak_flops", 1e12),
    "peak_tflops_fp32": ("peak_flops_fp32", 1e12),
    "mfu": ("mfu", 1.0),
    "gpus_per_node": ("gpus_per_node", 1),
    "intra_node_gbps": ("intra_node_bw", 1e9),
    "inter_node_gbps": ("inter_node_bw", 1e9),
    "hbm_gbps": ("hbm_bw", 1e9),
    "price_per_gpu_hour": ("price_per_gpu_hour", 1.0),
    "usable_fraction": ("usable_fraction", 1.0),
}


def hardware_from_mapping(data: dict[str, Any], name: str) -> Hardware:
    """Build Hardware from a YAML mapping (keys in ``_YAML_KEYS``; GiB, TFLOP/s and GB/s units)."""
    missing = [k for k in ("memory_gib", "peak_tflops") if k not in data]
    if missing:
        raise PlanError(f"hardware {name}: missing required field(s) {', '.join(missing)}")
    fields: dict[str, Any] = {"name": str(data.get("name", name))}
    for key, (attr, scale) in _YAML_KEYS.items():
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise PlanError(f"hardware {name}: {key} must be a positive number, got {value!r}")
            fields[attr] = value * scale
    fields.setdefault("peak_flops_fp32", fields["peak_flops"] / 2)
    if "gpus_per_node" in fields:
        fields["gpus_per_node"] = int(fields["gpus_per_node"])
    hw = Hardware(**fields)
    if not 0 < hw.mfu <= 1 or not 0 < hw.usable_fraction <= 1:
        raise PlanError(f"hardware {name}: mfu and usable_fraction must be in (0, 1]")
    return hw


def hardware_presets() -> list[str]:
    folder = presets_dir("hardware")
    names = set(BUILTIN)
    if folder.is_dir():
        names.update(p.stem for p in folder.glob("*.yaml"))
    return sorted(names)


def load_hardware(ref: str) -> Hardware:
    """A preset name (a100-40gb, a100-80gb, h100, h200, or a preset YAML in presets/hardware) or a YAML path."""
    path = Path(ref)
    key = ALIASES.get(ref.lower(), ref.lower())
    if not path.is_file():
        path = presets_dir("hardware") / f"{key}.yaml"
    if path.is_file():
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise PlanError(f"cannot read hardware file {path}: {exc}") from None
        if not isinstance(data, dict):
            raise PlanError(f"hardware file {path} must hold a mapping")
        return hardware_from_mapping(data, path.stem)
    if key in BUILTIN:
        return BUILTIN[key]
    raise PlanError(f"unknown GPU {ref!r}; presets: {', '.join(hardware_presets())}, or a YAML file")


def with_overrides(hw: Hardware, *, memory_gib: float | None = None, peak_tflops: float | None = None,
                   mfu: float | None = None, price: float | None = None, intra_node_gbps: float | None = None,
                   inter_node_gbps: float | None = None, gpus_per_node: int | None = None) -> Hardware:
    """Apply command-line overrides, checking each is positive (mfu in (0, 1])."""
    changes: dict[str, Any] = {}
    for value, attr, scale, what in (
        (memory_gib, "memory_bytes", GiB, "--gpu-memory-gib"),
        (peak_tflops, "peak_flops", 1e12, "--peak-tflops"),
        (mfu, "mfu", 1.0, "--mfu"),
        (price, "price_per_gpu_hour", 1.0, "--price"),
        (intra_node_gbps, "intra_node_bw", 1e9, "--intra-node-gbps"),
        (inter_node_gbps, "inter_node_bw", 1e9, "--inter-node-gbps"),
        (gpus_per_node, "gpus_per_node", 1, "--gpus-per-node"),
    ):
        if value is None:
            continue
        if not value > 0:
            raise PlanError(f"{what} must be positive, got {value}")
        changes[attr] = value * scale
    if "mfu" in changes and changes["mfu"] > 1:
        raise PlanError(f"--mfu is a fraction of peak in (0, 1], got {mfu}")
    if "gpus_per_node" in changes:
        changes["gpus_per_node"] = int(changes["gpus_per_node"])
    return replace(hw, **changes)
