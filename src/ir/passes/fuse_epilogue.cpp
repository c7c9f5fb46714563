// absorb_epilogue (see fuse_util.hpp): residual Add, then activation, into a FusedConv or
// FusedMatMul. The fused node keeps its name and moves to the slot of the last node absorbed.
#include <optional>
#include <utility>

#include "core/activation.hpp"
#include "ir/op_schema.hpp"
#include "ir/ops/elementwise.hpp"
#include "ir/passes/fuse_util.hpp"

namespace sf::ir::fuse {

namespace {

constexpr size_t kResidualInput = 3;

// The activation that node `c` applies to its input, or nullopt (SiLU is matched by silu_of).
std::optional<ActivationSpec> activation_of(const Rewriter& rw, const Node& c) {
  const Graph& g = rw.graph_const();
  ActivationSpec a;
  switch (c.op) {
    case OpKind::kRelu:
      a.kind = Activation::kRelu;
      return a;
    case OpKind::kSigmoid:
      a.kind = Activation::kSigmoid;
      return a;
    case OpKind::kTanh:
      a.kind = Activation::kTanh;
      return a;
    case OpKind::kHardSwish:
      a.kind = Activation::kHardSwish;
      return a;
    case OpKind::kLeakyRelu:
      a.kind = Activation::kLeakyRelu;
      a.alpha = c.attrs_as<LeakyReluAttrs>().alpha;
      return a;
    case OpKind::kHardSigmoid:
      a.kind = Activation::kHardSigmoid;
      a.alpha = c.attrs_as<HardSigmoidAttrs>().alpha;
      a.beta = c.attrs_as<HardSigmoidAttrs>().beta;
      return a;
    case OpKind::kGelu:
      a.kind = c.attrs_as<GeluAttrs>().approximate == GeluApproximation::kTanh
                   ? Activation::kGeluTanh
                   : Activation::kGelu;
      return a;
    case OpKind::kClip: {
      // Before opset 11 the bounds are attributes (ClipAttrs); from 11 the node has none.
      const ClipAttrs bounds = c.attrs ? c.attrs_as<ClipAttrs>() : ClipAttrs{};
      a.kind = Activation::kClip;
      a.alpha = bounds.min;
      a.beta = bounds.max;
      // From opset 11 the bounds are optional inputs; only constant ones can be fused.
      for (size_t i = 1; i < c.inputs.size(); ++i) {
        if (c.inputs[i] == kNoValue) continue;
        const auto v = scalar_constant(g, c.inputs[i]);
        if (!v) return std::nullopt;
        (i == 1 ? a.alpha : a.beta) = static_cast<float>(*v);
      }
      return a;
    }
    default:
      return std::nullopt;
  }
}

Status set_activation(Node& n, const ActivationSpec& a) {
  n.raw_attrs["activation"] = string_attr(activation_name(a.kind));
  n.raw_attrs["activation_alpha"] = float_attr(a.alpha);
  n.raw_attrs["activation_beta"] = float_attr(a.beta);
  return parse_node(n);
}

// y -> Sigmoid -> Mul(y, sigmoid): the Mul node's slot and the Sigmoid's, or nullopt.
std::optional<std::pair<int, int>> silu_of(const Rewriter& rw, ValueId y) {
  if (rw.is_graph_output(y)) return std::nullopt;
  const auto& r = rw.readers(y);
  if (r.size() != 2 || r[0] == r[1]) return std::nullopt;
  for (int k = 0; k < 2; ++k) {
    const Node& s = rw.node(static_cast<size_t>(r[k]));
    const Node& m = rw.node(static_cast<size_t>(r[1 - k]));
    if (s.op != OpKind::kSigmoid || m.op != OpKind::kMul || m.inputs.size() != 2) continue;
    const ValueId sv = s.outputs[0];
    if (rw.sole_consumer(sv) != r[1 - k]) continue;
    if ((m.inputs[0] == y && m.inputs[1] == sv) || (m.inputs[0] == sv && m.inputs[1] == y))
      return std::make_pair(r[1 - k], r[k]);
  }
  return std::nullopt;
}

}  // namespace

Status absorb_epilogue(Rewriter& rw, size_t slot, PassStats& stats) {
  const Graph& g = rw.graph_const();
  // Residual.
  {
    const Node& f = rw.node(slot);
    const ValueId y = f.outputs[0];
    const int c = rw.sole_consumer(y);
    if (c >= 0 && !f.has_input(kResidualInput)) {
      const Node& add = rw.node(static_cast<size_t>(c));
      if (add.op == OpKind::kAdd && add.opset >= 7 && add.inputs.size() == 2) {
        const ValueId other = add.inputs[0] == y ? add.inputs[1] : add.inputs[0];
        const auto ys = static_shape(g, y), os = static_shape(g, other);
        const auto as = static_shape(g, add.outputs[0]);
        if (ys && os && as && *ys == *os && *as == *ys && is_f32(g, other)) {
          Node n = f;
          n.inputs.resize(kResidualInput + 1, kNoValue);
          n.inputs[kResidualInput] = other;
          n.outputs = add.outputs;
          rw.replace(static_cast<size_t>(c), std::move(n));
          rw.kill(slot);
          slot = static_cast<size_t>(c);
          ++stats.residuals_fused;
        }
      }
    }
  }
  // Activation.
  const Node& f = rw.node(slot);
  const ValueId y = f.outputs[0];
  const int c = rw.sole_consumer(y);
  if (c >= 0) {
    const Node& act_node = rw.node(static_cast<size_t>(c));
    const auto act = activation_of(rw, act_node);
    if (act && act_node.inputs[0] == y) {
      Node n = f;
      n.outputs = act_node.outputs;
      SF_TRY(set_activation(n, *act));
      rw.replace(static_cast<size_t>(c), std::move(n));
      rw.kill(slot);
      ++stats.activations_fused;
      return Status::ok();
    }
    return Status::ok();
  }
  if (const auto silu = silu_of(rw, y)) {
    Node n = f;
    n.outputs = rw.node(static_cast<size_t>(silu->first)).outputs;
    SF_TRY(set_activation(n, ActivationSpec{Activation::kSilu, 0.0f, 0.0f}));
    rw.replace(static_cast<size_t>(silu->first), std::move(n));
    rw.kill(static_cast<size_t>(silu->second));
    rw.kill(slot);
    ++stats.activations_fused;
  }
  return Status::ok();
}

}  // namespace sf::ir::fuse
