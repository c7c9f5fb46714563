// Shape-only tensor ops (the data is copied unchanged or broadcast): Identity, Reshape,
// Flatten, Squeeze, Unsqueeze, Shape, Size, Expand, Tile.
#include <algorithm>
#include <limits>

#include "ir/ops/tensor_common.hpp"

namespace sf::ir::tensor_detail {

namespace {

std::optional<Shape> input_shape(const InferContext& ctx, size_t i) {
  if (!ctx.rank_known(i)) return std::nullopt;
  return ctx.shape(i);
}

// --- Identity ---

Status infer_identity(InferContext& ctx) {
  ctx.set_output(0, ctx.dtype(0), ctx.in[0].shape);
  return Status::ok();
}

// --- Reshape ---

Status parse_reshape(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<ReshapeAttrs>();
  if (node.opset < 5) {
    SF_ASSIGN_OR_RETURN(a->shape, r.req_ints("shape"));
    if (node.has_input(1)) return r.error("shape", "is an attribute before opset 5; got an input too");
  } else if (!node.has_input(1)) {
    return invalid_model(node.label() + ": the shape input is required from opset 5");
  }
  SF_ASSIGN_OR_RETURN(const int64_t allowzero, r.get_int("allowzero", 0));
  if (allowzero != 0 && allowzero != 1) return r.error("allowzero", "must be 0 or 1");
  a->allowzero = allowzero == 1;
  node.attrs = a;
  return Status::ok();
}

Status infer_reshape(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<ReshapeAttrs>();
  const DType dt = ctx.dtype(0);
  std::optional<std::vector<int64_t>> target = a.shape;
  if (!target) {
    SF_TRY(ctx.expect_rank(1, 1, 1));
    SF_ASSIGN_OR_RETURN(target, known_ints(ctx, 1, "shape"));
    if (!target) {
      SF_ASSIGN_OR_RETURN(const int64_t n, known_length(ctx, 1));
      ctx.set_output(0, dt, n >= 0 ? std::optional<Shape>(Shape(static_cast<size_t>(n), kUnknownDim))
                                   : std::nullopt);
      return Status::ok();
    }
  }
  const std::vector<int64_t>& spec = *target;
  if (spec.size() > kMaxRank)
    return ctx.error("shape " + ints_str(spec) + " has rank over " + std::to_string(kMaxRank));
  const std::optional<Shape> in = input_shape(ctx, 0);
  Shape out(spec.size(), kUnknownDim);
  int64_t infer_at = -1;
  bool has_zero = false;
  for (size_t i = 0; i < spec.size(); ++i) {
    const int64_t v = spec[i];
    if (v == -1) {
      if (infer_at >= 0) return ctx.error("shape " + ints_str(spec) + " has more than one -1");
      infer_at = static_cast<int64_t>(i);
    } else if (v == 0 && !a.allowzero) {
      if (in) {
        if (i >= in->size())
          return ctx.error("shape " + ints_str(spec) + ": 0 at position " + std::to_string(i) +
                           " copies an input dim, but the input " + shape_str(*in) + " has rank " +
                           std::to_string(in->size()));
        out[i] = (*in)[i];
      }
    } else if (v < -1) {
      return ctx.error("shape " + ints_str(spec) + " has invalid dim " + std::to_string(v));
    } else {
      has_zero |= v == 0;
      out[i] = v;
    }
  }
  if (a.allowzero && has_zero && infer_at >= 0)
    return ctx.error("shape " + ints_str(spec) + " has both 0 and -1 with allowzero=1");
  if (in && shape_is_static(*in)) {
    auto total = shape_numel(*in);
    if (!total) return with_node(ctx, total.status());
    Shape others = out;
    if (infer_at >= 0) others.erase(others.begin() + infer_at);
    auto known = shape_numel(others);
    if (!known) return with_node(ctx, known.status());
    const std::string what = "cannot reshape input of shape " + shape_str(*in) + " (" +
                             std::to_string(*total) + " elements) to " + ints_str(spec);
    if (infer_at >= 0) {
      if (*known == 0 || *total % *known != 0) return ctx.error(what);
      out[static_cast<size_t>(infer_at)] = *total / *known;
    } else if (*known != *total) {
      return ctx.error(what + " (" + std::to_string(*known) + " elements)");
    }
  }
  return set_checked_output(ctx, 0, dt, out);
}

// --- Flatten ---

Status parse_flatten(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<FlattenAttrs>();
  SF_ASSIGN_OR_RETURN(a->axis, r.get_int("axis", 1));
  if (node.opset < 11 && a->axis < 0) return r.error("axis", "must be >= 0 before opset 11");
  node.attrs = a;
  return Status::ok();
}

Status infer_flatten(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<FlattenAttrs>();
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, ctx.dtype(0), Shape{kUnknownDim, kUnknownDim});
    return Status::ok();
  }
  const Shape& in = ctx.shape(0);
  const int64_t r = ctx.rank(0);
  if (a.axis < -r || a.axis > r)
    return ctx.error("axis " + std::to_string(a.axis) + " is out of range for input " +
                     shape_str(in) + " (valid: [" + std::to_string(-r) + ", " + std::to_string(r) +
                     "])");
  const int64_t axis = a.axis < 0 ? a.axis + r : a.axis;
  Shape out{1, 1};
  for (int64_t i = 0; i < r; ++i) {
    int64_t& o = out[i < axis ? 0 : 1];
    const int64_t d = in[static_cast<size_t>(i)];
    if (o == kUnknownDim) continue;
    if (d == kUnknownDim) o = kUnknownDim;
    else if (__builtin_mul_overflow(o, d, &o))
      return ctx.error("element count of input " + shape_str(in) + " overflows int64");
  }
  ctx.set_output(0, ctx.dtype(0), out);
  return Status::ok();
}

// --- Squeeze / Unsqueeze ---

Status parse_axes_attr(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<AxesAttrs>();
  if (node.opset < 13) {
    if (r.has("axes")) {
      SF_ASSIGN_OR_RETURN(a->axes, r.get_ints("axes"));
    } else if (node.op == OpKind::kUnsqueeze) {
      return invalid_model(node.label() + ": missing required attribute 'axes'");
    }
    if (node.inputs.size() > 1)
      return invalid_model(node.label() + ": axes is an attribute before opset 13");
  } else if (node.op == OpKind::kUnsqueeze && !node.has_input(1)) {
    return invalid_model(node.label() + ": the axes input is required from opset 13");
  }
  node.attrs = a;
  return Status::ok();
}

// Normalised, duplicate-free axes for rank `rank`.
Result<std::vector<int64_t>> normalize_axes(const InferContext& ctx, const std::vector<int64_t>& axes,
                                            int64_t rank) {
  std::vector<int64_t> out;
  for (int64_t ax : axes) {
    auto n = normalize_axis(ax, rank);
    if (!n) return with_node(ctx, n.status());
    if (std::find(out.begin(), out.end(), *n) != out.end())
      return ctx.error("axes " + ints_str(axes) + " repeat axis " + std::to_string(*n));
    out.push_back(*n);
  }
  return out;
}

Status infer_squeeze(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<AxesAttrs>();
  std::optional<std::vector<int64_t>> axes = a.axes;
  const bool axes_given = axes.has_value() || ctx.has(1);
  if (!axes && ctx.has(1)) {
    SF_ASSIGN_OR_RETURN(axes, known_ints(ctx, 1, "axes"));
  }
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, ctx.dtype(0), std::nullopt);
    return Status::ok();
  }
  const Shape& in = ctx.shape(0);
  if (axes_given && !axes) {
    SF_ASSIGN_OR_RETURN(const int64_t n, known_length(ctx, 1));
    ctx.set_output(0, ctx.dtype(0),
                   n >= 0 && n <= ctx.rank(0)
                       ? std::optional<Shape>(Shape(static_cast<size_t>(ctx.rank(0) - n), kUnknownDim))
                       : std::nullopt);
    return Status::ok();
  }
  std::vector<bool> drop(in.size(), false);
  if (axes && axes->empty()) axes.reset();  // an empty axes input squeezes every 1 like none
  if (!axes) {
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] == kUnknownDim) {  // whether it is 1 decides the rank
        ctx.set_output(0, ctx.dtype(0), std::nullopt);
        return Status::ok();
      }
      drop[i] = in[i] == 1;
    }
  } else {
    SF_ASSIGN_OR_RETURN(const auto norm, normalize_axes(ctx, *axes, ctx.rank(0)));
    for (int64_t ax : norm) {
      const int64_t d = in[static_cast<size_t>(ax)];
      if (d != 1 && d != kUnknownDim)
        return ctx.error("cannot squeeze axis " + std::to_string(ax) + " of input " + shape_str(in) +
                         ": its size is " + std::to_string(d) + ", not 1");
      drop[static_cast<size_t>(ax)] = true;
    }
  }
  Shape out;
  for (size_t i = 0; i < in.size(); ++i)
    if (!drop[i]) out.push_back(in[i]);
  ctx.set_output(0, ctx.dtype(0), out);
  return Status::ok();
}

Status infer_unsqueeze(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<AxesAttrs>();
  std::optional<std::vector<int64_t>> axes = a.axes;
  if (!axes) {
    SF_ASSIGN_OR_RETURN(axes, known_ints(ctx, 1, "axes"));
  }
  if (!ctx.rank_known(0) || !axes) {
    SF_ASSIGN_OR_RETURN(const int64_t n, known_length(ctx, 1));
    if (ctx.rank_known(0) && ctx.rank(0) + n > static_cast<int64_t>(kMaxRank))
      return ctx.error("output rank " + std::to_string(ctx.rank(0) + n) + " exceeds " +
                       std::to_string(kMaxRank));
    ctx.set_output(0, ctx.dtype(0),
                   ctx.rank_known(0) && n >= 0
                       ? std::optional<Shape>(Shape(static_cast<size_t>(ctx.rank(0) + n), kUnknownDim))
                       : std::nullopt);
    return Status::ok();
  }
  const Shape& in = ctx.shape(0);
  const int64_t out_rank = ctx.rank(0) + static_cast<int64_t>(axes->size());
  if (out_rank > static_cast<int64_t>(kMaxRank))
    return ctx.error("output rank " + std::to_string(out_rank) + " exceeds " +
                     std::to_string(kMaxRank));
  SF_ASSIGN_OR_RETURN(const auto norm, normalize_axes(ctx, *axes, out_rank));
  Shape out(static_cast<size_t>(out_rank), 0);
  std::vector<bool> inserted(out.size(), false);
  for (int64_t ax : norm) inserted[static_cast<size_t>(ax)] = true;
  size_t k = 0;
  for (size_t i = 0; i < out.size(); ++i) out[i] = inserted[i] ? 1 : in[k++];
  ctx.set_output(0, ctx.dtype(0), out);
  return Status::ok();
}

// --- Shape / Size ---

Status parse_shape(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<ShapeAttrs>();
  if (node.opset >= 15) {
    SF_ASSIGN_OR_RETURN(a->start, r.get_int("start", 0));
    if (r.has("end")) {
      SF_ASSIGN_OR_RETURN(a->end, r.req_int("end"));
    }
  }
  node.attrs = a;
  return Status::ok();
}

Status infer_shape(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<ShapeAttrs>();
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, DType::kI64, Shape{kUnknownDim});
    return Status::ok();
  }
  const int64_t r = ctx.rank(0);
  auto clamp = [r](int64_t v) { return std::clamp(v < 0 ? v + r : v, int64_t{0}, r); };
  const int64_t start = clamp(a.start);
  const int64_t end = a.end ? clamp(*a.end) : r;
  ctx.set_output(0, DType::kI64, Shape{std::max<int64_t>(end - start, 0)});
  return Status::ok();
}

Status infer_size(InferContext& ctx) {
  ctx.set_output(0, DType::kI64, Shape{});
  return Status::ok();
}

// --- Expand ---

Status infer_expand(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(1, {DType::kI64}));
  SF_TRY(ctx.expect_rank(1, 1, 1));
  SF_ASSIGN_OR_RETURN(const auto target, known_ints(ctx, 1, "shape"));
  const DType dt = ctx.dtype(0);
  if (!target || !ctx.rank_known(0)) {
    SF_ASSIGN_OR_RETURN(const int64_t n, known_length(ctx, 1));
    if (n >= 0 && ctx.rank_known(0))
      ctx.set_output(0, dt, Shape(static_cast<size_t>(std::max(n, ctx.rank(0))), kUnknownDim));
    else
      ctx.set_output(0, dt, std::nullopt);
    return Status::ok();
  }
  if (target->size() > kMaxRank)
    return ctx.error("shape " + ints_str(*target) + " has rank over " + std::to_string(kMaxRank));
  for (int64_t d : *target)
    if (d < 0) return ctx.error("shape " + ints_str(*target) + " has a negative dim");
  auto out = broadcast_shapes(ctx.shape(0), *target);
  if (!out)
    return ctx.error("cannot expand input of shape " + shape_str(ctx.shape(0)) + " to " +
                     ints_str(*target) + ": " + out.status().message());
  return set_checked_output(ctx, 0, dt, *out);
}

// --- Tile ---

Status infer_tile(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(1, {DType::kI64}));
  SF_TRY(ctx.expect_rank(1, 1, 1));
  SF_ASSIGN_OR_RETURN(const auto repeats, known_ints(ctx, 1, "repeats"));
  const DType dt = ctx.dtype(0);
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, dt, std::nullopt);
    return Status::ok();
  }
  const Shape& in = ctx.shape(0);
  if (!repeats) {
    ctx.set_output(0, dt, Shape(in.size(), kUnknownDim));
    return Status::ok();
  }
  if (repeats->size() != in.size())
    return ctx.error("repeats " + ints_str(*repeats) + " must have one value per dim of input " +
                     shape_str(in));
  Shape out(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const int64_t rep = (*repeats)[i];
    if (rep < 0) return ctx.error("repeats " + ints_str(*repeats) + " has a negative value");
    if (in[i] == kUnknownDim) {
      out[i] = rep == 0 ? 0 : kUnknownDim;
      continue;
    }
    if (in[i] != 0 && rep > std::numeric_limits<int64_t>::max() / in[i])
      return ctx.error("tiling input " + shape_str(in) + " by " + ints_str(*repeats) +
                       " overflows int64");
    out[i] = in[i] * rep;
  }
  return set_checked_output(ctx, 0, dt, out);
}

}  // namespace

void register_shape_schemas() {
  register_schema(OpKind::kIdentity, {1, 1, 1, 1, 1, kMaxOpset, nullptr, infer_identity});
  register_schema(OpKind::kReshape, {1, 2, 1, 1, 1, kMaxOpset, parse_reshape, infer_reshape});
  register_schema(OpKind::kFlatten, {1, 1, 1, 1, 1, kMaxOpset, parse_flatten, infer_flatten});
  register_schema(OpKind::kSqueeze, {1, 2, 1, 1, 1, kMaxOpset, parse_axes_attr, infer_squeeze});
  register_schema(OpKind::kUnsqueeze, {1, 2, 1, 1, 1, kMaxOpset, parse_axes_attr, infer_unsqueeze});
  register_schema(OpKind::kShape, {1, 1, 1, 1, 1, kMaxOpset, parse_shape, infer_shape});
  register_schema(OpKind::kSize, {1, 1, 1, 1, 1, kMaxOpset, nullptr, infer_size});
  register_schema(OpKind::kExpand, {2, 2, 1, 1, 8, kMaxOpset, nullptr, infer_expand});
  register_schema(OpKind::kTile, {2, 2, 1, 1, 6, kMaxOpset, nullptr, infer_tile});
}

}  // namespace sf::ir::tensor_detail
