#!/usr/bin/env python3
"""Incremental re-execution in campaigns (Session::run_changed) gives the records of full re-runs.

For each real model, the same seeded output-fault campaign runs twice: as `steadfast inject`
does by default (each injection recomputes only the nodes and, in convolutions, the output
regions the corruption reaches) and with --full-rerun (every node after the faulty one, whole).
Every journal record (outcome, top-1, the double-precision max |diff| and top-1 delta of the
scores, the faults drawn) must be identical. Three campaigns: fp32 and int8 flips in layer
outputs (mostly small changes that grow slowly, and large ones), and fp32 flips in BRGEMM
accumulators (the faulty layer runs whole, the rest incrementally). Exits 0 only when all agree."""
import argparse
import json
import os
import subprocess
import sys


def records(path):
    out = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if "i" in r:
                out[r["i"]] = r
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steadfast", required=True)
    ap.add_argument("--models-dir", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--models", nargs="*", default=["resnet18", "mobilenet_v2", "squeezenet1_1"])
    ap.add_argument("--n", type=int, default=120)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    failures = []
    for model in a.models:
        for fault, site in [("flip:fp32", "output"), ("flip:int8", "output"), ("flip:fp32", "accumulator")]:
            recs = {}
            for mode in ["incremental", "full"]:
                journal = os.path.join(a.work, f"{model}-{fault.replace(':', '_')}-{site}-{mode}.journal")
                if os.path.exists(journal):
                    os.remove(journal)
                cmd = [a.steadfast, "inject", os.path.join(a.models_dir, model + ".onnx"),
                       "--data", "random:3", "--fault", fault, "--sites", site, "--n", str(a.n), "--seed", "5",
                       "--jobs", "2", "--no-progress", "--journal", journal]
                if mode == "full":
                    cmd.append("--full-rerun")
                p = subprocess.run(cmd, capture_output=True, text=True)
                if p.returncode != 0:
                    failures.append(f"{model} {fault} {site} {mode}: exit {p.returncode}: {p.stderr[-500:]}")
                    break
                recs[mode] = records(journal)
            if len(recs) < 2:
                continue
            inc, full = recs["incremental"], recs["full"]
            if len(inc) != a.n or len(full) != a.n:
                failures.append(f"{model} {fault} {site}: {len(inc)} / {len(full)} records, expected {a.n}")
            differ = [i for i in full if inc.get(i) != full[i]]
            outcomes = {}
            for r in inc.values():
                outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
            print(f"{model} {fault} {site}: {len(inc)} records, {len(differ)} differ; outcomes {outcomes}")
            for i in differ[:3]:
                failures.append(f"{model} {fault} {site} injection {i}:\n  incremental {inc.get(i)}\n  full        {full[i]}")
    if failures:
        print("FAILED:\n" + "\n".join(failures))
        return 1
    print("PASSED: incremental and full re-runs give identical records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
