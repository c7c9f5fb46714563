// fuse_patterns: LayerNorm and Gelu as exporters decompose them, into LayerNormalization and
// Gelu nodes; attention (fuse_attention.cpp) into Attention. Float32 only.
//
// LayerNorm (PyTorch, opset 13/14), every reduction over the last axis with keepdims:
//   mu = ReduceMean(x); d = Sub(x, mu); var = ReduceMean(Pow(d, 2));
//   n = Div(d, Sqrt(Add(var, eps))); y = Add(Mul(n, gamma), beta)
//   -> LayerNormalization(x, gamma, beta; axis -1, epsilon eps). Mul/Add may take their
//   operands in either order; without the Mul gamma is ones, without the Add there is no beta.
// Gelu, erf form: u = Div(x, sqrt 2) or Mul(x, 1/sqrt 2); a = Add(Erf(u), 1); then
//   Mul(Mul(x, a), 0.5) | Mul(Mul(a, 0.5), x) | Mul(Mul(x, 0.5), a)  (operands in any order)
// Gelu, tanh form: c = x^3 as Pow(x, 3) or Mul(x, Mul(x, x));
//   a = Add(Tanh(Mul(sqrt(2/pi), Add(x, Mul(0.044715, c)))), 1), then the same tail.
// Every intermediate must be read by its chain successor alone and be no graph output
// (d is read by exactly the Pow and the Div).
#include <algorithm>

#include "ir/ops/elementwise.hpp"
#include "ir/ops/reduce.hpp"
#include "ir/passes/fuse_util.hpp"
#include "ir/passes/passes.hpp"

namespace sf::ir {

namespace {

using fuse::other_operand;
using fuse::Rewriter;
using fuse::slot_of;
using fuse::sole_consumer_node;

constexpr double kSqrt2 = 1.4142135623730951;
constexpr double kSqrt2OverPi = 0.7978845608028654;
constexpr double kGeluCubic = 0.044715;

// True when `n` is a ReduceMean over the last axis of its input, with keepdims.
bool mean_over_last_axis(const Graph& g, const Node& n) {
  if (n.op != OpKind::kReduceMean || n.inputs.size() != 1) return false;
  const auto& a = n.attrs_as<ReduceAttrs>();
  const TypeInfo& t = g.value(n.inputs[0]).type;
  if (!a.keepdims || !a.axes || a.axes->size() != 1 || !t.shape) return false;
  const int64_t ax = (*a.axes)[0], r = static_cast<int64_t>(t.shape->size());
  return ax == -1 || ax == r - 1;
}

// A float32 constant of shape [c] (or [1, ..., 1, c]), as a value usable as LayerNorm's scale.
bool channel_constant(const Graph& g, ValueId v, int64_t c) {
  const Tensor* t = fuse::constant_of(g, v);
  if (!t || t->dtype() != DType::kF32 || t->rank() != 1) return false;
  return t->dim(0) == c;
}

Status match_layernorm(Rewriter& rw, size_t i, PassStats& stats) {
  const Graph& g = rw.graph_const();
  const Node& r1 = rw.node(i);
  if (!mean_over_last_axis(g, r1)) return Status::ok();
  const ValueId x = r1.inputs[0];
  const auto xs = fuse::static_shape(g, x);
  if (!xs || xs->empty() || !fuse::is_f32(g, x)) return Status::ok();
  const int64_t c = xs->back();
  const Node* sub = sole_consumer_node(rw, r1.outputs[0], OpKind::kSub);
  if (!sub || sub->inputs[0] != x || sub->inputs[1] != r1.outputs[0]) return Status::ok();
  const ValueId d = sub->outputs[0];
  if (rw.is_graph_output(d) || rw.readers(d).size() != 2) return Status::ok();
  const Node* pow = nullptr;
  const Node* div = nullptr;
  for (int k : rw.readers(d)) {
    const Node& n = rw.node(static_cast<size_t>(k));
    if (n.op == OpKind::kPow && n.inputs[0] == d && fuse::is_scalar(g, n.inputs[1], 2.0)) pow = &n;
    if (n.op == OpKind::kDiv && n.inputs[0] == d) div = &n;
  }
  if (!pow || !div) return Status::ok();
  const int r2i = rw.sole_consumer(pow->outputs[0]);
  if (r2i < 0 || !mean_over_last_axis(g, rw.node(static_cast<size_t>(r2i)))) return Status::ok();
  const Node& r2 = rw.node(static_cast<size_t>(r2i));
  const Node* add_eps = sole_consumer_node(rw, r2.outputs[0], OpKind::kAdd);
  if (!add_eps) return Status::ok();
  const auto eps = fuse::scalar_constant(g, other_operand(*add_eps, r2.outputs[0]));
  if (!eps || !(*eps >= 0)) return Status::ok();
  const Node* sqrt = sole_consumer_node(rw, add_eps->outputs[0], OpKind::kSqrt);
  if (!sqrt || rw.sole_consumer(sqrt->outputs[0]) != slot_of(rw, div) ||
      div->inputs[1] != sqrt->outputs[0])
    return Status::ok();
  std::vector<int> chain = {static_cast<int>(i),  slot_of(rw, sub),  slot_of(rw, pow), r2i,
                            slot_of(rw, add_eps), slot_of(rw, sqrt), slot_of(rw, div)};
  ValueId y = div->outputs[0];
  ValueId gamma = kNoValue, beta = kNoValue;
  if (const Node* mul = sole_consumer_node(rw, y, OpKind::kMul)) {
    const ValueId gv = other_operand(*mul, y);
    if (channel_constant(g, gv, c)) {
      gamma = gv;
      y = mul->outputs[0];
      chain.push_back(slot_of(rw, mul));
      if (const Node* add = sole_consumer_node(rw, y, OpKind::kAdd)) {
        const ValueId bv = other_operand(*add, y);
        if (channel_constant(g, bv, c)) {
          beta = bv;
          y = add->outputs[0];
          chain.push_back(slot_of(rw, add));
        }
      }
    }
  }
  if (gamma == kNoValue) {
    SF_ASSIGN_OR_RETURN(Tensor ones, Tensor::make(DType::kF32, {c}));
    for (int64_t k = 0; k < c; ++k) ones.data<float>()[k] = 1.0f;
    gamma = rw.add_constant(r1.name + "/layernorm_scale", std::move(ones));
  }
  std::vector<ValueId> in = {x, gamma};
  if (beta != kNoValue) in.push_back(beta);
  SF_ASSIGN_OR_RETURN(
      Node ln,
      fuse::make_node(
          OpKind::kLayerNormalization, rw.node(i).name + "/layernorm", 17, in, {y},
          {{"axis", fuse::int_attr(-1)}, {"epsilon", fuse::float_attr(static_cast<float>(*eps))}}));
  SF_TRY(fuse::replace_chain(rw, chain, std::move(ln)));
  ++stats.layernorms;
  return Status::ok();
}

// The tail shared by both Gelu forms: `a` = 1 + erf(..) or 1 + tanh(..) times x and 0.5 in
// any grouping. Appends the tail's nodes to `chain`; false when it does not match.
bool match_gelu_tail(const Rewriter& rw, ValueId a, ValueId x, std::vector<int>& chain) {
  const Graph& g = rw.graph_const();
  const Node* m1 = sole_consumer_node(rw, a, OpKind::kMul);
  if (!m1) return false;
  const ValueId o = other_operand(*m1, a);
  if (o == kNoValue) return false;
  if (o == x || fuse::is_scalar(g, o, 0.5)) {
    const Node* m2 = sole_consumer_node(rw, m1->outputs[0], OpKind::kMul);
    if (!m2) return false;
    const ValueId o2 = other_operand(*m2, m1->outputs[0]);
    if (!(o == x ? fuse::is_scalar(g, o2, 0.5) : o2 == x)) return false;
    chain.push_back(slot_of(rw, m1));
    chain.push_back(slot_of(rw, m2));
    return true;
  }
  const int h = rw.producer(o);
  if (h < 0 || rw.sole_consumer(o) != slot_of(rw, m1)) return false;
  const Node& half = rw.node(static_cast<size_t>(h));
  if (half.op != OpKind::kMul || !fuse::is_scalar(g, other_operand(half, x), 0.5)) return false;
  chain.push_back(h);
  chain.push_back(slot_of(rw, m1));
  return true;
}

// Add(v, 1) as v's only reader, or nullptr.
const Node* add_one(const Rewriter& rw, ValueId v) {
  const Node* a = sole_consumer_node(rw, v, OpKind::kAdd);
  return a && fuse::is_scalar(rw.graph_const(), other_operand(*a, v), 1.0) ? a : nullptr;
}

Status emit_gelu(Rewriter& rw, std::vector<int>& chain, ValueId x, bool tanh_form,
                 PassStats& stats) {
  // The tail's nodes were appended last but the head's slots may be later (Mul(x, 0.5) can come
  // first): the Gelu goes to the latest slot.
  std::sort(chain.begin(), chain.end());
  const Node& last = rw.node(static_cast<size_t>(chain.back()));
  AttrMap attrs;
  if (tanh_form) attrs["approximate"] = fuse::string_attr("tanh");
  SF_ASSIGN_OR_RETURN(Node gelu, fuse::make_node(OpKind::kGelu, last.name + "/gelu", 1, {x},
                                                 last.outputs, std::move(attrs)));
  SF_TRY(fuse::replace_chain(rw, chain, std::move(gelu)));
  ++stats.gelus;
  return Status::ok();
}

Status match_gelu_erf(Rewriter& rw, size_t i, PassStats& stats) {
  const Graph& g = rw.graph_const();
  const Node& erf = rw.node(i);
  const int p = rw.producer(erf.inputs[0]);
  if (p < 0 || rw.sole_consumer(erf.inputs[0]) != static_cast<int>(i)) return Status::ok();
  const Node& scale = rw.node(static_cast<size_t>(p));
  ValueId x = kNoValue;
  if (scale.op == OpKind::kDiv && fuse::is_scalar(g, scale.inputs[1], kSqrt2)) {
    x = scale.inputs[0];
  } else if (scale.op == OpKind::kMul) {
    for (size_t k = 0; k < 2 && x == kNoValue; ++k)
      if (fuse::is_scalar(g, scale.inputs[1 - k], 1.0 / kSqrt2)) x = scale.inputs[k];
  }
  if (x == kNoValue || !fuse::is_f32(g, x)) return Status::ok();
  const Node* a = add_one(rw, erf.outputs[0]);
  if (!a) return Status::ok();
  std::vector<int> chain = {p, static_cast<int>(i), slot_of(rw, a)};
  if (!match_gelu_tail(rw, a->outputs[0], x, chain)) return Status::ok();
  return emit_gelu(rw, chain, x, /*tanh_form=*/false, stats);
}

// x^3 as Pow(x, 3), Mul(x, Mul(x, x)) or Mul(Mul(x, x), x), read only by `consumer`; the
// nodes computing it are appended to `chain`.
bool is_cube_of(const Rewriter& rw, ValueId c, ValueId x, std::vector<int>& chain) {
  const Graph& g = rw.graph_const();
  const int p = rw.producer(c);
  if (p < 0) return false;
  const Node& n = rw.node(static_cast<size_t>(p));
  if (n.op == OpKind::kPow && n.inputs[0] == x && fuse::is_scalar(g, n.inputs[1], 3.0)) {
    chain.push_back(p);
    return true;
  }
  if (n.op != OpKind::kMul) return false;
  const ValueId sq = other_operand(n, x);
  const int q = rw.producer(sq);
  if (q < 0 || rw.sole_consumer(sq) != p) return false;
  const Node& sqn = rw.node(static_cast<size_t>(q));
  if (sqn.op != OpKind::kMul || sqn.inputs[0] != x || sqn.inputs[1] != x) return false;
  chain.push_back(q);
  chain.push_back(p);
  return true;
}

Status match_gelu_tanh(Rewriter& rw, size_t i, PassStats& stats) {
  const Graph& g = rw.graph_const();
  const Node& tanh = rw.node(i);
  const ValueId ti = tanh.inputs[0];
  const int pm = rw.producer(ti);
  if (pm < 0 || rw.sole_consumer(ti) != static_cast<int>(i)) return Status::ok();
  const Node& outer = rw.node(static_cast<size_t>(pm));
  if (outer.op != OpKind::kMul || outer.inputs.size() != 2) return Status::ok();
  ValueId inner = kNoValue;
  for (size_t k = 0; k < 2; ++k)
    if (fuse::is_scalar(g, outer.inputs[1 - k], kSqrt2OverPi)) inner = outer.inputs[k];
  const int pa = rw.producer(inner);
  if (pa < 0 || rw.sole_consumer(inner) != pm) return Status::ok();
  const Node& add = rw.node(static_cast<size_t>(pa));
  if (add.op != OpKind::kAdd || add.inputs.size() != 2) return Status::ok();
  for (size_t k = 0; k < 2; ++k) {
    const ValueId x = add.inputs[k], c3 = add.inputs[1 - k];
    const int pc = rw.producer(c3);
    if (pc < 0 || rw.sole_consumer(c3) != pa || !fuse::is_f32(g, x)) continue;
    const Node& cubic = rw.node(static_cast<size_t>(pc));
    if (cubic.op != OpKind::kMul || cubic.inputs.size() != 2) continue;
    std::vector<int> chain;
    bool cube = false;
    for (size_t j = 0; j < 2 && !cube; ++j) {
      const ValueId cv = cubic.inputs[j];
      if (!fuse::is_scalar(g, cubic.inputs[1 - j], kGeluCubic)) continue;
      if (rw.sole_consumer(cv) != pc) continue;
      cube = is_cube_of(rw, cv, x, chain);
    }
    if (!cube) continue;
    const Node* a = add_one(rw, tanh.outputs[0]);
    if (!a) return Status::ok();
    chain.insert(chain.end(), {pc, pa, pm, static_cast<int>(i), slot_of(rw, a)});
    if (!match_gelu_tail(rw, a->outputs[0], x, chain)) return Status::ok();
    return emit_gelu(rw, chain, x, /*tanh_form=*/true, stats);
  }
  return Status::ok();
}

}  // namespace

Status fuse_patterns(Graph& g, PassStats& stats) {
  if (fuse::has_subgraphs(g)) return Status::ok();
  Rewriter rw(g);
  for (size_t i = 0; i < rw.size(); ++i) {
    if (rw.dead(i)) continue;
    switch (rw.node(i).op) {
      case OpKind::kReduceMean:
        SF_TRY(match_layernorm(rw, i, stats));
        break;
      case OpKind::kErf:
        SF_TRY(match_gelu_erf(rw, i, stats));
        break;
      case OpKind::kTanh:
        SF_TRY(match_gelu_tanh(rw, i, stats));
        break;
      default:
        break;
    }
  }
  rw.finish();
  Rewriter rw2(g);
  for (size_t i = 0; i < rw2.size(); ++i)
    if (!rw2.dead(i) && rw2.node(i).op == OpKind::kSoftmax)
      SF_TRY(fuse::match_attention(rw2, i, stats));
  rw2.finish();
  return Status::ok();
}

}  // namespace sf::ir
