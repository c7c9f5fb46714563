#!/usr/bin/env python3
"""Error-model simulation against accumulator-level injection, layer by layer.

    python3 scripts/bench/validate_error_models.py [--steadfast build/release/bin/steadfast]
        [--models-dir build/models] [--photos WORK/photos.npy] [--work /tmp/sf_validate]
        [--jobs 2] [--mine-n 5000] [--embedded-n 10000] [--effnet-n 10000]
        [--out docs/resilience-validation.md] [--json docs/resilience-validation.json]

For each model and each chosen conv/GEMM layer:
1. `steadfast mine` builds the layer's error model from --mine-n accumulator-level injections
   (one fp32 bit flip in one BRGEMM accumulator of the layer's microkernel, a random bit, tile,
   row, column and point of the reduction) on the MINING inputs, observing the layer's output.
   Two value models are mined from the same injections: `deltas` (steadfast's extension: the
   additive errors, any change counts as corrupted) and `classes` (the CLASSES value classes with
   the CLASSES classifier's 1e-2 threshold).
2. On the VALIDATION inputs (disjoint from the mining ones), the same number of injections per
   layer, run to the model's output and classified (masked / SDC-safe / SDC-critical / DUE):
   a. `steadfast inject --sites accumulator` (the reference: instruction-level analogue);
   b. `steadfast inject --error-model <mined deltas model>` (error simulation);
   c. `steadfast inject --error-model <mined classes model>` (for comparison).
   Each campaign has its own seed, so the injections are independent draws.
3. The table gives each class's rate for (a) and (b), their difference in percentage points and
   whether every class of every layer is within 2 points; (c) is summarised alongside.

Models: the embedded Fashion-MNIST CNN (all 4 conv/GEMM layers; mining on test images 0-1999,
validation on 5000-9999) and EfficientNet-Lite0 on real photos (scripts/data/photos_npy.py: 6
photos x 10 views; mining on the views of the first 3 photos, validation on the other 3).
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

CLASSES = ["masked", "sdc_safe", "sdc_critical", "due"]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run(cmd, cwd):
    t = time.time()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}")
    return time.time() - t


def layer_file(layer):
    s = re.sub(r"[^A-Za-z0-9.\-]", "_", layer).lstrip("_.")
    return (s or "layer") + ".json"


def campaign(sf, model, data, offset, limit, layer, n, seed, extra, work, tag, jobs):
    out = os.path.join(work, f"{tag}.json")
    journal = os.path.join(work, f"{tag}.journal")
    if os.path.exists(journal):
        os.remove(journal)
    cmd = [sf, "inject", model, "--layers", layer, "--n", str(n), "--seed", str(seed), "--offset", str(offset),
           "--limit", str(limit), "--jobs", str(jobs), "--no-progress", "--journal", journal, "--json", out] + extra
    if data:
        cmd += ["--data", data]
    seconds = run(cmd, work)
    os.remove(journal)
    s = json.load(open(out))
    res = {c: {"count": s["outcomes"][c]["count"], "rate": s["outcomes"][c]["rate"],
               "ci95": s["outcomes"][c]["ci95"]} for c in CLASSES}
    res["injections"] = s["outcomes"]["injections"]
    res["seconds"] = seconds
    res["fault"] = s["fault"]
    return res


def mine(sf, model, data, offset, limit, layers, n, values, eps, work, tag):
    out = os.path.join(work, tag)
    cmd = [sf, "mine", model, "--layers", ",".join(layers), "--n", str(n * len(layers)), "--offset", str(offset),
           "--limit", str(limit), "--values", values, "--eps", str(eps), "--out", out, "--seed", "1",
           "--no-progress"]
    if data:
        cmd += ["--data", data]
    seconds = run(cmd, work)
    models = {}
    for layer in layers:
        path = os.path.join(out, layer_file(layer))
        m = json.load(open(path))
        models[layer] = {"path": path, "tensor_count": m["_tensor_count"], "injection_count": m["_injection_count"],
                         "classes": {k: v["count"] for k, v in m.items() if not k.startswith("_")}}
    return models, seconds


def validate(a, cfg, work):
    sf = os.path.abspath(a.steadfast)
    os.makedirs(work, exist_ok=True)
    mined_d, t_md = mine(sf, cfg["model"], cfg["data"], cfg["mine"][0], cfg["mine"][1], cfg["layers"], a.mine_n,
                         "deltas", 0, work, "mined_deltas")
    mined_c, t_mc = mine(sf, cfg["model"], cfg["data"], cfg["mine"][0], cfg["mine"][1], cfg["layers"], a.mine_n,
                         "classes", 0.01, work, "mined_classes")
    rows = []
    for k, layer in enumerate(cfg["layers"]):
        off, lim = cfg["validate"]
        n = cfg["n"]
        print(f"  {cfg['name']} {layer}: accumulator, deltas model, classes model ({n} each)", flush=True)
        acc = campaign(sf, cfg["model"], cfg["data"], off, lim, layer, n, 100 + k, ["--sites", "accumulator"], work,
                       f"acc{k}", a.jobs)
        sim = campaign(sf, cfg["model"], cfg["data"], off, lim, layer, n, 200 + k,
                       ["--error-model", mined_d[layer]["path"]], work, f"simd{k}", a.jobs)
        simc = campaign(sf, cfg["model"], cfg["data"], off, lim, layer, n, 300 + k,
                        ["--error-model", mined_c[layer]["path"]], work, f"simc{k}", a.jobs)
        diff = {c: 100 * (sim[c]["rate"] - acc[c]["rate"]) for c in CLASSES}
        diffc = {c: 100 * (simc[c]["rate"] - acc[c]["rate"]) for c in CLASSES}
        rows.append({"layer": layer, "accumulator": acc, "error_model_deltas": sim, "error_model_classes": simc,
                     "diff_pp": diff, "diff_pp_classes": diffc,
                     "max_abs_diff_pp": max(abs(v) for v in diff.values()),
                     "max_abs_diff_pp_classes": max(abs(v) for v in diffc.values()),
                     "mined_deltas": mined_d[layer], "mined_classes": mined_c[layer]})
    return {"name": cfg["name"], "model": cfg["model"], "data": cfg["data"] or "Fashion-MNIST test images",
            "mining_inputs": cfg["mine"], "validation_inputs": cfg["validate"], "mine_n": a.mine_n, "n": cfg["n"],
            "mine_seconds": {"deltas": t_md, "classes": t_mc}, "layers": rows}


def pct(r):
    return f"{100 * r['rate']:.2f}"


def markdown(res, cmdline):
    out = ["# Error-model simulation against accumulator-level injection", "",
           f"Measured {res['date']} on {res['host']} by `scripts/bench/validate_error_models.py`; regenerate with:",
           "", "```", cmdline, "```", "",
           "Per layer: an error model mined by `steadfast mine` from accumulator-level injections on the mining "
           "inputs (one fp32 bit flip in one BRGEMM accumulator of the layer: random bit, tile, row, column and "
           "point of the reduction), then, on the validation inputs (disjoint from the mining ones), the same "
           "number of injections as (a) accumulator faults (`inject --sites accumulator`, the reference) and as "
           "(b) errors sampled from the mined model (`inject --error-model`), each run to the model's output. "
           "Outcome classes: masked (every softmax score within 1e-5 of the golden one), SDC-critical (top-1 "
           "changed or its score moved > 0.05), SDC-safe (other changes), DUE (NaN/Inf, error). "
           "Values are % of the layer's injections; diff = (b) - (a) in percentage points; target: |diff| <= 2 "
           "for every class.", "",
           "Value models: **deltas** (steadfast's `_value_deltas` extension: each corrupted value is golden + d, "
           "d drawn from the mined histogram of additive errors, relative to the RMS of the layer's golden "
           "output for the input, with its sign relative to the golden value; any change counts as corrupted) and, for comparison, **classes** (the "
           "CLASSES value classes in_range / out_of_range / zero / nan / flip, with CLASSES' 1e-2 corruption "
           "threshold). Both are mined from the same injections.", ""]
    all_ok = True
    for m in res["models"]:
        out += [f"## {m['name']}", "",
                f"Model `{os.path.relpath(m['model'], ROOT) if os.path.isabs(m['model']) else m['model']}`, "
                f"data {m['data']}; mining inputs: offset {m['mining_inputs'][0]}, "
                f"{m['mining_inputs'][1]} items ({m['mine_n']} injections per layer); validation inputs: offset "
                f"{m['validation_inputs'][0]}, {m['validation_inputs'][1]} items ({m['n']} injections per layer "
                "and campaign).", "",
                "| layer | classes mined (deltas) | corrupted | masked (a / b / diff) | SDC-safe | SDC-critical | DUE "
                "| max \\|diff\\| pp | classes model: max \\|diff\\| pp |",
                "|---|---|---:|---|---|---|---|---:|---:|"]
        for r in m["layers"]:
            a, b, d = r["accumulator"], r["error_model_deltas"], r["diff_pp"]
            md = r["mined_deltas"]
            classes = ", ".join(f"{k} {v}" for k, v in sorted(md["classes"].items(), key=lambda x: -x[1])[:3])
            cells = [f"{pct(a[c])} / {pct(b[c])} / {d[c]:+.2f}" for c in CLASSES]
            ok = r["max_abs_diff_pp"] <= 2.0
            all_ok &= ok
            out.append(f"| `{r['layer']}` | {classes} | {100 * md['tensor_count'] / md['injection_count']:.1f}% | "
                       + " | ".join(cells) + f" | **{r['max_abs_diff_pp']:.2f}**{'' if ok else ' (over 2)'} | "
                       f"{r['max_abs_diff_pp_classes']:.2f} |")
        out.append("")
        # Sampling noise of a diff: the standard error of a difference of two independent rates
        # of n injections each, at its worst (rates of 50%).
        se = 100 * (2 * 0.25 / m["n"]) ** 0.5
        out.append(f"Sampling noise: a diff's standard error is at most {se:.2f} pp at {m['n']} injections per "
                   "campaign (two independent rates of 50%); the 2 pp target is "
                   f"{2 / se:.1f} standard errors.")
        out.append("")
        out.append("95% intervals (Clopper-Pearson) of each rate are in the JSON. Campaign times (s): " + "; ".join(
            f"`{r['layer']}` {r['accumulator']['seconds']:.1f} / {r['error_model_deltas']['seconds']:.1f}"
            for r in m["layers"]) + " (accumulator / error model).")
        out.append("")
    worst = max(r["max_abs_diff_pp"] for m in res["models"] for r in m["layers"])
    worst_c = max(r["max_abs_diff_pp_classes"] for m in res["models"] for r in m["layers"])
    nl = sum(len(m["layers"]) for m in res["models"])
    out += ["## Result", "",
            f"Deltas model: the largest difference over {nl} layers and 4 classes is **{worst:.2f} pp** "
            f"({'all within' if all_ok else 'NOT all within'} 2 pp). CLASSES value classes mined from the same "
            f"injections: largest difference {worst_c:.2f} pp.", ""]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steadfast", default=os.path.join(ROOT, "build/release/bin/steadfast"))
    ap.add_argument("--models-dir", default=os.path.join(ROOT, "build/models"))
    ap.add_argument("--photos", default="")
    ap.add_argument("--work", default="/tmp/sf_validate")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--mine-n", type=int, default=5000)
    ap.add_argument("--embedded-n", type=int, default=10000)
    ap.add_argument("--effnet-n", type=int, default=10000)
    ap.add_argument("--models", nargs="+", default=["embedded", "efficientnet_lite0"])
    ap.add_argument("--out", default=os.path.join(ROOT, "docs/resilience-validation.md"))
    ap.add_argument("--json", default=os.path.join(ROOT, "docs/resilience-validation.json"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    configs = []
    if "embedded" in a.models:
        configs.append({"name": "Embedded Fashion-MNIST CNN", "model": "embedded", "data": "",
                        "layers": ["/conv1/Conv", "/conv2/Conv", "/fc1/Gemm", "/fc2/Gemm"],
                        "mine": (0, 2000), "validate": (5000, 5000), "n": a.embedded_n})
    if "efficientnet_lite0" in a.models:
        photos = a.photos or os.path.join(a.work, "photos.npy")
        if not os.path.exists(photos):
            run(["/usr/bin/python3", os.path.join(ROOT, "scripts/data/photos_npy.py"), "--out", photos], a.work)
        configs.append({"name": "EfficientNet-Lite0 on real photos", "data": photos,
                        "model": os.path.join(os.path.abspath(a.models_dir), "efficientnet_lite0.onnx"),
                        "layers": ["/_blocks.4/_expand_conv/Conv", "/_blocks.11/_project_conv/Conv",
                                   "/_conv_head/Conv", "/_fc/Gemm"],
                        "mine": (0, 30), "validate": (30, 30), "n": a.effnet_n})
    res = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"), "host": platform.node(), "models": []}
    for cfg in configs:
        print(f"{cfg['name']}: mining and validating {len(cfg['layers'])} layers", flush=True)
        res["models"].append(validate(a, cfg, os.path.join(a.work, re.sub(r"\W", "_", cfg["name"]))))
    cmdline = "python3 scripts/bench/validate_error_models.py " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in [("mine_n", a.mine_n), ("embedded_n", a.embedded_n),
                                                      ("effnet_n", a.effnet_n)])
    md = markdown(res, cmdline)
    with open(a.out, "w") as f:
        f.write(md)
    with open(a.json, "w") as f:
        json.dump(res, f, indent=1)
    print(md)


if __name__ == "__main__":
    main()
