import csv
import random

import numpy as np
import pytest

from sluiceway.sft import iqs


def make_pairs(n, seed=0):
    rng = random.Random(seed)
    topics = ["rivers", "stars", "bread", "chess", "rain", "trees", "music", "glass", "bees", "salt"]
    pairs = []
    for i in range(n):
        t = topics[i % len(topics)]
        steps = "\n".join(f"{k}. Step {k} about {t}: {rng.choice(['mix', 'check', 'wait', 'note'])} carefully."
                          for k in range(1, rng.randint(3, 6)))
        better = f"Here is how {t} work:\n\n{steps}\n\nIn short, {t} are **interesting**."
        worse = f"{t} ok" if i % 3 else f"i think {t} is a thing and that is all there is to say about {t} really"
        pairs.append(iqs.IQSPair(f"Explain {t} number {i}.", "" if i % 2 else "details", better, worse))
    return pairs


def test_cheap_backend_learns_and_round_trips(tmp_path):
    train, valid = make_pairs(60, 0), make_pairs(30, 1)
    info = iqs.train_iqs(train, str(tmp_path / "m"), backend="cheap", embedder="hashing")
    assert info["backend"] == "cheap" and info["features"] > len(iqs.SURFACE)
    model = iqs.load_iqs(str(tmp_path / "m"))
    acc = iqs.evaluate(model, valid)
    assert acc["accuracy"] >= 0.9 and acc["pairs"] == 30
    again = iqs.load_iqs(str(tmp_path / "m")).score(["Explain bees."], [""], ["bees ok"])
    assert np.allclose(again, model.score(["Explain bees."], [""], ["bees ok"]))


def test_surface_only_backend(tmp_path):
    model = iqs.CheapIQS(use_embeddings=False).fit(make_pairs(40))
    assert iqs.evaluate(model, make_pairs(20, 2))["accuracy"] >= 0.9


def test_load_pairs_unescapes_car_csv(tmp_path):
    path = tmp_path / "pairs_train.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["src", "pos", "neg"])
        w.writerow(["Instruction: Fix it. Input: some text ", "Response: Line one\nLine two", r"Response: a\nb \u2019"])
    (pair,) = iqs.load_pairs(str(tmp_path), "train")
    assert (pair.instruction, pair.input) == ("Fix it.", "some text")
    assert pair.better == "Line one\nLine two" and pair.worse == "a\nb \u2019"
    assert iqs.load_pairs(str(path), do_unescape=False)[0].worse == r"a\nb \u2019"


def test_pairwise_accuracy_and_length_baseline():
    acc = iqs.pairwise_accuracy(np.array([2, 1, 1]), np.array([1, 2, 1]))
    assert acc == {"pairs": 3, "accuracy": 0.3333, "ties_half": 0.5, "ties": 1}
    assert iqs.length_baseline(make_pairs(9))["accuracy"] > 0.5


def test_bad_inputs(tmp_path):
    with pytest.raises(ValueError, match="backend"):
        iqs.train_iqs(make_pairs(20), str(tmp_path), backend="nope")
    with pytest.raises(ValueError, match="at least 10"):
        iqs.train_iqs(make_pairs(3), str(tmp_path))
    with pytest.raises(ValueError, match="not an IQS model"):
        iqs.load_iqs(str(tmp_path))
    with pytest.raises(ValueError, match="no pairs file"):
        iqs.load_pairs(str(tmp_path / "missing.csv"))


def test_encoder_backend_trains_a_tiny_bert(tmp_path):
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    words = sorted({w for p in make_pairs(12) for t in (p.instruction, p.better, p.worse) for w in t.lower().split()})
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words, *"abcdefghijklmnopqrstuvwxyz.:*"]))
    base = tmp_path / "base"
    transformers.BertTokenizerFast(vocab_file=str(vocab)).save_pretrained(str(base))
    cfg = transformers.BertConfig(vocab_size=len(vocab.read_text().splitlines()), hidden_size=32, num_hidden_layers=1,
                                  num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    transformers.BertModel(cfg).save_pretrained(str(base))
    info = iqs.train_iqs(make_pairs(12), str(tmp_path / "enc"), backend="encoder", base_model=str(base), epochs=1,
                         batch_size=8, max_length=64, log=None, device="cpu", train_layers=1)
    assert info["backend"] == "encoder" and info["steps"] == 3
    model = iqs.load_iqs(str(tmp_path / "enc"), device="cpu")
    assert model.score(["Explain rain."], [""], ["rain ok"]).shape == (1,)
