import pytest

from sluiceway.planning.cost import narayanan_seconds, run_cost, training_seconds
from sluiceway.planning.errors import PlanError


def test_narayanan_gpt3_estimate():
    # Narayanan et al. 2021: GPT-3 175B, 300B tokens, 1024 GPUs at 140 TFLOP/s -> ~34 days.
    days = narayanan_seconds(300e9, 175e9, 1024, 140e12) / 86400
    assert days == pytest.approx(34, abs=0.5)


def test_simple_time_and_cost():
    secs = training_seconds(6 * 7e9 * 1e12, 512, 989e12, 0.4)
    assert secs == pytest.approx(4.2e22 / (512 * 989e12 * 0.4))
    cost = run_cost(3600, 8, 2.5)
    assert cost["gpu_hours"] == 8 and cost["cost"] == 20
    with pytest.raises(PlanError):
        training_seconds(1e20, 8, 1e15, 1.5)
    with pytest.raises(PlanError):
        narayanan_seconds(1e9, 1e9, 0, 1e12)
