#!/usr/bin/env python3
"""Fault-injection speed: PyTorchFI 0.6.0 against `steadfast inject`, same campaign, same cores.

    .venv/bin/python scripts/bench/inject_peer.py [--steadfast build/release/bin/steadfast]
        [--models-dir build/models] [--models embedded resnet18] [--rounds 3] [--jobs 2]
        [--seed 1] [--embedded-inputs 500] [--resnet18-inputs 16]
        [--sf-n-embedded 30000] [--pfi-n-embedded 3000] [--sf-n-resnet18 400] [--pfi-n-resnet18 100]
        [--peer-omp-wait-policy auto|passive|active|default] [--wait-idle SECONDS] [--work DIR]
        [--out docs/resilience-speed.md] [--json docs/resilience-speed.json]

The campaign, for both tools: single bit flips in the 8-bit two's-complement quantisation of one
output neuron of one layer (PyTorchFI's `single_bit_flip_func`, bits=8; steadfast's
`flip:int8` at `output` sites), one fault per inference, batch 1, the injections split equally
over the layers (every Conv2d/Linear; steadfast: every Conv/Gemm/MatMul-like node), each one on a
random input of the set, classified against the golden run of that input:
masked (every softmax score within 1e-5), SDC-critical (top-1 class changed or its score moved by
more than 0.05), SDC-safe (any other change), DUE (NaN/Inf).

* embedded: the Fashion-MNIST CNN (models/embedded/fashion_cnn.onnx; steadfast `embedded`) on the
  first --embedded-inputs test images (/usr/share/datasets/fashion-mnist, pixels / 255).
* resnet18: build/models/resnet18.onnx (scripts/models/export.py) on --resnet18-inputs seeded
  N(0,1) [1,3,224,224] inputs, saved as one .npy that both tools read.

PyTorchFI runs in a worker process (this script with --pfi-worker) under Debian's torch, with
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp (OpenBLAS instead of the netlib BLAS)
and OPENBLAS_CORETYPE unset (autodetected kernels; SkylakeX or Haswell by the CPU flags when
OpenBLAS 0.3.21 does not know the CPU and falls back to Prescott), torch.set_num_threads(--jobs),
and OMP_WAIT_POLICY chosen per round (--peer-omp-wait-policy auto: libgomp's default spin-waiting
when the machine is idle, where it is fastest, PASSIVE when other work shares the cores, where
spinning makes torch collapse). The torch
model is the architecture of models/embedded/train.py or torchvision's resnet18 with the weights
of the ONNX file (BatchNorm was folded into the convolutions at export, so BN is the identity and
the convolutions get the folded biases); the worker checks it against ONNX Runtime first and
fails if they disagree (1e-4 for the CNN on 8 images, 1e-3 for ResNet-18 on one input). Then, as
a PyTorchFI user does: per-layer max |output| over the inputs (PyTorchFI's layer ranges), the
`single_bit_flip_func` object, and per injection `declare_neuron_fi(...,
function=pfi.single_bit_flip_signed_across_batch)` and one forward of the corrupted model under
torch.no_grad(). Only that injection loop is timed (golden runs included, once per input, as
steadfast's are); its time is split into declare_neuron_fi (which deep-copies the model every
time), the corrupted forward, golden runs and the rest.

steadfast runs as `steadfast inject ... --jobs J` (J worker processes; J = --jobs, the same cores
PyTorchFI's threads get), a fresh journal per run; its rate is the `run.injections_per_second` of
its JSON (spawning the workers and the golden runs included, loading the model not).

The tools alternate: PyTorchFI, steadfast, PyTorchFI, steadfast, ... (--rounds pairs; each round
a fresh process with its own seed, seed + round). Reported: the median rate of each tool over the
rounds, the ratio steadfast / PyTorchFI (above 1: steadfast injects faster), and the outcome rates
of all rounds pooled, for a sanity comparison (the two tools do not inject into the same values:
see the notes written with the table).
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FASHION_IMAGES = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
OPENBLAS_OPENMP = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
OUTCOMES = ["masked", "sdc_safe", "sdc_critical", "due"]
TOLERANCE = 1e-5
CRITICAL_DELTA = 0.05


# --------------------------------------------------------------------------------------------
# PyTorchFI worker (runs under Debian's torch; prints one JSON line)
# --------------------------------------------------------------------------------------------

def _import_train():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "embedded_train", os.path.join(ROOT, "models", "embedded", "train.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _load_onnx_convs(onnx_path):
    """[(node name, op, weight, bias)] of the Conv and Gemm nodes in graph order (numpy)."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(onnx_path)
    init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    ops = [n for n in m.graph.node if n.op_type in ("Conv", "Gemm")]
    if any(n.op_type == "BatchNormalization" for n in m.graph.node):
        raise RuntimeError(f"{onnx_path}: has BatchNormalization nodes; expected BN folded at export")
    out = []
    for n in ops:
        if n.op_type == "Gemm":
            attrs = {a.name: a for a in n.attribute}
            if "transB" not in attrs or attrs["transB"].i != 1 or ("transA" in attrs and attrs["transA"].i):
                raise RuntimeError(f"{n.name}: Gemm without transB=1 is not a torch Linear")
        w = init[n.input[1]]
        b = init[n.input[2]] if len(n.input) > 2 and n.input[2] else None
        out.append((n.name, n.op_type, w, b))
    return out


def _hooked_layers(model, example):
    """The Conv2d/Linear modules in the order a forward runs them (PyTorchFI's layer order)."""
    import torch
    order, handles = [], []
    for mod in model.modules():
        if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
            handles.append(mod.register_forward_hook(lambda m, i, o: order.append(m)))
    with torch.no_grad():
        model(example)
    for h in handles:
        h.remove()
    return order


def _load_weights(model, onnx_path, example):
    """Copy the ONNX Conv/Gemm initializers into the model's Conv2d/Linear, in execution order."""
    import torch
    layers = _hooked_layers(model, example)
    nodes = _load_onnx_convs(onnx_path)
    if len(layers) != len(nodes):
        raise RuntimeError(f"{len(layers)} Conv2d/Linear modules but {len(nodes)} Conv/Gemm nodes")
    with torch.no_grad():
        for mod, (name, op, w, b) in zip(layers, nodes):
            if tuple(mod.weight.shape) != w.shape:
                raise RuntimeError(f"{name}: ONNX weight {w.shape} vs torch {tuple(mod.weight.shape)}")
            mod.weight.copy_(torch.from_numpy(w.copy()))
            if b is None:
                mod.bias = None
            else:
                mod.bias = torch.nn.Parameter(torch.from_numpy(b.copy()))
    return [name for name, _, _, _ in nodes]


def _strip_batchnorm(model):
    import torch
    for parent in list(model.modules()):
        for child_name, child in list(parent.named_children()):
            if isinstance(child, torch.nn.modules.batchnorm._BatchNorm):
                setattr(parent, child_name, torch.nn.Identity())


def _build(model_name, onnx_path, inputs_np):
    """(torch model in eval mode with the ONNX weights, ONNX node names of its layers)."""
    import torch
    if model_name == "embedded":
        model = _import_train().FashionCNN()
    else:
        import torchvision
        model = torchvision.models.resnet18(weights=None)
    _strip_batchnorm(model)  # folded into the ONNX convolutions
    model.eval()
    names = _load_weights(model, onnx_path, torch.from_numpy(inputs_np[:1]))
    return model, names


def _verify(model, onnx_path, inputs_np, count, atol, threads):
    import numpy as np
    import onnxruntime as ort
    import torch
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
    iname = sess.get_inputs()[0].name
    worst = 0.0
    for i in range(count):
        x = inputs_np[i:i + 1]
        ref = sess.run(None, {iname: x})[0]
        with torch.no_grad():
            got = model(torch.from_numpy(x)).numpy()
        worst = max(worst, float(np.max(np.abs(ref - got))))
    if not worst <= atol:
        raise RuntimeError(f"torch model disagrees with ONNX Runtime on {onnx_path}: max |diff| "
                           f"{worst:.3g} > {atol:g} over {count} inputs")
    return worst


def _layer_max(model, inputs, batch):
    """PyTorchFI's layer ranges: max |output| of every hooked layer over all the inputs."""
    import torch
    maxes, handles = {}, []
    layers = _hooked_layers(model, inputs[:1])

    def hook(m, i, o):
        k = layers.index(m)
        maxes[k] = max(maxes.get(k, 0.0), float(o.detach().abs().max()))

    for mod in layers:
        handles.append(mod.register_forward_hook(hook))
    with torch.no_grad():
        for s in range(0, inputs.shape[0], batch):
            model(inputs[s:s + batch])
    for h in handles:
        h.remove()
    return [maxes[k] for k in range(len(layers))]


def _classify(golden, faulty):
    """steadfast's classes (src/faults/outcome.cpp) on softmax scores in double precision."""
    import numpy as np
    if not np.all(np.isfinite(faulty)) and np.all(np.isfinite(golden)):
        return "due"

    def softmax(v):
        e = np.exp(v - v.max())
        return e / e.sum()

    g = softmax(golden.astype(np.float64).ravel())
    f = softmax(faulty.astype(np.float64).ravel())
    top = int(np.argmax(g))
    if float(np.max(np.abs(f - g))) <= TOLERANCE:
        return "masked"
    if int(np.argmax(f)) != top or abs(f[top] - g[top]) > CRITICAL_DELTA:
        return "sdc_critical"
    return "sdc_safe"


def _blas_info():
    import ctypes
    libs = sorted({ln.split()[-1] for ln in open("/proc/self/maps") if "blas" in ln and "/" in ln})
    core = None
    for lib in libs:
        if "openblas-openmp" in lib and "libopenblas" in lib:
            try:
                f = ctypes.CDLL(lib).openblas_get_corename
                f.restype = ctypes.c_char_p
                core = f().decode()
            except (OSError, AttributeError):
                pass
    return {"mapped": libs, "openblas_core": core,
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}


# The fault models both tools can run. int8: PyTorchFI's own single_bit_flip_func (bits=8);
# fp32: a PyTorchFI custom injection function (declare_neuron_fi(function=...), the API's way to
# add an error model) that flips one uniformly random bit of the float32 value, as steadfast's
# flip:fp32 does.
FAULTS = {
    "int8": {"steadfast": "flip:int8",
             "column": "flip:int8 (PyTorchFI single_bit_flip, 8 bits), output",
             "what": "one single-bit flip per inference in the 8-bit symmetric quantisation of one "
                     "output neuron (PyTorchFI `single_bit_flip_func`, bits=8, `declare_neuron_fi(..., "
                     "function=single_bit_flip_signed_across_batch)`; steadfast `inject --fault "
                     "flip:int8 --sites output`)",
             "json": "single bit flip, 8-bit symmetric quantisation (PyTorchFI single_bit_flip_func "
                     "bits=8 / steadfast flip:int8), output neurons"},
    "fp32": {"steadfast": "flip:fp32",
             "column": "flip:fp32 (PyTorchFI custom function, 32 bits), output",
             "what": "one single-bit flip per inference in the float32 value of one output neuron, "
                     "the bit uniform over all 32 (PyTorchFI: a custom injection function passed as "
                     "`declare_neuron_fi(..., function=...)`, defined in this script; steadfast "
                     "`inject --fault flip:fp32 --sites output`)",
             "json": "single bit flip of the float32 value, uniform bit (PyTorchFI custom function / "
                     "steadfast flip:fp32), output neurons"},
}


def pfi_worker(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--pfi-worker", required=True, help="embedded | resnet18")
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--inputs", required=True, help=".npy [N,C,H,W] float32")
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--fault", choices=sorted(FAULTS), default="int8")
    a = ap.parse_args(argv)

    import copy
    import importlib.metadata
    import random
    import numpy as np
    import torch
    from pytorchfi import neuron_error_models as nem

    torch.set_num_threads(a.threads)
    t_setup = time.perf_counter()
    inputs_np = np.load(a.inputs)
    inputs = torch.from_numpy(inputs_np)
    model, layer_names = _build(a.pfi_worker, a.onnx, inputs_np)
    if a.pfi_worker == "embedded":
        verify_diff = _verify(model, a.onnx, inputs_np, 8, 1e-4, a.threads)
    else:
        verify_diff = _verify(model, a.onnx, inputs_np, 1, 1e-3, a.threads)
    layer_max = _layer_max(model, inputs, 256 if a.pfi_worker == "embedded" else 4)

    random.seed(a.seed)  # PyTorchFI draws locations and bits from Python's `random`
    torch.manual_seed(a.seed)
    class Fp32BitFlip(nem.single_bit_flip_func):
        """single_bit_flip_func's hook with the float32 representation: one uniformly random bit
        of the value at the declared location is flipped (Linear outputs are [batch, C])."""

        def fp32_bit_flip_across_batch(self, module, input_val, output):
            for i, layer in enumerate(self.get_corrupt_layer()):
                if layer != self.get_current_layer():
                    continue
                self.assert_inj_bounds(index=i)
                b, c = self.corrupt_batch[i], self.corrupt_dim1[i]
                at = (b, c) if output.dim() == 2 else (b, c, self.corrupt_dim2[i], self.corrupt_dim3[i])
                bits = np.array([output[at].item()], dtype=np.float32).view(np.uint32)
                bits ^= np.uint32(1 << random.randint(0, 31))
                output[at] = torch.tensor(bits.view(np.float32)[0], dtype=output.dtype)
            self.updateLayer()
            if self.get_current_layer() >= self.get_total_layers():
                self.reset_current_layer()

    pfi = Fp32BitFlip(model, 1, input_shape=list(inputs_np.shape[1:]),
                      layer_types=[torch.nn.Conv2d, torch.nn.Linear], use_cuda=False, bits=8)
    inject_fn = pfi.fp32_bit_flip_across_batch if a.fault == "fp32" else pfi.single_bit_flip_signed_across_batch
    pfi.set_conv_max(layer_max)
    n_layers = pfi.get_total_layers()
    if n_layers != len(layer_names):
        raise RuntimeError(f"PyTorchFI sees {n_layers} layers, the ONNX file has {len(layer_names)}")
    # The equal split over the layers (steadfast's), in a seeded random order.
    plan = [l for l in range(n_layers) for _ in range(a.n // n_layers)] + list(range(a.n % n_layers))
    random.shuffle(plan)
    # One model deep copy, timed on its own, for the breakdown.
    t0 = time.perf_counter()
    for _ in range(5):
        copy.deepcopy(model)
    deepcopy_s = (time.perf_counter() - t0) / 5
    setup_s = time.perf_counter() - t_setup

    golden = {}
    counts = {k: 0 for k in OUTCOMES}
    per_layer = [{k: 0 for k in OUTCOMES} for _ in range(n_layers)]
    tool_errors = 0
    t_declare = t_forward = t_golden = 0.0
    import resource
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    for layer in plan:
        i = random.randrange(inputs.shape[0])
        x = inputs[i:i + 1]
        if i not in golden:
            tg = time.perf_counter()
            with torch.no_grad():
                golden[i] = model(x).numpy().copy()
            t_golden += time.perf_counter() - tg
        _, c, h, w = nem.random_neuron_location(pfi, layer=layer)
        td = time.perf_counter()
        corrupted = pfi.declare_neuron_fi(batch=[0], layer_num=[layer], dim1=[c], dim2=[h], dim3=[w],
                                          function=inject_fn)
        tf = time.perf_counter()
        t_declare += tf - td
        try:
            with torch.no_grad():
                out = corrupted(x).numpy()
        except AssertionError:
            # PyTorchFI 0.6.0's _flip_bit_signed fails when the value equals the layer max
            # exactly (the quantum is 128, outside int8).
            tool_errors += 1
            pfi.reset_current_layer()
            t_forward += time.perf_counter() - tf
            continue
        t_forward += time.perf_counter() - tf
        o = _classify(golden[i], out)
        counts[o] += 1
        per_layer[layer][o] += 1
    seconds = time.perf_counter() - start
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    loop_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    classified = sum(counts.values())
    print(json.dumps({
        "injections": a.n, "classified": classified, "tool_errors": tool_errors,
        "seconds": seconds, "injections_per_second": a.n / seconds,
        "breakdown_s": {"declare_neuron_fi": t_declare, "corrupted_forward": t_forward,
                        "golden": t_golden,
                        "other": seconds - t_declare - t_forward - t_golden},
        "deepcopy_s": deepcopy_s, "loop_cpu_s": loop_cpu, "golden_runs": len(golden), "setup_s": setup_s,
        "outcomes": counts, "per_layer": [dict(layer=layer_names[k], **per_layer[k])
                                          for k in range(n_layers)],
        "layers": n_layers, "layer_names": layer_names, "layer_max": layer_max,
        "verify_max_abs_diff": verify_diff, "inputs": int(inputs_np.shape[0]),
        "torch": torch.__version__, "pytorchfi": importlib.metadata.version("pytorchfi"),
        "threads": torch.get_num_threads(), "blas": _blas_info()}))
    return 0


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------

# OpenBLAS's fallbacks when it does not recognise the CPU (pre-AVX2 kernels).
GENERIC_OPENBLAS_CORES = {"prescott", "core2", "nehalem", "katmai", "coppermine", "northwood",
                          "banias", "atom", "penryn", "dunnington", "unknown"}


def openblas_core(env):
    code = ("import ctypes; f = ctypes.CDLL('" + OPENBLAS_OPENMP + "/libopenblas.so.0')"
            ".openblas_get_corename; f.restype = ctypes.c_char_p; print(f().decode())")
    p = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, env=env)
    return p.stdout.strip() if p.returncode == 0 else None


def torch_env():
    """(environment for the torch worker, how OpenBLAS's kernels were chosen).

    OpenBLAS's OpenMP build through LD_LIBRARY_PATH (Debian's torch otherwise maps the netlib
    reference BLAS) and OPENBLAS_CORETYPE unset (the machines set Haswell, which halves SGEMM),
    so that OpenBLAS autodetects its kernels. OpenBLAS 0.3.21 does not know every newer CPU and
    then falls back to Prescott (SSE3) kernels: in that case SkylakeX (AVX-512) or Haswell (AVX2)
    is set by the CPU's flags, and the report says so."""
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    env.pop("OPENBLAS_CORETYPE", None)
    env["LD_LIBRARY_PATH"] = OPENBLAS_OPENMP + (
        ":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    env.pop("OMP_WAIT_POLICY", None)
    core = openblas_core(env)
    how = f"autodetected ({core})"
    if core is None or core.lower() in GENERIC_OPENBLAS_CORES:
        flags = set()
        for ln in open("/proc/cpuinfo"):
            if ln.startswith("flags"):
                flags = set(ln.split(":", 1)[1].split())
                break
        forced = "SkylakeX" if "avx512f" in flags else "Haswell" if "avx2" in flags else None
        if forced:
            env["OPENBLAS_CORETYPE"] = forced
            how = (f"OPENBLAS_CORETYPE={forced} (autodetection gave {core}, a pre-AVX2 fallback; "
                   f"now {openblas_core(env)})")
    return env, how


def clean_env():
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    return env


def run(cmd, what, env):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                       timeout=3600)
    if p.returncode != 0:
        raise RuntimeError(f"{what} failed ({p.returncode}): {shlex.join(cmd)}\n{p.stderr[-4000:]}")
    return p.stdout


def peer_policy(requested, log):
    """OMP_WAIT_POLICY for the next PyTorchFI run: `auto` samples the machine for 1 s and picks
    libgomp's default (spin, then sleep) when it is idle, PASSIVE when other work is running."""
    if requested != "auto":
        return requested
    c0 = _cpu_snapshot()
    time.sleep(1)
    load = other_load(c0, _cpu_snapshot())
    return "default" if load < 0.25 else "passive"


def pfi_round(spec, n, seed, jobs, env, fault):
    cmd = [sys.executable, os.path.abspath(__file__), "--pfi-worker", spec["name"], "--onnx",
           spec["onnx"], "--inputs", spec["npy"], "--n", str(n), "--seed", str(seed),
           "--threads", str(jobs), "--fault", fault]
    return json.loads(run(cmd, "PyTorchFI worker", env).strip().splitlines()[-1])


def sf_round(cli, spec, n, seed, jobs, work, fault):
    out = os.path.join(work, "sf.json")
    journal = os.path.join(work, "sf.journal")
    for p in (out, journal):
        if os.path.exists(p):
            os.remove(p)
    cmd = [cli, "inject", spec["sf_model"], "--data", spec["sf_data"], "--fault", FAULTS[fault]["steadfast"],
           "--sites", "output", "--n", str(n), "--seed", str(seed), "--jobs", str(jobs),
           "--json", out, "--journal", journal, "--no-progress"] + spec.get("sf_extra", [])
    import resource
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    run(cmd, "steadfast inject", clean_env())
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out) as f:
        j = json.load(f)
    os.remove(journal)
    j["wall_seconds"] = wall
    j["process_cpu_s"] = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return j


def prepare(name, a, work):
    import numpy as np
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    if name == "embedded":
        train = _import_train()
        imgs = train.read_idx(FASHION_IMAGES, 2051)[:a.embedded_inputs]
        x = train.to_input(imgs)  # float32 [N,1,28,28], pixels / 255
        npy = os.path.join(d, "inputs.npy")
        np.save(npy, x)
        return {"name": name, "onnx": os.path.join(ROOT, "models", "embedded", "fashion_cnn.onnx"),
                "npy": npy, "inputs": int(x.shape[0]), "sf_model": "embedded",
                "sf_data": FASHION_IMAGES, "sf_extra": ["--limit", str(a.embedded_inputs)],
                "input_desc": f"first {x.shape[0]} Fashion-MNIST test images (/255)",
                "sf_n": a.sf_n_embedded, "pfi_n": a.pfi_n_embedded}
    onnx_path = os.path.join(a.models_dir, "resnet18.onnx")
    if not os.path.exists(onnx_path):
        sys.exit(f"inject_peer.py: {onnx_path} is missing (scripts/models/export.py makes it)")
    rng = np.random.default_rng(a.seed)
    x = rng.standard_normal((a.resnet18_inputs, 3, 224, 224)).astype(np.float32)
    npy = os.path.join(d, "inputs.npy")
    np.save(npy, x)
    return {"name": name, "onnx": onnx_path, "npy": npy, "inputs": int(x.shape[0]),
            "sf_model": onnx_path, "sf_data": npy, "sf_extra": [],
            "input_desc": f"{x.shape[0]} seeded N(0,1) [1,3,224,224]",
            "sf_n": a.sf_n_resnet18, "pfi_n": a.pfi_n_resnet18}


def _cpu_snapshot():
    """(wall s, busy CPU s of the whole machine, CPU s of this process and its waited children)."""
    import resource
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy = (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # minus idle and iowait
    me, ch = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.time(), busy, me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def other_load(before, after):
    """Average number of cores that processes other than this benchmark kept busy in between."""
    wall = after[0] - before[0]
    other = (after[1] - before[1]) - (after[2] - before[2])
    return max(0.0, other / wall) if wall > 0 else 0.0


def wait_idle(limit_s, log):
    """Wait (up to limit_s) until other processes keep less than 0.25 cores busy for 2 s."""
    deadline = time.time() + limit_s
    while True:
        c0 = _cpu_snapshot()
        time.sleep(2)
        load = other_load(c0, _cpu_snapshot())
        if load < 0.25:
            return
        if time.time() >= deadline:
            log(f"--wait-idle: still {load:.2f} cores busy with other work; going on")
            return


def pooled_rates(counts):
    total = sum(counts[k] for k in OUTCOMES)
    return {k: (counts[k] / total if total else float("nan")) for k in OUTCOMES}, total


def bench(spec, a, work, env, log):
    pfi_runs, sf_runs, loads, policies = [], [], [], []
    for r in range(a.rounds):
        seed = a.seed + r
        if a.wait_idle > 0:
            wait_idle(a.wait_idle, log)
        c0 = _cpu_snapshot()
        policy = peer_policy(a.peer_omp_wait_policy, log)
        policies.append(policy)
        penv = dict(env)
        if policy != "default":
            penv["OMP_WAIT_POLICY"] = policy.upper()
        c0 = _cpu_snapshot()  # after the sampling
        p = pfi_round(spec, spec["pfi_n"], seed, a.jobs, penv, a.fault)
        c1 = _cpu_snapshot()
        pfi_runs.append(p)
        if a.wait_idle > 0:
            wait_idle(a.wait_idle, log)
            c1 = _cpu_snapshot()
        s = sf_round(a.steadfast, spec, spec["sf_n"], seed, a.jobs, os.path.join(work, spec["name"]),
                     a.fault)
        c2 = _cpu_snapshot()
        sf_runs.append(s)
        loads += [other_load(c0, c1), other_load(c1, c2)]
        log(f"[{spec['name']}] round {r + 1}/{a.rounds} (other work: {loads[-2]:.2f} / {loads[-1]:.2f} "
            f"cores busy; PyTorchFI OMP_WAIT_POLICY {policies[-1]}; cores used: PyTorchFI loop {p['loop_cpu_s'] / p['seconds']:.2f}, steadfast "
            f"process {s['process_cpu_s'] / s['wall_seconds']:.2f}): PyTorchFI {p['injections_per_second']:.1f} "
            f"inj/s ({p['injections']} in {p['seconds']:.2f} s, declare_neuron_fi "
            f"{100 * p['breakdown_s']['declare_neuron_fi'] / p['seconds']:.0f}%), steadfast "
            f"{s['run']['injections_per_second']:.1f} inj/s ({s['run']['executed']} in "
            f"{s['run']['seconds']:.2f} s)")
    pfi_rates = [p["injections_per_second"] for p in pfi_runs]
    sf_rates = [s["run"]["injections_per_second"] for s in sf_runs]
    sf_wall_rates = [s["run"]["executed"] / s["wall_seconds"] for s in sf_runs]
    pfi_counts = {k: sum(p["outcomes"][k] for p in pfi_runs) for k in OUTCOMES}
    sf_counts = {k: sum(s["outcomes"][k]["count"] for s in sf_runs) for k in OUTCOMES}
    pfi_out, pfi_total = pooled_rates(pfi_counts)
    sf_out, sf_total = pooled_rates(sf_counts)
    bd = {k: sum(p["breakdown_s"][k] for p in pfi_runs) for k in pfi_runs[0]["breakdown_s"]}
    tot = sum(p["seconds"] for p in pfi_runs)
    n_pfi = sum(p["injections"] for p in pfi_runs)
    res = {
        "model": spec["name"], "onnx": spec["onnx"], "inputs": spec["inputs"],
        "input_desc": spec["input_desc"],
        "layers": pfi_runs[0]["layers"], "steadfast_layers": len(sf_runs[0]["per_layer"]),
        "fault_model": FAULTS[a.fault]["json"],
        "pytorchfi_injections_per_round": spec["pfi_n"], "steadfast_injections_per_round": spec["sf_n"],
        "pytorchfi_inj_per_s": pfi_rates, "steadfast_inj_per_s": sf_rates,
        "steadfast_inj_per_s_process_wall": sf_wall_rates,
        "pytorchfi_median": statistics.median(pfi_rates), "steadfast_median": statistics.median(sf_rates),
        "pytorchfi_outcomes": pfi_out, "pytorchfi_classified": pfi_total,
        "pytorchfi_tool_errors": sum(p["tool_errors"] for p in pfi_runs),
        "steadfast_outcomes": sf_out, "steadfast_classified": sf_total,
        "pytorchfi_breakdown_share": {k: v / tot for k, v in bd.items()},
        "pytorchfi_ms_per_injection": {k: 1e3 * v / n_pfi for k, v in bd.items()},
        "pytorchfi_deepcopy_ms": 1e3 * statistics.median(p["deepcopy_s"] for p in pfi_runs),
        "pytorchfi_setup_s": statistics.median(p["setup_s"] for p in pfi_runs),
        "pytorchfi_layer_names": pfi_runs[0]["layer_names"],
        "steadfast_layers_ops": [(l["layer"], l["op"]) for l in sf_runs[0]["per_layer"]],
        "pytorchfi_per_layer": [
            {"layer": pl["layer"], **{k: sum(p["per_layer"][i][k] for p in pfi_runs) for k in OUTCOMES}}
            for i, pl in enumerate(pfi_runs[0]["per_layer"])],
        "steadfast_per_layer": [
            {"layer": l["layer"], "op": l["op"],
             **{k: sum(s["per_layer"][i][k]["count"] for s in sf_runs) for k in OUTCOMES}}
            for i, l in enumerate(sf_runs[0]["per_layer"])],
        "verify_max_abs_diff": max(p["verify_max_abs_diff"] for p in pfi_runs),
        "torch": pfi_runs[0]["torch"], "pytorchfi": pfi_runs[0]["pytorchfi"],
        "torch_threads": pfi_runs[0]["threads"], "blas": pfi_runs[0]["blas"],
        "steadfast_jobs": sf_runs[0]["run"]["jobs"],
        "pytorchfi_golden_runs": [p["golden_runs"] for p in pfi_runs],
        "pytorchfi_inj_per_s_without_golden": statistics.median(
            p["injections"] / (p["seconds"] - p["breakdown_s"]["golden"]) for p in pfi_runs),
        "other_load_cores_per_run": loads,
        "pytorchfi_omp_wait_policy_per_round": policies,
        "pytorchfi_cores_used_in_loop": [p["loop_cpu_s"] / p["seconds"] for p in pfi_runs],
        "steadfast_cores_used_process": [s["process_cpu_s"] / s["wall_seconds"] for s in sf_runs],
        "steadfast_overhead_s": [s["wall_seconds"] - s["run"]["seconds"] for s in sf_runs],
    }
    res["ratio"] = res["steadfast_median"] / res["pytorchfi_median"]
    return res


def fmt_rate(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def outcome_cell(o):
    return " / ".join(f"{100 * o[k]:.1f}" for k in OUTCOMES)


def write_markdown(path, results, a, command, date, blas_how):
    r0 = results[0]
    loads = [x for r in results for x in r["other_load_cores_per_run"]]
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    L = ["# Fault-injection speed: steadfast against PyTorchFI", "",
         f"Measured {date} on {platform.node()} ({cpu}, {os.cpu_count()} cores) by "
         "`scripts/bench/inject_peer.py`; regenerate with:", "",
         "```", command, "```", "",
         "The same campaign with both tools: " + FAULTS[a.fault]["what"] + ", injections split "
         "equally over the layers, "
         "a random input of the set each, batch 1, classified against the input's golden run on "
         f"softmax scores (masked: all within {TOLERANCE:g}; SDC-critical: top-1 changed or its "
         f"score moved > {CRITICAL_DELTA}; SDC-safe: other changes; DUE: NaN/Inf).", "",
         f"- PyTorchFI {r0['pytorchfi']} on torch {r0['torch']} (Debian), `torch.set_num_threads("
         f"{r0['torch_threads']})`, `torch.no_grad()`, OpenBLAS OpenMP build via LD_LIBRARY_PATH, "
         f"OpenBLAS kernels: {blas_how}; OMP_WAIT_POLICY per round: " + "; ".join(
             r["model"] + " " + ", ".join(r["pytorchfi_omp_wait_policy_per_round"]) for r in results)
         + " (`--peer-omp-wait-policy " + a.peer_omp_wait_policy + "`; see the notes). Timed: the "
         "injection loop only (location draw, `declare_neuron_fi`, corrupted forward, "
         "classification, golden runs once per input); not timed: building the model, the ONNX "
         "Runtime check, the layer-range pass and PyTorchFI's constructor.",
         f"- steadfast `inject --jobs {a.jobs}` ({a.jobs} worker processes on the same "
         f"{a.jobs} cores); rate = `run.injections_per_second` of its JSON (worker start-up and "
         "golden runs included, model loading not; the process wall-clock rate is in the JSON).",
         f"- {a.rounds} alternating rounds (PyTorchFI, steadfast, PyTorchFI, ...), each a fresh "
         "process with seed + round; rates are medians over the rounds; ratio = steadfast / "
         "PyTorchFI (above 1: steadfast injects faster). Outcome rates pool all rounds.", "",
         "| model | layers | fault model | inputs | injections (PyTorchFI / steadfast, per round) | "
         "PyTorchFI inj/s | steadfast inj/s | ratio | PyTorchFI masked / SDC-safe / SDC-crit / DUE % "
         "| steadfast masked / SDC-safe / SDC-crit / DUE % |",
         "|---|---:|---|---|---:|---:|---:|---:|---|---|"]
    for r in results:
        L.append(
            f"| {r['model']} | {r['layers']} | {FAULTS[a.fault]['column']} "
            f"| {r['input_desc']} | {r['pytorchfi_injections_per_round']} / "
            f"{r['steadfast_injections_per_round']} | {fmt_rate(r['pytorchfi_median'])} "
            f"({fmt_rate(min(r['pytorchfi_inj_per_s']))}–{fmt_rate(max(r['pytorchfi_inj_per_s']))}) | "
            f"{fmt_rate(r['steadfast_median'])} ({fmt_rate(min(r['steadfast_inj_per_s']))}–"
            f"{fmt_rate(max(r['steadfast_inj_per_s']))}) | **{r['ratio']:.1f}x** | "
            f"{outcome_cell(r['pytorchfi_outcomes'])} | {outcome_cell(r['steadfast_outcomes'])} |")
    L += ["", "Rates: median (min–max over the rounds). Other work on the machine during the runs "
          "(CPU time of processes outside this benchmark, /proc/stat minus our own, per wall "
          f"second): {min(loads):.2f}–{max(loads):.2f} cores of {os.cpu_count()}"
          f"{'; other work was running, so the absolute rates are below an idle machine' + chr(39) + 's, and the two tools (one process with 2 OpenMP threads against 2 single-threaded processes) need not be slowed equally' if max(loads) > 0.25 else ''}; per run in the JSON. CPU the tools actually got "
          "(CPU seconds per wall second, median over the rounds; PyTorchFI: its timed loop; "
          "steadfast: its whole process): " + "; ".join(
              f"{r['model']} PyTorchFI {statistics.median(r['pytorchfi_cores_used_in_loop']):.2f}, "
              f"steadfast {statistics.median(r['steadfast_cores_used_process']):.2f} cores"
              for r in results) + ".", "",
          "## Where PyTorchFI's time goes", "",
          "Share of the timed injection loop, and milliseconds per injection. `declare_neuron_fi` "
          "deep-copies the whole model (`copy.deepcopy(self.original_model)`) for every injection "
          "before it registers the hooks; one `copy.deepcopy` of the model alone is timed "
          "separately.", "",
          "| model | declare_neuron_fi | corrupted forward | golden runs (per round) | other (draws, "
          "classification) | one deepcopy alone | PyTorchFI inj/s without golden runs | setup (not timed) |",
          "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        s, ms = r["pytorchfi_breakdown_share"], r["pytorchfi_ms_per_injection"]
        L.append(f"| {r['model']} | {100 * s['declare_neuron_fi']:.0f}% ({ms['declare_neuron_fi']:.2f} ms) "
                 f"| {100 * s['corrupted_forward']:.0f}% ({ms['corrupted_forward']:.2f} ms) "
                 f"| {100 * s['golden']:.0f}% ({ms['golden']:.2f} ms; "
                 f"{statistics.median(r['pytorchfi_golden_runs']):.0f} runs) "
                 f"| {100 * s['other']:.0f}% ({ms['other']:.2f} ms) "
                 f"| {r['pytorchfi_deepcopy_ms']:.2f} ms "
                 f"| {fmt_rate(r['pytorchfi_inj_per_s_without_golden'])} "
                 f"| {r['pytorchfi_setup_s']:.1f} s |")
    L += ["", "## Notes: what differs between the two campaigns", "",
          "- **Which values are hit.** PyTorchFI hooks the outputs of `nn.Conv2d` and `nn.Linear` "
          "modules. The torch models carry the ONNX files' weights, in which BatchNorm was folded "
          "into the convolutions at export, so a Conv2d output here is conv + bias + BN, *before* "
          "the ReLU. steadfast injects into the outputs of its graph nodes after fusion: a "
          "`FusedConv` is conv + bias + BN + ReLU (in ResNet-18 the second convolution of each "
          "block also carries the residual Add before its ReLU), so its value is *post-activation*. A flip that makes a value "
          "negative is clipped by the ReLU in steadfast's case but flows into the ReLU in "
          "PyTorchFI's, which then may clip it too; the outcome rates are comparable in kind, not "
          "equal by construction.",
          ("- **Quantisation scale.** PyTorchFI quantises with the layer's max |output| measured "
           "beforehand over the inputs (`set_conv_max`), truncating `int(v / max * 128)`; steadfast "
           "uses the max |x| of the tensor being injected in this run and rounds "
           "(`q = round(v / (max/127))`). Both flip one uniformly random bit of the 8-bit two's "
           "complement and dequantise." if a.fault == "int8" else
           "- **The flip.** Both flip one uniformly random bit (of 32) of the value's float32 "
           "representation: PyTorchFI through this script's custom injection function (a "
           "`single_bit_flip_func` subclass whose hook XORs the bit into a float32 view of the "
           "value), steadfast with `flip:fp32`. NaN or Inf results count as DUE in both."),
          "- **Locations.** Both draw the layer by the same equal split, then a random input and a "
          "random element of the layer output; the draws come from different RNGs, so the "
          "individual injections differ. Per-layer counts are in the JSON." + (
              " The largest gap is usually the last Linear layer (the logits, no activation after "
              "it in either tool), where only the scale differs: the dataset-wide max that "
              "PyTorchFI is given is larger than one input's own max, so its flips move the logits "
              "further." if a.fault == "int8" else ""),
          "- **steadfast's process wall clock.** Its rate above excludes loading the model and "
          "the data (as PyTorchFI's excludes building and profiling). Measured over the whole "
          "`steadfast inject` process instead: " + "; ".join(
              f"{r['model']} {fmt_rate(statistics.median(r['steadfast_inj_per_s_process_wall']))} "
              f"inj/s ({statistics.median(r['steadfast_inj_per_s_process_wall']) / r['pytorchfi_median']:.1f}x PyTorchFI's loop)"
              for r in results) + ". The time outside the campaign per process: " + "; ".join(
              f"{r['model']} {statistics.median(r['steadfast_overhead_s']):.1f} s" for r in results)
          + ". When this script was written, most of it for the 30,000-injection embedded runs came "
          "after the campaign, in the summary's confidence intervals (perf: lgamma/log/log1p of "
          "the binomial bounds in src/abft/confidence.cpp, summed term by term), not in start-up "
          "(model and data load in about 0.1 s).",
          "- **PyTorchFI 0.6.0 quirk.** The API is `declare_neuron_fi` (not "
          "`declare_neuron_fault_injection`). " + (
              "`_flip_bit_signed` raises AssertionError when the "
              "value equals the layer max exactly (quantum 128 does not fit 8 bits); such injections "
              f"are counted as tool errors (total here: "
              f"{', '.join(str(r['model']) + ' ' + str(r['pytorchfi_tool_errors']) for r in results)}) and left out "
              "of the outcome rates. For `nn.Linear` outputs (2-D) the hook indexes "
              "`output[b][c][None][None]`, which still writes the intended element."
              if a.fault == "int8" else
              "The fp32 hook indexes `nn.Linear` outputs (2-D) as [batch, channel]."),
          "- **Threads and other work.** steadfast's campaign workers are single-threaded "
          "processes; PyTorchFI runs one process with 2 torch (OpenMP) threads. libgomp's default "
          "spin-waiting at every parallel region is the fastest setting on an idle machine "
          "(measured here while preparing this: 635 against 487 inj/s on the CNN and 28.0 against "
          "21.3 on ResNet-18 with OMP_WAIT_POLICY=PASSIVE), but when other work shares the cores "
          "it makes torch collapse (ResNet-18 forwards of 0.8-0.9 s instead of ~40 ms at a load of "
          "4; the CNN's forward 1.4-1.7 ms against 0.31 ms passive), which would inflate the ratio. "
          "With `--peer-omp-wait-policy auto` (the default) each PyTorchFI round samples the "
          "machine for 1 s first and keeps the default when it is idle, PASSIVE otherwise. "
          "`--wait-idle S` waits (up to S s per run) for other work to stop.",
          f"- torch vs ONNX Runtime check before each PyTorchFI round: max |diff| "
          f"{', '.join(r['model'] + ' ' + format(r['verify_max_abs_diff'], '.2g') for r in results)}.", ""]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(L))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--pfi-worker" in argv:
        return pfi_worker(argv)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steadfast", default=os.path.join(ROOT, "build", "release", "bin", "steadfast"))
    ap.add_argument("--models-dir", default=os.path.join(ROOT, "build", "models"))
    ap.add_argument("--models", nargs="+", default=["embedded", "resnet18"], choices=["embedded", "resnet18"])
    ap.add_argument("--rounds", type=int, default=3, help="alternating PyTorchFI/steadfast pairs")
    ap.add_argument("--jobs", type=int, default=2,
                    help="steadfast worker processes = PyTorchFI's torch threads")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--embedded-inputs", type=int, default=500)
    ap.add_argument("--resnet18-inputs", type=int, default=16)
    ap.add_argument("--sf-n-embedded", type=int, default=30000)
    ap.add_argument("--pfi-n-embedded", type=int, default=3000)
    ap.add_argument("--sf-n-resnet18", type=int, default=400)
    ap.add_argument("--pfi-n-resnet18", type=int, default=100)
    ap.add_argument("--peer-omp-wait-policy", default="auto",
                    choices=["auto", "passive", "active", "default"],
                    help="OMP_WAIT_POLICY for the torch worker; auto: libgomp's default when the "
                         "machine is idle, passive when other work runs (see the report)")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                    help="before each run, wait up to this long for other work to stop (0: never)")
    ap.add_argument("--work", default=None, help="scratch directory (default: a temporary one)")
    ap.add_argument("--fault", choices=sorted(FAULTS), default="int8",
                    help="int8: PyTorchFI's single_bit_flip_func; fp32: float32 bit flips")
    ap.add_argument("--out", default=None,
                    help="default docs/resilience-speed.md (int8) or docs/resilience-speed-fp32.md")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    stem = "resilience-speed" + ("" if a.fault == "int8" else "-" + a.fault)
    a.out = a.out or os.path.join(ROOT, "docs", stem + ".md")
    a.json = a.json or os.path.join(ROOT, "docs", stem + ".json")
    if not os.path.exists(a.steadfast):
        sys.exit(f"inject_peer.py: {a.steadfast} not found (build it or pass --steadfast)")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    command = ".venv/bin/python scripts/bench/inject_peer.py " + shlex.join(argv)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    t0 = time.time()
    env, blas_how = torch_env()
    log(f"PyTorchFI worker: OpenBLAS {blas_how}; OMP_WAIT_POLICY {a.peer_omp_wait_policy}")
    with tempfile.TemporaryDirectory(prefix="inject_peer.") as tmp:
        work = a.work or tmp
        results = []
        for name in a.models:
            spec = prepare(name, a, work)
            results.append(bench(spec, a, work, env, log))
    log(f"total {time.time() - t0:.0f} s")

    hdr = (f"{'model':<10} {'layers':>6} {'inputs':>6} {'inj pfi/sf':>11} {'PyTorchFI inj/s':>16} "
           f"{'steadfast inj/s':>16} {'ratio':>7}   outcomes % masked/safe/crit/due (pfi | sf)")
    print(hdr)
    for r in results:
        print(f"{r['model']:<10} {r['layers']:>6} {r['inputs']:>6} "
              f"{str(r['pytorchfi_injections_per_round']) + '/' + str(r['steadfast_injections_per_round']):>11} "
              f"{r['pytorchfi_median']:>16.1f} {r['steadfast_median']:>16.1f} {r['ratio']:>6.1f}x   "
              f"{outcome_cell(r['pytorchfi_outcomes'])} | {outcome_cell(r['steadfast_outcomes'])}")
        s = r["pytorchfi_breakdown_share"]
        print(f"{'':<10} PyTorchFI time: declare_neuron_fi (deepcopy) {100 * s['declare_neuron_fi']:.0f}%, "
              f"corrupted forward {100 * s['corrupted_forward']:.0f}%, golden {100 * s['golden']:.0f}%, "
              f"other {100 * s['other']:.0f}%")
    write_markdown(a.out, results, a, command, date, blas_how)
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump({"date": date, "command": command, "host": platform.node(), "rounds": a.rounds,
                   "jobs": a.jobs, "seed": a.seed, "openblas": blas_how,
                   "omp_wait_policy": a.peer_omp_wait_policy, "results": results},
                  f, indent=1)
    log(f"wrote {a.out} and {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
