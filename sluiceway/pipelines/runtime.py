"""Start or attach to Ray: embedded local Ray by default, an existing cluster with an address."""

from __future__ import annotations

import logging
import os


def init_ray(address: str | None = None, num_cpus: int | None = None) -> None:
    """Initialise Ray once per process; a second call with Ray already up is a no-op."""
    import ray

    if ray.is_initialized():
        return
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
    kwargs: dict = {"ignore_reinit_error": True, "logging_level": logging.WARNING, "log_to_driver": True}
    if address:
        ray.init(address=address, **kwargs)
    else:  # "local" starts a fresh embedded Ray even when another cluster runs on this machine
        kwargs["address"] = "local"
        kwargs["num_cpus"] = num_cpus or os.cpu_count()
        kwargs["include_dashboard"] = False
        ray.init(**kwargs)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = os.environ.get("SLUICEWAY_PROGRESS", "1") != "0"
