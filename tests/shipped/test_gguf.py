"""GGUF metadata reader and the tokenizer rebuilt from a GGUF, on small GGUFs written here with ``gguf``."""

from __future__ import annotations

import pytest

from sluiceway.shipped.gguf import GGUFError, read_metadata
from sluiceway.text.tokenizer import load_tokenizer, tokenizer_from_gguf, train_bpe

TEXTS = ["the river runs past the old mill", "in 2024 the mill made 1234 loaves", "bread, flour and water"] * 20


def write_gguf(path, tokenizer, pre="gpt-2", model="gpt2"):
    gguf = pytest.importorskip("gguf")  # the sft extra
    import json

    bpe = json.loads(tokenizer.to_str())["model"]
    vocab = sorted(bpe["vocab"].items(), key=lambda kv: kv[1])
    merges = [m if isinstance(m, str) else " ".join(m) for m in bpe["merges"]]
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_tokenizer_model(model)
    w.add_tokenizer_pre(pre)
    w.add_token_list([t for t, _ in vocab])
    w.add_token_types([3 if t == "<|endoftext|>" else 1 for t, _ in vocab])
    w.add_token_merges(merges)
    w.add_uint32("test.answer", 42)
    w.add_float32("test.scale", 0.5)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


@pytest.fixture
def trained(tmp_path):
    return train_bpe(TEXTS, vocab_size=300, out=str(tmp_path / "tokenizer.json"))


def test_metadata_round_trip(tmp_path, trained):
    meta = read_metadata(str(write_gguf(tmp_path / "m.gguf", trained)))
    assert meta["test.answer"] == 42 and meta["test.scale"] == 0.5
    assert meta["tokenizer.ggml.model"] == "gpt2" and len(meta["tokenizer.ggml.tokens"]) == trained.get_vocab_size()
    assert meta["GGUF.version"] == 3


def test_rebuilt_tokenizer_counts_like_the_original(tmp_path, trained):
    path = str(write_gguf(tmp_path / "m.gguf", trained))
    rebuilt = load_tokenizer(path)
    for text in TEXTS[:3] + ["unseen words: zebra quartz", "<|endoftext|> and more"]:
        assert rebuilt.encode(text, add_special_tokens=False).ids == trained.encode(text).ids
    digits = tokenizer_from_gguf(str(write_gguf(tmp_path / "d.gguf", trained, pre="smollm")))
    assert digits.encode("1234", add_special_tokens=False).tokens == ["1", "2", "3", "4"]


def test_bad_files_name_the_path(tmp_path, trained):
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"definitely not a model file at all")
    with pytest.raises(GGUFError, match="junk.gguf is not a GGUF"):
        read_metadata(str(junk))
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    with pytest.raises(GGUFError, match="empty.gguf"):
        read_metadata(str(empty))
    good = write_gguf(tmp_path / "m.gguf", trained).read_bytes()
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(good[:2000])
    with pytest.raises(GGUFError, match="cut.gguf: truncated"):
        load_tokenizer(str(cut))
    spm = write_gguf(tmp_path / "spm.gguf", trained, model="llama")
    with pytest.raises(ValueError, match="spm.gguf: GGUF tokenizer 'llama'.*tokenizer.json instead"):
        load_tokenizer(str(spm))
