"""The language-model backend: summed log-probability of a continuation given a context, batched.

Used by the Nuggets golden score (Li et al., ACL 2024) and any other likelihood-based score. Token ids are
built segment by segment (``[BOS] + prefix + context | continuation``), each segment tokenized on its own,
so the cached path (run the shared prefix once, reuse its key/value cache for every pair) and the uncached
path (run every full sequence) see exactly the same tokens and positions.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Sequence
from typing import Any, Protocol

Pair = tuple[str, str]
Score = tuple[float, int]  # (summed log-prob of the continuation tokens, number of tokens scored)


class LogProbLM(Protocol):
    """What a likelihood-based score needs from a model."""

    def score(self, pairs: Sequence[Pair], *, bos: bool = True) -> list[Score]:
        """``log p(continuation | context)`` per pair."""

    def score_with_prefix(self, prefix: str, pairs: Sequence[Pair], *, bos: bool = True,
                          reuse_cache: bool = True) -> list[Score]:
        """``log p(continuation | prefix + context)`` per pair; the prefix is shared by all pairs."""


@dataclasses.dataclass
class LMConfig:
    """How to load and run a causal LM; picklable, so Ray actors can build their own copy."""

    model: str
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    dtype: str = "auto"  # auto (bf16 on a GPU that has it, else fp32) | float32 | bfloat16 | float16
    batch_size: int = 16
    token_budget: int = 16384  # max (prefix + sequence) tokens x rows per forward pass
    max_prefix_tokens: int = 512
    max_context_tokens: int = 256
    max_continuation_tokens: int = 256

    def validate(self) -> None:
        if not self.model:
            raise ValueError("model: give the path of a local Hugging Face causal LM")
        if self.dtype not in ("auto", "float32", "bfloat16", "float16"):
            raise ValueError(f"dtype {self.dtype!r} is not one of auto, float32, bfloat16, float16")
        for name in ("batch_size", "token_budget", "max_prefix_tokens", "max_context_tokens",
                     "max_continuation_tokens"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")


def resolve_device(device: str) -> str:
    import torch

    if device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    return "mps" if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available() else "cpu"


def resolve_dtype(dtype: str, device: str) -> Any:
    import torch

    if dtype == "auto":
        if device.startswith("cuda") and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    return getattr(torch, dtype)


class HFCausalLM:
    """A Hugging Face causal LM from a local path, implementing :class:`LogProbLM`."""

    def __init__(self, config: LMConfig | str, **overrides: Any):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        cfg = LMConfig(config, **overrides) if isinstance(config, str) else dataclasses.replace(config, **overrides)
        cfg.validate()
        self.config = cfg
        self.device = resolve_device(cfg.device)
        self.tokenizer = AutoTokenizer.from_pretrained(cfg.model)
        self.model = AutoModelForCausalLM.from_pretrained(cfg.model, dtype=resolve_dtype(cfg.dtype, self.device))
        self.model.to(self.device).eval()
        self._torch = torch
        params = inspect.signature(self.model.forward).parameters
        self._cache_kw = "cache" if "cache" in params else "past_key_values"
        self._keep_kw = "logits_to_keep" in params
        self._ids: dict[str, list[int]] = {}
        mc = self.model.config.get_text_config() if hasattr(self.model.config, "get_text_config") else self.model.config
        limit = getattr(mc, "max_position_embeddings", None) or getattr(mc, "n_positions", None)
        if limit:
            room = limit - 1 - cfg.max_context_tokens - cfg.max_continuation_tokens
            if room < 1:
                raise ValueError(f"model {cfg.model} takes {limit} positions; max_context_tokens + "
                                 "max_continuation_tokens must leave room for the prefix")
            cfg.max_prefix_tokens = min(cfg.max_prefix_tokens, room)

    # -- tokens -------------------------------------------------------------------------------------
    @property
    def bos_id(self) -> int | None:
        return self.tokenizer.bos_token_id

    def encode(self, text: str) -> list[int]:
        """Token ids of one segment, without special tokens (memoized: anchors repeat for every candidate)."""
        ids = self._ids.get(text)
        if ids is None:
            ids = list(self.tokenizer(text, add_special_tokens=False)["input_ids"])
            if len(self._ids) > 200_000:
                self._ids.clear()
            self._ids[text] = ids
        return ids

    def _prefix_ids(self, prefix: str, bos: bool) -> list[int]:
        ids = self.encode(prefix)[-self.config.max_prefix_tokens:] if prefix else []
        return ([self.bos_id] if bos and self.bos_id is not None else []) + ids

    def _pair_ids(self, pairs: Sequence[Pair]) -> list[tuple[list[int], list[int]]]:
        cfg = self.config
        return [(self.encode(c)[-cfg.max_context_tokens:] if c else [],
                 self.encode(t)[:cfg.max_continuation_tokens]) for c, t in pairs]

    # -- the protocol -------------------------------------------------------------------------------
    def score(self, pairs: Sequence[Pair], *, bos: bool = True) -> list[Score]:
        return self.score_ids(self._prefix_ids("", bos), self._pair_ids(pairs), reuse_cache=False)

    def score_with_prefix(self, prefix: str, pairs: Sequence[Pair], *, bos: bool = True,
                          reuse_cache: bool = True) -> list[Score]:
        return self.score_ids(self._prefix_ids(prefix, bos), self._pair_ids(pairs), reuse_cache=reuse_cache)

    # -- the work -----------------------------------------------------------------------------------
    def score_ids(self, prefix: list[int], items: list[tuple[list[int], list[int]]],
                  reuse_cache: bool = True) -> list[Score]:
        """Score token-id pairs after a shared prefix, with or without reusing the prefix's KV cache."""
        results: list[Score] = [(0.0, 0)] * len(items)
        todo = [i for i, (_, t) in enumerate(items) if t]
        if not todo:
            return results
        cached = reuse_cache and len(prefix) > 0
        state = self._run_prefix(prefix) if cached else None
        extra = len(prefix)
        todo.sort(key=lambda i: len(items[i][0]) + len(items[i][1]))
        cfg, start = self.config, 0
        while start < len(todo):
            end = start + 1
            while end < len(todo) and end - start < cfg.batch_size:
                longest = len(items[todo[end]][0]) + len(items[todo[end]][1])
                if (end + 1 - start) * (longest + extra) > cfg.token_budget:
                    break
                end += 1
            batch = [items[i] for i in todo[start:end]]
            scores = self._forward_cached(state, batch) if cached else self._forward_full(prefix, batch)
            for i, s in zip(todo[start:end], scores, strict=True):
                results[i] = s
            start = end
        return results

    def _run_prefix(self, prefix: list[int]) -> tuple[Any, Any]:
        torch = self._torch
        with torch.inference_mode():
            ids = torch.tensor([prefix], device=self.device)
            kwargs = {"logits_to_keep": 1} if self._keep_kw else {}
            out = self.model(input_ids=ids, use_cache=True, **kwargs)
            cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
            last = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
        return cache, last

    def _expand(self, cache: Any, rows: int) -> Any:
        """A batch-``rows`` view of a batch-1 prefix cache (the prefix is not re-encoded)."""
        import copy

        from transformers import DynamicCache

        layers = getattr(cache, "layers", None)
        if layers and all(getattr(layer, "keys", None) is not None for layer in layers):
            data = [(layer.keys.expand(rows, *layer.keys.shape[1:]), layer.values.expand(rows, *layer.values.shape[1:]))
                    for layer in layers]
            try:
                return DynamicCache(ddp_cache_data=data, config=self.model.config)
            except TypeError:
                return DynamicCache(data)
        fresh = copy.deepcopy(cache)
        fresh.batch_repeat_interleave(rows)
        return fresh

    def _forward_full(self, prefix: list[int], batch: list[tuple[list[int], list[int]]]) -> list[Score]:
        seqs = [prefix + c + t for c, t in batch]
        spans = [(len(prefix) + len(c), len(t)) for c, t in batch]
        return self._forward(seqs, spans, None, None)

    def _forward_cached(self, state: tuple[Any, Any], batch: list[tuple[list[int], list[int]]]) -> list[Score]:
        cache, last = state
        seqs = [c + t for c, t in batch]
        spans = [(len(c), len(t)) for c, t in batch]
        return self._forward(seqs, spans, self._expand(cache, len(batch)), last)

    def _forward(self, seqs: list[list[int]], spans: list[tuple[int, int]], cache: Any, last: Any) -> list[Score]:
        """Right-padded forward pass; continuation token at position p is predicted by logits at p-1.

        No attention mask is needed: with right padding and causal attention, pads only follow real tokens.
        With a cache, a continuation that starts at position 0 is predicted by the prefix's last logits.
        """
        torch = self._torch
        width = max(len(s) for s in seqs)
        ids = torch.zeros((len(seqs), width), dtype=torch.long)
        keep = torch.zeros((len(seqs), width), dtype=torch.bool)
        for row, (seq, (start, n)) in enumerate(zip(seqs, spans, strict=True)):
            ids[row, :len(seq)] = torch.tensor(seq)
            keep[row, max(start - 1, 0):start + n - 1] = True
        ids, keep = ids.to(self.device), keep.to(self.device)
        kwargs: dict[str, Any] = {"use_cache": cache is not None}
        if cache is not None:
            kwargs[self._cache_kw] = cache
        with torch.inference_mode():
            if self._keep_kw:
                logits = self.model(input_ids=ids, logits_to_keep=keep, **kwargs).logits
                if logits.dim() == 3:  # a version that ignores boolean masks
                    logits = logits[keep]
            else:
                logits = self.model(input_ids=ids, **kwargs).logits[keep]
            logp = torch.log_softmax(logits.float(), dim=-1)
        out, offset = [], 0
        for seq, (start, n) in zip(seqs, spans, strict=True):
            rows = n - 1 if start == 0 else n  # positions kept for this row
            targets = torch.tensor(seq[start + n - rows:start + n], device=logp.device)
            total = logp[offset:offset + rows].gather(1, targets[:, None]).sum().item() if rows else 0.0
            offset += rows
            scored = rows
            if start == 0 and last is not None:
                total += last[seq[0]].item()
                scored += 1
            out.append((float(total), scored))
        return out
