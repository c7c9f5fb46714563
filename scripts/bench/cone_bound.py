#!/usr/bin/env python3
"""How much re-execution a single-element output fault needs, in multiply-accumulates (MACs).

    .venv/bin/python scripts/bench/cone_bound.py build/models/resnet18.onnx

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
"""
import sys, random
import onnx
from onnx import shape_inference
if len(sys.argv) != 2:
    raise SystemExit(__doc__)
m = shape_inference.infer_shapes(onnx.load(sys.argv[1]))
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
layers = [i for i, n in enumerate(nodes) if n.op_type in ('Conv', 'Gemm')]
random.seed(1)
tot_from, tot_cone = 0, 0
for k in layers:
    out = nodes[k].output[0]; s = shapes[out]
    samples = 40
    cf, cc = 0, 0
    for _ in range(samples):
        if len(s) == 4 and min(s) > 0:
            h, w = random.randrange(s[2]), random.randrange(s[3])
            region = {out: (h, h, w, w, True)}  # rows, cols, single-channel?
        else:
            region = {out: None}
        cost = 0
        for j in range(k + 1, len(nodes)):
            n = nodes[j]
            ins = [region[i] for i in n.input if i in region]
            if not ins:
                continue
            o = n.output[0]; os_ = shapes.get(o, [])
            if any(r is None for r in ins) or len(os_) != 4:
                region[o] = None
                cost += full[j]
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
                region[o] = (lo_r, hi_r, lo_c, hi_c, False)
            elif n.op_type == 'GlobalAveragePool':
                region[o] = None
            else:
                region[o] = (r0, r1, c0, c1, single)
        cc += cost
        cf += sum(full[k + 1:])
    tot_from += cf / samples; tot_cone += cc / samples
L = len(layers); F = sum(full)
print(f"layers {L}; full network {F/1e6:.0f} M MACs; mean per injection: from the faulty node {tot_from/L/1e6:.0f} M "
      f"({100*tot_from/L/F:.0f}%), receptive cone only {tot_cone/L/1e6:.0f} M ({100*tot_cone/L/F:.0f}%); "
      f"ratio {tot_from/tot_cone:.2f}x")
