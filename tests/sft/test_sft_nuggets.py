import numpy as np
import pytest

from sluiceway.sft.nuggets import golden_scores, kmeans_anchors, random_anchors, select_mask, zero_shot
from sluiceway.sft.template import SEPARATOR


class FakeLM:
    """Answer log-prob = base(anchor) + bonus when the demonstration contains the anchor's keyword."""

    def __init__(self):
        self.calls = []

    def score(self, pairs, *, bos=True):
        self.calls.append(("zero", bos, None))
        return [(-10.0, 3) for _ in pairs]

    def score_with_prefix(self, prefix, pairs, *, bos=True, reuse_cache=True):
        self.calls.append(("one", bos, prefix))
        out = []
        for context, _ in pairs:
            key = context.split("\n")[1]
            out.append((-10.0 + (1.0 if key in prefix else 0.0) - (1.0 if "bad" in prefix else 0.0), 3))
        return out


ANCHORS = [("alpha", "", "a"), ("beta", "", "b"), ("gamma", "", "c"), ("delta", "", "d")]


def test_strict_improvement_only():
    lm = FakeLM()
    cands = [("alpha beta", "", "x"),  # helps 2 of 4
             ("nothing", "", "y"),  # equal scores: ties do not count
             ("bad alpha", "", "z")]  # -10 + 1 - 1 = tie on alpha, worse elsewhere
    gs = golden_scores(lm, cands, ANCHORS)
    assert gs.tolist() == [0.5, 0.0, 0.0]


def test_anchor_scored_over_the_other_anchors():
    lm = FakeLM()
    gs = golden_scores(lm, [ANCHORS[0], ("alpha beta gamma", "", "q")], ANCHORS, anchor_of=[0, None])
    assert gs.tolist() == [0.0, 0.75]  # the anchor is not its own judge: 0 of 3 others
    assert len(lm.calls) == 3


def test_fixed_template_vs_reference_quirks():
    lm = FakeLM()
    golden_scores(lm, [("alpha", "", "x")], ANCHORS)
    assert lm.calls[0] == ("zero", True, None) and lm.calls[1][1] is True
    assert lm.calls[1][2].endswith("x" + SEPARATOR)
    ref = FakeLM()
    golden_scores(ref, [("alpha", "", "x")], ANCHORS, reference=True)
    assert ref.calls[0] == ("zero", False, None) and ref.calls[1][1] is True
    assert ref.calls[1][2].endswith("Response:\nx")
    assert len(zero_shot(FakeLM(), ANCHORS)) == 4


def test_zero_shot_given_once_is_reused():
    lm = FakeLM()
    golden_scores(lm, [("alpha", "", "x")] * 3, ANCHORS, zero=[(-10.0, 3)] * 4)
    assert [c[0] for c in lm.calls] == ["one"] * 3
    with pytest.raises(ValueError, match="zero-shot"):
        golden_scores(lm, [("a", "", "b")], ANCHORS, zero=[(-1.0, 1)])


def test_anchor_sets():
    a = random_anchors(50, 10, seed=3)
    assert len(set(a.tolist())) == 10 and a.tolist() == random_anchors(50, 10, seed=3).tolist()
    assert random_anchors(5, 10).tolist() == [0, 1, 2, 3, 4]
    labels = np.array([0, 0, 1, 1, 1, 3])
    dist = np.array([0.5, 0.1, 0.9, 0.2, 0.3, 0.0])
    assert kmeans_anchors(labels, dist).tolist() == [1, 3, 5]


def test_selection_rules():
    gs = np.array([0.9, 0.2, np.nan, 0.8, 0.85])
    assert select_mask(gs, threshold=0.8).tolist() == [True, False, False, False, True]
    assert select_mask(gs, top_k=2).tolist() == [True, False, False, False, True]
    assert select_mask(gs, top_fraction=0.5).tolist() == [True, False, False, False, True]
    assert select_mask(gs).tolist() == [True, True, False, True, True]
    with pytest.raises(ValueError):
        select_mask(gs, threshold=0.1, top_k=1)


def test_golden_scores_with_a_tiny_model_cached_equals_uncached(tmp_path):
    pytest.importorskip("transformers")
    from sluiceway.sft.lm import HFCausalLM
    from sluiceway.sft.tiny_lm import build_tiny_lm

    texts = [f"Instruction:\nTask {i}\nResponse:\nAnswer {i} is {i * 7}." for i in range(20)]
    build_tiny_lm(str(tmp_path), texts, arch="llama", vocab_size=300)
    lm = HFCausalLM(str(tmp_path), device="cpu", batch_size=4, quantize="none")
    cands = [(f"Task {i}", "", f"Answer {i} is {i * 7}.") for i in range(6)]
    anchors = cands[:3]
    a = golden_scores(lm, cands, anchors, anchor_of=[0, 1, 2, None, None, None])
    b = golden_scores(lm, cands, anchors, anchor_of=[0, 1, 2, None, None, None], reuse_cache=False)
    assert np.array_equal(a, b)
    assert set(np.round(a[:3] * 2).tolist()) <= {0.0, 1.0, 2.0}  # anchors: fractions over 2 others
