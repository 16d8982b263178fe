"""Readable tables for the ``sluiceway plan`` answers (the same dicts ``--json`` prints)."""

from __future__ import annotations

from .units import fmt_bytes, fmt_count, fmt_duration, fmt_sci

UNITS_LINE = "Units: GiB = 2^30 bytes, GB = 10^9 bytes; bandwidth in GB/s (10^9 bytes/s)."


def _numeric(cell: str) -> bool:
    text = cell.strip().lstrip("$-+~")
    return bool(text) and text[0].isdigit()


def table(rows: list[list[str]], headers: list[str] | None = None, indent: str = "  ") -> str:
    """Columns padded to width: numbers right-aligned, text left-aligned."""
    all_rows = ([headers] if headers else []) + rows
    widths = [max(len(str(r[i])) for r in all_rows if i < len(r)) for i in range(max(len(r) for r in all_rows))]
    right = [i > 0 and all(_numeric(str(r[i])) for r in rows if i < len(r) and str(r[i]))
             for i in range(len(widths))]
    lines = []
    for n, r in enumerate(all_rows):
        cells = [str(c).rjust(widths[i]) if right[i] else str(c).ljust(widths[i]) for i, c in enumerate(r)]
        lines.append(indent + "  ".join(cells).rstrip())
        if headers and n == 0:
            lines.append(indent + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _model_line(m: dict) -> str:
    return (f"Model {m['name']} ({m['family']}): vocab {m['vocab_size']:,}, hidden {m['hidden_size']}, "
            f"{m['num_layers']} layers, {m['num_heads']} heads / {m['num_kv_heads']} KV heads of {m['head_dim']}, "
            f"FFN {m['ffn_size']}, {'tied' if m['tie_embeddings'] else 'untied'} embeddings")


def _notes(notes: list[str]) -> str:
    return "\n".join(f"note: {n}" for n in notes)


def render_params(d: dict) -> str:
    b = d["breakdown"]
    rows = [["total", f"{d['total_params']:,}", fmt_count(d["total_params"])],
            ["embedding", f"{d['embedding_params']:,}", fmt_count(d["embedding_params"])],
            ["non-embedding", f"{d['non_embedding_params']:,}", fmt_count(d["non_embedding_params"])],
            ["per layer", f"{b['per_layer']:,}", fmt_count(b["per_layer"])],
            ["  attention", f"{b['attention_per_layer']:,}", ""],
            ["  FFN", f"{b['ffn_per_layer']:,}", ""],
            ["  norms", f"{b['norms_per_layer']:,}", ""]]
    if d["active_params"] != d["total_params"]:
        rows.append(["active per token", f"{d['active_params']:,}", fmt_count(d["active_params"])])
    rows.append(["owner's formula", f"{d['owner_formula_params']:,.0f}", "(untied, no biases)"])
    out = [_model_line(d["model"]), "Parameters:", table(rows), f"Convention: {d['convention']}."]
    if d["notes"]:
        out.append(_notes(d["notes"]))
    return "\n".join(out)


def render_chinchilla(d: dict) -> str:
    rows = []
    for name, f in d["fits"].items():
        mark = " *" if name == d["fit"] else ""
        c = f["constants"]
        rows.append([name + mark, fmt_count(f["params"]), fmt_count(f["tokens"]), f"{f['tokens_per_param']:.1f}",
                     f"{f['loss']:.4f}", f"E={c['E']} A={c['A']} B={c['B']} α={c['alpha']} β={c['beta']}"])
    r = d["rule_20_tokens_per_param"]
    rows.append(["D = 20·N rule", fmt_count(r["params"]), fmt_count(r["tokens"]), "20.0", f"{r['loss']:.4f}", ""])
    k = d["kaplan2020"]
    rows.append(["Kaplan 2020", fmt_count(k["non_embedding_params"]) + " (non-emb)", fmt_count(k["tokens"]),
                 f"{k['tokens'] / k['non_embedding_params']:.1f}", "", k["formula"]])
    out = [f"Compute-optimal allocation for C = {fmt_sci(d['compute'])} FLOPs (C = 6ND):",
           table(rows, ["fit", "params N", "tokens D", "D/N", "loss L(N,D)", "constants"]),
           "* the default fit; loss in nats/token on the Chinchilla paper's data (Hoffmann et al. 2022)."]
    if "planned" in d:
        p = d["planned"]
        out.append(f"Planned run N = {fmt_count(p['params'])}, D = {fmt_count(p['tokens'])}: "
                   f"predicted loss {p['loss']:.4f} ({d['fit']}).")
    return "\n".join(out)


def _memory_rows(d: dict) -> list[list[str]]:
    act = d["activations"]
    return [["weights", fmt_bytes(d["weights_bytes"])],
            ["gradients", fmt_bytes(d["gradients_bytes"])],
            ["optimizer states", fmt_bytes(d["optimizer_bytes"])],
            ["activations", fmt_bytes(d["activations_bytes"])],
            [f"  per layer x {act['layers_held']} held", fmt_bytes(act["per_layer"])],
            ["total", fmt_bytes(d["total_bytes"])]]


def render_memory(d: dict, training: dict | None = None) -> str:
    lay = d["layout"]
    head = (f"Memory per GPU, TP{lay['tp']} PP{lay['pp']} DP{lay['dp']} ZeRO-{lay['zero']} "
            f"recompute={lay['recompute']}{' +SP' if lay['sequence_parallel'] else ''}, "
            f"{d['microbatches_per_step']} micro-batch(es) per step")
    if training:
        head += f", micro-batch {training['micro_batch']} x {training['seq_len']} tokens"
    out = [head + ":", table(_memory_rows(d))]
    if "fits" in d:
        verdict = "fits" if d["fits"] else "does NOT fit"
        out.append(f"  -> {verdict} in {fmt_bytes(d['usable_bytes'])} usable of one {d['gpu']} "
                   f"({fmt_bytes(d['gpu_memory_bytes'])})")
    out.append(f"Bytes per parameter: {d['convention']}.")
    out.append("Activations: Korthikanti et al. 2022 accounting (16-bit, 1F1B first stage); product owner's "
               f"formula (no parallelism, no recompute): {fmt_bytes(d['activations_owner_formula_bytes'])}.")
    if lay["pp"] > 1 or lay["zero"] == 1:
        out.append(f"Owner's PP+ZeRO-1 formula 2Φ/(tp·pp) + 2Φ/(tp·pp) + 12Φ/(dp·tp·pp): "
                   f"{fmt_bytes(d['pp_zero1_owner_formula_bytes'])}.")
    if "weights_by_precision" in d:
        w = d["weights_by_precision"]
        out.append("Weights alone: " + ", ".join(f"{k.upper()} {fmt_bytes(v)}" for k, v in w.items())
                   + " (INT4 with one fp16 scale per 128 weights).")
    out.append(UNITS_LINE)
    if d.get("notes"):
        out.append(_notes(d["notes"]))
    return "\n".join(out)


def render_kv(d: dict) -> str:
    rows = [["KV cache per token", fmt_bytes(d["kv_cache_bytes_per_token"])],
            [f"KV cache, batch {d['batch']} x {d['context']} tokens", fmt_bytes(d["kv_cache_bytes"])],
            [f"weights ({d['weight_dtype']})", fmt_bytes(d["weights_bytes"])],
            ["total", fmt_bytes(d["total_bytes"])]]
    return "\n".join([f"Inference memory, {d['model']} (KV cache {d['kv_dtype']}):", table(rows),
                      d["formula"] + "; decoding activations not counted.", UNITS_LINE])


def render_comm(d: dict) -> str:
    rows = [[i["kind"], i["collective"], str(i["group_size"]), f"{i['bytes_per_step'] / 1e9:.3f}", i["link"],
             f"{i['bandwidth'] / 1e9:.0f}", fmt_duration(i["seconds"])] for i in d["items"]]
    lay = d["layout"]
    out = [f"Communication per GPU per step, TP{lay['tp']} PP{lay['pp']} DP{lay['dp']} ZeRO-{lay['zero']}, "
           f"{d['microbatches']} micro-batch(es), on {d['gpu']}:"]
    if rows:
        out.append(table(rows, ["parallelism", "collective", "group", "GB/step", "link", "GB/s", "time"]))
        for i in d["items"]:
            out.append(f"  {i['kind']}: {i['formula']}")
    else:
        out.append("  none (a single GPU)")
    if "at_bandwidth" in d:
        bw = d["at_bandwidth"]["bandwidth_bytes_per_s"]
        for i in d["at_bandwidth"]["items"]:
            out.append(f"  at {bw / 1e9:g} GB/s: {i['kind']} {fmt_duration(i['seconds'])}")
    out.append("Times before overlap with compute; ring factor (g-1)/g applied. " + UNITS_LINE)
    return "\n".join(out)


def render_compute(d: dict) -> str:
    tc, nr = d["time_cost"], d["narayanan_full_recompute"]
    rows = [["C = 6ND", fmt_sci(d["flops_6nd"])],
            ["with attention term", fmt_sci(d["flops_with_attention"]) + f"  (attention {d['attention_share']:.1%})"],
            [f"time on {d['gpus']} x {d['gpu']} at MFU {d['mfu']:.0%}", fmt_duration(tc["seconds"])],
            ["GPU-hours / cost", f"{tc['gpu_hours']:,.0f} h / ${tc['cost']:,.0f}"],
            ["Narayanan 8TP/(nX)", fmt_duration(nr["seconds"]) + f"  (${nr['cost']:,.0f})"]]
    return "\n".join([f"Training compute for {fmt_count(d['tokens'])} tokens, {fmt_count(d['params_used'])} params, "
                      f"sequence {d['seq_len']}:", table(rows)])


def _layout_rows(best: list[dict]) -> list[list[str]]:
    rows = []
    for i, e in enumerate(best, 1):
        rows.append([str(i), e["label"], str(e["microbatches"]), f"{e['memory_total_bytes'] / 2**30:.1f}",
                     f"{e['step_s']:.3f}", f"{e['compute_s']:.3f}", f"{e['tp_comm_s'] + e['pp_comm_s']:.3f}",
                     f"{e['bubble_s']:.3f}", f"{e['dp_exposed_s']:.3f}", f"{e['estimated_mfu']:.1%}"])
    return rows


LAYOUT_HEADERS = ["#", "layout", "m", "GiB/GPU", "step s", "compute", "TP+PP comm", "bubble", "DP exposed", "MFU"]


def render_layouts(d: dict, hw_name: str) -> str:
    lay = d["layouts"] if "layouts" in d else d
    out = [f"Layouts on {hw_name}: {lay['considered']} considered, {lay['fitting']} fit in "
           f"{lay['usable_bytes_per_gpu'] / 2**30:.1f} GiB usable per GPU; best by estimated step time:"]
    if lay["best"]:
        out.append(table(_layout_rows(lay["best"]), LAYOUT_HEADERS))
    elif "smallest_memory" in lay:
        s = lay["smallest_memory"]
        out.append(f"  none fits; smallest: {s['label']} at {s['memory_total_bytes'] / 2**30:.1f} GiB per GPU")
    return "\n".join(out)


def render_run(d: dict) -> str:
    m, t, hw = d["model"], d["training"], d["hardware"]
    sc, comp = d["scaling"], d["compute"]
    out = [_model_line(m),
           f"Parameters: total {d['total_params']:,} ({fmt_count(d['total_params'])}), embedding "
           f"{d['embedding_params']:,}, non-embedding {d['non_embedding_params']:,}",
           f"Training: {fmt_count(t['tokens'])} tokens, sequence {t['seq_len']}, global batch {t['global_batch']} "
           f"sequences ({fmt_count(t['tokens_per_step'])} tokens/step, {t['steps']:,} steps), micro-batch "
           f"{t['micro_batch']}, {t['precision']}, {t['optimizer']}",
           f"Hardware: {hw['gpus']} x {hw['name']} ({hw['memory_bytes'] / 2**30:.1f} GiB, "
           f"{hw['peak_flops'] / 1e12:.0f} TFLOP/s dense BF16, MFU {hw['mfu']:.0%}, ${hw['price_per_gpu_hour']:.2f}"
           f"/GPU-hour)",
           "",
           "Compute:",
           table([["C = 6ND", fmt_sci(comp["flops_6nd"])],
                  ["with attention term", fmt_sci(comp["flops_with_attention"])
                   + f"  (attention {comp['attention_share']:.1%})"]]),
           "",
           f"Scaling ({sc['fit']}):",
           table([["planned run loss L(N,D)", f"{sc['planned_loss']:.4f}",
                   f"{sc['tokens_per_param']:.1f} tokens/param"],
                  ["Chinchilla optimum for this compute", f"N {fmt_count(sc['chinchilla_optimal']['params'])}",
                   f"D {fmt_count(sc['chinchilla_optimal']['tokens'])}  loss "
                   f"{sc['chinchilla_optimal']['loss']:.4f}"],
                  ["20 tokens/param rule", f"N {fmt_count(sc['rule_20_tokens_per_param']['params'])}",
                   f"D {fmt_count(sc['rule_20_tokens_per_param']['tokens'])}"],
                  ["Kaplan 2020", f"N {fmt_count(sc['kaplan2020']['non_embedding_params'])} non-emb",
                   f"D {fmt_count(sc['kaplan2020']['tokens'])}"],
                  ["optimal tokens for this model", fmt_count(sc["optimal_tokens_for_this_model"]), ""]]),
           ""]
    if "data" in d:
        dd = d["data"]
        opt = dd["data_constrained_optimum"]
        out += ["Data (Muennighoff et al. 2023):",
                table([["unique tokens in dataset", fmt_count(dd["unique_tokens"]),
                        f"tokenizer {dd.get('tokenizer') or '?'}"],
                       ["epochs", f"{dd['epochs']:.2f}", ""],
                       ["effective tokens after repetition", fmt_count(dd["effective_tokens"]),
                        f"{dd['effective_fraction']:.1%} of planned"],
                       ["loss: Chinchilla vs data-constrained", f"{dd['loss_if_unique']:.4f}", f"{dd['loss_with_repetition']:.4f}"],
                       ["best allocation for this data", f"N {fmt_count(opt['params'])}",
                        f"D {fmt_count(opt['tokens'])} ({opt['epochs']:.1f} epochs), loss {opt['loss']:.4f}"]]),
                f"  {dd['verdict']}", ""]
    out.append(render_layouts(d, hw["name"]))
    if d.get("memory"):
        out += ["", f"Memory of the best layout ({d['layouts']['best'][0]['label']}):", table(_memory_rows(d["memory"])),
                f"  Bytes per parameter: {d['memory']['convention']}."]
    if d.get("communication"):
        rows = [[i["kind"], i["collective"], f"{i['bytes_per_step'] / 1e9:.3f} GB", i["link"],
                 fmt_duration(i["seconds"])] for i in d["communication"]["items"]]
        if rows:
            out += ["", "Communication per GPU per step (before overlap):", table(rows)]
    tc = d["time_cost"]
    rows = [["6ND / (GPUs·peak·MFU)", fmt_duration(tc["simple"]["seconds"]), f"{tc['simple']['gpu_hours']:,.0f}",
             f"${tc['simple']['cost']:,.0f}"],
            ["Narayanan 8TP/(nX)", fmt_duration(tc["narayanan_full_recompute"]["seconds"]),
             f"{tc['narayanan_full_recompute']['gpu_hours']:,.0f}", f"${tc['narayanan_full_recompute']['cost']:,.0f}"]]
    if "best_layout" in tc:
        b = tc["best_layout"]
        rows.append(["best layout estimate", fmt_duration(b["seconds"]), f"{b['gpu_hours']:,.0f}", f"${b['cost']:,.0f}"])
    out += ["", "Time and cost:", table(rows, ["estimate", "time", "GPU-hours", "cost (USD)"]), "", UNITS_LINE]
    if d["notes"]:
        out.append(_notes(d["notes"]))
    return "\n".join(out)
