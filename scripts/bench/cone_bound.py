#!/usr/bin/env python3
"""How much re-execution a single-element output fault needs, in multiply-accumulates (MACs).

    .venv/bin/python scripts/bench/cone_bound.py build/models/resnet18.onnx \
        [--profile PROFILE.json] [--peak-gflops F] [--peer-rate R] [--rate S]

For every Conv/Gemm layer of the model (the campaign's default layers, equal allocation) and 40
random output positions each, it sums the MACs of
  - re-executing every later node (what `steadfast inject` does: run_from the node after the
    faulty one), and
  - an oracle that recomputes only the receptive cone the fault can reach: each later convolution
    only over the output rows and columns whose window touches the affected region (bounding
    boxes, merged at Adds), the first consumer with one input channel (the delta trick), and
    everything after a global pool or a Gemm in full.
The ratio bounds the speed-up any exact cone-limited re-execution could give at equal kernel
efficiency (small regions run less efficiently, so the real gain is lower).

With --profile (the JSON of `steadfast profile MODEL --threads 1 --random --json FILE`) it also
weights each node by its measured time instead of its MACs: a convolution costs its measured time
times the share of its output the cone covers (times 1/C_in for the one-channel first consumer);
other nodes after the fault cost their full time. That ratio is the gain at today's per-layer
kernel efficiency; with --rate (the campaign's measured injections/s) it gives the rate such a
re-execution would reach. --peak-gflops (the probe's peak of the cores the campaign uses) gives the best case:
the cone's MACs at 100% of the peak; --peer-rate (PyTorchFI's injections/s) turns both into
multiples of the peer.
"""
import argparse, json, random
import onnx
from onnx import shape_inference
ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("model")
ap.add_argument("--profile", help="steadfast profile --threads 1 --json output for MODEL")
ap.add_argument("--peak-gflops", type=float, help="FMA peak of the cores the campaign uses, GFLOP/s")
ap.add_argument("--peer-rate", type=float, help="the peer's injections per second")
ap.add_argument("--rate", type=float, help="steadfast's measured injections per second (re-executing from the node)")
ap.add_argument("--samples", type=int, default=40, help="random output positions per layer")
a = ap.parse_args()
m = shape_inference.infer_shapes(onnx.load(a.model))
g = m.graph
shapes = {}
for v in list(g.value_info) + list(g.input) + list(g.output):
    d = [x.dim_value for x in v.type.tensor_type.shape.dim]
    shapes[v.name] = d
inits = {i.name: i for i in g.initializer}
nodes = list(g.node)
def attr(n, k, dflt):
    for a in n.attribute:
        if a.name == k:
            return list(a.ints) if a.ints else a.i
    return dflt
def conv_macs(n, area):
    w = inits[n.input[1]]; co, ci, kh, kw = w.dims
    return co * ci * kh * kw * area
full = []
for n in nodes:
    if n.op_type == 'Conv':
        o = shapes.get(n.output[0], [])
        if len(o) != 4 or min(o) <= 0:
            raise SystemExit(f"{n.name}: output shape {o} not inferred (static shapes needed)")
        full.append(conv_macs(n, o[2] * o[3]))
    elif n.op_type in ('Gemm', 'MatMul'):
        w = inits.get(n.input[1]); full.append(w.dims[0] * w.dims[1] if w else 0)
    else:
        full.append(0)
# Measured milliseconds per ONNX node (fused nodes keep the name of their Conv/Gemm; nodes the
# engine removed or fused away cost 0, their time is in the node that absorbed them).
ms = [0.0] * len(nodes)
if a.profile:
    with open(a.profile) as f:
        prof = json.load(f)
    by_name = {p["name"]: p["ms"] for p in prof["nodes"]}
    for i, n in enumerate(nodes):
        ms[i] = by_name.get(n.name, 0.0)
    if not any(ms[i] for i, n in enumerate(nodes) if n.op_type == 'Conv'):
        raise SystemExit("--profile: no Conv node of the model has a time in the profile (another model?)")
layers = [i for i, n in enumerate(nodes) if n.op_type in ('Conv', 'Gemm')]
random.seed(1)
tot_from, tot_cone = 0, 0
tot_from_ms, tot_cone_ms = 0.0, 0.0
for k in layers:
    out = nodes[k].output[0]; s = shapes[out]
    samples = a.samples
    cf, cc = 0, 0
    cf_ms, cc_ms = 0.0, 0.0
    for _ in range(samples):
        if len(s) == 4 and min(s) > 0:
            h, w = random.randrange(s[2]), random.randrange(s[3])
            region = {out: (h, h, w, w, True)}  # rows, cols, single-channel?
        else:
            region = {out: None}
        cost, cost_ms = 0, 0.0
        for j in range(k + 1, len(nodes)):
            n = nodes[j]
            ins = [region[i] for i in n.input if i in region]
            if not ins:
                continue
            o = n.output[0]; os_ = shapes.get(o, [])
            if any(r is None for r in ins) or len(os_) != 4:
                region[o] = None
                cost += full[j]
                cost_ms += ms[j]
                continue
            r0 = min(r[0] for r in ins); r1 = max(r[1] for r in ins)
            c0 = min(r[2] for r in ins); c1 = max(r[3] for r in ins)
            single = all(r[4] for r in ins) and len(ins) == 1
            if n.op_type in ('Conv', 'MaxPool', 'AveragePool'):
                ks = attr(n, 'kernel_shape', None) or list(inits[n.input[1]].dims[2:])
                st = attr(n, 'strides', [1, 1]); pd = attr(n, 'pads', [0, 0, 0, 0])
                # output rows whose window touches input rows [r0, r1]
                lo_r = max(0, -(-(r0 + pd[0] - ks[0] + 1) // st[0])); hi_r = min(os_[2] - 1, (r1 + pd[0]) // st[0])
                lo_c = max(0, -(-(c0 + pd[1] - ks[1] + 1) // st[1])); hi_c = min(os_[3] - 1, (c1 + pd[1]) // st[1])
                area = (hi_r - lo_r + 1) * (hi_c - lo_c + 1)
                if n.op_type == 'Conv':
                    w = inits[n.input[1]]
                    cost += w.dims[0] * (1 if single else w.dims[1]) * w.dims[2] * w.dims[3] * area
                    cost_ms += ms[j] * area / (os_[2] * os_[3]) / (w.dims[1] if single else 1)
                else:
                    cost_ms += ms[j]
                region[o] = (lo_r, hi_r, lo_c, hi_c, False)
            elif n.op_type == 'GlobalAveragePool':
                region[o] = None
            else:
                region[o] = (r0, r1, c0, c1, single)
                cost_ms += ms[j]
        cc += cost
        cf += sum(full[k + 1:])
        cc_ms += cost_ms
        cf_ms += sum(ms[k + 1:])
    tot_from += cf / samples; tot_cone += cc / samples
    tot_from_ms += cf_ms / samples; tot_cone_ms += cc_ms / samples
L = len(layers); F = sum(full)
print(f"layers {L}; full network {F/1e6:.0f} M MACs; mean per injection: from the faulty node {tot_from/L/1e6:.0f} M "
      f"({100*tot_from/L/F:.0f}%), receptive cone only {tot_cone/L/1e6:.0f} M ({100*tot_cone/L/F:.0f}%); "
      f"ratio {tot_from/tot_cone:.2f}x")
if a.profile:
    fm, cm = tot_from_ms / L, tot_cone_ms / L
    line = (f"measured single-thread times ({prof['model'] if 'model' in prof else 'profile'}): mean per injection from the "
            f"faulty node {fm:.2f} ms, receptive cone only {cm:.2f} ms; ratio {fm/cm:.2f}x")
    if a.rate:
        line += f"; {a.rate:.0f} inj/s re-executing from the node -> {a.rate * fm / cm:.0f} inj/s cone-limited"
        if a.peer_rate:
            line += f" ({a.rate * fm / cm / a.peer_rate:.1f}x the peer)"
    print(line)
if a.peak_gflops:
    best = a.peak_gflops * 1e9 / (2 * tot_cone / L)
    line = (f"best case: the cone's {tot_cone/L/1e6:.0f} M MACs per injection at 100% of {a.peak_gflops:.1f} GFLOP/s "
            f"-> {best:.0f} inj/s")
    if a.peer_rate:
        line += f" = {best / a.peer_rate:.1f}x the peer's {a.peer_rate:.1f} inj/s"
    print(line)
