"""Units and human-readable formatting.

Conventions used throughout the planner: memory is counted in bytes and shown in GiB (2**30 bytes) with GB
(10**9 bytes) beside it, because the ZeRO paper quotes GB while GPUs report GiB; communication volumes and
bandwidths are in GB and GB/s (10**9); FLOPs are plain counts.
"""

from __future__ import annotations

import math

from .errors import PlanError

KiB = 1024
MiB = 1024**2
GiB = 1024**3
GB = 10**9
PF_DAY = 1e15 * 86400.0  # one petaFLOP/s sustained for a day, Kaplan et al. (2020)'s compute unit

_SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12, "p": 1e15}


def parse_number(text: str | float | int, what: str = "value") -> float:
    """Parse ``2e12``, ``300B``, ``1.5T``, ``7b`` or ``4096`` into a float; reject non-finite input."""
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        raw = str(text).strip().replace("_", "").replace(",", "")
        scale = 1.0
        if raw and raw[-1].lower() in _SUFFIXES:
            scale = _SUFFIXES[raw[-1].lower()]
            raw = raw[:-1]
        try:
            value = float(raw) * scale
        except ValueError:
            raise PlanError(f"{what}: cannot read {text!r} as a number (e.g. 2e12, 300B, 1.5T)") from None
    if not math.isfinite(value):
        raise PlanError(f"{what}: {text!r} is not a finite number")
    return value


def positive(value: float, what: str) -> float:
    """Return ``value`` if it is > 0, else raise PlanError naming ``what``."""
    if value is None or not value > 0:
        raise PlanError(f"{what} must be positive, got {value!r}")
    return value


def positive_int(value: float | int, what: str) -> int:
    """Return ``value`` as an int if it is a positive whole number, else raise PlanError."""
    if value is None or isinstance(value, bool):
        raise PlanError(f"{what} must be a positive integer, got {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise PlanError(f"{what} must be a whole number, got {value!r}")
        value = int(value)
    if not isinstance(value, int):
        raise PlanError(f"{what} must be a positive integer, got {value!r}")
    if value <= 0:
        raise PlanError(f"{what} must be positive, got {value}")
    return value


def fmt_bytes(n: float) -> str:
    """``12.55 GiB (13.47 GB)``; small values in KiB/MiB."""
    if n < MiB:
        return f"{n / KiB:.1f} KiB ({n:,.0f} B)"
    if n < GiB:
        return f"{n / MiB:.1f} MiB ({n / 1e6:.1f} MB)"
    return f"{n / GiB:.2f} GiB ({n / GB:.2f} GB)"


def fmt_count(n: float) -> str:
    """``6.74 B`` style count (K, M, B, T)."""
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= div:
            return f"{n / div:.3g} {suffix}"
    return f"{n:.3g}"


def fmt_duration(seconds: float) -> str:
    """``33.9 days`` / ``5.2 h`` / ``41.0 ms`` style duration."""
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1e3:.1f} ms"


def fmt_sci(x: float) -> str:
    """``5.76e+23`` style."""
    return f"{x:.3g}" if abs(x) < 1e4 else f"{x:.3e}"
