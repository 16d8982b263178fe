"""One local Ray session per test run: Ray starts slowly on 2 cores."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("SLUICEWAY_PROGRESS", "0")


@pytest.fixture(scope="session")
def ray_session():
    from sluiceway.pipelines.runtime import init_ray

    init_ray(num_cpus=2)
    yield
    import ray

    ray.shutdown()
