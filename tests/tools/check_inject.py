#!/usr/bin/env python3
"""steadfast inject end to end (src/faults/README.md):

1. a campaign killed with SIGKILL part-way (parent and workers) and run again with the same
   command resumes from its journal and ends with exactly the summary of an uninterrupted run;
2. the same campaign under `mpirun -np 2` merges to exactly the single-process summary;
3. bad arguments exit with code 2 and a message naming the value.

Summaries are compared without their "run" section (timings, resume counts)."""
import argparse
import json
import os
import signal
import subprocess
import sys
import time


def summary(path):
    with open(path) as f:
        s = json.load(f)
    run = s.pop("run")
    return s, run


def lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steadfast", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--n", type=int, default=40000)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    for f in os.listdir(a.work):
        os.remove(os.path.join(a.work, f))
    w = lambda name: os.path.join(a.work, name)
    common = [a.steadfast, "inject", "--n", str(a.n), "--limit", "500", "--seed", "7", "--no-progress"]
    failures = []

    # 1. Uninterrupted reference.
    subprocess.run(common + ["--journal", w("full.journal"), "--json", w("full.json")], check=True,
                   stdout=subprocess.DEVNULL)
    ref, ref_run = summary(w("full.json"))
    assert ref["outcomes"]["injections"] == a.n, ref["outcomes"]
    assert ref_run["executed"] == a.n

    # Killed part-way: wait for a tenth of the records, then SIGKILL the process group.
    cmd = common + ["--journal", w("killed.journal"), "--json", w("killed.json")]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while lines(w("killed.journal")) < a.n // 10 and p.poll() is None and time.time() < deadline:
        time.sleep(0.002)
    if p.poll() is not None:
        failures.append("the campaign ended before it could be killed; raise --n")
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    at_kill = lines(w("killed.journal")) - 1
    print(f"killed with {at_kill} of {a.n} records in the journal")
    if not 0 < at_kill < a.n:
        failures.append(f"kill landed outside the campaign: {at_kill} records")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    resumed, resumed_run = summary(w("killed.json"))
    if resumed != ref:
        failures.append("resumed campaign's summary differs from the uninterrupted one")
    if resumed_run["resumed"] < 1 or resumed_run["resumed"] + resumed_run["executed"] != a.n:
        failures.append(f"resume counts wrong: {resumed_run}")
    print(f"resumed: {resumed_run['resumed']} from the journal + {resumed_run['executed']} run = "
          f"{resumed['outcomes']['injections']}; summary identical: {resumed == ref}")

    # 2. MPI, two ranks.
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    r = subprocess.run(["mpirun", "-np", "2", "--oversubscribe"] + common +
                       ["--journal", w("mpi.journal"), "--json", w("mpi.json")],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        failures.append(f"mpirun exited {r.returncode}: {r.stdout[-2000:]}")
    else:
        mpi, mpi_run = summary(w("mpi.json"))
        if mpi != ref:
            failures.append("MPI (2 ranks) summary differs from the single-process one")
        if mpi_run.get("ranks") != 2:
            failures.append(f"MPI run did not see 2 ranks: {mpi_run}")
        for rank in (0, 1):
            if lines(w(f"mpi.journal.rank{rank}of2")) < 2:
                failures.append(f"rank {rank} wrote no journal")
        print(f"MPI 2 ranks: summary identical: {mpi == ref}")

    # 3. Bad input: exit 2, naming the value.
    bad = [
        (["--fault", "flop"], "unknown kind 'flop'"),
        (["--sites", "nowhere"], "unknown fault site 'nowhere'"),
        (["--data", w("missing.npy")], "missing.npy"),
        (["--layers", "no_such_layer"], "no layer of the model matches"),
        (["--fault", "zero", "--sites", "accumulator"], "accumulator faults are single fp32 bit flips"),
        (["--journal", w("full.journal"), "--seed", "8"], "belongs to another campaign"),
    ]
    for extra, needle in bad:
        r = subprocess.run(common[:2] + ["--n", "10", "--no-progress"] + extra, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode != 2 or needle not in r.stdout:
            failures.append(f"{extra}: exit {r.returncode}, output {r.stdout.strip()[-300:]!r}, wanted {needle!r}")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("inject: kill/resume and MPI give the uninterrupted single-process summary; bad input exits 2")
    return 0


if __name__ == "__main__":
    sys.exit(main())
