#!/usr/bin/env python3
"""Runs the model-loader fuzzer for a fixed time from a fresh seed corpus; fails on any finding.

Seeds (rebuilt on every run, never committed): the reproducers of past findings in
tests/fuzz/regressions/ (committed), every .onnx file of the bad-input corpus and an evenly spread
sample of the small ONNX backend node-test models. libFuzzer writes the inputs it
finds interesting to WORK/corpus and any crash, leak, timeout or OOM reproducer to
WORK/artifacts/. Prints a one-line summary (executions, coverage, corpus size) and, on a finding,
the reproducer and the command to replay it.

Usage: run_fuzz.py --fuzzer build/asan/bin/fuzz_model_loader --corpus build/asan/bad_inputs
                   --work build/asan/fuzz [--seconds 60] [--node-tests DIR] [--samples 200]
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

NODE_TESTS = "/usr/share/libonnx-testdata/data/node"
MAX_SEED_BYTES = 32 * 1024


def make_seeds(seeds, corpus, node_tests, samples, regressions):
    os.makedirs(seeds)
    n = 0
    # Reproducers of past findings (committed, a few hundred bytes each): replayed first.
    for path in sorted(glob.glob(os.path.join(regressions, "*"))):
        if os.path.isfile(path) and not path.endswith(".md"):
            shutil.copyfile(path, os.path.join(seeds, "regression__" + os.path.basename(path)))
            n += 1
    for path in sorted(glob.glob(os.path.join(corpus, "**", "*.onnx"), recursive=True)):
        if os.path.isfile(path) and os.path.getsize(path) <= MAX_SEED_BYTES:
            rel = os.path.relpath(path, corpus).replace(os.sep, "__")
            shutil.copyfile(path, os.path.join(seeds, "bad__" + rel))
            n += 1
    models = sorted(p for p in glob.glob(os.path.join(node_tests, "*", "model.onnx"))
                    if os.path.getsize(p) <= MAX_SEED_BYTES)
    if models and samples > 0:
        step = max(1, len(models) // samples)
        for path in models[::step][:samples]:
            name = os.path.basename(os.path.dirname(path))
            shutil.copyfile(path, os.path.join(seeds, "node__" + name + ".onnx"))
            n += 1
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fuzzer", required=True)
    ap.add_argument("--corpus", required=True, help="bad-input corpus folder (make_corpus.py)")
    ap.add_argument("--work", required=True, help="scratch folder (recreated)")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1,
                    help="libFuzzer seed: fixed so that a CI run can be replayed exactly")
    ap.add_argument("--node-tests", default=NODE_TESTS)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--regressions", default=os.path.join(os.path.dirname(__file__), "regressions"),
                    help="folder of committed reproducers, always seeded")
    args = ap.parse_args()

    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    seeds, found, artifacts = (os.path.join(work, d) for d in ("seeds", "corpus", "artifacts"))
    os.makedirs(found)
    os.makedirs(artifacts)
    n_seeds = make_seeds(seeds, os.path.abspath(args.corpus), args.node_tests, args.samples,
                         os.path.abspath(args.regressions))

    cmd = [os.path.abspath(args.fuzzer), f"-seed={args.seed}", f"-max_total_time={args.seconds}",
           "-rss_limit_mb=2048",
           "-malloc_limit_mb=1024", "-timeout=10", "-max_len=65536", "-print_final_stats=1",
           f"-artifact_prefix={artifacts}/", found, seeds]
    print("fuzz: " + " ".join(cmd), flush=True)
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", env=env,
                       timeout=args.seconds * 3 + 300)
    log = p.stdout + p.stderr
    with open(os.path.join(work, "fuzz.log"), "w") as f:
        f.write(log)

    execs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
    cov = re.findall(r"#\d+\s+\w+\s+cov: (\d+) ft: (\d+)(?: corp: (\d+)/(\S+))?", log)
    inited = re.search(r"#\d+\s+INITED cov: (\d+) ft: (\d+) corp: (\d+)", log)
    reproducers = sorted(os.listdir(artifacts))
    elapsed = re.findall(r"Done (\d+) runs in (\d+) second", log)
    took = f"{elapsed[-1][1]} s" if elapsed else f"up to {args.seconds} s"
    summary = (f"{n_seeds} seeds, {execs[-1] if execs else '?'} executions in {took}, "
               f"cov {cov[-1][0] if cov else '?'} ft {cov[-1][1] if cov else '?'}"
               + (f" (after seeds: cov {inited.group(1)} ft {inited.group(2)})" if inited else "")
               + f", corpus {len(os.listdir(found))} new inputs")
    if p.returncode == 0 and not reproducers:
        print(f"fuzz: no findings: {summary}")
        return 0
    print("\n".join(log.splitlines()[-80:]))
    print(f"fuzz: FINDING (exit code {p.returncode}): {summary}")
    for r in reproducers:
        path = os.path.join(artifacts, r)
        print(f"fuzz: reproducer {path}\n      replay: {os.path.abspath(args.fuzzer)} {path}")
    print(f"fuzz: full log in {os.path.join(work, 'fuzz.log')}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
