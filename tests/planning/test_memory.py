import pytest

from sluiceway.planning.errors import PlanError
from sluiceway.planning.memory import (
    activation_bytes,
    inference_memory,
    korthikanti_layer_bytes,
    kv_cache_bytes_per_token,
    layer_activation_bytes,
    owner_activation_bytes,
    pp_zero1_bytes,
    state_convention,
    training_memory,
    weights_table,
    zero_model_states,
)
from sluiceway.planning.model import ModelSpec, count_params, load_model
from sluiceway.planning.training import Layout, TrainingSpec
from sluiceway.planning.units import KiB

from .conftest import FIXTURES


def gpt(h=12288, a=96, L=96):
    return ModelSpec("gpt", "gpt2", 51200, h, L, a, a, h // a, 4 * h, tie_embeddings=True, gated_ffn=False,
                     dropout=True)


def test_zero_paper_table1():
    # Rajbhandari et al. 2019, Table 1: 7.5B params, N_d = 64, K = 12.
    psi = 7.5e9
    assert zero_model_states(psi, 64, 0) / 1e9 == pytest.approx(120)
    assert round(zero_model_states(psi, 64, 1) / 1e9, 1) == 31.4
    assert round(zero_model_states(psi, 64, 2) / 1e9, 1) == 16.6
    assert round(zero_model_states(psi, 64, 3) / 1e9, 2) == 1.88


def test_training_memory_matches_zero_formula():
    spec = load_model(FIXTURES / "llama-2-7b.json")
    psi = count_params(spec).total
    tr = TrainingSpec(seq_len=4096, global_batch=64)
    for stage in range(4):
        m = training_memory(spec, tr, Layout(dp=64, zero=stage))
        assert m["model_states_bytes"] == pytest.approx(zero_model_states(psi, 64, stage))
        assert m["total_bytes"] == pytest.approx(m["model_states_bytes"] + m["activations_bytes"])


def test_pp_zero1_owner_formula_equals_tp_zero1():
    spec = load_model(FIXTURES / "llama-2-7b.json")
    psi = count_params(spec).total
    m = training_memory(spec, TrainingSpec(global_batch=16), Layout(tp=2, dp=8, zero=1))
    assert m["model_states_bytes"] == pytest.approx(pp_zero1_bytes(psi, 2, 1, 8))
    # with pipeline stages the busiest stage also holds the embedding: a little above the even split
    m = training_memory(spec, TrainingSpec(global_batch=32), Layout(tp=2, pp=4, dp=8, zero=1))
    assert pp_zero1_bytes(psi, 2, 4, 8) < m["model_states_bytes"] < 1.05 * pp_zero1_bytes(psi, 2, 4, 8)


def test_sixteen_bytes_rule_and_variants():
    assert state_convention("fp32", "adamw").total == 16
    mixed = state_convention("bf16", "adamw")
    assert (mixed.weights, mixed.gradients, mixed.master, mixed.optimizer_states) == (2, 2, 4, 8)
    assert mixed.total == 16 and mixed.optimizer_total == 12
    assert state_convention("fp16", "adam8bit").total == pytest.approx(10, abs=0.01)
    assert state_convention("bf16", "sgd").total == 12
    assert "16 bytes/parameter" in mixed.describe()
    with pytest.raises(PlanError):
        state_convention("int8", "adamw")


def test_weights_table():
    t = weights_table(7e9)
    assert t["fp32"] == 28e9 and t["bf16"] == 14e9 and t["int8"] == 7e9
    assert 3.5e9 < t["int4"] < 3.7e9


@pytest.mark.parametrize("tp,sp,rc", [(1, False, "none"), (8, False, "none"), (8, True, "none"),
                                      (8, False, "selective"), (8, True, "selective"), (1, False, "full"),
                                      (4, False, "full")])
def test_generalised_activations_reproduce_korthikanti(tp, sp, rc):
    spec = gpt()
    s, b = 2048, 1
    ours = layer_activation_bytes(spec, b, s, tp, sp, rc)
    paper = korthikanti_layer_bytes(s, b, spec.hidden_size, spec.num_heads, tp, sp, rc)
    assert ours == pytest.approx(paper, rel=1e-12)


def test_korthikanti_formulas_as_published():
    s, b, h, a, t = 2048, 1, 12288, 96, 8
    sbh = s * b * h
    assert korthikanti_layer_bytes(s, b, h, a) == pytest.approx(sbh * (34 + 5 * a * s / h))
    assert korthikanti_layer_bytes(s, b, h, a, t, True, "selective") == pytest.approx(34 * sbh / t)
    assert korthikanti_layer_bytes(s, b, h, a, t, False, "full") == 2 * sbh


def test_owner_activation_formula():
    spec = load_model(FIXTURES / "llama-2-7b.json")
    b, s, h, L = 1, 4096, 4096, 32
    expected = L * (14 * b * s * h + 8 * b * s * 11008 + 5 * b * s * s * 32) + 4 * b * s * h
    assert owner_activation_bytes(spec, b, s) == expected


def test_recompute_and_parallelism_shrink_activations():
    spec = load_model(FIXTURES / "llama-2-7b.json")
    tr = TrainingSpec(seq_len=4096, global_batch=8)
    none = activation_bytes(spec, tr, Layout(dp=8), 1)["total"]
    sel = activation_bytes(spec, tr, Layout(dp=8, recompute="selective"), 1)["total"]
    full = activation_bytes(spec, tr, Layout(dp=8, recompute="full"), 1)["total"]
    tp = activation_bytes(spec, TrainingSpec(global_batch=2), Layout(tp=4, dp=2), 1)["total"]
    tpsp = activation_bytes(spec, TrainingSpec(global_batch=2), Layout(tp=4, dp=2, sequence_parallel=True), 1)["total"]
    assert full < sel < none and tpsp < tp < none
    flash = activation_bytes(spec, TrainingSpec(seq_len=4096, global_batch=8, flash_attention=True),
                             Layout(dp=8), 1)["total"]
    assert flash < none and flash == pytest.approx(sel, rel=0.01)


def test_pipeline_holds_pp_microbatches_of_its_layers():
    spec = load_model(FIXTURES / "llama-2-7b.json")
    tr = TrainingSpec(global_batch=64)
    act = activation_bytes(spec, tr, Layout(pp=4, dp=2), 32)
    assert act["in_flight_microbatches"] == 4 and act["layers_held"] == 32


def test_kv_cache_llama2_7b_is_512_kib_per_token():
    spec = load_model(FIXTURES / "llama-2-7b.json")
    assert kv_cache_bytes_per_token(spec, "bf16") == 512 * KiB
    assert kv_cache_bytes_per_token(load_model(FIXTURES / "mistral-7b-v0.1.json")) == 128 * KiB  # GQA 8/32
    inf = inference_memory(spec, batch=8, context=4096)
    assert inf["kv_cache_bytes"] == 16 * 2**30
    assert inf["total_bytes"] == inf["weights_bytes"] + inf["kv_cache_bytes"]
    with pytest.raises(PlanError):
        inference_memory(spec, batch=0)


def test_fp32_doubles_activations():
    spec = load_model(FIXTURES / "tinyllama-1.1b.json")
    a16 = activation_bytes(spec, TrainingSpec(seq_len=2048, global_batch=1), Layout(), 1)["total"]
    a32 = activation_bytes(spec, TrainingSpec(seq_len=2048, global_batch=1, precision="fp32"), Layout(), 1)["total"]
    assert a32 == 2 * a16
