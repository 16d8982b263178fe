"""Byte-level BPE training and batched token counting."""

import json

import pytest
from tokenizers import Tokenizer

from sluiceway.text.tokenizer import count_tokens, load_tokenizer, resolve_path, train_bpe
from tests.fasttext_models.tiny_models import tokenizer_path

TEXTS = ["the study of rivers shows how water shapes valleys", "房子很大狗跑到花园里", "", "emoji 🙂 and tabs\tok"]


def test_counts_match_tokenizers_directly():
    path = tokenizer_path()
    ref = Tokenizer.from_file(path)
    counts = count_tokens(load_tokenizer(path), TEXTS + [None])
    assert counts.tolist() == [len(ref.encode(t, add_special_tokens=False).ids) for t in TEXTS] + [0]
    assert counts[0] < len(TEXTS[0])  # merges were learned


def test_byte_level_bpe_roundtrip_and_vocab(tmp_path):
    out = tmp_path / "tok.json"
    tok = train_bpe(["hello world"] * 50 + ["hallo welt"] * 50, 300, str(out))
    assert tok.get_vocab_size() <= 300 and out.exists()
    ids = tok.encode("hello 🙂 welt").ids
    assert tok.decode(ids) == "hello 🙂 welt"  # bytes: nothing is unknown
    with pytest.raises(ValueError, match="vocab_size"):
        train_bpe(["x"], 100, str(out))


def test_truncation_in_tokenizer_json_is_ignored(tmp_path):
    doc = json.loads(open(tokenizer_path()).read())
    doc["truncation"] = {"direction": "Right", "max_length": 3, "strategy": "LongestFirst", "stride": 0}
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(doc))
    assert count_tokens(load_tokenizer(str(tmp_path)), [TEXTS[0]])[0] > 3  # a directory works too


def test_special_tokens_counted_only_on_request(tmp_path):
    from tokenizers.processors import TemplateProcessing

    tok = load_tokenizer(tokenizer_path())
    tok.post_processor = TemplateProcessing(single="<|endoftext|> $A", special_tokens=[("<|endoftext|>", 0)])
    plain, special = count_tokens(tok, TEXTS[:1]), count_tokens(tok, TEXTS[:1], add_special_tokens=True)
    assert special[0] == plain[0] + 1


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="tokenizer train"):
        resolve_path(str(tmp_path / "none.json"))
    with pytest.raises(ValueError):
        resolve_path("")
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(ValueError, match="not a Hugging Face"):
        load_tokenizer(str(bad))
