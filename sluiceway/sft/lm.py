"""The language-model backend: summed log-probability of a continuation given a context, batched.

Used by the Nuggets golden score (Li et al., ACL 2024) and any other likelihood-based score. Token ids are
built segment by segment (``[BOS] + prefix + context | continuation``), each segment tokenized on its own,
so the cached path (run the shared prefix once, reuse its key/value cache for every pair) and the uncached
path (run every full sequence) see exactly the same tokens and positions.

Pairs are sorted by length and cut into batches that minimize padding; the batches (token tensors, scored
positions, targets) are built once per pair list and reused for every prefix, since Nuggets scores the same
anchors after every candidate. On CPU the cached path uses shared-prefix attention (as in Hydragen, Juravsky
et al. 2024): the prefix's keys/values are kept once, all rows' queries attend to them in one call, each row
attends causally to its own tokens, and the two parts are merged by their log-sum-exps. Elsewhere, or for a
model this does not fit, the prefix cache is expanded over the batch and the model's own attention is used.
On CPU in fp32 the linear layers' weights are packed once for oneDNN (``cpu_linear``), the same arithmetic.
"""

from __future__ import annotations

import contextvars
import dataclasses
import inspect
import math
from collections.abc import Sequence
from typing import Any, Protocol

from sluiceway.sft.lm_source import DEFAULT_MODEL  # a shipped name (sluiceway.shipped.models.SHIPPED)

Pair = tuple[str, str]
Score = tuple[float, int]  # (summed log-prob of the continuation tokens, number of tokens scored)
Items = Sequence[tuple[list[int], list[int]]]  # (context ids, continuation ids) per pair


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

    model: str = DEFAULT_MODEL  # a shipped model's name, a .gguf file, or a Hugging Face folder
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    dtype: str = "auto"  # auto (bf16 on a GPU that has it, else fp32) | float32 | bfloat16 | float16
    batch_size: int = 16
    token_budget: int = 16384  # max (prefix + sequence) tokens x rows per forward pass
    max_prefix_tokens: int = 512
    max_context_tokens: int = 256
    max_continuation_tokens: int = 256
    batch_cost_tokens: int = 64  # fixed cost of a forward pass, in padded tokens (trades padding for passes)
    quantize: str = "none"  # none | int8 | auto (int8 linear layers on CPU); int8 flipped most SmolLM2 win decisions
    threads: int = 0  # torch intra-op threads on CPU; 0 = torch's default
    pack_linear: bool = True  # fp32 on CPU: linear weights packed once for oneDNN (same scores, 1.34x CPU)

    def validate(self) -> None:
        if not self.model:
            raise ValueError("model: give a .gguf file, a Hugging Face model folder, or " + DEFAULT_MODEL)
        if self.dtype not in ("auto", "float32", "bfloat16", "float16"):
            raise ValueError(f"dtype {self.dtype!r} is not one of auto, float32, bfloat16, float16")
        if self.quantize not in ("auto", "int8", "none"):
            raise ValueError(f"quantize {self.quantize!r} is not one of auto, int8, none")
        for name in ("batch_size", "token_budget", "max_prefix_tokens", "max_context_tokens",
                     "max_continuation_tokens"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1")
        if self.batch_cost_tokens < 0 or self.threads < 0:
            raise ValueError("batch_cost_tokens and threads must be >= 0")

    def positions_needed(self) -> int:
        """Longest sequence scored: BOS + prefix + context + continuation."""
        return 1 + self.max_prefix_tokens + self.max_context_tokens + self.max_continuation_tokens

    def check_context(self, limit: int | None, where: str) -> None:
        """Fail before any scoring when the model cannot see a full-length prefix + pair."""
        if limit and self.positions_needed() > limit:
            raise ValueError(f"model {where} takes {limit} positions, but 1 (BOS) + max_prefix_tokens "
                             f"{self.max_prefix_tokens} + max_context_tokens {self.max_context_tokens} + "
                             f"max_continuation_tokens {self.max_continuation_tokens} = {self.positions_needed()}; "
                             "lower them or use a model with a longer context")

    def use_int8(self, device: str) -> bool:
        return self.quantize == "int8" or (self.quantize == "auto" and device == "cpu")


def preflight(config: LMConfig) -> Any:
    """Resolve and check the model from its header alone (no weights loaded): missing or corrupt files,
    unsupported architectures and too-short contexts fail here, before anything is scored."""
    from sluiceway.sft.lm_source import check_model, resolve_model

    config.validate()
    src = resolve_model(config.model)
    config.check_context(check_model(src).context_length, src.path)
    return src


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


def cut_batches(lengths: Sequence[int], *, extra: int, batch_size: int, token_budget: int,
                batch_cost: int) -> list[tuple[int, int]]:
    """Cut ascending ``lengths`` into ``[start, end)`` batches minimizing padded tokens + ``batch_cost`` per batch.

    A batch holds at most ``batch_size`` rows and, with ``extra`` prefix tokens per row, at most
    ``token_budget`` tokens (a single row is always allowed). Exact, by dynamic programming over the cuts.
    """
    n = len(lengths)
    best, start = [0.0] + [math.inf] * n, [0] * (n + 1)
    for end in range(1, n + 1):
        width = lengths[end - 1]
        for begin in range(end - 1, max(end - batch_size, 0) - 1, -1):
            rows = end - begin
            if rows > 1 and rows * (width + extra) > token_budget:
                break
            cost = best[begin] + rows * width + batch_cost
            if cost < best[end]:
                best[end], start[end] = cost, begin
    cuts, end = [], n
    while end:
        cuts.append((start[end], end))
        end = start[end]
    return cuts[::-1]


@dataclasses.dataclass
class _Batch:
    """Right-padded pairs of one forward pass, ready for any prefix."""

    index: list[int]  # the pairs' positions in the caller's list
    ids: Any  # (rows, width) context + continuation ids, right-padded
    keep: Any  # (rows, width) bool: positions whose next-token logits score a continuation token
    targets: Any  # (kept,) the tokens predicted there, row-major
    rows: Any  # (kept,) the row of each kept position
    first: Any  # (rows,) bool: no context, so the first continuation token is predicted by the prefix's last position
    first_targets: Any  # (rows,) that token (0 where ``first`` is False)
    targets_all: Any  # ``targets`` with the first tokens in their place (uncached pass over prefix + pair)
    rows_all: Any  # the row of each of those
    counts: list[int]  # continuation tokens per row


@dataclasses.dataclass
class _SharedPrefix:
    """Per-layer (keys, values) of a batch-1 prefix, while the batch that continues it runs."""

    kv: list[tuple[Any, Any]]
    calls: int = 0


_SHARED = "sluiceway_shared_prefix"
_PREFIX: contextvars.ContextVar[_SharedPrefix | None] = contextvars.ContextVar(_SHARED, default=None)


def _shared_prefix_attention(module: Any, query: Any, key: Any, value: Any, attention_mask: Any,
                             dropout: float = 0.0, scaling: float | None = None, **kwargs: Any) -> tuple[Any, None]:
    """SDPA, plus attention to a shared prefix while one is set (see the module docstring)."""
    import torch
    from transformers.integrations.sdpa_attention import repeat_kv, sdpa_attention_forward

    shared = _PREFIX.get()
    if shared is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      **kwargs)
    if attention_mask is not None or dropout:
        raise ValueError("shared-prefix attention takes neither a mask nor dropout")
    flash = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu
    rows, heads, width, dim = query.shape
    groups = heads // key.shape[1]
    own, own_lse = flash(query, repeat_kv(key, groups), repeat_kv(value, groups), 0.0, True, scale=scaling)
    pk, pv = shared.kv[module.layer_idx]
    # all rows' queries in one sequence per key/value head (query heads of a group side by side)
    flat = query.transpose(0, 1).reshape(1, pk.shape[1], groups * rows * width, dim)
    pre, pre_lse = flash(flat, pk, pv, 0.0, False, scale=scaling)
    pre = pre.reshape(heads, rows, width, dim).transpose(0, 1)
    pre_lse = pre_lse.reshape(heads, rows, width).transpose(0, 1)
    # softmax over both key sets = the two partial outputs weighted by their shares of the total exp-sum
    out = torch.lerp(own.float(), pre.float(), torch.sigmoid(pre_lse - own_lse).unsqueeze(-1))
    shared.calls += 1
    return out.to(query.dtype).transpose(1, 2).contiguous(), None


def _register_shared_prefix_attention() -> bool:
    import torch

    try:
        from transformers import AttentionInterface
        from transformers.masking_utils import AttentionMaskInterface, sdpa_mask
    except ImportError:
        return False
    if not hasattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu"):
        return False
    def shared_prefix_mask(*args: Any, **kwargs: Any) -> Any:
        """No mask while a prefix is shared (the attention is causal over each row's own tokens, and rows are
        right-padded); SDPA's masks otherwise. Some transformers releases (4.56) build a full causal mask
        whenever ``position_ids`` are passed without a cache, which the shared-prefix path always does."""
        return None if _PREFIX.get() is not None else sdpa_mask(*args, **kwargs)

    AttentionInterface.register(_SHARED, _shared_prefix_attention)
    AttentionMaskInterface.register(_SHARED, shared_prefix_mask)
    return True


def _load(src: Any, dtype: Any) -> tuple[Any, Any]:
    """Tokenizer and model of a checked source; a failure names the file and the package that ships it."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kw = src.from_pretrained_kwargs()
    try:
        tokenizer = AutoTokenizer.from_pretrained(src.folder, **kw)
        model = AutoModelForCausalLM.from_pretrained(src.folder, dtype=dtype, **kw)
    except (OSError, ValueError, KeyError, RuntimeError, ImportError) as err:
        raise ValueError(f"model {src.where()} could not be loaded as a causal LM: {type(err).__name__}: "
                         f"{str(err).splitlines()[0] if str(err) else ''}") from err
    return tokenizer, model


class HFCausalLM:
    """A causal LM (shipped name, GGUF file or Hugging Face folder), implementing :class:`LogProbLM`."""

    def __init__(self, config: LMConfig | str, *, shared_prefix: bool = True, **overrides: Any):
        import torch
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        cfg = LMConfig(config, **overrides) if isinstance(config, str) else dataclasses.replace(config, **overrides)
        src = preflight(cfg)
        self.config, self.source = cfg, src
        self.device = resolve_device(cfg.device)
        if cfg.threads and self.device == "cpu":
            torch.set_num_threads(cfg.threads)
        self.tokenizer, self.model = _load(src, resolve_dtype(cfg.dtype, self.device))
        self.model.to(self.device).eval()
        self._torch = torch
        mc = self.model.config.get_text_config() if hasattr(self.model.config, "get_text_config") else self.model.config
        self._vocab = mc.vocab_size
        cfg.check_context(getattr(mc, "max_position_embeddings", None) or getattr(mc, "n_positions", None), src.path)
        self._ids: dict[str, list[int]] = {}
        self._plans: dict[tuple, list[_Batch]] = {}
        self._body, self._head = None, None
        self.shared_prefix = shared_prefix and self._try_shared_prefix(mc)
        self.int8 = cfg.use_int8(self.device)
        if self.int8:  # after the probe above, which compares float paths
            self.model = torch.ao.quantization.quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)
        self.packed = 0
        if cfg.pack_linear and self.device == "cpu" and not self.int8 and self.model.dtype == torch.float32:
            from sluiceway.sft.cpu_linear import pack_linears

            self.packed = pack_linears(self.model)
        self._body, self._head = self._split_head()
        self._cache_kw = "cache" if "cache" in inspect.signature((self._body or self.model).forward).parameters else "past_key_values"

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

    def _plan_for(self, pairs: Sequence[Pair]) -> tuple[int, list[_Batch]]:
        """The batches of a pair list, built once and reused (Nuggets repeats its anchors for every candidate)."""
        key = tuple(pairs)
        plan = self._plans.pop(key, None)
        if plan is None:
            plan = self.plan(self._pair_ids(pairs))
            if len(self._plans) >= 8:
                self._plans.pop(next(iter(self._plans)))  # least recently used
        self._plans[key] = plan
        return len(key), plan

    # -- the protocol -------------------------------------------------------------------------------
    def score(self, pairs: Sequence[Pair], *, bos: bool = True) -> list[Score]:
        n, plan = self._plan_for(pairs)
        return self.score_plan(self._prefix_ids("", bos), n, plan, reuse_cache=False)

    def score_with_prefix(self, prefix: str, pairs: Sequence[Pair], *, bos: bool = True,
                          reuse_cache: bool = True) -> list[Score]:
        n, plan = self._plan_for(pairs)
        return self.score_plan(self._prefix_ids(prefix, bos), n, plan, reuse_cache=reuse_cache)

    # -- the work -----------------------------------------------------------------------------------
    def score_ids(self, prefix: list[int], items: Items, reuse_cache: bool = True) -> list[Score]:
        """Score token-id pairs after a shared prefix, with or without reusing the prefix's KV cache."""
        return self.score_plan(prefix, len(items), self.plan(items), reuse_cache=reuse_cache)

    def plan(self, items: Items) -> list[_Batch]:
        """Sort pairs by length and cut them into batches (padding-minimal, within the row and token limits
        for the longest allowed prefix), with their tensors built."""
        torch, cfg = self._torch, self.config
        todo = sorted((i for i, (_, t) in enumerate(items) if t), key=lambda i: len(items[i][0]) + len(items[i][1]))
        lengths = [len(items[i][0]) + len(items[i][1]) for i in todo]

        def tensor(x: list, dtype: Any = torch.long) -> Any:
            return torch.tensor(x, dtype=dtype, device=self.device)

        plan = []
        for a, b in cut_batches(lengths, extra=cfg.max_prefix_tokens + 1, batch_size=cfg.batch_size,
                                token_budget=cfg.token_budget, batch_cost=cfg.batch_cost_tokens):
            width = lengths[b - 1]
            ids, keep = [], []
            targets, rows, targets_all, rows_all, first, first_targets, counts = [], [], [], [], [], [], []
            for r, i in enumerate(todo[a:b]):
                context, cont = items[i]
                seq, lo, hi = context + cont, max(len(context), 1), len(context) + len(cont)
                ids.append(seq + [0] * (width - len(seq)))
                keep.append([lo - 1 <= p < hi - 1 for p in range(width)])
                first.append(not context)
                first_targets.append(cont[0] if not context else 0)
                if not context:
                    targets_all.append(cont[0])
                    rows_all.append(r)
                targets += seq[lo:hi]
                rows += [r] * (hi - lo)
                targets_all += seq[lo:hi]
                rows_all += [r] * (hi - lo)
                counts.append(len(cont))
            plan.append(_Batch(todo[a:b], tensor(ids), tensor(keep, torch.bool), tensor(targets), tensor(rows),
                               tensor(first, torch.bool), tensor(first_targets), tensor(targets_all),
                               tensor(rows_all), counts))
        return plan

    def score_plan(self, prefix: list[int], n: int, plan: list[_Batch], reuse_cache: bool = True) -> list[Score]:
        """Scores of the ``n`` pairs of ``plan`` after ``prefix``; the prefix is run once when ``reuse_cache``."""
        torch = self._torch
        results: list[Score] = [(0.0, 0)] * n
        if not plan:
            return results
        cached = reuse_cache and len(prefix) > 0
        state = self._run_prefix(prefix) if cached else None
        head = torch.tensor([prefix], dtype=torch.long, device=self.device)
        for batch in plan:
            rows, width = batch.ids.shape
            counts = batch.counts
            if cached:
                logits = self._forward_cached(state, batch, len(prefix))
                targets, row_of = batch.targets, batch.rows
            elif prefix:
                ids = torch.cat([head.expand(rows, len(prefix)), batch.ids], 1)
                keep = torch.cat([torch.zeros((rows, len(prefix) - 1), dtype=torch.bool, device=self.device),
                                  batch.first[:, None], batch.keep], 1)
                logits = self._logits(ids, keep)
                targets, row_of = batch.targets_all, batch.rows_all
            else:  # nothing before the pairs: a first continuation token without context is not scored
                logits = self._logits(batch.ids, batch.keep)
                targets, row_of = batch.targets, batch.rows
                counts = [c - int(f) for c, f in zip(counts, batch.first.tolist(), strict=True)]
            with torch.inference_mode():
                lp = -torch.nn.functional.cross_entropy(logits.float(), targets, reduction="none")
                sums = torch.zeros(rows, dtype=torch.float64, device=lp.device).index_add_(0, row_of, lp.double())
                if cached:
                    sums += torch.where(batch.first, state[1][batch.first_targets].double(), 0.0)
            for i, s, c in zip(batch.index, sums.tolist(), counts, strict=True):
                results[i] = (float(s), c)
        return results

    def _logits(self, ids: Any, keep: Any, **kwargs: Any) -> Any:
        """Logits at the ``keep`` positions only, row-major: ``(kept, vocab)``; the vocab projection never
        runs on the other positions (the full ``rows x width x vocab`` tensor is never built)."""
        with self._torch.inference_mode():
            kwargs.setdefault("use_cache", False)
            if self._body is not None:
                return self._head(self._body(input_ids=ids, **kwargs).last_hidden_state[keep])
            return self.model(input_ids=ids, **kwargs).logits[keep]

    def _split_head(self) -> tuple[Any, Any]:
        """``(decoder, vocab projection)`` when logits are exactly ``head(decoder(ids).last_hidden_state)`` (checked
        on a probe, so soft-capped or scaled logits fall back to the whole model), else ``(None, None)``."""
        torch = self._torch
        body = getattr(self.model, getattr(self.model, "base_model_prefix", ""), None)
        head = self.model.get_output_embeddings()
        if body is None or head is None or body is self.model:
            return None, None
        ids = torch.tensor([[(11 * k + 5) % self._vocab for k in range(12)]], device=self.device)
        try:
            with torch.inference_mode():
                want = self.model(input_ids=ids, use_cache=False).logits[0].float()
                got = head(body(input_ids=ids, use_cache=False).last_hidden_state[0]).float()
            ok = got.shape == want.shape and torch.allclose(got, want, atol=1e-3, rtol=1e-3)
        except Exception:  # noqa: BLE001 -- a model this does not fit keeps its own forward
            ok = False
        return (body, head) if ok else (None, None)

    def _run_prefix(self, prefix: list[int]) -> tuple[Any, Any]:
        """``(cache, log-probs after the prefix)``; the cache as per-layer (keys, values) for shared-prefix attention."""
        torch = self._torch
        with torch.inference_mode():
            ids = torch.tensor([prefix], device=self.device)
            if self._body is not None:
                out = self._body(input_ids=ids, use_cache=True)
                last = self._head(out.last_hidden_state[0, -1:])[0]
            else:
                out = self.model(input_ids=ids, use_cache=True)
                last = out.logits[0, -1]
            cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
            last = torch.log_softmax(last.float(), dim=-1)
        if self.shared_prefix:
            cache = [(layer.keys, layer.values) for layer in cache.layers]
        return cache, last

    def _forward_cached(self, state: tuple[Any, Any], batch: _Batch, start: int) -> Any:
        """Logits of a batch that continues the prefix whose cache is ``state[0]`` (``start`` tokens long)."""
        torch, cache = self._torch, state[0]
        rows, width = batch.ids.shape
        if not self.shared_prefix:
            return self._logits(batch.ids, batch.keep, use_cache=True, **{self._cache_kw: self._expand(cache, rows)})
        positions = torch.arange(start, start + width, device=self.device)[None]
        shared = _SharedPrefix(cache)
        token = _PREFIX.set(shared)
        try:
            logits = self._logits(batch.ids, batch.keep, position_ids=positions)
        finally:
            _PREFIX.reset(token)
        if shared.calls != len(cache):
            raise RuntimeError(f"shared-prefix attention ran in {shared.calls} of {len(cache)} layers")
        return logits

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

    def _try_shared_prefix(self, mc: Any) -> bool:
        """Switch the model to shared-prefix attention where it fits: CPU, SDPA, full causal attention in every
        layer, and a probe whose cached and uncached scores agree; otherwise leave the model as it is."""
        if self.device != "cpu" or self.model.config._attn_implementation != "sdpa":
            return False
        if getattr(mc, "sliding_window", None) or any("sliding" in str(t) for t in getattr(mc, "layer_types", None) or []):
            return False
        if not _register_shared_prefix_attention():
            return False
        try:
            self.model.set_attn_implementation(_SHARED)
        except (ValueError, TypeError, AttributeError):
            return False
        if self.model.config._attn_implementation != _SHARED:
            return False
        ids = [(7 * k + 3) % self._vocab for k in range(24)]
        items = [(ids[10:14], ids[14:20]), ([], ids[20:24]), (ids[4:5], ids[5:12])]
        plan = self.plan(items)
        plain = self.score_plan(ids[:10], len(items), plan, reuse_cache=False)
        self.shared_prefix = True
        try:
            cached = self.score_plan(ids[:10], len(items), plan, reuse_cache=True)
            tol = 1e-3 if self.model.dtype == self._torch.float32 else 5e-2
            ok = all(abs(a - b) <= tol * (1 + abs(b)) and n == m for (a, n), (b, m) in zip(cached, plain, strict=True))
        except Exception:  # noqa: BLE001 -- any failure means this model is not for shared-prefix attention
            ok = False
        if not ok:
            self.model.set_attn_implementation("sdpa")
        return ok
