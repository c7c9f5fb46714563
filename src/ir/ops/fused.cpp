// Schemas of the internal fused ops (see fused.hpp for their semantics):
//   FusedConv    X, W, [B], [R] -> Y    conv + bias + residual + activation, NCHW or NHWC
//   FusedMatMul  A, B, [bias], [R] -> Y  alpha * matmul + bias + residual + activation
//   Attention    Q, K, V, [mask] -> Y    softmax(scale * Q K^T + mask [+ causal]) V
// They come from the fusion passes, which build them from raw attributes like any loaded node
// (so tests can build them the same way):
//   FusedConv:   ONNX Conv attributes, "activation" (activation_name(): "relu", "clip", ...),
//                "activation_alpha", "activation_beta" (floats), "channels_last" (0/1)
//   FusedMatMul: "activation", "activation_alpha", "activation_beta", "alpha" (float, 1),
//                "trans_b" (0/1)
//   Attention:   "scale" (float, 1), "causal" (0/1), "k_transposed" (0/1)
// Only float32 is accepted: the passes fuse float32 graphs only.
#include "ir/ops/fused.hpp"

#include <string>

#include "ir/op_schema.hpp"
#include "ir/ops/families.hpp"

namespace sf::ir {

namespace {

bool known(int64_t d) { return d >= 0; }
bool dims_agree(int64_t a, int64_t b) { return !known(a) || !known(b) || a == b; }

Status parse_flag(const AttrReader& r, const std::string& name, bool& out) {
  SF_ASSIGN_OR_RETURN(int64_t v, r.get_int(name, 0));
  if (v != 0 && v != 1) return r.error(name, "must be 0 or 1, got " + std::to_string(v));
  out = v != 0;
  return Status::ok();
}

Status parse_activation_attrs(const AttrReader& r, ActivationSpec& act) {
  SF_ASSIGN_OR_RETURN(std::string name, r.get_string("activation", "none"));
  if (!parse_activation(name, act.kind))
    return r.error("activation", "unknown activation '" + name + "'");
  SF_ASSIGN_OR_RETURN(act.alpha, r.get_float("activation_alpha", 0.0f));
  SF_ASSIGN_OR_RETURN(act.beta, r.get_float("activation_beta", 0.0f));
  return Status::ok();
}

Status parse_fused_conv(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<FusedConvAttrs>();
  SF_TRY(parse_conv_attrs(node, /*transpose=*/false, a.get()));
  SF_TRY(parse_activation_attrs(r, a->act));
  SF_TRY(parse_flag(r, "channels_last", a->channels_last));
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_fused_matmul(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<FusedMatMulAttrs>();
  SF_TRY(parse_activation_attrs(r, a->act));
  SF_ASSIGN_OR_RETURN(a->alpha, r.get_float("alpha", 1.0f));
  SF_TRY(parse_flag(r, "trans_b", a->trans_b));
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_attention(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<AttentionAttrs>();
  SF_ASSIGN_OR_RETURN(a->scale, r.get_float("scale", 1.0f));
  SF_TRY(parse_flag(r, "causal", a->causal));
  SF_TRY(parse_flag(r, "k_transposed", a->k_transposed));
  node.attrs = std::move(a);
  return Status::ok();
}

Status expect_f32(const InferContext& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i) SF_TRY(ctx.expect_dtype(i, {DType::kF32}));
  return Status::ok();
}

// Input i (when present and of known rank) must have `want`'s shape, dim by known dim.
Status expect_shape_of(const InferContext& ctx, size_t i, const Shape& want, const char* what) {
  if (!ctx.rank_known(i)) return Status::ok();
  const Shape& s = ctx.shape(i);
  bool same = s.size() == want.size();
  for (size_t d = 0; same && d < s.size(); ++d) same = dims_agree(s[d], want[d]);
  if (!same)
    return ctx.error(std::string(what) + " (input " + std::to_string(i) + ") has shape " +
                     shape_str(s) + ", expected the output's " + shape_str(want));
  return Status::ok();
}

Status infer_fused_conv(InferContext& ctx) {
  SF_TRY(expect_f32(ctx));
  const auto& a = ctx.node.attrs_as<FusedConvAttrs>();
  if (!ctx.rank_known(0) || !ctx.rank_known(1)) {
    ctx.set_output(0, DType::kF32, std::nullopt);
    return Status::ok();
  }
  const Shape& xs = ctx.shape(0);
  const Shape& w = ctx.shape(1);
  if (xs.size() < 3 || w.size() != xs.size())
    return ctx.error("X " + shape_str(xs) + " and W " + shape_str(w) +
                     " must have the same rank, at least 3");
  // The convolution's view of X: [N, C, spatial...] whatever the stored layout.
  Shape x = xs;
  if (a.channels_last) {
    x = {xs[0], xs.back()};
    x.insert(x.end(), xs.begin() + 1, xs.end() - 1);
  }
  const int64_t g = a.group, c = x[1], m = w[0];
  if (known(c) && known(w[1]) && c != w[1] * g)
    return ctx.error("X has " + std::to_string(c) + " channels but W " + shape_str(w) +
                     " with group " + std::to_string(g) + " expects " + std::to_string(w[1] * g));
  if (known(m) && m % g != 0)
    return ctx.error("W " + shape_str(w) + " has " + std::to_string(m) +
                     " output channels, not divisible by group " + std::to_string(g));
  if (ctx.has(2)) {
    SF_TRY(ctx.expect_rank(2, 1, 1));
    if (ctx.rank_known(2) && !dims_agree(ctx.shape(2)[0], m))
      return ctx.error("bias has " + std::to_string(ctx.shape(2)[0]) + " elements, expected " +
                       std::to_string(m) + " (output channels)");
  }
  const Shape in_sp(x.begin() + 2, x.end()), k_sp(w.begin() + 2, w.end());
  SF_ASSIGN_OR_RETURN(ConvGeometry geo, conv_geometry(a, in_sp, k_sp, ctx.node.label()));
  Shape out = {x[0]};
  if (!a.channels_last) out.push_back(m);
  out.insert(out.end(), geo.out.begin(), geo.out.end());
  if (a.channels_last) out.push_back(m);
  if (ctx.has(3)) SF_TRY(expect_shape_of(ctx, 3, out, "residual"));
  ctx.set_output(0, DType::kF32, out);
  return Status::ok();
}

Status infer_fused_matmul(InferContext& ctx) {
  SF_TRY(expect_f32(ctx));
  const auto& a = ctx.node.attrs_as<FusedMatMulAttrs>();
  if (!ctx.rank_known(0) || !ctx.rank_known(1)) {
    ctx.set_output(0, DType::kF32, std::nullopt);
    return Status::ok();
  }
  Shape as = ctx.shape(0), bs = ctx.shape(1);
  if (as.empty() || bs.empty())
    return ctx.error("inputs must have rank >= 1, got " + shape_str(as) + " and " + shape_str(bs));
  if (a.trans_b) {
    if (bs.size() < 2) return ctx.error("trans_b needs B of rank >= 2, got " + shape_str(bs));
    std::swap(bs[bs.size() - 1], bs[bs.size() - 2]);
  }
  // NumPy matmul on A and op(B): 1-D operands are promoted and the promoted dim dropped.
  const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  if (a_vec) as.insert(as.begin(), 1);
  if (b_vec) bs.push_back(1);
  const int64_t k_a = as.back(), k_b = bs[bs.size() - 2];
  if (!dims_agree(k_a, k_b))
    return ctx.error("inner dims differ: " + shape_str(ctx.shape(0)) + " x op(B) " + shape_str(bs) +
                     " (" + std::to_string(k_a) + " vs " + std::to_string(k_b) + ")");
  auto batch = broadcast_shapes(Shape(as.begin(), as.end() - 2), Shape(bs.begin(), bs.end() - 2));
  if (!batch) return ctx.error("batch dims do not broadcast: " + batch.status().message());
  Shape out = *batch;
  if (!a_vec) out.push_back(as[as.size() - 2]);
  if (!b_vec) out.push_back(bs.back());
  if (ctx.has(2)) {
    SF_TRY(ctx.expect_rank(2, 1, 1));
    if (b_vec) return ctx.error("a bias needs B of rank >= 2, got " + shape_str(ctx.shape(1)));
    if (ctx.rank_known(2) && !dims_agree(ctx.shape(2)[0], bs.back()))
      return ctx.error("bias has " + std::to_string(ctx.shape(2)[0]) + " elements, expected " +
                       std::to_string(bs.back()) + " (the output's last dim)");
  }
  if (ctx.has(3)) SF_TRY(expect_shape_of(ctx, 3, out, "residual"));
  ctx.set_output(0, DType::kF32, out);
  return Status::ok();
}

Status infer_attention(InferContext& ctx) {
  SF_TRY(expect_f32(ctx));
  const auto& a = ctx.node.attrs_as<AttentionAttrs>();
  for (size_t i = 0; i < 3; ++i) SF_TRY(ctx.expect_rank(i, 4, 4));
  if (!ctx.rank_known(0) || !ctx.rank_known(1) || !ctx.rank_known(2)) {
    ctx.set_output(0, DType::kF32, std::nullopt);
    return Status::ok();
  }
  const Shape& q = ctx.shape(0);
  const Shape& k = ctx.shape(1);
  const Shape& v = ctx.shape(2);
  const int64_t k_len = a.k_transposed ? k[3] : k[2];
  const int64_t k_depth = a.k_transposed ? k[2] : k[3];
  const std::string shapes = "Q " + shape_str(q) + ", K " + shape_str(k) +
                             (a.k_transposed ? " (transposed)" : "") + ", V " + shape_str(v);
  for (size_t d = 0; d < 2; ++d)
    if (!dims_agree(q[d], k[d]) || !dims_agree(q[d], v[d]))
      return ctx.error("batch and head dims differ: " + shapes);
  if (!dims_agree(q[3], k_depth)) return ctx.error("Q and K head sizes differ: " + shapes);
  if (!dims_agree(k_len, v[2])) return ctx.error("K and V lengths differ: " + shapes);
  if (a.causal && known(q[2]) && known(k_len) && k_len < q[2])
    return ctx.error("causal attention needs at least as many keys as queries: " + shapes);
  const Shape scores = {q[0], q[1], q[2], k_len};
  if (ctx.has(3) && ctx.rank_known(3)) {
    const Shape& m = ctx.shape(3);
    bool fits = m.size() <= 4;
    for (size_t i = 0; fits && i < m.size(); ++i) {
      const int64_t md = m[m.size() - 1 - i], sd = scores[3 - i];
      fits = !known(md) || md == 1 || dims_agree(md, sd);
    }
    if (!fits)
      return ctx.error("mask " + shape_str(m) + " does not broadcast to the scores " +
                       shape_str(scores) + " (" + shapes + ")");
  }
  ctx.set_output(0, DType::kF32, Shape{q[0], q[1], q[2], v[3]});
  return Status::ok();
}

}  // namespace

void register_fused_schemas() {
  // Internal ops are versioned with steadfast itself: any opset (the passes give them 1).
  register_schema(OpKind::kFusedConv,
                  {2, 4, 1, 1, 1, kMaxOpset, parse_fused_conv, infer_fused_conv});
  register_schema(OpKind::kFusedMatMul,
                  {2, 4, 1, 1, 1, kMaxOpset, parse_fused_matmul, infer_fused_matmul});
  register_schema(OpKind::kAttention, {3, 4, 1, 1, 1, kMaxOpset, parse_attention, infer_attention});
}

}  // namespace sf::ir
