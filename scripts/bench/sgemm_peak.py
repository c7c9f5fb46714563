#!/usr/bin/env python3
"""SGEMM 1024^3 on 2 threads as a share of the probed FMA peak, both measured in the same run.

    .venv/bin/python scripts/bench/sgemm_peak.py [--rounds 7] [--threads 2]
        [--variant avx512_6x64] [--min-time 0.5] [--json FILE]

The probe's peak drifts by several percent on a shared machine, so a peak cached hours earlier
is not a fair denominator. Each round runs `steadfast machine --refresh` (the FMA probe) and then
the GEMM benchmark (`sf_bench_kernels`, packed B, the variant the engine dispatches to on this
ISA), back to back; the round's share is GEMM GFLOP/s / the probe's peak for the same thread
count. Reported: the share per round and the median over the rounds.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "build/release/bin")


def probe(steadfast, threads):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([steadfast, "machine", "--refresh", "--json", f.name], check=True,
                       stdout=subprocess.DEVNULL)
        m = json.load(open(f.name))
    if threads == 1:
        return m["peak_gflops_1t"]
    if threads != m["threads"]:
        sys.exit(f"the probe measures {m['threads']} threads, asked {threads}")
    return m["peak_gflops"]


def gemm(bench, variant, threads, size, min_time):
    name = f"gemm_f32__{variant}/M:{size}/N:{size}/K:{size}/threads:{threads}/real_time"
    out = subprocess.run([bench, f"--benchmark_filter=^{name}$", f"--benchmark_min_time={min_time}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True)
    rows = [b for b in json.loads(out.stdout)["benchmarks"] if b["name"] == name]
    if not rows:
        sys.exit(f"no benchmark named {name} (is the variant available on this CPU?)")
    return rows[0]["GFLOP/s"] / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steadfast", default=os.path.join(BIN, "steadfast"))
    ap.add_argument("--bench", default=os.path.join(BIN, "sf_bench_kernels"))
    ap.add_argument("--variant", default="avx512_6x64")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--json")
    a = ap.parse_args()
    rounds = []
    for r in range(a.rounds):
        peak = probe(a.steadfast, a.threads)
        got = gemm(a.bench, a.variant, a.threads, a.size, a.min_time)
        rounds.append({"peak_gflops": peak, "gemm_gflops": got, "share": got / peak})
        print(f"round {r + 1}/{a.rounds}: probe {peak:.1f} GFLOP/s, SGEMM {got:.1f} GFLOP/s, "
              f"{100 * got / peak:.1f}% of peak", flush=True)
    share = statistics.median(x["share"] for x in rounds)
    print(f"SGEMM {a.size}^3 {a.variant}, {a.threads} threads: median {100 * share:.1f}% of the "
          f"probed peak (rounds {100 * min(x['share'] for x in rounds):.1f}-"
          f"{100 * max(x['share'] for x in rounds):.1f}%); median SGEMM "
          f"{statistics.median(x['gemm_gflops'] for x in rounds):.1f} GFLOP/s, median peak "
          f"{statistics.median(x['peak_gflops'] for x in rounds):.1f} GFLOP/s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"variant": a.variant, "threads": a.threads, "size": a.size,
                       "median_share": share, "rounds": rounds}, f, indent=1)


if __name__ == "__main__":
    main()
