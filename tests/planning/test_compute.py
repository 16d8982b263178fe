import pytest

from sluiceway.planning.compute import (
    compute_summary,
    flops_per_token,
    narayanan_flops_per_iteration,
    simple_training_flops,
)
from sluiceway.planning.model import ModelSpec, count_params, load_model

from .conftest import FIXTURES


def gpt_block(h=12288, L=96, a=96, V=51200, s=2048) -> ModelSpec:
    # GPT without biases/norm weights so that the matmul count is exactly 12h² per layer + hV.
    return ModelSpec("gpt", "gpt2", V, h, L, a, a, h // a, 4 * h, tie_embeddings=True, gated_ffn=False,
                     max_position=s)


def test_six_n_d():
    assert simple_training_flops(70e9, 1.4e12) == pytest.approx(5.88e23)


@pytest.mark.parametrize("recompute", [False, True])
def test_attention_term_matches_narayanan(recompute):
    spec = gpt_block()
    B, s = 1536, 2048
    tf = flops_per_token(spec, s, "full" if recompute else "none")
    ours = (tf.hardware if recompute else tf.model) * B * s
    theirs = narayanan_flops_per_iteration(B, s, spec.num_layers, spec.hidden_size, spec.vocab_size, recompute)
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_selective_recompute_adds_only_attention_forward():
    spec = load_model(FIXTURES / "llama-2-7b.json")
    none = flops_per_token(spec, 4096, "none")
    sel = flops_per_token(spec, 4096, "selective")
    full = flops_per_token(spec, 4096, "full")
    assert none.recompute == 0 < sel.recompute < full.recompute
    assert sel.recompute == pytest.approx(none.attention / 3)
    assert 1.25 < full.hardware / full.model < 1.34  # about one extra forward of the layers


def test_attention_share_grows_with_sequence():
    spec = load_model(FIXTURES / "llama-2-7b.json")
    short = compute_summary(spec, 1e12, 2048)
    long = compute_summary(spec, 1e12, 32768)
    assert short["attention_share"] < long["attention_share"]
    assert short["flops_6nd"] == pytest.approx(6 * count_params(spec).total * 1e12)


def test_moe_uses_active_params():
    spec = load_model(FIXTURES / "mixtral-8x7b-v0.1.json")
    s = compute_summary(spec, 1e12, 4096)
    assert s["params_used"] == count_params(spec).active
