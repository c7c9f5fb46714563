#!/usr/bin/env python3
"""Run one exported model through the steadfast CLI and ONNX Runtime and compare the outputs.

    compare_with_ort.py --steadfast PATH_TO_CLI --model NAME --models-dir DIR --work DIR
                        [--rtol 1e-3] [--atol 1e-4] [--threads N] [--seed 0]

* Exports DIR/NAME.onnx first when it is missing or older than scripts/models/export.py.
* Makes seeded random inputs (float N(0,1) images; token ids uniform in [0, vocab); BERT's
  attention_mask all ones with the last 5 positions 0), saved as WORK/NAME.<input>.npy.
* Runs ONNX Runtime (CPU, 2 intra-op threads), saving WORK/NAME.ort.npz, then
  `PATH_TO_CLI run DIR/NAME.onnx --input NAME=FILE.npy ... --output WORK/NAME.steadfast.npz
  [--threads N]` and loads its npz (keys = ONNX graph output names).
* Every output passes when |a - e| <= atol + rtol * |e| element-wise (a = steadfast,
  e = ORT), shapes and dtypes are equal and there are no NaN/Inf where ORT has finite values.
* Prints the worst absolute and relative error per output (relative error is taken over the
  elements with |e| > atol, where it is meaningful) and the ORT version, writes a one-line JSON
  summary to WORK/NAME.json and exits 0 on pass, 1 on fail.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "models"))
import export as model_export  # noqa: E402  (scripts/models/export.py)


def run_ort(model_path, feeds, threads=2):
    """(outputs as an ordered dict, session load seconds, run seconds)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    t0 = time.perf_counter()
    sess = ort.InferenceSession(model_path, so, providers=["CPUExecutionProvider"])
    t1 = time.perf_counter()
    names = [o.name for o in sess.get_outputs()]
    values = sess.run(names, dict(feeds))
    t2 = time.perf_counter()
    return dict(zip(names, values)), t1 - t0, t2 - t1


def run_steadfast(cli, model_path, input_files, out_npz, threads=None, timeout=1800):
    """Run `cli run ...`; returns (outputs dict or None, seconds, error message or None)."""
    cmd = [cli, "run", model_path]
    for name, path in input_files.items():
        cmd += ["--input", f"{name}={path}"]
    cmd += ["--output", out_npz]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    if os.path.exists(out_npz):
        os.remove(out_npz)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, time.perf_counter() - t0, f"could not run {' '.join(cmd)}: {e}"
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        return None, seconds, (f"exit status {proc.returncode} from {' '.join(cmd)}\n"
                               f"stdout: {proc.stdout.strip()}\nstderr: {proc.stderr.strip()}")
    try:
        with np.load(out_npz, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}, seconds, None
    except Exception as e:  # noqa: BLE001 - any unreadable output is a failure
        return None, seconds, f"cannot read {out_npz}: {e}"


def compare(name, actual, expected, rtol, atol):
    """Element-wise |a - e| <= atol + rtol * |e|; returns a JSON-ready dict."""
    res = {"name": name, "shape": list(expected.shape), "dtype": str(expected.dtype)}
    problems = []
    if actual.shape != expected.shape:
        problems.append(f"shape {list(actual.shape)} != expected {list(expected.shape)}")
    if actual.dtype != expected.dtype:
        problems.append(f"dtype {actual.dtype} != expected {expected.dtype}")
    if actual.shape == expected.shape:
        a = actual.astype(np.float64)
        e = expected.astype(np.float64)
        same_nonfinite = (np.isnan(a) & np.isnan(e)) | (np.isinf(a) & (a == e))
        diff = np.where(same_nonfinite, 0.0, np.abs(a - e))
        bad_nonfinite = int(np.count_nonzero(~np.isfinite(diff)))
        if bad_nonfinite:
            problems.append(f"{bad_nonfinite} NaN/Inf values where ORT differs")
        finite = np.where(np.isfinite(diff), diff, 0.0)
        abs_e = np.where(np.isfinite(e), np.abs(e), 0.0)
        tol = atol + rtol * abs_e
        ratio = finite / tol
        sig = abs_e > atol
        res["max_abs_err"] = float(finite.max()) if finite.size else 0.0
        res["max_rel_err"] = float((finite[sig] / abs_e[sig]).max()) if np.any(sig) else 0.0
        res["max_tol_ratio"] = float(ratio.max()) if ratio.size else 0.0  # <= 1 passes
        res["max_abs_expected"] = float(abs_e.max()) if abs_e.size else 0.0
        n_bad = int(np.count_nonzero(diff > tol)) + bad_nonfinite
        if n_bad:
            worst = np.unravel_index(int(np.argmax(np.where(np.isfinite(diff), ratio, np.inf))), diff.shape)
            problems.append(f"{n_bad} of {diff.size} elements out of tolerance; worst at {list(map(int, worst))}: "
                            f"steadfast {actual[worst]!r} vs ORT {expected[worst]!r}")
        res["bad_elements"] = n_bad
    res["pass"] = not problems
    if problems:
        res["problems"] = problems
    return res


def save_inputs(work, tag, feeds):
    files = {}
    for name, value in feeds.items():
        files[name] = os.path.join(work, f"{tag}.{name}.npy")
        np.save(files[name], value)
    return files


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steadfast", required=True, help="path to the steadfast CLI")
    ap.add_argument("--model", required=True, choices=list(model_export.MODELS))
    ap.add_argument("--models-dir", required=True, help="where NAME.onnx lives (exported if needed)")
    ap.add_argument("--work", required=True, help="directory for inputs, outputs and NAME.json")
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-4)
    ap.add_argument("--threads", type=int, default=None, help="passed to steadfast as --threads")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed for the steadfast run")
    args = ap.parse_args(argv)

    import onnxruntime as ort

    os.makedirs(args.work, exist_ok=True)
    name = args.model
    model_path = model_export.export(name, args.models_dir)
    feeds = model_export.example_inputs(name, seed=args.seed)
    input_files = save_inputs(args.work, name, feeds)

    expected, t_load, t_run = run_ort(model_path, feeds)
    np.savez(os.path.join(args.work, f"{name}.ort.npz"), **expected)
    print(f"[{name}] ONNX Runtime {ort.__version__}: load {t_load:.2f}s, run {t_run:.3f}s (2 threads)")

    actual, t_sf, error = run_steadfast(args.steadfast, model_path, input_files,
                                        os.path.join(args.work, f"{name}.steadfast.npz"),
                                        threads=args.threads, timeout=args.timeout)
    summary = {"model": name, "outputs": [], "ort_version": ort.__version__, "rtol": args.rtol,
               "atol": args.atol, "ort_load_s": round(t_load, 3), "ort_run_s": round(t_run, 4),
               "steadfast_s": round(t_sf, 3)}
    ok = error is None
    if error is not None:
        print(f"[{name}] FAIL: steadfast run failed: {error}")
        summary["error"] = error
    else:
        print(f"[{name}] steadfast: {t_sf:.2f}s wall (load + run)")
        extra = sorted(set(actual) - set(expected))
        if extra:
            print(f"[{name}] note: steadfast wrote extra outputs {extra} (ignored)")
        for out_name, e in expected.items():
            if out_name not in actual:
                res = {"name": out_name, "shape": list(e.shape), "pass": False,
                       "problems": [f"missing from steadfast output (has {sorted(actual)})"]}
            else:
                res = compare(out_name, actual[out_name], e, args.rtol, args.atol)
            summary["outputs"].append(res)
            ok &= res["pass"]
            line = f"[{name}] {out_name} {res['shape']}: "
            if "max_abs_err" in res:
                line += (f"max abs err {res['max_abs_err']:.3g}, max rel err {res['max_rel_err']:.3g}, "
                         f"worst err/tolerance {res['max_tol_ratio']:.3g} (max |ORT| {res['max_abs_expected']:.3g}) ")
            line += "PASS" if res["pass"] else "FAIL: " + "; ".join(res["problems"])
            print(line)
    summary["pass"] = bool(ok)
    with open(os.path.join(args.work, f"{name}.json"), "w") as f:
        f.write(json.dumps(summary, allow_nan=False) + "\n")
    print(f"[{name}] {'PASS' if ok else 'FAIL'} (rtol {args.rtol}, atol {args.atol}, onnxruntime {ort.__version__})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
