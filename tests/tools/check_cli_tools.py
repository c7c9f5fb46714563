#!/usr/bin/env python3
"""ctest check of `steadfast machine`, `steadfast bench` and `steadfast profile`.

    check_cli_tools.py --steadfast PATH_TO_CLI --work DIR

* machine --json: every figure present and positive (int8 may be 0 without VNNI), balance =
  peak / bandwidth, the printed text names the ISA and GFLOP/s; a second call reads the cache.
* bench --json on the embedded model: median_ms > 0, min <= median <= max, runs and threads as
  asked, peak_rss_mb > 0, one time per run; an ablation switch is echoed in options_off.
* profile --json --no-fuse --no-layout on the embedded model: one row per node of the ONNX file (names as in
  the file), and each row's FLOPs and bytes equal the cost model's definition recomputed here from
  ONNX shape inference (Conv: 2 * out * numel(W) / Cout; Gemm: 2 * M * N * K + M * N; others:
  one per output element; bytes: inputs + weights + outputs), intensity = flops / bytes, bound and
  attainable against the machine figures in the same JSON, totals = sums over the rows.
Exits 0 when all hold, 1 with the failures listed otherwise.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "models", "embedded", "fashion_cnn.onnx")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(cmd, env):
    print("$", " ".join(cmd))
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=300)
    print(p.stdout)
    if p.returncode != 0:
        print(f"command exited {p.returncode}")
        sys.exit(1)
    return p.stdout


def close(a, b, rel=1e-9):
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def expected_costs(batch):
    """name -> (flops, bytes) for each node of the embedded model with the free batch dim set."""
    m = onnx.load(MODEL)
    for inp in m.graph.input:
        for d in inp.type.tensor_type.shape.dim:
            if d.dim_param:
                d.ClearField("dim_param")
                d.dim_value = batch
    m = shape_inference.infer_shapes(m)
    shapes, itemsize = {}, {}
    for vi in list(m.graph.input) + list(m.graph.value_info) + list(m.graph.output):
        t = vi.type.tensor_type
        shapes[vi.name] = [d.dim_value for d in t.shape.dim]
        itemsize[vi.name] = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(t.elem_type)).itemsize
    for init in m.graph.initializer:
        arr = numpy_helper.to_array(init)
        shapes[init.name], itemsize[init.name] = list(arr.shape), arr.dtype.itemsize
    out = {}
    for n in m.graph.node:
        if n.op_type == "Constant":
            continue  # folded at load
        numel = lambda name: int(np.prod(shapes[name])) if shapes[name] else 1  # noqa: E731
        nbytes = sum(numel(x) * itemsize[x] for x in list(n.input) + list(n.output) if x)
        out_elems = sum(numel(x) for x in n.output if x)
        if n.op_type == "Conv":
            w = shapes[n.input[1]]
            flops = 2.0 * out_elems * numel(n.input[1]) / w[0]
        elif n.op_type == "Gemm":
            y = shapes[n.output[0]]
            k = numel(n.input[0]) / y[0]
            flops = 2.0 * out_elems * k + out_elems
        else:
            flops = float(out_elems)
        out[n.name] = (flops, float(nbytes))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steadfast", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    env = dict(os.environ, STEADFAST_CACHE_DIR=os.path.join(args.work, "cache"))
    cli = args.steadfast

    # ---- machine
    mj = os.path.join(args.work, "machine.json")
    text = run([cli, "machine", "--refresh", "--json", mj], env)
    m = json.load(open(mj))
    for key in ["peak_gflops_1t", "peak_gflops", "bandwidth_gbs_1t", "bandwidth_gbs", "threads",
                "balance_flop_per_byte", "l1d_bytes"]:
        check(key in m and m[key] > 0, f"machine: {key} present and > 0 (got {m.get(key)})")
    for key in ["int8_gops", "int8_gops_1t", "cpu", "isa", "probed_at", "l2_bytes", "l3_bytes"]:
        check(key in m, f"machine: {key} present")
    check(close(m["balance_flop_per_byte"], m["peak_gflops"] / m["bandwidth_gbs"]),
          "machine: balance = peak / bandwidth")
    check(f"isa:        {m['isa']}" in text and "GFLOP/s" in text and "GB/s" in text,
          "machine: text names the ISA, GFLOP/s and GB/s")
    again = run([cli, "machine"], env)
    check("source:     cache " in again, "machine: the second call reads the cache")

    # ---- bench
    bj = os.path.join(args.work, "bench.json")
    run([cli, "bench", MODEL, "--runs", "5", "--warmup", "1", "--threads", "1", "--no-winograd",
         "--json", bj], env)
    b = json.load(open(bj))
    check(b.get("median_ms", 0) > 0, f"bench: median_ms > 0 (got {b.get('median_ms')})")
    check(b["min_ms"] <= b["median_ms"] <= b["max_ms"], "bench: min <= median <= max")
    check(b["runs"] == 5 and len(b["times_ms"]) == 5, "bench: 5 runs, 5 times")
    check(b["threads"] == 1, "bench: threads = 1")
    check(b.get("peak_rss_mb", 0) > 0, "bench: peak_rss_mb > 0")
    check(b.get("options_off") == "no-winograd", f"bench: options_off echoes the switch ({b.get('options_off')})")
    check(close(b["median_ms"], float(np.median(b["times_ms"]))), "bench: median of times_ms")

    # ---- profile (no fusion or layout change: rows keep the ONNX nodes and names)
    pj = os.path.join(args.work, "profile.json")
    x = os.path.join(args.work, "image.npy")
    np.save(x, np.random.default_rng(0).random((3, 1, 28, 28), dtype=np.float32))
    run([cli, "profile", MODEL, "--input", f"image={x}", "--runs", "3", "--warmup", "1",
         "--no-fuse", "--no-layout", "--json", pj, "--top", "3"], env)
    p = json.load(open(pj))
    want = expected_costs(batch=3)
    rows = {r["name"]: r for r in p["nodes"]}
    check(sorted(rows) == sorted(want), f"profile: one row per node ({sorted(rows)} vs {sorted(want)})")
    bal, peak, bw = (p["machine"][k] for k in ("balance_flop_per_byte", "peak_gflops", "bandwidth_gbs"))
    for name, (flops, nbytes) in want.items():
        r = rows.get(name)
        if r is None:
            continue
        check(close(r["flops"], flops), f"profile {name}: flops {r['flops']} == {flops}")
        check(close(r["bytes"], nbytes), f"profile {name}: bytes {r['bytes']} == {nbytes}")
        check(close(r["intensity"], flops / nbytes), f"profile {name}: intensity")
        check(r["bound"] == ("compute" if flops / nbytes >= bal else "memory"), f"profile {name}: bound")
        check(close(r["attainable_gflops"], min(peak, flops / nbytes * bw)), f"profile {name}: attainable")
        check(r["ms"] > 0 and r["kernel"], f"profile {name}: time and kernel present")
    t = p["totals"]
    check(close(t["flops"], sum(r["flops"] for r in p["nodes"])), "profile: total flops = sum of rows")
    check(close(t["ms"], sum(r["ms"] for r in p["nodes"])), "profile: total ms = sum of rows")
    check(t["nodes"] == len(p["nodes"]) and p["runs"] == 3, "profile: totals.nodes and runs")

    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
