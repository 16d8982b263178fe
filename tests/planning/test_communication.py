import pytest

from sluiceway.planning.communication import (
    comm_at_bandwidth,
    communication_plan,
    dp_volume,
    pp_volume_total,
    tp_volume,
)
from sluiceway.planning.hardware import load_hardware
from sluiceway.planning.model import count_params, load_model
from sluiceway.planning.training import Layout, TrainingSpec

from .conftest import FIXTURES


def test_owner_volumes():
    b, s, h = 2, 2048, 4096
    assert tp_volume(h, b, s, 1, 1) == 4 * b * s * h + 4 * b * s * h
    assert tp_volume(h, b, s, 1, 1, "full") == 1.5 * 8 * b * s * h
    assert pp_volume_total(h, b, s, 4, 1) == 2 * 3 * b * s * h
    phi = 1e9
    assert dp_volume(phi, 0, 1) == 2 * phi
    assert dp_volume(phi, 1, 1) == 2 * phi
    assert dp_volume(phi, 2, 1) == 2 * phi
    assert dp_volume(phi, 3, 1) == 3 * phi
    assert dp_volume(phi, 2, 1, microbatches=4) == 5 * phi  # reduce-scatter each micro-batch
    assert dp_volume(phi, 3, 1, microbatches=4) == 12 * phi


def test_plan_names_collectives_and_links():
    spec = load_model(FIXTURES / "llama-2-7b.json")
    hw = load_hardware("h100")
    tr = TrainingSpec(seq_len=4096, global_batch=64)
    items = {i.kind: i for i in communication_plan(spec, tr, Layout(tp=4, pp=2, dp=8, zero=1), hw)}
    assert items["tensor"].collective == "All-Reduce" and items["tensor"].link == "intra-node"
    assert items["pipeline"].collective.startswith("point-to-point")
    assert "Reduce-Scatter" in items["data"].collective and items["data"].link == "inter-node"
    sp = {i.kind: i for i in communication_plan(spec, tr, Layout(tp=4, pp=2, dp=8, zero=1,
                                                                 sequence_parallel=True), hw)}
    assert "All-Gather" in sp["tensor"].collective
    z3 = {i.kind: i for i in communication_plan(spec, tr, Layout(tp=1, pp=1, dp=64, zero=3), hw)}
    m = 1
    assert z3["data"].bytes_per_step == pytest.approx(3 * m * count_params(spec).total * 2)
    ring = 63 / 64
    assert z3["data"].seconds == pytest.approx(z3["data"].bytes_per_step * ring / hw.inter_node_bw)


def test_single_gpu_has_no_traffic_and_bandwidth_timing():
    spec = load_model(FIXTURES / "tinyllama-1.1b.json")
    hw = load_hardware("a100-80gb")
    assert communication_plan(spec, TrainingSpec(global_batch=4), Layout(), hw) == []
    items = communication_plan(spec, TrainingSpec(global_batch=8), Layout(dp=8), hw)
    (t,) = comm_at_bandwidth(items, 100e9)
    assert t["seconds"] == pytest.approx(items[0].bytes_per_step * 7 / 8 / 100e9)
    assert items[0].link == "intra-node"  # 8 GPUs fit in one node
