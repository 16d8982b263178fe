import pytest

from sluiceway.planning.errors import PlanError
from sluiceway.planning.hardware import load_hardware
from sluiceway.planning.layout import estimate_step, search_layouts
from sluiceway.planning.model import load_model
from sluiceway.planning.training import Layout, TrainingSpec, check_layout

from .conftest import FIXTURES


@pytest.fixture
def llama():
    return load_model(FIXTURES / "llama-2-7b.json")


def test_search_returns_fitting_layouts_ranked(llama):
    hw = load_hardware("h100")
    res = search_layouts(llama, TrainingSpec(seq_len=4096, global_batch=1024), hw, 1024, top=10)
    best = res["best"]
    assert best and res["fitting"] >= len(best)
    assert [e.step_s for e in best] == sorted(e.step_s for e in best)
    for e in best:
        lay = e.layout
        assert lay.gpus == 1024 and 32 % lay.tp == 0 and 32 % lay.pp == 0 and lay.tp <= 8
        assert e.fits and e.memory["total_bytes"] <= hw.memory_bytes * hw.usable_fraction
        assert 0 < e.mfu <= hw.mfu
        assert e.step_s >= e.compute_s


def test_constraints_fix_dimensions(llama):
    hw = load_hardware("a100-80gb")
    res = search_layouts(llama, TrainingSpec(global_batch=256), hw, 64, tp=2, recompute="full", zero=1)
    assert res["best"] and all(e.layout.tp == 2 and e.layout.recompute == "full" and e.layout.zero == 1
                               for e in res["best"])
    with pytest.raises(PlanError, match="divide"):
        search_layouts(llama, TrainingSpec(), hw, 64, tp=3)


def test_nothing_fits_reports_smallest():
    big = load_model("gpt3-175b")
    res = search_layouts(big, TrainingSpec(seq_len=2048, global_batch=8), load_hardware("a100-40gb"), 8)
    assert res["best"] == [] and res["smallest_memory"] is not None


def test_bubble_and_microbatches(llama):
    hw = load_hardware("h100")
    tr = TrainingSpec(global_batch=64)
    flat = estimate_step(llama, tr, Layout(tp=1, pp=1, dp=8), hw)
    piped = estimate_step(llama, tr, Layout(tp=1, pp=4, dp=2), hw)
    assert flat.bubble_s == 0 and flat.microbatches == 8
    assert piped.microbatches == 32
    slot = piped.step_s - piped.dp_exposed_s - piped.optimizer_s
    assert piped.bubble_s == pytest.approx(slot * 3 / (32 + 3))


@pytest.mark.parametrize("layout,gpus,msg", [
    (Layout(tp=3, dp=1), None, "attention heads"),
    (Layout(pp=5), None, "layers"),
    (Layout(tp=2, dp=2), 8, "does not match"),
])
def test_check_layout_errors(llama, layout, gpus, msg):
    with pytest.raises(PlanError, match=msg):
        check_layout(llama, layout, TrainingSpec(global_batch=60), gpus)


def test_gqa_tp_must_divide_kv_heads():
    mistral = load_model(FIXTURES / "mistral-7b-v0.1.json")
    with pytest.raises(PlanError, match="key/value"):
        check_layout(mistral, Layout(tp=16))


def test_batch_divisibility_and_bad_settings(llama):
    with pytest.raises(PlanError, match="global batch"):
        check_layout(llama, Layout(dp=3), TrainingSpec(global_batch=64))
    for kwargs in ({"tp": 0}, {"zero": 4}, {"recompute": "some"}):
        with pytest.raises(PlanError):
            Layout(**kwargs)
    for kwargs in ({"seq_len": -1}, {"precision": "fp8"}, {"optimizer": "lion"}, {"tokens": 0}):
        with pytest.raises(PlanError):
            TrainingSpec(**kwargs)
