#!/usr/bin/env python3
"""ABFT overhead over the model suite: `steadfast abft-report` per model, tables to docs/abft.md.

    .venv/bin/python scripts/bench/abft.py [--steadfast build/release/bin/steadfast]
        [--models-dir build/models] [--models resnet18 ...] [--threads 2] [--runs 10]
        [--rounds 4] [--out docs/abft-overhead.md] [--json FILE]

For each model, one steadfast process loads it once per configuration (off, global-only,
tile-only, intensity-guided auto, measured auto) and runs the configurations in alternating rounds
on the same seeded inputs (abft-report's --with-measured). Reported per model: the unprotected
median, each configuration's end-to-end overhead, whether each guided mode is no worse than the
better single scheme, and the reduction of the overhead against global-only (overhead_global /
overhead_guided, the quantity Kosaian & Rashmi report as 1.09-5.3x). Per-layer tables (scheme
chosen, why, overhead of each configuration) go to the JSON, one file per model next to --json.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUITE = ["resnet18", "resnet50", "mobilenet_v2", "squeezenet1_1", "efficientnet_lite0",
         "bert_base", "gpt2_small"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steadfast", default=os.path.join(ROOT, "build/release/bin/steadfast"))
    ap.add_argument("--models-dir", default=os.path.join(ROOT, "build/models"))
    ap.add_argument("--models", nargs="*", default=SUITE)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs/abft-overhead.md"))
    ap.add_argument("--json", default=os.path.join(ROOT, "docs/abft-overhead.json"))
    a = ap.parse_args()
    results = {}
    for m in a.models:
        path = os.path.join(a.models_dir, m + ".onnx")
        if not os.path.exists(path):
            sys.exit(f"abft.py: {path} is missing (scripts/models/export.py makes it)")
        layer_json = os.path.splitext(a.json)[0] + f".{m}.json"
        cmd = [a.steadfast, "abft-report", path, "--threads", str(a.threads), "--runs",
               str(a.runs), "--rounds", str(a.rounds), "--with-measured", "--json", layer_json]
        print("+", " ".join(cmd), file=sys.stderr, flush=True)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(layer_json) as f:
            results[m] = json.load(f)
    rows = []
    for m, r in results.items():
        e = r["end_to_end"]
        o = {k: e[k]["overhead_pct"] for k in e}
        better = min(o["global"], o["tile"])
        schemes = {}
        for l in r["layers"]:
            schemes[l["auto_scheme"]] = schemes.get(l["auto_scheme"], 0) + 1
        red = lambda g: (o["global"] / g) if g > 0 else float("inf")
        rows.append(f"| {m} | {e['off']['median_ms']:.2f} | {o['global']:+.1f}% | {o['tile']:+.1f}% | "
                    f"{o['auto']:+.1f}% | {o['measured']:+.1f}% | "
                    f"{'yes' if o['auto'] <= better + 1.0 else 'no'} / {'yes' if o['measured'] <= better + 1.0 else 'no'} | "
                    f"{red(o['auto']):.2f}x / {red(o['measured']):.2f}x | "
                    f"{', '.join(f'{v} {k}' for k, v in sorted(schemes.items()))} | {r['alarms']} |")
    now = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
    md = [
        "# ABFT overhead on the model suite",
        "",
        f"Generated {now} by `.venv/bin/python scripts/bench/abft.py --threads {a.threads} --runs {a.runs} "
        f"--rounds {a.rounds}`; each model's configurations alternate round by round in one process "
        "(`steadfast abft-report MODEL --with-measured`), medians of all timed runs. Overhead is over "
        "the unprotected run of the same rounds. *auto* picks per layer (src/abft/README.md): global "
        "for convolutions whose input sums are taken in their tiles, global or duplication for "
        "depthwise layers by output size, block checks for attention, and otherwise arithmetic "
        "intensity against the machine balance; *measured* times both schemes per layer shape "
        "once. *tile* has no depthwise form and *global* none for attention: those layers are "
        "duplicated there. Non-GEMM layers are unprotected. \"no worse\" allows 1 percentage point "
        "of timing noise.",
        "",
        "| model | off ms | global | tile | auto | measured | auto / measured no worse than better single | reduction vs global (auto / measured) | auto's layers | alarms |",
        "|---|---:|---:|---:|---:|---:|---|---|---|---:|",
    ] + rows
    with open(a.out, "w") as f:
        f.write("\n".join(md) + "\n")
    with open(a.json, "w") as f:
        json.dump({m: {"end_to_end": r["end_to_end"], "alarms": r["alarms"]} for m, r in results.items()}, f, indent=2)
    print("\n".join(md))


if __name__ == "__main__":
    main()
