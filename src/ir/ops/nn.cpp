// nn ops: typed attributes, validation and inference.
//   MaxPool, AveragePool, LpPool, MaxUnpool        windowed pooling over 1 to 3 spatial dims
//   GlobalMaxPool, GlobalAveragePool, GlobalLpPool  pooling over all spatial dims
//   BatchNormalization, InstanceNormalization, LayerNormalization, LpNormalization,
//   MeanVarianceNormalization, LRN                  normalisations
//   Dropout                                         identity at inference, seeded mask in training
// Malformed attributes (missing kernel_shape, zero strides, negative pads, pads as large as the
// kernel, bad auto_pad strings, negative or NaN epsilon, ...) are refused here with the node's
// name; shape-dependent checks (rank vs kernel, kernel larger than the padded input, parameter
// shapes) run in inference, at load time when shapes are known and again at run time.
#include "ir/ops/nn.hpp"

#include <algorithm>
#include <cmath>

#include "ir/op_schema.hpp"

namespace sf::ir {

namespace {

constexpr int64_t kMaxPoolAttr = int64_t{1} << 31;  // bound on kernel/stride/dilation/pad values
constexpr int64_t kMaxPoolDim = int64_t{1} << 60;   // keeps window arithmetic inside int64

const std::initializer_list<DType> kFloatTypes = {DType::kF32, DType::kF64, DType::kF16,
                                                  DType::kBF16};

bool known(int64_t d) { return d >= 0; }

// ---------------------------------------------------------------------------------------------
// Attribute helpers

Status parse_flag(const AttrReader& r, const std::string& name, bool& out, int64_t def = 0) {
  SF_ASSIGN_OR_RETURN(int64_t v, r.get_int(name, def));
  if (v != 0 && v != 1) return r.error(name, "must be 0 or 1, got " + std::to_string(v));
  out = v != 0;
  return Status::ok();
}

Status parse_epsilon(const AttrReader& r, float def, float& out) {
  SF_ASSIGN_OR_RETURN(out, r.get_float("epsilon", def));
  if (!std::isfinite(out) || out < 0)
    return r.error("epsilon", "must be a finite value >= 0, got " + std::to_string(out));
  return Status::ok();
}

Status parse_finite(const AttrReader& r, const std::string& name, float def, float& out) {
  SF_ASSIGN_OR_RETURN(out, r.get_float(name, def));
  if (!std::isfinite(out)) return r.error(name, "must be finite, got " + std::to_string(out));
  return Status::ok();
}

// `p` of LpPool / GlobalLpPool: a float before opset 2, an int since; either kind is accepted.
Status parse_lp_p(const Node& node, double& out) {
  AttrReader r(node);
  auto it = node.raw_attrs.find("p");
  if (it != node.raw_attrs.end() && it->second.kind == Attribute::Kind::kFloat) {
    out = it->second.f;
  } else {
    SF_ASSIGN_OR_RETURN(int64_t p, r.get_int("p", 2));
    out = static_cast<double>(p);
  }
  if (!std::isfinite(out) || out <= 0)
    return r.error("p", "must be a finite value > 0, got " + std::to_string(out));
  return Status::ok();
}

// One positive entry per spatial dim, or all ones when absent.
Status parse_per_dim(const AttrReader& r, const std::string& name, size_t k,
                     std::vector<int64_t>& out) {
  SF_ASSIGN_OR_RETURN(out, r.get_ints(name));
  if (out.empty()) {
    out.assign(k, 1);
    return Status::ok();
  }
  if (out.size() != k)
    return r.error(name, "has " + std::to_string(out.size()) + " entries " + shape_str(out) +
                             ", expected " + std::to_string(k) + " (one per spatial dim)");
  for (int64_t v : out)
    if (v < 1 || v > kMaxPoolAttr)
      return r.error(name, "must hold values in [1, 2^31], got " + shape_str(out));
  return Status::ok();
}

Status parse_pads(const AttrReader& r, size_t k, std::vector<int64_t>& out) {
  SF_ASSIGN_OR_RETURN(out, r.get_ints("pads"));
  if (out.empty()) {
    out.assign(2 * k, 0);
    return Status::ok();
  }
  if (out.size() != 2 * k)
    return r.error("pads", "has " + std::to_string(out.size()) + " entries " + shape_str(out) +
                               ", expected " + std::to_string(2 * k) +
                               " (begin and end per spatial dim)");
  for (int64_t v : out)
    if (v < 0 || v > kMaxPoolAttr)
      return r.error("pads", "must hold values in [0, 2^31], got " + shape_str(out));
  return Status::ok();
}

Status parse_kernel_shape(const Node& node, std::vector<int64_t>& out) {
  AttrReader r(node);
  SF_ASSIGN_OR_RETURN(out, r.req_ints("kernel_shape"));
  if (out.empty()) return r.error("kernel_shape", "is empty");
  if (out.size() > 3)
    return unsupported(node.label() + ": kernel_shape " + shape_str(out) + " has " +
                       std::to_string(out.size()) + " spatial dims; 1 to 3 are supported");
  for (int64_t v : out)
    if (v < 1 || v > kMaxPoolAttr)
      return r.error("kernel_shape", "must hold values in [1, 2^31], got " + shape_str(out));
  return Status::ok();
}

// kernel_shape, strides, dilations, pads, auto_pad, ceil_mode of the windowed pools.
Status parse_pool_window(const Node& node, PoolAttrs& a, bool has_dilations, bool has_ceil) {
  AttrReader r(node);
  SF_TRY(parse_kernel_shape(node, a.kernel_shape));
  const size_t k = a.kernel_shape.size();
  SF_TRY(parse_per_dim(r, "strides", k, a.strides));
  if (has_dilations) {
    SF_TRY(parse_per_dim(r, "dilations", k, a.dilations));
  } else {
    a.dilations.assign(k, 1);
  }
  SF_TRY(parse_pads(r, k, a.pads));
  SF_ASSIGN_OR_RETURN(std::string ap, r.get_string("auto_pad", "NOTSET"));
  if (ap == "NOTSET" || ap.empty()) a.auto_pad = AutoPad::kNotSet;
  else if (ap == "SAME_UPPER") a.auto_pad = AutoPad::kSameUpper;
  else if (ap == "SAME_LOWER") a.auto_pad = AutoPad::kSameLower;
  else if (ap == "VALID") a.auto_pad = AutoPad::kValid;
  else
    return r.error("auto_pad", "must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '" + ap + "'");
  const bool any_pad = std::any_of(a.pads.begin(), a.pads.end(), [](int64_t v) { return v != 0; });
  if (a.auto_pad != AutoPad::kNotSet && any_pad)
    return r.error("pads", shape_str(a.pads) + " cannot be combined with auto_pad '" + ap + "'");
  // A pad as large as the window would give windows that see only padding.
  for (size_t i = 0; i < 2 * k; ++i) {
    const size_t d = i % k;
    const int64_t extent = (a.kernel_shape[d] - 1) * a.dilations[d] + 1;
    if (a.pads[i] >= extent)
      return r.error("pads", shape_str(a.pads) + ": pad " + std::to_string(a.pads[i]) +
                                 " of spatial dim " + std::to_string(d) +
                                 " is not smaller than the kernel extent " +
                                 std::to_string(extent));
  }
  if (has_ceil) SF_TRY(parse_flag(r, "ceil_mode", a.ceil_mode));
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Pooling

Status parse_max_pool(Node& node) {
  auto a = std::make_shared<PoolAttrs>();
  SF_TRY(parse_pool_window(node, *a, node.opset >= 10, node.opset >= 10));
  AttrReader r(node);
  SF_ASSIGN_OR_RETURN(a->storage_order, r.get_int("storage_order", 0));
  if (a->storage_order != 0 && a->storage_order != 1)
    return r.error("storage_order", "must be 0 or 1, got " + std::to_string(a->storage_order));
  if (node.opset < 8 && node.outputs.size() > 1)
    return invalid_model(node.label() + ": the Indices output needs opset 8 or later, model has " +
                         std::to_string(node.opset));
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_average_pool(Node& node) {
  auto a = std::make_shared<PoolAttrs>();
  // Dilations arrived at opset 19; they are accepted earlier as the same generalisation.
  SF_TRY(parse_pool_window(node, *a, true, node.opset >= 10));
  AttrReader r(node);
  if (node.opset >= 7) SF_TRY(parse_flag(r, "count_include_pad", a->count_include_pad));
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_lp_pool(Node& node) {
  auto a = std::make_shared<PoolAttrs>();
  SF_TRY(parse_pool_window(node, *a, true, true));
  SF_TRY(parse_lp_p(node, a->p));
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_max_unpool(Node& node) {
  auto a = std::make_shared<PoolAttrs>();
  AttrReader r(node);
  SF_TRY(parse_kernel_shape(node, a->kernel_shape));
  const size_t k = a->kernel_shape.size();
  SF_TRY(parse_per_dim(r, "strides", k, a->strides));
  SF_TRY(parse_pads(r, k, a->pads));
  a->dilations.assign(k, 1);
  node.attrs = std::move(a);
  return Status::ok();
}

// Checks input 0 is [N, C, spatial...] with one spatial dim per kernel entry.
Status check_pool_rank(InferContext& ctx, const PoolAttrs& a) {
  const size_t k = a.kernel_shape.size();
  if (static_cast<size_t>(ctx.rank(0)) != k + 2)
    return ctx.error("input 0 has shape " + shape_str(ctx.shape(0)) + " but kernel_shape " +
                     shape_str(a.kernel_shape) + " needs rank " + std::to_string(k + 2) +
                     " ([N, C, spatial...])");
  return Status::ok();
}

Status infer_pool(InferContext& ctx, std::initializer_list<DType> types) {
  SF_TRY(ctx.expect_dtype(0, types));
  const auto& a = ctx.node.attrs_as<PoolAttrs>();
  const DType dt = ctx.dtype(0);
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, dt, std::nullopt);
    ctx.set_output(1, DType::kI64, std::nullopt);
    return Status::ok();
  }
  SF_TRY(check_pool_rank(ctx, a));
  const Shape& in = ctx.shape(0);
  auto geom = pool_geometry(a, Shape(in.begin() + 2, in.end()));
  if (!geom) return ctx.error(geom.status().message());
  Shape out = {in[0], in[1]};
  for (const PoolDim& d : *geom) out.push_back(d.out);
  ctx.set_output(0, dt, out);
  ctx.set_output(1, DType::kI64, out);
  return Status::ok();
}

Status infer_max_pool(InferContext& ctx) {
  return infer_pool(ctx, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI8,
                          DType::kU8});
}

Status infer_float_pool(InferContext& ctx) { return infer_pool(ctx, kFloatTypes); }

Status infer_max_unpool(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, kFloatTypes));
  SF_TRY(ctx.expect_dtype(1, {DType::kI64}));
  SF_TRY(ctx.expect_dtype(2, {DType::kI64}));
  const auto& a = ctx.node.attrs_as<PoolAttrs>();
  const DType dt = ctx.dtype(0);
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, dt, std::nullopt);
    return Status::ok();
  }
  SF_TRY(check_pool_rank(ctx, a));
  const Shape& in = ctx.shape(0);
  if (ctx.shape_known(0) && ctx.shape_known(1) && ctx.shape(1) != in)
    return ctx.error("indices shape " + shape_str(ctx.shape(1)) + " differs from input shape " +
                     shape_str(in));
  const size_t k = a.kernel_shape.size();
  // Default size: (in - 1) * stride + kernel - pad_begin - pad_end.
  Shape out = {in[0], in[1]};
  for (size_t i = 0; i < k; ++i) {
    const int64_t x = in[i + 2];
    if (!known(x)) {
      out.push_back(kUnknownDim);
      continue;
    }
    int64_t o = 0;
    if (__builtin_mul_overflow(x - 1, a.strides[i], &o) ||
        __builtin_add_overflow(o, a.kernel_shape[i], &o))
      return ctx.error("unpooled size of spatial dim " + std::to_string(i) + " overflows (input " +
                       std::to_string(x) + ", stride " + std::to_string(a.strides[i]) + ")");
    o -= a.pads[i] + a.pads[i + k];
    if (o < 0)
      return ctx.error("pads " + shape_str(a.pads) + " exceed the unpooled size of spatial dim " +
                       std::to_string(i) + " (input " + std::to_string(x) + ")");
    out.push_back(o);
  }
  if (ctx.has(2)) {
    const Tensor* v = ctx.value(2);
    if (ctx.rank_known(2) && ctx.rank(2) != 1)
      return ctx.error("output_shape must be 1-D, got shape " + shape_str(ctx.shape(2)));
    if (!v) {
      ctx.set_output(0, dt, Shape(in.size(), kUnknownDim));
      return Status::ok();
    }
    if (v->numel() != static_cast<int64_t>(in.size()))
      return ctx.error("output_shape has " + std::to_string(v->numel()) +
                       " entries, expected the input rank " + std::to_string(in.size()));
    Shape given(in.size());
    for (size_t i = 0; i < in.size(); ++i) given[i] = v->int_at(static_cast<int64_t>(i));
    for (size_t i = 0; i < in.size(); ++i) {
      if (given[i] < 0) return ctx.error("output_shape " + shape_str(given) + " has a negative dim");
      if (i < 2 && known(in[i]) && given[i] != in[i])
        return ctx.error("output_shape " + shape_str(given) + " must keep N and C of input " +
                         shape_str(in));
    }
    out = given;
  }
  ctx.set_output(0, dt, out);
  return Status::ok();
}

Status parse_global_lp_pool(Node& node) {
  auto a = std::make_shared<GlobalPoolAttrs>();
  SF_TRY(parse_lp_p(node, a->p));
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_global_pool(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, kFloatTypes));
  SF_TRY(ctx.expect_rank(0, 2, static_cast<int64_t>(kMaxRank)));
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, ctx.dtype(0), std::nullopt);
    return Status::ok();
  }
  Shape out = ctx.shape(0);
  for (size_t i = 2; i < out.size(); ++i) out[i] = 1;
  ctx.set_output(0, ctx.dtype(0), out);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Normalisations

Status parse_batch_norm(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<BatchNormAttrs>();
  SF_TRY(parse_epsilon(r, 1e-5f, a->epsilon));
  SF_TRY(parse_finite(r, "momentum", 0.9f, a->momentum));
  if (node.opset < 9) SF_TRY(parse_flag(r, "spatial", a->spatial, 1));
  if (node.opset >= 14) SF_TRY(parse_flag(r, "training_mode", a->training));
  const size_t n_out = node.outputs.size();
  if (node.opset < 14 && n_out > 1)
    return unsupported(node.label() + ": the training outputs (mean, var, saved_mean, " +
                       "saved_var) of BatchNormalization before opset 14 are not supported; " +
                       "only inference with one output");
  if (node.opset >= 14 && n_out > 3)
    return invalid_model(node.label() + ": has " + std::to_string(n_out) +
                         " outputs, expected 1 or 3 at opset 14 and later");
  if (node.opset >= 14 && n_out > 1 && !a->training)
    return invalid_model(node.label() + ": outputs running_mean / running_var need " +
                         "training_mode=1");
  if (n_out == 2)
    return invalid_model(node.label() + ": has 2 outputs; running_mean and running_var come " +
                         "together");
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_batch_norm(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<BatchNormAttrs>();
  for (size_t i = 0; i < 5; ++i) SF_TRY(ctx.expect_dtype(i, kFloatTypes));
  SF_TRY(ctx.expect_rank(0, 2, static_cast<int64_t>(kMaxRank)));
  const DType dt = ctx.dtype(0);
  std::optional<Shape> y_shape;
  int64_t c = kUnknownDim;
  if (ctx.rank_known(0)) {
    y_shape = ctx.shape(0);
    c = ctx.shape(0)[1];
    // Parameters hold one value per channel, or per (C, D1, ...) element when spatial=0.
    Shape want = {c};
    if (!a.spatial) want.assign(ctx.shape(0).begin() + 1, ctx.shape(0).end());
    static const char* const kNames[] = {"X", "scale", "B", "mean", "var"};
    for (size_t i = 1; i < 5; ++i) {
      if (!ctx.rank_known(i)) continue;
      const Shape& s = ctx.shape(i);
      bool ok = s.size() == want.size();
      for (size_t d = 0; ok && d < s.size(); ++d)
        if (known(s[d]) && known(want[d]) && s[d] != want[d]) ok = false;
      if (!ok)
        return ctx.error(std::string("input ") + std::to_string(i) + " (" + kNames[i] +
                         ") has shape " + shape_str(s) + ", expected " + shape_str(want) +
                         " for input shape " + shape_str(ctx.shape(0)) +
                         (a.spatial ? "" : " with spatial=0"));
    }
  }
  ctx.set_output(0, dt, y_shape);
  ctx.set_output(1, ctx.dtype(3), Shape{c});
  ctx.set_output(2, ctx.dtype(4), Shape{c});
  return Status::ok();
}

Status parse_instance_norm(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<InstanceNormAttrs>();
  SF_TRY(parse_epsilon(r, 1e-5f, a->epsilon));
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_instance_norm(InferContext& ctx) {
  for (size_t i = 0; i < 3; ++i) SF_TRY(ctx.expect_dtype(i, kFloatTypes));
  SF_TRY(ctx.expect_rank(0, 2, static_cast<int64_t>(kMaxRank)));
  if (ctx.rank_known(0)) {
    const int64_t c = ctx.shape(0)[1];
    for (size_t i = 1; i < 3; ++i) {
      if (!ctx.rank_known(i)) continue;
      const Shape& s = ctx.shape(i);
      if (s.size() != 1 || (known(s[0]) && known(c) && s[0] != c))
        return ctx.error("input " + std::to_string(i) + " has shape " + shape_str(s) +
                         ", expected [" + std::to_string(c) + "] (one value per channel of " +
                         shape_str(ctx.shape(0)) + ")");
    }
  }
  ctx.set_output(0, ctx.dtype(0), ctx.rank_known(0) ? std::optional<Shape>(ctx.shape(0))
                                                      : std::nullopt);
  return Status::ok();
}

Status parse_layer_norm(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<LayerNormAttrs>();
  SF_ASSIGN_OR_RETURN(a->axis, r.get_int("axis", -1));
  SF_TRY(parse_epsilon(r, 1e-5f, a->epsilon));
  SF_ASSIGN_OR_RETURN(int64_t stash, r.get_int("stash_type", 1));
  const auto dt = stash >= INT32_MIN && stash <= INT32_MAX
                      ? dtype_from_onnx(static_cast<int32_t>(stash))
                      : std::nullopt;
  if (!dt || !dtype_is_float(*dt))
    return r.error("stash_type", "must name a floating-point type, got " + std::to_string(stash));
  a->stash = *dt;
  node.attrs = std::move(a);
  return Status::ok();
}

// Scale/B of LayerNormalization: broadcastable to the normalised shape X.shape[axis:] (leading
// size-1 dims beyond its rank are allowed).
Status check_layer_norm_param(InferContext& ctx, size_t i, const Shape& norm) {
  if (!ctx.rank_known(i)) return Status::ok();
  Shape s = ctx.shape(i);
  while (s.size() > norm.size() && s.front() == 1) s.erase(s.begin());
  bool ok = s.size() <= norm.size();
  for (size_t k = 0; ok && k < s.size(); ++k) {
    const int64_t p = s[s.size() - 1 - k], n = norm[norm.size() - 1 - k];
    if (known(p) && known(n) && p != 1 && p != n) ok = false;
  }
  if (!ok)
    return ctx.error("input " + std::to_string(i) + " has shape " + shape_str(ctx.shape(i)) +
                     ", which does not broadcast to the normalised shape " + shape_str(norm));
  return Status::ok();
}

Status infer_layer_norm(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<LayerNormAttrs>();
  for (size_t i = 0; i < 3; ++i) SF_TRY(ctx.expect_dtype(i, kFloatTypes));
  const DType dt = ctx.dtype(0);
  if (!ctx.rank_known(0)) {
    for (size_t o = 0; o < 3; ++o) ctx.set_output(o, o == 0 ? dt : a.stash, std::nullopt);
    return Status::ok();
  }
  const Shape& x = ctx.shape(0);
  auto axis = normalize_axis(a.axis, static_cast<int64_t>(x.size()));
  if (!axis) return ctx.error("axis " + std::to_string(a.axis) + " is out of range for input " +
                              shape_str(x));
  const auto ax = static_cast<size_t>(*axis);
  const Shape norm(x.begin() + static_cast<std::ptrdiff_t>(ax), x.end());
  SF_TRY(check_layer_norm_param(ctx, 1, norm));
  SF_TRY(check_layer_norm_param(ctx, 2, norm));
  Shape stat = x;
  for (size_t d = ax; d < stat.size(); ++d) stat[d] = 1;
  ctx.set_output(0, dt, x);
  ctx.set_output(1, a.stash, stat);
  ctx.set_output(2, a.stash, stat);
  return Status::ok();
}

Status parse_lp_norm(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<LpNormAttrs>();
  SF_ASSIGN_OR_RETURN(a->axis, r.get_int("axis", -1));
  SF_ASSIGN_OR_RETURN(a->p, r.get_int("p", 2));
  if (a->p != 1 && a->p != 2) return r.error("p", "must be 1 or 2, got " + std::to_string(a->p));
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_lp_norm(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<LpNormAttrs>();
  SF_TRY(ctx.expect_dtype(0, kFloatTypes));
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, ctx.dtype(0), std::nullopt);
    return Status::ok();
  }
  if (!normalize_axis(a.axis, ctx.rank(0)))
    return ctx.error("axis " + std::to_string(a.axis) + " is out of range for input " +
                     shape_str(ctx.shape(0)));
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
  return Status::ok();
}

Status parse_mvn(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<MvnAttrs>();
  if (node.opset < 9) {
    // Opset 1: per (N, C) over the spatial dims, or per N over C and spatial dims.
    bool across = false;
    SF_TRY(parse_flag(r, "across_channels", across));
    SF_TRY(parse_flag(r, "normalize_variance", a->normalize_variance, 1));
    a->axes = across ? std::vector<int64_t>{1, 2, 3} : std::vector<int64_t>{2, 3};
  } else {
    SF_ASSIGN_OR_RETURN(a->axes, r.get_ints("axes", {0, 2, 3}));
  }
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_mvn(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<MvnAttrs>();
  SF_TRY(ctx.expect_dtype(0, kFloatTypes));
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, ctx.dtype(0), std::nullopt);
    return Status::ok();
  }
  std::vector<bool> seen(static_cast<size_t>(ctx.rank(0)), false);
  for (int64_t ax : a.axes) {
    auto n = normalize_axis(ax, ctx.rank(0));
    if (!n) return ctx.error("axes " + shape_str(a.axes) + " are out of range for input " +
                             shape_str(ctx.shape(0)));
    if (seen[static_cast<size_t>(*n)])
      return ctx.error("axes " + shape_str(a.axes) + " name a dim twice");
    seen[static_cast<size_t>(*n)] = true;
  }
  ctx.set_output(0, ctx.dtype(0), ctx.shape(0));
  return Status::ok();
}

Status parse_lrn(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<LrnAttrs>();
  SF_ASSIGN_OR_RETURN(a->size, r.req_int("size"));
  if (a->size < 1 || a->size > kMaxPoolAttr)
    return r.error("size", "must be in [1, 2^31], got " + std::to_string(a->size));
  SF_TRY(parse_finite(r, "alpha", 1e-4f, a->alpha));
  SF_TRY(parse_finite(r, "beta", 0.75f, a->beta));
  SF_TRY(parse_finite(r, "bias", 1.0f, a->bias));
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_lrn(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, kFloatTypes));
  SF_TRY(ctx.expect_rank(0, 2, static_cast<int64_t>(kMaxRank)));
  ctx.set_output(0, ctx.dtype(0), ctx.rank_known(0) ? std::optional<Shape>(ctx.shape(0))
                                                      : std::nullopt);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Dropout

Status parse_dropout(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<DropoutAttrs>();
  if (node.opset < 12) {
    if (node.inputs.size() > 1)
      return invalid_model(node.label() + ": ratio and training_mode inputs need opset 12, " +
                           "model has " + std::to_string(node.opset));
    SF_ASSIGN_OR_RETURN(a->ratio, r.get_float("ratio", 0.5f));
    if (!(a->ratio >= 0 && a->ratio <= 1))
      return r.error("ratio", "must be in [0, 1], got " + std::to_string(a->ratio));
  } else if (r.has("seed")) {
    SF_ASSIGN_OR_RETURN(int64_t seed, r.req_int("seed"));
    a->seed = seed;
  }
  a->mask_is_bool = node.opset >= 10;
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_dropout(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<DropoutAttrs>();
  SF_TRY(ctx.expect_dtype(0, kFloatTypes));
  SF_TRY(ctx.expect_dtype(1, kFloatTypes));
  SF_TRY(ctx.expect_dtype(2, {DType::kBool}));
  for (size_t i = 1; i < 3; ++i)
    if (ctx.shape_known(i) && shape_numel_unchecked(ctx.shape(i)) != 1)
      return ctx.error(std::string(i == 1 ? "ratio" : "training_mode") +
                       " must be a scalar, got shape " + shape_str(ctx.shape(i)));
  std::optional<Shape> s;
  if (ctx.rank_known(0)) s = ctx.shape(0);
  ctx.set_output(0, ctx.dtype(0), s);
  ctx.set_output(1, a.mask_is_bool ? DType::kBool : ctx.dtype(0), s);
  return Status::ok();
}

}  // namespace

Status parse_max_pool_attrs(Node& node) { return parse_max_pool(node); }
Status parse_average_pool_attrs(Node& node) { return parse_average_pool(node); }

Result<std::vector<PoolDim>> pool_geometry(const PoolAttrs& a, const Shape& in) {
  const size_t k = a.kernel_shape.size();
  std::vector<PoolDim> dims(k);
  for (size_t i = 0; i < k; ++i) {
    const int64_t kern = a.kernel_shape[i], stride = a.strides[i];
    const int64_t extent = (kern - 1) * a.dilations[i] + 1;
    PoolDim& d = dims[i];
    const int64_t x = in[i];
    if (x > kMaxPoolDim)
      return invalid_model("spatial dim " + std::to_string(i) + " of size " + std::to_string(x) +
                           " is too large to pool");
    if (a.auto_pad == AutoPad::kSameUpper || a.auto_pad == AutoPad::kSameLower) {
      if (!known(x)) continue;
      d.out = (x + stride - 1) / stride;
      const int64_t total = std::max<int64_t>(0, (d.out - 1) * stride + extent - x);
      d.pad_begin = a.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
      continue;
    }
    const bool valid = a.auto_pad == AutoPad::kValid;
    const int64_t pb = valid ? 0 : a.pads[i], pe = valid ? 0 : a.pads[i + k];
    d.pad_begin = pb;
    if (!known(x)) continue;
    const int64_t padded = x + pb + pe;
    if (padded < extent)
      return invalid_model("kernel extent " + std::to_string(extent) + " (kernel " +
                           std::to_string(kern) + ", dilation " + std::to_string(a.dilations[i]) +
                           ") of spatial dim " + std::to_string(i) +
                           " is bigger than the padded input " + std::to_string(padded) +
                           " (input " + std::to_string(x) + ", pads " + std::to_string(pb) + "+" +
                           std::to_string(pe) + ")");
    const int64_t span = padded - extent;
    d.out = (a.ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    // Ceil mode: drop a last window that would start inside the end padding.
    if (a.ceil_mode && (d.out - 1) * stride >= x + pb) --d.out;
  }
  return dims;
}

void register_nn_schemas() {
  register_schema(OpKind::kMaxPool, {1, 1, 1, 2, 1, kMaxOpset, parse_max_pool, infer_max_pool});
  register_schema(OpKind::kAveragePool,
                  {1, 1, 1, 1, 1, kMaxOpset, parse_average_pool, infer_float_pool});
  register_schema(OpKind::kLpPool, {1, 1, 1, 1, 1, kMaxOpset, parse_lp_pool, infer_float_pool});
  register_schema(OpKind::kMaxUnpool,
                  {2, 3, 1, 1, 9, kMaxOpset, parse_max_unpool, infer_max_unpool});
  register_schema(OpKind::kGlobalMaxPool, {1, 1, 1, 1, 1, kMaxOpset, nullptr, infer_global_pool});
  register_schema(OpKind::kGlobalAveragePool,
                  {1, 1, 1, 1, 1, kMaxOpset, nullptr, infer_global_pool});
  register_schema(OpKind::kGlobalLpPool,
                  {1, 1, 1, 1, 1, kMaxOpset, parse_global_lp_pool, infer_global_pool});
  register_schema(OpKind::kBatchNormalization,
                  {5, 5, 1, 5, 1, kMaxOpset, parse_batch_norm, infer_batch_norm});
  register_schema(OpKind::kInstanceNormalization,
                  {3, 3, 1, 1, 1, kMaxOpset, parse_instance_norm, infer_instance_norm});
  // LayerNormalization entered the standard at opset 17; ONNX Runtime has long accepted it in
  // the default domain at older opsets (fused transformer exports), with the same semantics.
  register_schema(OpKind::kLayerNormalization,
                  {2, 3, 1, 3, 1, kMaxOpset, parse_layer_norm, infer_layer_norm});
  register_schema(OpKind::kLpNormalization,
                  {1, 1, 1, 1, 1, kMaxOpset, parse_lp_norm, infer_lp_norm});
  register_schema(OpKind::kMeanVarianceNormalization,
                  {1, 1, 1, 1, 1, kMaxOpset, parse_mvn, infer_mvn});
  register_schema(OpKind::kLRN, {1, 1, 1, 1, 1, kMaxOpset, parse_lrn, infer_lrn});
  register_schema(OpKind::kDropout, {1, 3, 1, 2, 1, kMaxOpset, parse_dropout, infer_dropout});
}

}  // namespace sf::ir
