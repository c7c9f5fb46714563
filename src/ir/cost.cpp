#include "ir/cost.hpp"

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
