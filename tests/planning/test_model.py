import json

import pytest

from sluiceway.planning.errors import PlanError
from sluiceway.planning.model import (
    count_params,
    load_model,
    meta_ffn_width,
    model_from_config,
    model_overrides,
    model_presets,
    owner_param_formula,
)

from .conftest import FIXTURES

# Published exact counts (model cards / safetensors metadata), each also derived by hand in
# docs/planning.md: Llama-2-7B, Mistral-7B-v0.1, Meta-Llama-3-8B, Qwen2.5-7B, Qwen3-8B, TinyLlama-1.1B,
# GPT-2 (124M), Mixtral-8x7B (46.7B total, 12.9B active).
EXACT = {
    "llama-2-7b.json": 6_738_415_616,
    "llama-2-7b-params.json": 6_738_415_616,  # Meta's params.json: FFN width from multiple_of
    "mistral-7b-v0.1.json": 7_241_732_096,
    "meta-llama-3-8b.json": 8_030_261_248,
    "qwen2.5-7b.json": 7_615_616_512,
    "qwen3-8b.json": 8_190_735_360,
    "tinyllama-1.1b.json": 1_100_048_384,
    "gpt2.json": 124_439_808,
    "mixtral-8x7b-v0.1.json": 46_702_792_704,
    # Derived (tied embeddings; not asserted as a published figure): Qwen2.5-0.5B "0.49B", Qwen3-0.6B "0.6B".
    "qwen2.5-0.5b.json": 494_032_768,
    "qwen3-0.6b.json": 596_049_920,
}


@pytest.mark.parametrize("name,expected", sorted(EXACT.items()))
def test_exact_param_counts(name, expected):
    c = count_params(load_model(FIXTURES / name))
    assert c.total == expected
    assert c.embedding + c.non_embedding == c.total


def test_embedding_split_llama2():
    c = count_params(load_model(FIXTURES / "llama-2-7b.json"))
    assert c.embedding == 2 * 32000 * 4096
    assert c.non_embedding == 6_476_271_616


def test_model_card_non_embedding_counts():
    # Qwen model cards: Qwen2.5-7B 6.53B non-embedding, Qwen3-8B 6.95B, Qwen3-0.6B 0.44B.
    assert round(count_params(load_model(FIXTURES / "qwen2.5-7b.json")).non_embedding / 1e9, 2) == 6.53
    assert round(count_params(load_model(FIXTURES / "qwen3-8b.json")).non_embedding / 1e9, 2) == 6.95
    assert round(count_params(load_model(FIXTURES / "qwen3-0.6b.json")).non_embedding / 1e9, 2) == 0.44


def test_owner_formula_exact_for_llama2_and_gqa():
    for name in ("llama-2-7b.json", "mistral-7b-v0.1.json", "meta-llama-3-8b.json", "tinyllama-1.1b.json"):
        s = load_model(FIXTURES / name)
        owner = owner_param_formula(s.vocab_size, s.hidden_size, s.num_layers, s.ffn_size, s.num_kv_heads,
                                    s.num_heads)
        assert owner == count_params(s).total


def test_family_refinements():
    qwen2 = load_model(FIXTURES / "qwen2.5-7b.json")
    assert qwen2.qkv_bias and not qwen2.o_bias
    c = count_params(qwen2)
    assert c.attention_per_layer == 2 * 3584 * 3584 + 2 * 3584 * 512 + 3584 + 2 * 512
    qwen3 = load_model(FIXTURES / "qwen3-0.6b.json")
    assert qwen3.qk_norm and qwen3.head_dim == 128 and qwen3.attn_dim == 2048 != qwen3.hidden_size
    assert qwen3.tie_embeddings and count_params(qwen3).output_head == 0


def test_meta_ffn_rule():
    assert meta_ffn_width(4096, 256) == 11008  # Llama-2-7B
    assert meta_ffn_width(4096, 1024, 1.3) == 14336  # Llama-3-8B
    assert meta_ffn_width(8192, 4096, 1.3) == 28672  # Llama-2-70B


def test_mixtral_active_params():
    c = count_params(load_model(FIXTURES / "mixtral-8x7b-v0.1.json"))
    assert c.active == 12_879_925_248  # "12.9B active"


def test_presets_match_fixtures():
    assert {"llama2-7b", "llama3-8b", "mistral-7b", "qwen2.5-7b", "qwen3-8b", "gpt3-175b"} <= set(model_presets())
    pairs = {"llama2-7b": "llama-2-7b.json", "llama3-8b": "meta-llama-3-8b.json",
             "mistral-7b": "mistral-7b-v0.1.json", "qwen2.5-7b": "qwen2.5-7b.json", "qwen3-8b": "qwen3-8b.json"}
    for preset, fixture in pairs.items():
        assert count_params(load_model(preset)).total == count_params(load_model(FIXTURES / fixture)).total
    gpt3 = count_params(load_model("gpt3-175b"))
    assert 174e9 < gpt3.total < 176e9


def test_unknown_family_uses_generic_formula_and_says_so():
    cfg = json.loads((FIXTURES / "llama-2-7b.json").read_text())
    cfg["model_type"] = "frobnicator"
    cfg.pop("architectures")
    spec = model_from_config(cfg)
    assert spec.family == "frobnicator"
    assert any("generic" in n for n in spec.notes)
    assert count_params(spec).total == 6_738_415_616


def test_missing_field_is_clear():
    cfg = json.loads((FIXTURES / "llama-2-7b.json").read_text())
    del cfg["hidden_size"]
    with pytest.raises(PlanError, match="hidden_size"):
        model_from_config(cfg, source="cfg.json")
    del cfg["intermediate_size"]
    cfg["hidden_size"] = 4096
    with pytest.raises(PlanError, match="intermediate_size"):
        model_from_config(cfg)


@pytest.mark.parametrize("field,value", [("num_hidden_layers", 0), ("vocab_size", -5), ("hidden_size", 4096.5),
                                         ("num_attention_heads", "32")])
def test_bad_sizes_rejected(field, value):
    cfg = json.loads((FIXTURES / "llama-2-7b.json").read_text())
    cfg[field] = value
    with pytest.raises(PlanError):
        model_from_config(cfg)


def test_heads_must_group():
    cfg = json.loads((FIXTURES / "mistral-7b-v0.1.json").read_text())
    cfg["num_key_value_heads"] = 5
    with pytest.raises(PlanError, match="multiple"):
        model_from_config(cfg)


def test_unreadable_configs(tmp_path):
    with pytest.raises(PlanError, match="not found"):
        load_model(tmp_path / "nope.json")
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    with pytest.raises(PlanError, match="parse"):
        load_model(tmp_path)  # a folder holding config.json


def test_flag_overrides():
    spec = model_overrides(None, hidden_size=4096, num_layers=32, num_heads=32, ffn_size=11008, vocab_size=32000)
    assert count_params(spec).total == 6_738_415_616
    wider = model_overrides(spec, hidden_size=5120, num_heads=40, num_kv_heads=40)
    assert wider.head_dim == 128
    with pytest.raises(PlanError):
        model_overrides(spec, num_layers=-1)
    with pytest.raises(PlanError):
        model_overrides(None, hidden_size=4096)
