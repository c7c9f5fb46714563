#!/usr/bin/env python3
"""Model benchmark: steadfast against ONNX Runtime on the same files, inputs and threads.

    .venv/bin/python scripts/bench/models.py [--steadfast build/release/bin/steadfast]
        [--models-dir build/release/models] [--models resnet18 ...] [--threads 2] [--runs 20]
        [--rounds 4] [--warmup 3] [--ablation] [--refresh-machine] [--work DIR]
        [--out docs/performance.md] [--json FILE]

For each model (ONNX files from scripts/models/export.py, exported when missing; batch 1; the
seeded inputs of export.example_inputs, saved once as .npy and given to both engines):
* the engines run ALTERNATELY in `rounds` rounds (which one goes first alternates too); in each
  round each engine is a fresh process that loads the model, runs `warmup` untimed runs, then
  runs/rounds timed runs. steadfast is `steadfast bench --json` (--threads N); ONNX Runtime is
  this script's worker (`--ort-worker`): CPUExecutionProvider, intra_op_num_threads = N,
  inter_op_num_threads = 1, ORT_SEQUENTIAL, ORT_ENABLE_ALL, each run timed with perf_counter.
* reported: the median over all timed runs of each engine, the ratio steadfast / ORT (< 1:
  steadfast is faster), the geometric mean of the ratios, and each engine's peak RSS (max over its
  rounds; the ORT worker's includes the Python interpreter, numpy and onnxruntime, whose size
  before the session is created is reported as the baseline).
* --ablation: steadfast again with one switch off at a time (--no-fuse, --no-layout,
  --no-winograd, --no-pack, --threads 1), alternating with the default configuration round by
  round, reported as the median latency and its ratio to the default's median of the same rounds.
Writes the Markdown report (tables, the `steadfast machine` line, the exact command, ORT version,
date) to --out and everything measured to --json.

Threads: both engines get exactly N intra-op threads; steadfast's OpenMP threads are pinned by
--threads, ORT's pool by intra_op_num_threads. OPENBLAS_* / OMP_NUM_THREADS variables do not
affect either (neither engine calls BLAS); the script clears OMP_NUM_THREADS anyway.
"""
import argparse
import datetime
import json
import math
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUITE = ["resnet18", "resnet50", "mobilenet_v2", "squeezenet1_1", "efficientnet_lite0",
         "bert_base", "gpt2_small"]
ABLATIONS = [("no fusion", ["--no-fuse"]), ("no channels-last layout", ["--no-layout"]),
             ("no Winograd", ["--no-winograd"]), ("no weight packing", ["--no-pack"]),
             ("1 thread", ["--threads", "1"])]


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def ort_worker(argv):
    """One ORT process: prints JSON {times_ms, peak_rss_mb, baseline_rss_mb, version}."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--ort-worker", required=True, help="model path")
    ap.add_argument("--inputs", required=True, help="JSON {name: file.npy}")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--warmup", type=int, required=True)
    a = ap.parse_args(argv)
    import numpy as np
    import onnxruntime as ort
    feeds = {k: np.load(v) for k, v in json.loads(a.inputs).items()}
    baseline = rss_mb()
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(a.ort_worker, so, providers=["CPUExecutionProvider"])
    for _ in range(a.warmup):
        sess.run(None, feeds)
    times = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        sess.run(None, feeds)
        times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"times_ms": times, "peak_rss_mb": rss_mb(), "baseline_rss_mb": baseline,
                      "version": ort.__version__}))
    return 0


def clean_env():
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    return env


def run_json(cmd, what):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=clean_env(), timeout=3600)
    if p.returncode != 0:
        raise RuntimeError(f"{what} failed ({p.returncode}): {shlex.join(cmd)}\n{p.stderr[-3000:]}")
    return p.stdout


def steadfast_round(cli, model, inputs, threads, runs, warmup, extra, work):
    out = os.path.join(work, "bench.json")
    if "--threads" not in extra:  # an ablation may set its own thread count
        extra = ["--threads", str(threads)] + extra
    cmd = [cli, "bench", model, "--runs", str(runs), "--warmup", str(warmup), "--json", out] + extra
    for name, path in inputs.items():
        cmd += ["--input", f"{name}={path}"]
    run_json(cmd, "steadfast bench")
    with open(out) as f:
        return json.load(f)


def ort_round(model, inputs, threads, runs, warmup):
    cmd = [sys.executable, os.path.abspath(__file__), "--ort-worker", model, "--inputs",
           json.dumps(inputs), "--threads", str(threads), "--runs", str(runs), "--warmup", str(warmup)]
    return json.loads(run_json(cmd, "ONNX Runtime worker").strip().splitlines()[-1])


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def bench_model(name, a, log):
    sys.path.insert(0, os.path.join(ROOT, "scripts", "models"))
    import export as model_export  # scripts/models/export.py
    import numpy as np
    model = model_export.export(name, a.models_dir)
    work = os.path.join(a.work, name)
    os.makedirs(work, exist_ok=True)
    inputs = {}
    for k, v in model_export.example_inputs(name, seed=0).items():
        inputs[k] = os.path.join(work, f"input.{k}.npy")
        np.save(inputs[k], v)
    per_round = max(1, a.runs // a.rounds)
    sf_times, ort_times, sf_rss, ort_rss, ort_base, ort_version = [], [], 0.0, 0.0, 0.0, None
    for r in range(a.rounds):
        order = ["sf", "ort"] if r % 2 == 0 else ["ort", "sf"]
        for engine in order:
            if engine == "sf":
                j = steadfast_round(a.steadfast, model, inputs, a.threads, per_round, a.warmup, [], work)
                sf_times += j["times_ms"]
                sf_rss = max(sf_rss, j["peak_rss_mb"])
            else:
                j = ort_round(model, inputs, a.threads, per_round, a.warmup)
                ort_times += j["times_ms"]
                ort_rss = max(ort_rss, j["peak_rss_mb"])
                ort_base = max(ort_base, j["baseline_rss_mb"])
                ort_version = j["version"]
        log(f"[{name}] round {r + 1}/{a.rounds}: steadfast {statistics.median(sf_times):.2f} ms, "
            f"ORT {statistics.median(ort_times):.2f} ms (medians so far)")
    res = {"model": name, "steadfast_median_ms": statistics.median(sf_times),
           "ort_median_ms": statistics.median(ort_times),
           "steadfast_min_ms": min(sf_times), "ort_min_ms": min(ort_times),
           "steadfast_runs": len(sf_times), "ort_runs": len(ort_times),
           "steadfast_peak_rss_mb": sf_rss, "ort_peak_rss_mb": ort_rss,
           "ort_baseline_rss_mb": ort_base, "ort_version": ort_version,
           "steadfast_times_ms": sf_times, "ort_times_ms": ort_times}
    res["ratio"] = res["steadfast_median_ms"] / res["ort_median_ms"]
    if a.ablation:
        res["ablation"] = []
        for label, extra in ABLATIONS:
            base, off = [], []
            for r in range(a.rounds):
                for which in (["base", "off"] if r % 2 == 0 else ["off", "base"]):
                    j = steadfast_round(a.steadfast, model, inputs, a.threads, per_round, a.warmup,
                                        extra if which == "off" else [], work)
                    (off if which == "off" else base).extend(j["times_ms"])
            entry = {"switch": label, "args": " ".join(extra), "median_ms": statistics.median(off),
                     "default_median_ms": statistics.median(base)}
            entry["ratio"] = entry["median_ms"] / entry["default_median_ms"]
            res["ablation"].append(entry)
            log(f"[{name}] {label}: {entry['median_ms']:.2f} ms vs {entry['default_median_ms']:.2f} ms "
                f"(x{entry['ratio']:.2f})")
    return res


def machine_line(cli, work, refresh):
    path = os.path.join(work, "machine.json")
    try:
        run_json([cli, "machine", "--json", path] + (["--refresh"] if refresh else []),
                 "steadfast machine")
        with open(path) as f:
            m = json.load(f)
    except (RuntimeError, OSError, ValueError) as e:
        return f"machine probe unavailable: {e}", None
    int8 = f", int8 {m['int8_gops']:.0f} GOP/s (VNNI)" if m.get("int8_gops") else ""
    line = (f"{m['cpu']} ({m['isa']}, {m['physical_cores']} physical cores): fp32 peak "
            f"{m['peak_gflops_1t']:.1f} GFLOP/s on 1 thread, {m['peak_gflops']:.1f} on {m['threads']}"
            f"{int8}; DRAM triad {m['bandwidth_gbs']:.1f} GB/s; balance "
            f"{m['balance_flop_per_byte']:.1f} FLOP/byte (`steadfast machine`)")
    return line, m


def write_markdown(path, results, a, command, machine, date):
    ver = next((r["ort_version"] for r in results if r.get("ort_version")), "?")
    L = ["# Performance", "",
         f"Measured {date} on {platform.node()} by `scripts/bench/models.py`; regenerate with:", "",
         "```", command, "```", "",
         f"- Machine: {machine}",
         f"- ONNX Runtime {ver} (CPUExecutionProvider, intra_op_num_threads={a.threads}, "
         "inter_op_num_threads=1, ORT_SEQUENTIAL, ORT_ENABLE_ALL); steadfast "
         f"`bench --threads {a.threads}`. Batch 1, the seeded inputs of "
         "`scripts/models/export.py`, the same .npy files for both engines.",
         f"- {a.rounds} alternating rounds per model (the engine that goes first alternates), each a "
         f"fresh process with {a.warmup} warm-up runs then {max(1, a.runs // a.rounds)} timed runs: "
         f"{a.rounds * max(1, a.runs // a.rounds)} timed runs per engine. OPENBLAS_*/OMP_NUM_THREADS "
         "do not affect either engine.",
         "- Ratio = steadfast median / ORT median (below 1: steadfast is faster). Peak RSS is "
         "getrusage ru_maxrss of the process; ORT's includes Python, numpy and onnxruntime "
         "(the baseline column: before the session is created).", "",
         "| model | steadfast median ms | ORT median ms | ratio | steadfast peak RSS MB | "
         "ORT peak RSS MB (baseline) |",
         "|---|---:|---:|---:|---:|---:|"]
    for r in results:
        L.append(f"| {r['model']} | {r['steadfast_median_ms']:.2f} | {r['ort_median_ms']:.2f} | "
                 f"{r['ratio']:.2f} | {r['steadfast_peak_rss_mb']:.0f} | "
                 f"{r['ort_peak_rss_mb']:.0f} ({r['ort_baseline_rss_mb']:.0f}) |")
    L += ["", f"Geometric mean of the ratios: **{geomean([r['ratio'] for r in results]):.2f}** "
          f"over {len(results)} models.", ""]
    if any("ablation" in r for r in results):
        labels = [label for label, _ in ABLATIONS]
        L += ["## Ablation", "",
              "steadfast median latency with one switch off, as a multiple of the default "
              "configuration's median in the same alternating rounds (above 1: the switch saves "
              "time).", "",
              "| model | default ms | " + " | ".join(labels) + " |",
              "|---|---:|" + "---:|" * len(labels)]
        for r in results:
            if "ablation" not in r:
                continue
            cells = [f"{e['median_ms']:.2f} ms (x{e['ratio']:.2f})" for e in r["ablation"]]
            L.append(f"| {r['model']} | {r['steadfast_median_ms']:.2f} | " + " | ".join(cells) + " |")
        L.append("")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(L))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--ort-worker" in argv:
        return ort_worker(argv)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steadfast", default=os.path.join(ROOT, "build", "release", "bin", "steadfast"))
    ap.add_argument("--models-dir", default=os.path.join(ROOT, "build", "release", "models"))
    ap.add_argument("--models", nargs="+", default=SUITE, choices=SUITE)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=20, help="timed runs per engine, over all rounds")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=3, help="untimed runs per round")
    ap.add_argument("--ablation", action="store_true")
    ap.add_argument("--refresh-machine", action="store_true",
                    help="probe the machine again (else the `steadfast machine` cache is used)")
    ap.add_argument("--work", default=None, help="inputs and per-round JSON (default: a temp dir)")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    ap.add_argument("--json", default=None, help="default: --out with .json")
    a = ap.parse_args(argv)
    if a.rounds < 1 or a.runs < 1:
        ap.error("--rounds and --runs must be at least 1")
    a.work = a.work or tempfile.mkdtemp(prefix="sf_bench_models_")
    os.makedirs(a.work, exist_ok=True)
    command = "OMP_NUM_THREADS= .venv/bin/python scripts/bench/models.py " + shlex.join(argv)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine, machine_json = machine_line(a.steadfast, a.work, a.refresh_machine)
    print(machine, flush=True)
    results = []
    for name in a.models:
        results.append(bench_model(name, a, lambda s: print(s, flush=True)))
        r = results[-1]
        print(f"[{name}] steadfast {r['steadfast_median_ms']:.2f} ms, ORT {r['ort_median_ms']:.2f} ms, "
              f"ratio {r['ratio']:.2f}; peak RSS {r['steadfast_peak_rss_mb']:.0f} / "
              f"{r['ort_peak_rss_mb']:.0f} MB", flush=True)
    gm = geomean([r["ratio"] for r in results])
    print(f"geometric mean ratio steadfast/ORT: {gm:.3f}")
    write_markdown(a.out, results, a, command, machine, date)
    out_json = a.json or os.path.splitext(a.out)[0] + ".json"
    with open(out_json, "w") as f:
        json.dump({"date": date, "command": command, "threads": a.threads, "rounds": a.rounds,
                   "runs": a.runs, "warmup": a.warmup, "machine": machine_json,
                   "geomean_ratio": gm, "models": results}, f, indent=2)
    print(f"wrote {a.out} and {out_json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
