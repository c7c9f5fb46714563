#include "ir/cost.hpp"

#include "ir/ops/fused.hpp"

namespace sf::ir {

namespace {

const Shape* static_shape(const Graph& g, ValueId id) {
  if (id == kNoValue) return nullptr;
  const TypeInfo& t = g.value(id).type;
  if (!t.shape || !shape_is_static(*t.shape)) return nullptr;
  return &*t.shape;
}

double numel(const Shape& s) {
  double n = 1;
  for (int64_t d : s) n *= static_cast<double>(d);
  return n;
}

// Element-wise operations a fused epilogue adds per output: bias (input 2), residual (input 3),
// activation.
double epilogue_ops(const Node& n) {
  double ops = 0;
  if (n.has_input(2)) ops += 1;
  if (n.has_input(3)) ops += 1;
  const ActivationSpec act = n.op == OpKind::kFusedConv ? n.attrs_as<FusedConvAttrs>().act
                                                        : n.attrs_as<FusedMatMulAttrs>().act;
  if (act.kind != Activation::kNone) ops += 1;
  return ops;
}

}  // namespace

NodeCost node_cost(const Graph& g, const Node& n) {
  NodeCost c;
  for (ValueId id : n.inputs) {
    if (id == kNoValue) continue;
    const Shape* s = static_shape(g, id);
    if (!s) return {-1, -1};
    c.bytes += numel(*s) * static_cast<double>(dtype_size(g.value(id).type.dtype));
  }
  double out_elems = 0;
  for (ValueId id : n.outputs) {
    if (id == kNoValue) continue;
    const Shape* s = static_shape(g, id);
    if (!s) return {-1, -1};
    out_elems += numel(*s);
    c.bytes += numel(*s) * static_cast<double>(dtype_size(g.value(id).type.dtype));
  }
  const Shape* x = n.inputs.empty() ? nullptr : static_shape(g, n.inputs[0]);
  const Shape* w = n.inputs.size() > 1 ? static_shape(g, n.inputs[1]) : nullptr;
  switch (n.op) {
    case OpKind::kMatMul:
    case OpKind::kMatMulInteger:
    case OpKind::kQLinearMatMul:
      // out = [..., M, N]; K from the first input's last dim.
      c.flops = (x && !x->empty()) ? 2.0 * out_elems * static_cast<double>(x->back()) : out_elems;
      break;
    case OpKind::kGemm: {
      const Shape* y = static_shape(g, n.outputs[0]);
      const double k = (y && w && x) ? numel(*x) / static_cast<double>((*y)[0]) : 0;
      c.flops = 2.0 * out_elems * k + out_elems;
      break;
    }
    case OpKind::kConv:
    case OpKind::kConvInteger:
    case OpKind::kQLinearConv: {
      const size_t wi = n.op == OpKind::kQLinearConv ? 3 : 1;
      const Shape* ws = wi < n.inputs.size() ? static_shape(g, n.inputs[wi]) : nullptr;
      // per output element: (Cin/group) * prod(kernel) multiply-adds = numel(W) / Cout.
      c.flops = ws && !ws->empty() ? 2.0 * out_elems * numel(*ws) / static_cast<double>((*ws)[0])
                                   : out_elems;
      break;
    }
    case OpKind::kFusedConv: {
      // The convolution's multiply-adds plus one operation per output for each of bias,
      // residual and activation present.
      c.flops = w && !w->empty() ? 2.0 * out_elems * numel(*w) / static_cast<double>((*w)[0])
                                 : out_elems;
      c.flops += out_elems * epilogue_ops(n);
      break;
    }
    case OpKind::kFusedMatMul:
      // A is never transposed: K is its last dim.
      c.flops = (x && !x->empty()) ? 2.0 * out_elems * static_cast<double>(x->back()) : out_elems;
      c.flops += out_elems * epilogue_ops(n);
      break;
    case OpKind::kAttention: {
      // Q [B, H, Lq, D], V [B, H, Lk, Dv], Y [B, H, Lq, Dv]: Q K^T and P V multiply-adds, plus
      // scale, mask and softmax (max, exp, sum, divide) per score.
      const Shape* v = n.inputs.size() > 2 ? static_shape(g, n.inputs[2]) : nullptr;
      if (x && v && x->size() == 4 && v->size() == 4) {
        const double scores = numel(*x) / static_cast<double>((*x)[3]) * static_cast<double>((*v)[2]);
        c.flops = 2.0 * scores * static_cast<double>((*x)[3]) + 2.0 * out_elems * static_cast<double>((*v)[2]) +
                  6.0 * scores;
      } else {
        c.flops = out_elems;
      }
      break;
    }
    case OpKind::kConvTranspose:
      // every input element scatters into (Cout/group) * prod(kernel) outputs = numel(W)/Cin.
      c.flops = (x && w && !w->empty()) ? 2.0 * numel(*x) * numel(*w) / static_cast<double>((*w)[0])
                                        : out_elems;
      break;
    default:
      c.flops = out_elems;
      break;
  }
  return c;
}

}  // namespace sf::ir
