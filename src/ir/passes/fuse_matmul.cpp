// fuse_matmul: float32 MatMul and Gemm (transA = 0) become FusedMatMul
//   MatMul(A, B)            -> FusedMatMul(A, B)                  (B of rank >= 2)
//   Gemm(A, B, C)           -> FusedMatMul(A, B, bias | R; alpha, trans_b)
//       C absent or beta = 0: no bias; C constant of shape [N], [1, N] or one element: bias
//       beta * C as [N]; C non-constant of Y's shape [M, N] with beta = 1: the residual R.
//       Any other C keeps the Gemm.
// then a MatMul's following Add of a constant broadcast over the last dim ([N], [1, .., 1, N])
// becomes the bias, and absorb_epilogue takes a residual Add and an activation.
#include "ir/ops/linalg.hpp"
#include "ir/passes/fuse_util.hpp"
#include "ir/passes/passes.hpp"

namespace sf::ir {

namespace {

// A constant of shape [1, ..., 1, n] (rank >= 1) as a float32 [n] tensor times `scale`, or a
// one-element constant repeated n times; nullopt otherwise.
std::optional<Tensor> bias_vector(const Graph& g, ValueId v, int64_t n, float scale) {
  const Tensor* t = fuse::constant_of(g, v);
  if (!t || t->dtype() != DType::kF32 || n < 0) return std::nullopt;
  const Shape& s = t->shape();
  const bool one = t->numel() == 1;
  if (!one) {
    if (s.empty() || s.back() != n) return std::nullopt;
    for (size_t i = 0; i + 1 < s.size(); ++i)
      if (s[i] != 1) return std::nullopt;
  }
  Tensor b = Tensor::make(DType::kF32, {n}).value();
  for (int64_t i = 0; i < n; ++i) b.data<float>()[i] = t->data<float>()[one ? 0 : i] * scale;
  return b;
}

// The bias operand for `b` (the original value when it is already a float32 [n] constant and
// unscaled, else a new constant).
ValueId bias_value(fuse::Rewriter& rw, ValueId orig, Tensor b, const std::string& base,
                   float scale) {
  const Tensor* t = fuse::constant_of(rw.graph_const(), orig);
  if (scale == 1.0f && t->shape() == b.shape()) return orig;
  return rw.add_constant(base, std::move(b));
}

// Gemm -> FusedMatMul, or nullopt when its C or transA does not fit.
Result<std::optional<Node>> from_gemm(fuse::Rewriter& rw, const Node& n) {
  const Graph& g = rw.graph_const();
  const auto& a = n.attrs_as<GemmAttrs>();
  if (a.trans_a) return std::optional<Node>();
  AttrMap attrs = {{"alpha", fuse::float_attr(a.alpha)},
                   {"trans_b", fuse::int_attr(a.trans_b ? 1 : 0)}};
  std::vector<ValueId> in = {n.inputs[0], n.inputs[1]};
  if (n.has_input(2) && a.beta != 0.0f) {
    const ValueId c = n.inputs[2];
    const auto ys = fuse::static_shape(g, n.outputs[0]);
    if (!ys || ys->size() != 2) return std::optional<Node>();
    if (auto b = bias_vector(g, c, (*ys)[1], a.beta)) {
      in.push_back(bias_value(rw, c, std::move(*b), n.name + "/bias", a.beta));
    } else if (a.beta == 1.0f && fuse::is_f32(g, c) && fuse::static_shape(g, c) == ys) {
      in.push_back(kNoValue);
      in.push_back(c);
    } else {
      return std::optional<Node>();
    }
  }
  SF_ASSIGN_OR_RETURN(
      Node f, fuse::make_node(OpKind::kFusedMatMul, n.name, 1, in, n.outputs, std::move(attrs)));
  return std::optional<Node>(std::move(f));
}

// MatMul(A, B) in `slot` followed by Add(y, constant bias over the last dim): the bias joins the
// FusedMatMul, which moves to the Add's slot.
void absorb_bias(fuse::Rewriter& rw, size_t& slot, PassStats& stats) {
  const Graph& g = rw.graph_const();
  const Node& f = rw.node(slot);
  const ValueId y = f.outputs[0];
  const int c = rw.sole_consumer(y);
  if (c < 0) return;
  const Node& add = rw.node(static_cast<size_t>(c));
  if (add.op != OpKind::kAdd || add.opset < 7 || add.inputs.size() != 2) return;
  const ValueId other = add.inputs[0] == y ? add.inputs[1] : add.inputs[0];
  const auto ys = fuse::static_shape(g, y);
  const Tensor* t = fuse::constant_of(g, other);
  if (!ys || ys->empty() || !t || t->rank() > static_cast<int64_t>(ys->size())) return;
  auto b = bias_vector(g, other, ys->back(), 1.0f);
  if (!b || fuse::static_shape(g, add.outputs[0]) != ys) return;
  Node n = f;
  n.inputs.resize(2);
  n.inputs.push_back(bias_value(rw, other, std::move(*b), f.name + "/bias", 1.0f));
  n.outputs = add.outputs;
  rw.replace(static_cast<size_t>(c), std::move(n));
  rw.kill(slot);
  slot = static_cast<size_t>(c);
  ++stats.biases_fused;
}

}  // namespace

Status fuse_matmul(Graph& g, PassStats& stats) {
  if (fuse::has_subgraphs(g)) return Status::ok();
  fuse::Rewriter rw(g);
  for (size_t i = 0; i < rw.size(); ++i) {
    if (rw.dead(i)) continue;
    const Node& n = rw.node(i);
    if ((n.op != OpKind::kMatMul && n.op != OpKind::kGemm) || n.outputs.size() != 1 ||
        !fuse::is_f32(g, n.inputs[0]) || !fuse::is_f32(g, n.inputs[1]))
      continue;
    const TypeInfo& bt = g.value(n.inputs[1]).type;
    const TypeInfo& at = g.value(n.inputs[0]).type;
    if (!at.shape || at.shape->empty() || !bt.shape || bt.shape->size() < 2) continue;
    size_t slot = i;
    if (n.op == OpKind::kGemm) {
      SF_ASSIGN_OR_RETURN(std::optional<Node> f, from_gemm(rw, n));
      if (!f) continue;
      const bool has_bias = f->has_input(2);
      rw.replace(i, std::move(*f));
      if (has_bias) ++stats.biases_fused;
    } else {
      SF_ASSIGN_OR_RETURN(Node f,
                          fuse::make_node(OpKind::kFusedMatMul, n.name, 1, n.inputs, n.outputs));
      rw.replace(i, std::move(f));
      absorb_bias(rw, slot, stats);
    }
    ++stats.matmuls_fused;
    SF_TRY(fuse::absorb_epilogue(rw, slot, stats));
  }
  rw.finish();
  return Status::ok();
}

}  // namespace sf::ir
