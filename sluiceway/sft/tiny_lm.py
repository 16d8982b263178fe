"""A small GPT-style stand-in model for offline demos and tests; not a substitute for a real checkpoint.

``build_tiny_lm`` writes a byte-level BPE tokenizer trained on the given texts and a randomly initialized
(seeded) GPT-2 or Llama model built from a config; ``train_tiny_lm`` also fits it to the texts for a few
minutes on CPU so that its likelihoods mean something. Point ``model:`` at a real checkpoint for real use.
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

STAND_IN_NOTE = ("stand-in model: a tiny GPT trained on the demo data by `sluiceway lm train-demo`, not a "
                 "pretrained LLM; golden scores from it only demonstrate the pipeline. Set `model:` to a real "
                 "causal LM checkpoint for real selection.")
MARKER = "sluiceway_stand_in.json"


def train_tokenizer(texts: Sequence[str], vocab_size: int = 2048) -> Any:
    """A byte-level BPE tokenizer with ``<s>`` (BOS), ``</s>`` (EOS) and ``<pad>``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<pad>", "<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>")


def tiny_config(arch: str, vocab_size: int, *, hidden: int = 64, layers: int = 2, heads: int = 4,
                positions: int = 2048, bos_id: int = 1, eos_id: int = 2) -> Any:
    if arch == "gpt2":
        from transformers import GPT2Config

        return GPT2Config(vocab_size=vocab_size, n_positions=positions, n_embd=hidden, n_layer=layers,
                          n_head=heads, bos_token_id=bos_id, eos_token_id=eos_id)
    if arch == "llama":
        from transformers import LlamaConfig

        return LlamaConfig(vocab_size=vocab_size, hidden_size=hidden, intermediate_size=hidden * 2,
                           num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=max(1, heads // 2),
                           max_position_embeddings=positions, bos_token_id=bos_id, eos_token_id=eos_id,
                           tie_word_embeddings=False)
    raise ValueError(f"arch {arch!r} is not one of gpt2, llama")


def build_tiny_lm(output: str, texts: Sequence[str], *, arch: str = "gpt2", vocab_size: int = 512,
                  hidden: int = 64, layers: int = 2, heads: int = 4, positions: int = 2048, seed: int = 0) -> Any:
    """Write a seeded random tiny causal LM and its tokenizer to ``output``; returns the model."""
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    tokenizer = train_tokenizer(texts, vocab_size)
    config = tiny_config(arch, len(tokenizer), hidden=hidden, layers=layers, heads=heads, positions=positions,
                         bos_id=tokenizer.bos_token_id, eos_id=tokenizer.eos_token_id)
    model = AutoModelForCausalLM.from_config(config)
    os.makedirs(output, exist_ok=True)
    tokenizer.save_pretrained(output)
    model.save_pretrained(output)
    return model


def train_tiny_lm(output: str, texts: Sequence[str], *, arch: str = "gpt2", vocab_size: int = 2048,
                  hidden: int = 96, layers: int = 3, heads: int = 4, seq_len: int = 128, batch_size: int = 8,
                  minutes: float = 3.0, max_steps: int = 2000, lr: float = 3e-3, seed: int = 0,
                  log: Callable[[str], None] | None = print) -> dict:
    """Train the stand-in model on ``texts`` (each wrapped in BOS/EOS) for a time budget; save it."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(seed)
    rng = random.Random(seed)
    build_tiny_lm(output, texts, arch=arch, vocab_size=vocab_size, hidden=hidden, layers=layers, heads=heads,
                  positions=max(2048, seq_len), seed=seed)
    tokenizer = AutoTokenizer.from_pretrained(output)
    model = AutoModelForCausalLM.from_pretrained(output)
    stream: list[int] = []
    for text in texts:
        stream += [tokenizer.bos_token_id, *tokenizer(text, add_special_tokens=False)["input_ids"],
                   tokenizer.eos_token_id]
    n_windows = max(1, len(stream) - seq_len - 1)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    deadline, step, losses = time.monotonic() + minutes * 60, 0, []
    model.train()
    while step < max_steps and time.monotonic() < deadline:
        starts = [rng.randrange(n_windows) for _ in range(batch_size)]
        batch = torch.tensor([stream[s:s + seq_len] for s in starts])
        for group in opt.param_groups:  # warmup then cosine
            group["lr"] = lr * min(1.0, (step + 1) / 50) * 0.5 * (1 + math.cos(math.pi * min(1.0, step / max_steps)))
        loss = model(input_ids=batch, labels=batch).loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        step += 1
        if log and step % 50 == 0:
            log(f"step {step}: loss {sum(losses[-50:]) / len(losses[-50:]):.3f}")
    model.eval()
    model.save_pretrained(output)
    info = {"stand_in": True, "note": STAND_IN_NOTE, "arch": arch, "steps": step, "tokens": len(stream),
            "final_loss": round(sum(losses[-20:]) / max(1, len(losses[-20:])), 4),
            "parameters": sum(p.numel() for p in model.parameters())}
    with open(os.path.join(output, MARKER), "w", encoding="utf-8") as fh:
        json.dump(info, fh, indent=2)
    return info


def is_stand_in(path: str) -> bool:
    return os.path.exists(os.path.join(path, MARKER))
