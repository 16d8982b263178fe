"""Faster fp32 linear layers on x86 CPUs: weights packed once into oneDNN's blocked layout.

``nn.Linear`` on CPU multiplies by the transposed weight through MKL on every call. oneDNN can reorder a
weight once into the blocked layout its GEMM kernels read, which PyTorch's own compiler does when it
freezes a model (``torch._inductor`` "weight prepacking"). The arithmetic stays fp32, so scores move only
by rounding (checked against the plain layer on a probe before a layer is swapped). Where the op is
missing (a build without oneDNN) or the probe disagrees, the layer is left as it is.
"""

from __future__ import annotations

from typing import Any

_BATCH_HINT = 4096  # rows per GEMM the packing is tuned for (Nuggets batches run ~1-4k tokens)


def _packing_op() -> Any:
    import torch

    ops = getattr(torch.ops, "mkldnn", None)
    if ops is None or not torch.backends.mkldnn.is_available():
        return None
    try:
        return ops._reorder_linear_weight, ops._linear_pointwise
    except (AttributeError, RuntimeError):
        return None


def packed_linear_class() -> Any:
    """The ``nn.Module`` that replaces a Linear (built lazily: torch is an optional dependency)."""
    import torch

    class PackedLinear(torch.nn.Module):
        """A Linear whose weight lives in oneDNN's packed layout; inference only."""

        def __init__(self, linear: torch.nn.Linear, reorder: Any, run: Any):
            super().__init__()
            self.in_features, self.out_features = linear.in_features, linear.out_features
            self.register_buffer("packed", reorder(linear.weight.detach(), _BATCH_HINT), persistent=False)
            bias = linear.bias.detach() if linear.bias is not None else None
            self.register_buffer("bias", bias, persistent=False)
            self._run = run

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            flat = x.reshape(-1, self.in_features)
            if not flat.is_contiguous():
                flat = flat.contiguous()
            out = self._run(flat, self.packed, self.bias, "none", [], "")
            return out.reshape(*x.shape[:-1], self.out_features)

    return PackedLinear


def pack_linears(model: Any, *, atol: float = 1e-4) -> int:
    """Swap every fp32 ``nn.Linear`` of ``model`` (on CPU) for its packed twin; returns how many were swapped.

    Each swap is checked on a random probe against the original layer (max abs difference ``atol`` relative
    to the output's scale); any failure leaves that layer unchanged.
    """
    import torch

    ops = _packing_op()
    if ops is None:
        return 0
    cls = packed_linear_class()
    swapped = 0
    for module in list(model.modules()):
        for child_name, child in list(module.named_children()):
            if type(child) is not torch.nn.Linear or child.weight.dtype != torch.float32 or child.weight.is_cuda:
                continue
            try:
                packed = cls(child, *ops)
                probe = torch.randn(37, child.in_features, generator=torch.Generator().manual_seed(0))
                with torch.inference_mode():
                    want, got = child(probe), packed(probe)
                ok = got.shape == want.shape and float((got - want).abs().max()) <= atol * (1 + float(want.abs().max()))
            except RuntimeError:
                ok = False
            if ok:
                setattr(module, child_name, packed)
                swapped += 1
    return swapped
