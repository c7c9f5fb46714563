// Tensor ops that move data between positions: Transpose, Concat, Split, Slice, Pad,
// DepthToSpace, SpaceToDepth. Also the Slice/Pad/Split plans shared with the kernels.
#include <algorithm>
#include <limits>

#include "ir/ops/tensor_common.hpp"

namespace sf::ir {

using tensor_detail::ints_str;

Result<SlicePlan> slice_plan(const Node& node, const Shape& in, const Tensor* starts_t,
                             const Tensor* ends_t, const Tensor* axes_t, const Tensor* steps_t) {
  std::vector<int64_t> starts, ends, axes, steps;
  bool has_axes = false;
  if (node.opset < 10) {
    const auto& a = node.attrs_as<SliceAttrs>();
    starts = a.starts;
    ends = a.ends;
    if (a.axes) axes = *a.axes, has_axes = true;
  } else {
    if (!starts_t || !ends_t) return invalid_model("starts and ends are required");
    SF_ASSIGN_OR_RETURN(starts, tensor_to_ints(*starts_t, "starts"));
    SF_ASSIGN_OR_RETURN(ends, tensor_to_ints(*ends_t, "ends"));
    if (axes_t) {
      SF_ASSIGN_OR_RETURN(axes, tensor_to_ints(*axes_t, "axes"));
      has_axes = true;
    }
    if (steps_t) {
      SF_ASSIGN_OR_RETURN(steps, tensor_to_ints(*steps_t, "steps"));
    }
  }
  const size_t n = starts.size();
  const int64_t rank = static_cast<int64_t>(in.size());
  if (ends.size() != n || (has_axes && axes.size() != n) || (steps_t && steps.size() != n))
    return invalid_model("starts " + ints_str(starts) + ", ends " + ints_str(ends) +
                         (has_axes ? ", axes " + ints_str(axes) : "") +
                         (steps_t ? ", steps " + ints_str(steps) : "") + " differ in length");
  if (static_cast<int64_t>(n) > rank)
    return invalid_model("starts " + ints_str(starts) + " has more values than the input rank " +
                         std::to_string(rank));
  if (!has_axes)
    for (size_t k = 0; k < n; ++k) axes.push_back(static_cast<int64_t>(k));
  if (!steps_t) steps.assign(n, 1);
  SlicePlan p;
  p.out_shape = in;
  p.start.assign(in.size(), 0);
  p.step.assign(in.size(), 1);
  std::vector<bool> seen(in.size(), false);
  for (size_t k = 0; k < n; ++k) {
    SF_ASSIGN_OR_RETURN(const int64_t ax, normalize_axis(axes[k], rank));
    const auto a = static_cast<size_t>(ax);
    if (seen[a]) return invalid_model("axes " + ints_str(axes) + " repeat axis " + std::to_string(ax));
    seen[a] = true;
    const int64_t step = steps[k];
    if (step == 0) return invalid_model("steps " + ints_str(steps) + " has a 0");
    const int64_t dim = in[a];
    p.step[a] = step;
    if (dim == kUnknownDim) {
      p.out_shape[a] = kUnknownDim;
      continue;
    }
    int64_t s = starts[k], e = ends[k];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    int64_t len = 0;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      len = e > s ? (e - s - 1) / step + 1 : 0;
    } else if (dim > 0) {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      if (s > e) len = step == std::numeric_limits<int64_t>::min() ? 1 : (s - e - 1) / -step + 1;
    } else {
      s = 0;
    }
    p.start[a] = len > 0 ? s : 0;
    if (len <= 1) p.step[a] = 1;  // one element: the step is never applied (and may be huge)
    p.out_shape[a] = len;
  }
  return p;
}

Result<std::vector<int64_t>> pad_amounts(const Node& node, int64_t rank, const Tensor* pads_t) {
  std::vector<int64_t> pads;
  if (node.opset < 11) {
    pads = *node.attrs_as<PadAttrs>().pads;
  } else {
    if (!pads_t) return invalid_model("the pads input is required from opset 11");
    SF_ASSIGN_OR_RETURN(pads, tensor_to_ints(*pads_t, "pads"));
  }
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return invalid_model("pads " + ints_str(pads) + " must have 2 * rank = " +
                         std::to_string(2 * rank) + " values");
  // Bounded so that index arithmetic on output positions (o - begin) cannot overflow.
  constexpr int64_t kMaxPad = int64_t{1} << 62;
  for (int64_t p : pads)
    if (p < -kMaxPad || p > kMaxPad) return invalid_model("pads " + ints_str(pads) + " are too large");
  return pads;
}

Result<std::vector<int64_t>> split_sizes(const Node& node, int64_t dim, size_t n_outputs,
                                         const Tensor* split_input) {
  std::optional<std::vector<int64_t>> split = node.attrs_as<SplitAttrs>().split;
  if (!split && split_input) {
    SF_ASSIGN_OR_RETURN(split, tensor_to_ints(*split_input, "split"));
  }
  if (split && split->empty()) split.reset();  // an empty list means "not given"
  const auto n = static_cast<int64_t>(n_outputs);
  if (!split) {
    if (dim % n != 0)
      return invalid_model("axis of size " + std::to_string(dim) + " cannot be split into " +
                           std::to_string(n) + " equal parts");
    return std::vector<int64_t>(n_outputs, dim / n);
  }
  if (split->size() != n_outputs)
    return invalid_model("split " + ints_str(*split) + " has " + std::to_string(split->size()) +
                         " values for " + std::to_string(n) + " outputs");
  int64_t sum = 0;
  for (int64_t v : *split) {
    if (v < 0 || v > dim - sum)
      return invalid_model("split " + ints_str(*split) + " does not add up to the axis size " +
                           std::to_string(dim));
    sum += v;
  }
  if (sum != dim)
    return invalid_model("split " + ints_str(*split) + " adds up to " + std::to_string(sum) +
                         ", not to the axis size " + std::to_string(dim));
  return *split;
}

namespace tensor_detail {

namespace {

// --- Transpose ---

Status parse_transpose(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<TransposeAttrs>();
  if (r.has("perm")) {
    SF_ASSIGN_OR_RETURN(a->perm, r.get_ints("perm"));
  }
  node.attrs = a;
  return Status::ok();
}

Status infer_transpose(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<TransposeAttrs>();
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, ctx.dtype(0),
                   a.perm ? std::optional<Shape>(Shape(a.perm->size(), kUnknownDim)) : std::nullopt);
    return Status::ok();
  }
  const Shape& in = ctx.shape(0);
  Shape out(in.size());
  if (!a.perm) {
    std::reverse_copy(in.begin(), in.end(), out.begin());
  } else {
    const std::vector<int64_t>& p = *a.perm;
    std::vector<bool> seen(in.size(), false);
    if (p.size() != in.size())
      return ctx.error("perm " + ints_str(p) + " does not match input rank " +
                       std::to_string(in.size()));
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i] < 0 || p[i] >= static_cast<int64_t>(in.size()) || seen[static_cast<size_t>(p[i])])
        return ctx.error("perm " + ints_str(p) + " is not a permutation of the input dims");
      seen[static_cast<size_t>(p[i])] = true;
      out[i] = in[static_cast<size_t>(p[i])];
    }
  }
  ctx.set_output(0, ctx.dtype(0), out);
  return Status::ok();
}

// --- Concat ---

Status parse_axis_attr(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<AxisAttrs>();
  if (node.op == OpKind::kConcat && node.opset >= 4) {
    SF_ASSIGN_OR_RETURN(a->axis, r.req_int("axis"));
  } else {
    SF_ASSIGN_OR_RETURN(a->axis, r.get_int("axis", node.op == OpKind::kConcat ? 1 : 0));
  }
  node.attrs = a;
  return Status::ok();
}

Status infer_concat(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<AxisAttrs>();
  const DType dt = ctx.dtype(0);
  std::optional<Shape> out;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has(i)) return ctx.error("input " + std::to_string(i) + " is empty");
    if (ctx.dtype(i) != dt)
      return ctx.error(std::string("inputs have different types: ") + dtype_name(dt) + " and " +
                       dtype_name(ctx.dtype(i)));
    if (ctx.rank_known(i) && !out) out = ctx.shape(i);
  }
  if (!out) {
    ctx.set_output(0, dt, std::nullopt);
    return Status::ok();
  }
  const int64_t rank = static_cast<int64_t>(out->size());
  if (rank == 0) return ctx.error("cannot concatenate scalars");
  auto ax = normalize_axis(a.axis, rank);
  if (!ax) return with_node(ctx, ax.status());
  const auto axis = static_cast<size_t>(*ax);
  int64_t sum = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.rank_known(i)) {
      sum = kUnknownDim;
      continue;
    }
    const Shape& s = ctx.shape(i);
    if (static_cast<int64_t>(s.size()) != rank)
      return ctx.error("input " + std::to_string(i) + " has shape " + shape_str(s) +
                       ", rank differs from " + shape_str(*out));
    for (size_t d = 0; d < s.size(); ++d) {
      if (d == axis) continue;
      if ((*out)[d] == kUnknownDim) (*out)[d] = s[d];
      else if (s[d] != kUnknownDim && s[d] != (*out)[d])
        return ctx.error("input " + std::to_string(i) + " has shape " + shape_str(s) +
                         ", which differs from " + shape_str(*out) + " outside axis " +
                         std::to_string(axis));
    }
    if (sum == kUnknownDim || s[axis] == kUnknownDim) sum = kUnknownDim;
    else if (__builtin_add_overflow(sum, s[axis], &sum))
      return ctx.error("concatenated size overflows int64");
  }
  (*out)[axis] = sum;
  return set_checked_output(ctx, 0, dt, *out);
}

// --- Split ---

Status parse_split(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<SplitAttrs>();
  SF_ASSIGN_OR_RETURN(a->axis, r.get_int("axis", 0));
  if (node.opset < 13 && r.has("split")) {
    SF_ASSIGN_OR_RETURN(a->split, r.get_ints("split"));
  }
  if (node.opset >= 2 && node.opset < 13 && node.inputs.size() > 1)
    return invalid_model(node.label() + ": split is an attribute for opsets 2 to 12");
  node.attrs = a;
  return Status::ok();
}

Status infer_split(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<SplitAttrs>();
  const DType dt = ctx.dtype(0);
  const size_t n_out = ctx.node.outputs.size();
  if (!ctx.rank_known(0)) {
    for (size_t i = 0; i < n_out; ++i) ctx.set_output(i, dt, std::nullopt);
    return Status::ok();
  }
  const Shape& in = ctx.shape(0);
  auto ax = normalize_axis(a.axis, ctx.rank(0));
  if (!ax) return with_node(ctx, ax.status());
  const auto axis = static_cast<size_t>(*ax);
  const Tensor* split_in = ctx.value(1);
  std::vector<int64_t> sizes(n_out, kUnknownDim);
  if (ctx.has(1)) SF_TRY(ctx.expect_dtype(1, {DType::kI64}));
  if (in[axis] != kUnknownDim && (!ctx.has(1) || split_in)) {
    auto s = split_sizes(ctx.node, in[axis], n_out, split_in);
    if (!s) return with_node(ctx, s.status());
    sizes = *s;
  }
  for (size_t i = 0; i < n_out; ++i) {
    Shape o = in;
    o[axis] = sizes[i];
    ctx.set_output(i, dt, o);
  }
  return Status::ok();
}

// --- Slice ---

Status parse_slice(Node& node) {
  auto a = std::make_shared<SliceAttrs>();
  if (node.opset < 10) {
    AttrReader r(node);
    SF_ASSIGN_OR_RETURN(a->starts, r.req_ints("starts"));
    SF_ASSIGN_OR_RETURN(a->ends, r.req_ints("ends"));
    if (r.has("axes")) {
      SF_ASSIGN_OR_RETURN(a->axes, r.get_ints("axes"));
    }
    if (node.inputs.size() > 1)
      return invalid_model(node.label() + ": starts/ends are attributes before opset 10");
  } else if (node.inputs.size() < 3) {
    return invalid_model(node.label() + ": starts and ends inputs are required from opset 10");
  }
  node.attrs = a;
  return Status::ok();
}

Status infer_slice(InferContext& ctx) {
  const DType dt = ctx.dtype(0);
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, dt, std::nullopt);
    return Status::ok();
  }
  const Shape& in = ctx.shape(0);
  bool values_known = true;
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    if (!ctx.has(i)) continue;
    SF_TRY(ctx.expect_dtype(i, {DType::kI32, DType::kI64}));
    SF_TRY(ctx.expect_rank(i, 1, 1));
    values_known &= ctx.value(i) != nullptr;
  }
  if (values_known) {
    auto p = slice_plan(ctx.node, in, ctx.value(1), ctx.value(2), ctx.value(3), ctx.value(4));
    if (!p) return with_node(ctx, p.status());
    ctx.set_output(0, dt, p->out_shape);
    return Status::ok();
  }
  // Unknown ranges: the sliced axes get unknown sizes.
  Shape out(in.size(), kUnknownDim);
  std::optional<std::vector<int64_t>> axes;
  SF_ASSIGN_OR_RETURN(const int64_t n_starts, known_length(ctx, 1));
  if (ctx.has(3)) {
    SF_ASSIGN_OR_RETURN(axes, known_ints(ctx, 3, "axes"));
  } else if (n_starts >= 0 && n_starts <= ctx.rank(0)) {
    axes = std::vector<int64_t>();
    for (int64_t k = 0; k < n_starts; ++k) axes->push_back(k);
  }
  if (axes) {
    out = in;
    for (int64_t a : *axes) {
      auto ax = normalize_axis(a, ctx.rank(0));
      if (!ax) return with_node(ctx, ax.status());
      out[static_cast<size_t>(*ax)] = kUnknownDim;
    }
  }
  ctx.set_output(0, dt, out);
  return Status::ok();
}

// --- Pad ---

Status parse_pad(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<PadAttrs>();
  SF_ASSIGN_OR_RETURN(const std::string mode, r.get_string("mode", "constant"));
  if (mode == "constant") a->mode = PadMode::kConstant;
  else if (mode == "reflect") a->mode = PadMode::kReflect;
  else if (mode == "edge") a->mode = PadMode::kEdge;
  else if (mode == "wrap")
    return unsupported(node.label() + ": Pad mode 'wrap' (opset 19) is not supported");
  else
    return r.error("mode", "must be constant, reflect or edge, got '" + mode + "'");
  if (node.opset < 11) {
    SF_ASSIGN_OR_RETURN(a->pads, r.req_ints(node.opset < 2 ? "paddings" : "pads"));
    SF_ASSIGN_OR_RETURN(a->value, r.get_float("value", 0.0f));
    if (node.inputs.size() > 1)
      return invalid_model(node.label() + ": pads is an attribute before opset 11");
  } else if (!node.has_input(1)) {
    return invalid_model(node.label() + ": the pads input is required from opset 11");
  }
  node.attrs = a;
  return Status::ok();
}

Status infer_pad(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<PadAttrs>();
  const DType dt = ctx.dtype(0);
  if (ctx.node.opset >= 11) {
    SF_TRY(ctx.expect_dtype(1, {DType::kI64}));
    SF_TRY(ctx.expect_rank(1, 1, 1));
    if (ctx.has(2)) {
      if (ctx.dtype(2) != dt)
        return ctx.error(std::string("constant_value has type ") + dtype_name(ctx.dtype(2)) +
                         ", the input " + dtype_name(dt));
      if (const Tensor* v = ctx.value(2); v && v->numel() != 1)
        return ctx.error("constant_value must hold one value, got " + v->describe());
    }
  }
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, dt, std::nullopt);
    return Status::ok();
  }
  const Shape& in = ctx.shape(0);
  if (ctx.node.opset >= 11 && !ctx.value(1)) {
    ctx.set_output(0, dt, Shape(in.size(), kUnknownDim));
    return Status::ok();
  }
  auto pads = pad_amounts(ctx.node, ctx.rank(0), ctx.value(1));
  if (!pads) return with_node(ctx, pads.status());
  const size_t r = in.size();
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t b = (*pads)[i], e = (*pads)[i + r];
    if (in[i] == kUnknownDim) {
      out[i] = kUnknownDim;
      continue;
    }
    int64_t d = 0;
    if (__builtin_add_overflow(in[i], b, &d) || __builtin_add_overflow(d, e, &d))
      return ctx.error("pads " + ints_str(*pads) + " overflow int64");
    if (d < 0)
      return ctx.error("pads " + ints_str(*pads) + " crop more than input " + shape_str(in) +
                       " holds along axis " + std::to_string(i));
    if (a.mode != PadMode::kConstant && in[i] == 0 && d > 0)
      return ctx.error(std::string("cannot pad an empty axis ") + std::to_string(i) + " of input " +
                       shape_str(in) + " in " + (a.mode == PadMode::kEdge ? "edge" : "reflect") +
                       " mode");
    out[i] = d;
  }
  return set_checked_output(ctx, 0, dt, out);
}

// --- DepthToSpace / SpaceToDepth ---

Status parse_depth_space(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<DepthSpaceAttrs>();
  SF_ASSIGN_OR_RETURN(a->blocksize, r.req_int("blocksize"));
  if (a->blocksize <= 0 || a->blocksize > (int64_t{1} << 20))
    return r.error("blocksize", "must be in [1, 2^20], got " + std::to_string(a->blocksize));
  if (node.op == OpKind::kDepthToSpace) {
    SF_ASSIGN_OR_RETURN(const std::string mode, r.get_string("mode", "DCR"));
    if (mode != "DCR" && mode != "CRD") return r.error("mode", "must be DCR or CRD, got '" + mode + "'");
    a->crd = mode == "CRD";
  }
  node.attrs = a;
  return Status::ok();
}

Status infer_depth_space(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<DepthSpaceAttrs>();
  SF_TRY(ctx.expect_rank(0, 4, 4));
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, ctx.dtype(0), Shape(4, kUnknownDim));
    return Status::ok();
  }
  const Shape& in = ctx.shape(0);
  const int64_t b = a.blocksize;
  const int64_t bb = b * b;
  Shape out = in;
  auto mul = [&](int64_t d) {
    int64_t o = 0;
    return d == kUnknownDim || __builtin_mul_overflow(d, b, &o) ? kUnknownDim : o;
  };
  if (ctx.node.op == OpKind::kDepthToSpace) {
    if (in[1] != kUnknownDim && in[1] % bb != 0)
      return ctx.error("channels of input " + shape_str(in) + " are not a multiple of blocksize^2 = " +
                       std::to_string(bb));
    out[1] = in[1] == kUnknownDim ? kUnknownDim : in[1] / bb;
    out[2] = mul(in[2]);
    out[3] = mul(in[3]);
  } else {
    for (size_t i = 2; i < 4; ++i)
      if (in[i] != kUnknownDim && in[i] % b != 0)
        return ctx.error("spatial dims of input " + shape_str(in) +
                         " are not multiples of blocksize " + std::to_string(b));
    out[1] = in[1] == kUnknownDim || in[1] > std::numeric_limits<int64_t>::max() / bb
                 ? kUnknownDim
                 : in[1] * bb;
    out[2] = in[2] == kUnknownDim ? kUnknownDim : in[2] / b;
    out[3] = in[3] == kUnknownDim ? kUnknownDim : in[3] / b;
  }
  ctx.set_output(0, ctx.dtype(0), out);
  return Status::ok();
}

}  // namespace

void register_layout_schemas() {
  register_schema(OpKind::kTranspose, {1, 1, 1, 1, 1, kMaxOpset, parse_transpose, infer_transpose});
  register_schema(OpKind::kConcat,
                  {1, kVariadic, 1, 1, 1, kMaxOpset, parse_axis_attr, infer_concat, /*variadic=*/true});
  register_schema(OpKind::kSplit, {1, 2, 1, kVariadic, 1, kMaxOpset, parse_split, infer_split});
  register_schema(OpKind::kSlice, {1, 5, 1, 1, 1, kMaxOpset, parse_slice, infer_slice});
  register_schema(OpKind::kPad, {1, 3, 1, 1, 1, kMaxOpset, parse_pad, infer_pad});
  register_schema(OpKind::kDepthToSpace,
                  {1, 1, 1, 1, 1, kMaxOpset, parse_depth_space, infer_depth_space});
  register_schema(OpKind::kSpaceToDepth,
                  {1, 1, 1, 1, 1, kMaxOpset, parse_depth_space, infer_depth_space});
}

}  // namespace tensor_detail

}  // namespace sf::ir
