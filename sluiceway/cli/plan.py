"""``sluiceway plan``: size, data, compute, memory, communication, layouts, time and cost of a training run.

Wire it into the top-level parser with ``add_parser(subparsers)``; every sub-command sets ``func`` to a handler
``handler(args) -> int``. Bad input prints ``error: ...`` to stderr and returns 2 (no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from sluiceway.planning.errors import PlanError
from sluiceway.planning.units import parse_number

_DESC = "Plan a training run before launching it (pure arithmetic from the papers; no GPU needed)."


# ---------------------------------------------------------------- argument types

def _int_arg(text: str) -> int:
    try:
        value = parse_number(text)
    except PlanError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not value.is_integer() or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return int(value)


def _zero_arg(text: str) -> int:
    if text not in ("0", "1", "2", "3"):
        raise argparse.ArgumentTypeError(f"ZeRO stage must be 0, 1, 2 or 3, got {text!r}")
    return int(text)


def _pos_arg(text: str) -> float:
    try:
        value = parse_number(text)
    except PlanError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
    return value


# ---------------------------------------------------------------- shared option groups

def _model_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", nargs="?", help="HF config.json, a folder holding one, a YAML, or a preset name "
                   "(e.g. llama2-7b; `sluiceway plan presets` lists them); or describe the model with the flags below")
    g = p.add_argument_group("model (override or replace CONFIG)")
    g.add_argument("--hidden-size", type=_int_arg)
    g.add_argument("--num-layers", type=_int_arg)
    g.add_argument("--num-heads", type=_int_arg)
    g.add_argument("--num-kv-heads", type=_int_arg)
    g.add_argument("--ffn-size", type=_int_arg, help="FFN (intermediate) width")
    g.add_argument("--vocab-size", type=_int_arg)
    g.add_argument("--head-dim", type=_int_arg)
    g.add_argument("--tie-embeddings", action=argparse.BooleanOptionalAction, default=None)


def _training_opts(p: argparse.ArgumentParser, tokens: bool = False) -> None:
    g = p.add_argument_group("training")
    if tokens:
        g.add_argument("--tokens", type=_pos_arg, help="training tokens (2e12, 300B, 1.5T)")
        g.add_argument("--dataset", metavar="OUT_DIR",
                       help="curation output folder: its report.json tokens.total is the unique-token count")
    g.add_argument("--seq-len", type=_int_arg, help="sequence length (default: min(4096, model context))")
    g.add_argument("--micro-batch", type=_int_arg, default=1, help="sequences per micro-batch (default 1)")
    g.add_argument("--global-batch", type=_int_arg, help="sequences per optimizer step (default 1024 for run)")
    g.add_argument("--precision", choices=("fp32", "bf16", "fp16"), default="bf16",
                   help="fp32, or bf16/fp16 mixed precision (default bf16)")
    g.add_argument("--optimizer", choices=("adamw", "adam8bit", "sgd"), default="adamw")
    g.add_argument("--flash-attn", action="store_true",
                   help="attention stores no s x s scores (default: the papers' accounting, which does)")


def _layout_opts(p: argparse.ArgumentParser, fixed: bool) -> None:
    g = p.add_argument_group("parallel layout" + ("" if fixed else " (each one given fixes it in the search)"))
    g.add_argument("--tp", type=_int_arg, default=1 if fixed else None, help="tensor-parallel size")
    g.add_argument("--pp", type=_int_arg, default=1 if fixed else None, help="pipeline-parallel size")
    if fixed:
        g.add_argument("--dp", type=_int_arg, help="data-parallel size (default GPUs/(tp*pp), else 1)")
    g.add_argument("--zero", type=_zero_arg, default=0 if fixed else None, help="ZeRO stage 0-3")
    g.add_argument("--recompute", choices=("none", "selective", "full"), default="none" if fixed else None,
                   help="activation recomputation")
    g.add_argument("--sp", action=argparse.BooleanOptionalAction, default=None,
                   help="sequence parallelism (default: on whenever tp > 1)")


def _hw_opts(p: argparse.ArgumentParser, gpus_default: int | None, gpu_default: str | None = "h100") -> None:
    g = p.add_argument_group("hardware")
    g.add_argument("--gpu", default=gpu_default,
                   help="a100-40gb, a100-80gb, h100, h200, or a YAML (default h100)")
    g.add_argument("--gpus", type=_int_arg, default=gpus_default, help="number of GPUs")
    g.add_argument("--gpu-memory-gib", type=_pos_arg)
    g.add_argument("--peak-tflops", type=_pos_arg, help="dense BF16 peak per GPU")
    g.add_argument("--mfu", type=_pos_arg, help="expected model FLOPs utilisation, 0-1")
    g.add_argument("--price", type=_pos_arg, help="USD per GPU-hour")
    g.add_argument("--intra-node-gbps", type=_pos_arg, help="NVLink GB/s per GPU per direction")
    g.add_argument("--inter-node-gbps", type=_pos_arg, help="network GB/s per GPU per direction")
    g.add_argument("--gpus-per-node", type=_int_arg)


def _json_opt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")


# ---------------------------------------------------------------- resolution helpers

def _model(args: argparse.Namespace):
    from sluiceway.planning.model import load_model, model_overrides

    base = load_model(args.config) if args.config else None
    fields = {"hidden_size": args.hidden_size, "num_layers": args.num_layers, "num_heads": args.num_heads,
              "num_kv_heads": args.num_kv_heads, "ffn_size": args.ffn_size, "vocab_size": args.vocab_size,
              "head_dim": args.head_dim, "tie_embeddings": args.tie_embeddings}
    if base is None and all(v is None for v in fields.values()):
        raise PlanError("give a model: a config.json / YAML / preset name, or --hidden-size, --num-layers, "
                        "--num-heads, --ffn-size and --vocab-size")
    return model_overrides(base, **fields)


def _hardware(args: argparse.Namespace):
    from sluiceway.planning.hardware import load_hardware, with_overrides

    mfu = args.mfu
    if mfu is not None and mfu > 1:
        raise PlanError(f"--mfu is a fraction of peak in (0, 1], got {mfu}")
    return with_overrides(load_hardware(args.gpu or "h100"), memory_gib=args.gpu_memory_gib, peak_tflops=args.peak_tflops,
                          mfu=mfu, price=args.price, intra_node_gbps=args.intra_node_gbps,
                          inter_node_gbps=args.inter_node_gbps, gpus_per_node=args.gpus_per_node)


def _seq_len(args: argparse.Namespace, spec) -> int:
    if args.seq_len:
        return args.seq_len
    return min(4096, spec.max_position) if spec.max_position else 4096


def _fixed_layout(args: argparse.Namespace, spec):
    from sluiceway.planning.training import Layout

    tp, pp = args.tp, args.pp
    gpus = getattr(args, "gpus", None)
    dp = args.dp
    if dp is None:
        if gpus is not None:
            if gpus % (tp * pp):
                raise PlanError(f"TP {tp} x PP {pp} = {tp * pp} does not divide the {gpus} GPUs")
            dp = gpus // (tp * pp)
        else:
            dp = 1
    sp = args.sp if args.sp is not None else tp > 1
    return Layout(tp, pp, dp, args.zero, args.recompute, sp), gpus


def _training(args: argparse.Namespace, spec, layout=None, tokens: float | None = None):
    from sluiceway.planning.training import TrainingSpec

    gb = args.global_batch
    if gb is None:
        gb = args.micro_batch * layout.dp * layout.pp if layout is not None else 1024
    return TrainingSpec(seq_len=_seq_len(args, spec), micro_batch=args.micro_batch, global_batch=gb,
                        precision=args.precision, optimizer=args.optimizer, tokens=tokens,
                        flash_attention=args.flash_attn)


# ---------------------------------------------------------------- handlers

def _cmd_params(args):
    from sluiceway.planning.plan import plan_params
    from sluiceway.planning.render import render_params

    d = plan_params(_model(args))
    return d, render_params


def _cmd_chinchilla(args):
    from sluiceway.planning.render import render_chinchilla
    from sluiceway.planning.scaling import chinchilla_loss, chinchilla_summary, get_fit

    get_fit(args.fit)
    compute = args.compute
    if compute is None:
        if args.params is None or args.tokens is None:
            raise PlanError("give --compute FLOPs, or both --params and --tokens")
        compute = 6.0 * args.params * args.tokens
    d = chinchilla_summary(compute, args.fit)
    if args.params is not None and args.tokens is not None:
        d["planned"] = {"params": args.params, "tokens": args.tokens,
                        "loss": chinchilla_loss(args.params, args.tokens, args.fit)}
    return d, render_chinchilla


def _cmd_compute(args):
    from sluiceway.planning.plan import plan_compute
    from sluiceway.planning.render import render_compute

    spec = _model(args)
    tokens = _tokens(args, spec)
    return plan_compute(spec, tokens, _seq_len(args, spec), args.gpus, _hardware(args), args.precision), \
        render_compute


def _tokens(args, spec, required: bool = True) -> float | None:
    if args.tokens is not None:
        return args.tokens
    if getattr(args, "dataset", None):
        from sluiceway.planning.dataset import tokens_from_report

        return float(tokens_from_report(args.dataset).total)
    if required:
        raise PlanError("give --tokens (e.g. 2e12) or --dataset OUT_DIR")
    return None


def _cmd_memory(args):
    from sluiceway.planning.plan import plan_memory
    from sluiceway.planning.render import render_memory

    spec = _model(args)
    layout, gpus = _fixed_layout(args, spec)
    training = _training(args, spec, layout)
    hw = _hardware(args) if (args.gpu or args.gpus) else None
    d = plan_memory(spec, training, layout, hw, gpus)
    d["training"] = training.as_dict()
    return d, lambda x: render_memory(x, x["training"])


def _cmd_kv(args):
    from sluiceway.planning.plan import plan_kv
    from sluiceway.planning.render import render_kv

    return plan_kv(_model(args), args.batch, args.context, args.weight_dtype, args.kv_dtype), render_kv


def _cmd_comm(args):
    from sluiceway.planning.plan import plan_comm
    from sluiceway.planning.render import render_comm

    spec = _model(args)
    layout, gpus = _fixed_layout(args, spec)
    training = _training(args, spec, layout if args.global_batch is None else None)
    bw = args.bandwidth_gbps * 1e9 if args.bandwidth_gbps else None
    return plan_comm(spec, training, layout, _hardware(args), bw, gpus), render_comm


def _search_kwargs(args) -> dict[str, Any]:
    return {"tp": args.tp, "pp": args.pp, "zero": args.zero, "recompute": args.recompute,
            "sequence_parallel": args.sp}


def _cmd_layouts(args):
    from sluiceway.planning.layout import search_layouts
    from sluiceway.planning.render import render_layouts

    spec = _model(args)
    hw = _hardware(args)
    training = _training(args, spec)
    res = search_layouts(spec, training, hw, args.gpus, top=args.top, **_search_kwargs(args))
    d = {"considered": res["considered"], "fitting": res["fitting"], "usable_bytes_per_gpu": res["usable_bytes"],
         "best": [e.as_dict() for e in res["best"]], "gpu": hw.name, "gpus": args.gpus}
    if not res["best"] and res["smallest_memory"] is not None:
        d["smallest_memory"] = res["smallest_memory"].as_dict()
    return d, lambda x: render_layouts(x, x["gpu"])


def _cmd_run(args):
    from sluiceway.planning.plan import plan_run
    from sluiceway.planning.render import render_run

    spec = _model(args)
    hw = _hardware(args)
    unique = None
    dataset = None
    if args.dataset:
        from sluiceway.planning.dataset import tokens_from_report

        ds = tokens_from_report(args.dataset)
        unique = float(ds.total)
        dataset = {"report": ds.report, "tokenizer": ds.tokenizer}
    training = _training(args, spec, tokens=args.tokens)
    d = plan_run(spec, training, hw, args.gpus, top=args.top, fit=args.fit, unique_tokens=unique,
                 dataset=dataset, **_search_kwargs(args))
    return d, render_run


def _cmd_presets(args):
    from sluiceway.planning.hardware import hardware_presets
    from sluiceway.planning.model import model_presets

    d = {"models": model_presets(), "hardware": hardware_presets()}
    return d, lambda x: "models:   " + ", ".join(x["models"]) + "\nhardware: " + ", ".join(x["hardware"])


def _handler(fn: Callable[[argparse.Namespace], tuple[dict, Callable[[dict], str]]]):
    def handler(args: argparse.Namespace) -> int:
        try:
            data, render = fn(args)
            text = json.dumps(data, default=str, allow_nan=False) if args.json else render(data)
        except PlanError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except ValueError as exc:  # e.g. a non-finite number reaching JSON
            print(f"error: {exc}", file=sys.stderr)
            return 2
        try:
            print(text)
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. piped into head: not an error of ours
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0

    handler.__name__ = fn.__name__.replace("_cmd_", "plan_")
    return handler


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add ``plan`` and its sub-commands to a top-level ``sluiceway`` parser."""
    plan = subparsers.add_parser("plan", help="plan a training run (size, data, compute, memory, layouts, cost)",
                                 description=_DESC)
    sub = plan.add_subparsers(dest="plan_command", metavar="COMMAND")

    def _no_command(args: argparse.Namespace) -> int:
        plan.print_help(sys.stderr)
        return 2

    plan.set_defaults(func=_no_command)

    p = sub.add_parser("params", help="parameter count: total, embedding, non-embedding")
    _model_opts(p)
    _json_opt(p)
    p.set_defaults(func=_handler(_cmd_params))

    p = sub.add_parser("chinchilla", help="compute-optimal N and D for a FLOP budget, predicted loss")
    p.add_argument("--compute", type=_pos_arg, help="training FLOPs budget (e.g. 5.76e23)")
    p.add_argument("--params", type=_pos_arg, help="planned parameters (with --tokens: predicted loss)")
    p.add_argument("--tokens", type=_pos_arg, help="planned tokens")
    p.add_argument("--fit", default="hoffmann2022",
                   help="hoffmann2022 (unrounded, default), hoffmann2022-rounded, besiroglu2024")
    _json_opt(p)
    p.set_defaults(func=_handler(_cmd_chinchilla))

    p = sub.add_parser("compute", help="training FLOPs (6ND and with attention), time and cost")
    _model_opts(p)
    _training_opts(p, tokens=True)
    _hw_opts(p, gpus_default=8)
    _json_opt(p)
    p.set_defaults(func=_handler(_cmd_compute))

    p = sub.add_parser("memory", help="training memory per GPU for one layout")
    _model_opts(p)
    _training_opts(p)
    _layout_opts(p, fixed=True)
    _hw_opts(p, gpus_default=None, gpu_default=None)
    _json_opt(p)
    p.set_defaults(func=_handler(_cmd_memory))

    p = sub.add_parser("kv", help="inference memory: weights + KV cache")
    _model_opts(p)
    p.add_argument("--batch", type=_int_arg, default=1, help="concurrent sequences (default 1)")
    p.add_argument("--context", type=_int_arg, default=4096, help="tokens per sequence (default 4096)")
    p.add_argument("--weight-dtype", choices=("fp32", "bf16", "fp16", "int8", "int4"), default="bf16")
    p.add_argument("--kv-dtype", choices=("fp32", "bf16", "fp16", "int8"), default="bf16")
    _json_opt(p)
    p.set_defaults(func=_handler(_cmd_kv))

    p = sub.add_parser("comm", help="communication per step for one layout, with collectives and times")
    _model_opts(p)
    _training_opts(p)
    _layout_opts(p, fixed=True)
    _hw_opts(p, gpus_default=None)
    p.add_argument("--bandwidth-gbps", type=_pos_arg, help="also time every volume at this GB/s")
    _json_opt(p)
    p.set_defaults(func=_handler(_cmd_comm))

    p = sub.add_parser("layouts", help="search TP x PP x DP x ZeRO x recompute layouts that fit")
    _model_opts(p)
    _training_opts(p)
    _layout_opts(p, fixed=False)
    _hw_opts(p, gpus_default=8)
    p.add_argument("--top", type=_int_arg, default=5, help="how many layouts to show (default 5)")
    _json_opt(p)
    p.set_defaults(func=_handler(_cmd_layouts))

    p = sub.add_parser("run", help="the whole plan: size, data, compute, scaling, best layouts, time, cost")
    _model_opts(p)
    _training_opts(p, tokens=True)
    _layout_opts(p, fixed=False)
    _hw_opts(p, gpus_default=8)
    p.add_argument("--top", type=_int_arg, default=5, help="how many layouts to show (default 5)")
    p.add_argument("--fit", default="hoffmann2022", help="scaling fit for loss and optimum")
    _json_opt(p)
    p.set_defaults(func=_handler(_cmd_run))

    p = sub.add_parser("presets", help="list the model and hardware presets")
    _json_opt(p)
    p.set_defaults(func=_handler(_cmd_presets))

