#include "ir/cost.hpp"

#include "ir/ops/fused.hpp"

namespace sf::ir {

namespace {

const Shape* static_shape(const TypeInfo* t) {
  if (!t || !t->shape || !shape_is_static(*t->shape)) return nullptr;
  return &*t->shape;
}

double numel(const Shape& s) {
  double n = 1;
  for (int64_t d : s) n *= static_cast<double>(d);
  return n;
}

const TypeInfo* type_of(const Graph& g, ValueId id) {
  return id == kNoValue ? nullptr : &g.value(id).type;
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
  std::vector<const TypeInfo*> in, out;
  for (ValueId id : n.inputs) in.push_back(type_of(g, id));
  for (ValueId id : n.outputs) out.push_back(type_of(g, id));
  return node_cost(n, in, out);
}

NodeCost node_cost(const Node& n, const std::vector<const TypeInfo*>& in,
                   const std::vector<const TypeInfo*>& out) {
  NodeCost c;
  for (size_t i = 0; i < in.size(); ++i) {
    if (i >= n.inputs.size() || n.inputs[i] == kNoValue) continue;
    const Shape* s = static_shape(in[i]);
    if (!s) return {-1, -1};
    c.bytes += numel(*s) * static_cast<double>(dtype_size(in[i]->dtype));
  }
  double out_elems = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (i >= n.outputs.size() || n.outputs[i] == kNoValue) continue;
    const Shape* s = static_shape(out[i]);
    if (!s) return {-1, -1};
    out_elems += numel(*s);
    c.bytes += numel(*s) * static_cast<double>(dtype_size(out[i]->dtype));
  }
  auto input_shape = [&](size_t i) { return i < in.size() ? static_shape(in[i]) : nullptr; };
  const Shape* x = input_shape(0);
  const Shape* w = input_shape(1);
  switch (n.op) {
    case OpKind::kMatMul:
    case OpKind::kMatMulInteger:
    case OpKind::kQLinearMatMul:
      // out = [..., M, N]; K from the first input's last dim.
      c.flops = (x && !x->empty()) ? 2.0 * out_elems * static_cast<double>(x->back()) : out_elems;
      break;
    case OpKind::kGemm: {
      const Shape* y = out.empty() ? nullptr : static_shape(out[0]);
      const double k = (y && !y->empty() && (*y)[0] > 0 && w && x)
                           ? numel(*x) / static_cast<double>((*y)[0])
                           : 0;
      c.flops = 2.0 * out_elems * k + out_elems;
      break;
    }
    case OpKind::kConv:
    case OpKind::kConvInteger:
    case OpKind::kQLinearConv: {
      const Shape* ws = input_shape(n.op == OpKind::kQLinearConv ? 3 : 1);
      // per output element: (Cin/group) * prod(kernel) multiply-adds = numel(W) / Cout.
      c.flops = ws && !ws->empty() && (*ws)[0] > 0
                    ? 2.0 * out_elems * numel(*ws) / static_cast<double>((*ws)[0])
                    : out_elems;
      break;
    }
    case OpKind::kFusedConv: {
      // The convolution's multiply-adds plus one operation per output for each of bias,
      // residual and activation present.
      c.flops = w && !w->empty() && (*w)[0] > 0
                    ? 2.0 * out_elems * numel(*w) / static_cast<double>((*w)[0])
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
      const Shape* v = input_shape(2);
      if (x && v && x->size() == 4 && v->size() == 4) {
        const double scores =
            numel(*x) / static_cast<double>((*x)[3]) * static_cast<double>((*v)[2]);
        c.flops = 2.0 * scores * static_cast<double>((*x)[3]) +
                  2.0 * out_elems * static_cast<double>((*v)[2]) + 6.0 * scores;
      } else {
        c.flops = out_elems;
      }
      break;
    }
    case OpKind::kConvTranspose:
      // every input element scatters into (Cout/group) * prod(kernel) outputs = numel(W)/Cin.
      c.flops = (x && w && !w->empty() && (*w)[0] > 0)
                    ? 2.0 * numel(*x) * numel(*w) / static_cast<double>((*w)[0])
                    : out_elems;
      break;
    default:
      c.flops = out_elems;
      break;
  }
  return c;
}

}  // namespace sf::ir
