#!/usr/bin/env python3
"""Runs the bad-input corpus (see make_corpus.py) against the steadfast CLI.

For every case in CORPUS/manifest.json: runs `[WRAPPER...] STEADFAST ARGS...` in the case's
folder under a timeout and checks that
  - it ended with the expected exit code (2 for bad inputs, 0 for controls), not a signal or hang,
  - its stderr matches the case's regex (the message names the problem and the node),
  - neither stream carries a sanitizer report or an internal-invariant failure.
Prints one line per case, then `N passed, N failed`; exits 1 if any case failed.

Usage: run_corpus.py --steadfast build/x/bin/steadfast --corpus build/x/bad_inputs
                     [--wrapper "valgrind -q"] [--timeout 30] [--filter SUBSTR] [-j N] [-v]
"""
import argparse
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys

# Text that means a sanitizer or an internal check fired, whatever the exit code.
FORBIDDEN = ["AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "MemorySanitizer",
             "ThreadSanitizer", "internal invariant failed", "terminate called",
             "Segmentation fault"]
# UBSan reports "file.cpp:12:5: runtime error: ..."; steadfast's own kRuntimeError status prints
# "steadfast: error: runtime error: ...", which is an expected outcome, not a finding.
UBSAN = re.compile(r"^(?!steadfast: error: ).*runtime error: ", re.MULTILINE)


def run_case(case, args, corpus):
    cwd = os.path.join(corpus, case["dir"])
    cmd = shlex.split(args.wrapper) + [args.steadfast] + case["args"]
    env = dict(os.environ)
    # Sanitizer reports must reach stderr even when the caller set other options.
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=args.timeout, env=env)
    except subprocess.TimeoutExpired:
        return case, None, "", f"timed out after {args.timeout} s"
    stderr = p.stderr.decode("utf-8", "replace")
    stdout = p.stdout.decode("utf-8", "replace")
    problems = []
    if p.returncode < 0:
        problems.append(f"killed by signal {-p.returncode}")
    elif p.returncode != case["exit"]:
        problems.append(f"exit code {p.returncode}, expected {case['exit']}")
    for word in FORBIDDEN:
        if word in stderr or word in stdout:
            problems.append(f"output contains '{word}'")
            break
    else:
        if UBSAN.search(stderr) or UBSAN.search(stdout):
            problems.append("output contains a UBSan 'runtime error:' report")
    if not re.search(case["stderr"], stderr):
        problems.append(f"stderr does not match /{case['stderr']}/")
    return case, p.returncode, stderr, "; ".join(problems)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steadfast", required=True, help="path of the steadfast CLI")
    ap.add_argument("--corpus", required=True, help="folder written by make_corpus.py")
    ap.add_argument("--wrapper", default="", help="command to run the CLI under (e.g. valgrind)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    ap.add_argument("--filter", default="", help="run only cases whose name contains this")
    ap.add_argument("-j", "--jobs", type=int, default=min(4, os.cpu_count() or 1))
    ap.add_argument("-v", "--verbose", action="store_true", help="print every case's stderr")
    args = ap.parse_args()
    args.steadfast = os.path.abspath(args.steadfast)
    corpus = os.path.abspath(args.corpus)
    with open(os.path.join(corpus, "manifest.json")) as f:
        cases = [c for c in json.load(f)["cases"] if args.filter in c["name"]]
    if not cases:
        print("no cases selected")
        return 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda c: run_case(c, args, corpus), cases))

    width = max(len(c["name"]) for c in cases)
    passed = failed = 0
    print(f"{'case':<{width}}  exit  result")
    for case, rc, stderr, problem in results:
        ok = not problem
        passed += ok
        failed += not ok
        first = stderr.strip().splitlines()[0] if stderr.strip() else ""
        rc_s = "-" if rc is None else str(rc)
        print(f"{case['name']:<{width}}  {rc_s:>4}  {'PASS' if ok else 'FAIL'}  "
              f"{first[:160] if ok else problem}")
        if not ok or args.verbose:
            if not ok and first:
                print(f"{'':<{width}}        stderr: {first[:300]}")
            if args.verbose or not ok:
                extra = stderr.strip().splitlines()[1:]
                for line in extra[:40]:
                    print(f"{'':<{width}}        | {line}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
