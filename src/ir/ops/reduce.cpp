// Reduce family: typed attributes, validation and inference for the reductions, ArgMax/ArgMin,
// Softmax/LogSoftmax/Hardmax, CumSum, TopK, SoftmaxCrossEntropyLoss and
// NegativeLogLikelihoodLoss.
//
// Opset differences handled here (default domain, opsets 1..17):
//   Reduce*      axes attribute; ReduceSum-13 takes axes as optional input 1 and adds
//                noop_with_empty_axes. Negative axes from 11 (accepted everywhere).
//   ArgMax/Min   select_last_index from 12.
//   Softmax etc. before 13 the input is coerced to 2-D at `axis` (default 1); from 13 a single
//                axis (default -1).
//   TopK         opset 1: k attribute; 10: K input; 11: largest/sorted attributes.
//   CumSum       from 11.  SoftmaxCrossEntropyLoss / NegativeLogLikelihoodLoss from 12.
#include "ir/ops/reduce.hpp"

#include <algorithm>
#include <string>

#include "ir/op_schema.hpp"

namespace sf::ir {

namespace {

const std::initializer_list<DType> kFloatTypes = {DType::kF32, DType::kF64, DType::kF16,
                                                  DType::kBF16};
const std::initializer_list<DType> kNumericTypes = {
    DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI8,  DType::kU8,
    DType::kI16, DType::kU16, DType::kI32, DType::kU32,  DType::kI64, DType::kU64};

std::string ints_str(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(v[i]);
  }
  return s + "]";
}

Result<bool> get_bool(const AttrReader& r, const std::string& name, bool def) {
  SF_ASSIGN_OR_RETURN(int64_t v, r.get_int(name, def ? 1 : 0));
  if (v != 0 && v != 1) return r.error(name, "must be 0 or 1, got " + std::to_string(v));
  return v == 1;
}

// ---------------------------------------------------------------------------------------------
// Reductions

Status parse_reduce(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<ReduceAttrs>();
  SF_ASSIGN_OR_RETURN(a->keepdims, get_bool(r, "keepdims", true));
  a->axes_from_input = node.op == OpKind::kReduceSum && node.opset >= 13;
  if (a->axes_from_input) {
    if (r.has("axes"))
      return r.error("axes", "is not an attribute of ReduceSum since opset 13 (it is input 1)");
    SF_ASSIGN_OR_RETURN(a->noop_with_empty_axes, get_bool(r, "noop_with_empty_axes", false));
  } else {
    if (node.inputs.size() > 1)
      return invalid_model(node.label() + ": has " + std::to_string(node.inputs.size()) +
                           " inputs, expected 1 at opset " + std::to_string(node.opset));
    if (r.has("axes")) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, r.get_ints("axes"));
      a->axes = std::move(axes);
    }
  }
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_reduce(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<ReduceAttrs>();
  SF_TRY(ctx.expect_dtype(0, kNumericTypes));
  const DType dt = ctx.dtype(0);
  const Tensor* axes_value = nullptr;
  if (a.axes_from_input && ctx.has(1)) {
    SF_TRY(ctx.expect_dtype(1, {DType::kI64}));
    SF_TRY(ctx.expect_rank(1, 0, 1));
    axes_value = ctx.value(1);
    if (!axes_value) {
      // Axes known only at run time: keepdims fixes the rank, nothing fixes the dims.
      if (a.keepdims && ctx.rank_known(0))
        ctx.set_output(0, dt, Shape(static_cast<size_t>(ctx.rank(0)), kUnknownDim));
      else
        ctx.set_output(0, dt, std::nullopt);
      return Status::ok();
    }
  }
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, dt, std::nullopt);
    return Status::ok();
  }
  bool noop = false;
  auto axes = resolve_reduce_axes(a, ctx.rank(0), axes_value, &noop);
  if (!axes) return ctx.error(axes.status().message());
  ctx.set_output(0, dt, noop ? ctx.shape(0) : reduced_shape(ctx.shape(0), *axes, a.keepdims));
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// ArgMax / ArgMin

Status parse_arg_reduce(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<ArgReduceAttrs>();
  SF_ASSIGN_OR_RETURN(a->axis, r.get_int("axis", 0));
  SF_ASSIGN_OR_RETURN(a->keepdims, get_bool(r, "keepdims", true));
  SF_ASSIGN_OR_RETURN(a->select_last_index, get_bool(r, "select_last_index", false));
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_arg_reduce(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<ArgReduceAttrs>();
  SF_TRY(ctx.expect_dtype(0, kNumericTypes));
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, DType::kI64, std::nullopt);
    return Status::ok();
  }
  auto axis = normalize_axis(a.axis, ctx.rank(0));
  if (!axis) return ctx.error(axis.status().message());
  ctx.set_output(0, DType::kI64, reduced_shape(ctx.shape(0), {*axis}, a.keepdims));
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Softmax / LogSoftmax / Hardmax

Status parse_softmax(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<SoftmaxAttrs>();
  a->coerce_2d = node.opset < 13;
  SF_ASSIGN_OR_RETURN(a->axis, r.get_int("axis", a->coerce_2d ? 1 : -1));
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_softmax(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<SoftmaxAttrs>();
  SF_TRY(ctx.expect_dtype(0, kFloatTypes));
  if (ctx.rank_known(0)) {
    auto axis = normalize_axis(a.axis, ctx.rank(0));
    if (!axis) return ctx.error(axis.status().message());
  }
  ctx.set_output(0, ctx.dtype(0), ctx.in[0].shape);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// CumSum

Status parse_cumsum(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<CumSumAttrs>();
  SF_ASSIGN_OR_RETURN(a->exclusive, get_bool(r, "exclusive", false));
  SF_ASSIGN_OR_RETURN(a->reverse, get_bool(r, "reverse", false));
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_cumsum(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, kNumericTypes));
  SF_TRY(ctx.expect_dtype(1, {DType::kI32, DType::kI64}));
  SF_TRY(ctx.expect_rank(1, 0, 1));
  if (const Tensor* t = ctx.value(1)) {
    auto axis = single_int_value(*t, "axis");
    if (!axis) return ctx.error(axis.status().message());
    if (ctx.rank_known(0)) {
      auto n = normalize_axis(*axis, ctx.rank(0));
      if (!n) return ctx.error(n.status().message());
    }
  }
  ctx.set_output(0, ctx.dtype(0), ctx.in[0].shape);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// TopK

Status parse_topk(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<TopKAttrs>();
  SF_ASSIGN_OR_RETURN(a->axis, r.get_int("axis", -1));
  if (node.opset < 10) {
    if (node.inputs.size() != 1)
      return invalid_model(node.label() + ": has " + std::to_string(node.inputs.size()) +
                           " inputs, expected 1 at opset " + std::to_string(node.opset));
    SF_ASSIGN_OR_RETURN(int64_t k, r.req_int("k"));
    if (k < 0) return r.error("k", "must be >= 0, got " + std::to_string(k));
    a->k = k;
  } else if (!node.has_input(1)) {
    return invalid_model(node.label() + ": input 1 (K) is required at opset " +
                         std::to_string(node.opset));
  }
  if (node.opset >= 11) {
    SF_ASSIGN_OR_RETURN(a->largest, get_bool(r, "largest", true));
    SF_ASSIGN_OR_RETURN(a->sorted, get_bool(r, "sorted", true));
  }
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_topk(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<TopKAttrs>();
  SF_TRY(ctx.expect_dtype(0, kNumericTypes));
  std::optional<int64_t> k = a.k;
  if (!k) {
    SF_TRY(ctx.expect_dtype(1, {DType::kI64}));
    SF_TRY(ctx.expect_rank(1, 0, 1));
    if (const Tensor* t = ctx.value(1)) {
      auto v = single_int_value(*t, "K");
      if (!v) return ctx.error(v.status().message());
      if (*v < 0) return ctx.error("K must be >= 0, got " + std::to_string(*v));
      k = *v;
    }
  }
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, ctx.dtype(0), std::nullopt);
    ctx.set_output(1, DType::kI64, std::nullopt);
    return Status::ok();
  }
  auto axis = normalize_axis(a.axis, ctx.rank(0));
  if (!axis) return ctx.error(axis.status().message());
  Shape out = ctx.shape(0);
  const int64_t dim = out[static_cast<size_t>(*axis)];
  if (k && dim != kUnknownDim && *k > dim)
    return ctx.error("K = " + std::to_string(*k) + " is larger than dimension " +
                     std::to_string(*axis) + " of input shape " + shape_str(ctx.shape(0)));
  out[static_cast<size_t>(*axis)] = k ? *k : kUnknownDim;
  ctx.set_output(0, ctx.dtype(0), out);
  ctx.set_output(1, DType::kI64, out);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// SoftmaxCrossEntropyLoss / NegativeLogLikelihoodLoss
//   input 0: scores/log-probabilities [N, C, d1, ..., dk]; input 1: labels [N, d1, ..., dk];
//   input 2 (optional): per-class weights [C].

Status parse_loss(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<LossAttrs>();
  SF_ASSIGN_OR_RETURN(std::string red, r.get_string("reduction", "mean"));
  if (red == "none") a->reduction = LossReduction::kNone;
  else if (red == "sum") a->reduction = LossReduction::kSum;
  else if (red == "mean") a->reduction = LossReduction::kMean;
  else return r.error("reduction", "must be 'none', 'sum' or 'mean', got '" + red + "'");
  if (r.has("ignore_index")) {
    SF_ASSIGN_OR_RETURN(int64_t ii, r.get_int("ignore_index", 0));
    a->ignore_index = ii;
  }
  node.attrs = std::move(a);
  return Status::ok();
}

Status infer_loss(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<LossAttrs>();
  SF_TRY(ctx.expect_dtype(0, kFloatTypes));
  SF_TRY(ctx.expect_dtype(1, {DType::kI32, DType::kI64}));
  SF_TRY(ctx.expect_rank(0, 2, static_cast<int64_t>(kMaxRank)));
  const DType dt = ctx.dtype(0);
  if (ctx.has(2)) {
    if (ctx.dtype(2) != dt)
      return ctx.error(std::string("weights have type ") + dtype_name(ctx.dtype(2)) +
                       ", expected the input's type " + dtype_name(dt));
    SF_TRY(ctx.expect_rank(2, 1, 1));
  }
  if (ctx.rank_known(0) && ctx.rank_known(1)) {
    const Shape& x = ctx.shape(0);
    const Shape& y = ctx.shape(1);
    bool ok = y.size() + 1 == x.size();
    for (size_t i = 0; ok && i < y.size(); ++i) {
      const int64_t xd = x[i == 0 ? 0 : i + 1];
      if (xd != kUnknownDim && y[i] != kUnknownDim && xd != y[i]) ok = false;
    }
    if (!ok)
      return ctx.error("labels shape " + shape_str(y) + " does not match input shape " +
                       shape_str(x) + " (expected [N, d1, ..., dk] for input [N, C, d1, ..., dk])");
  }
  if (ctx.rank_known(0) && ctx.rank_known(2)) {
    const int64_t c = ctx.shape(0)[1];
    const int64_t wc = ctx.shape(2)[0];
    if (c != kUnknownDim && wc != kUnknownDim && c != wc)
      return ctx.error("weights shape " + shape_str(ctx.shape(2)) + " does not match the " +
                       std::to_string(c) + " classes of input shape " + shape_str(ctx.shape(0)));
  }
  if (a.reduction == LossReduction::kNone) {
    std::optional<Shape> out;
    if (ctx.rank_known(1)) {
      out = ctx.shape(1);
    } else if (ctx.rank_known(0)) {
      Shape s = ctx.shape(0);
      s.erase(s.begin() + 1);
      out = s;
    }
    ctx.set_output(0, dt, out);
  } else {
    ctx.set_output(0, dt, Shape{});
  }
  if (ctx.out.size() > 1) ctx.set_output(1, dt, ctx.in[0].shape);
  return Status::ok();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Shared helpers

Result<std::vector<int64_t>> resolve_reduce_axes(const ReduceAttrs& a, int64_t rank,
                                                 const Tensor* axes_input, bool* noop) {
  std::vector<int64_t> given;
  if (a.axes_from_input) {
    if (axes_input) {
      if (axes_input->dtype() != DType::kI64 || axes_input->rank() > 1)
        return invalid_model("axes must be a 1-D int64 tensor, got " + axes_input->describe());
      for (int64_t i = 0; i < axes_input->numel(); ++i) given.push_back(axes_input->int_at(i));
    }
  } else if (a.axes) {
    given = *a.axes;
  }
  *noop = given.empty() && a.noop_with_empty_axes;
  std::vector<int64_t> axes;
  if (*noop) return axes;
  if (given.empty()) {
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
    return axes;
  }
  for (int64_t ax : given) {
    auto n = normalize_axis(ax, rank);
    if (!n) return invalid_model("axes " + ints_str(given) + ": " + n.status().message());
    axes.push_back(*n);
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    return invalid_model("axes " + ints_str(given) + " name the same axis twice");
  return axes;
}

Shape reduced_shape(const Shape& in, const std::vector<int64_t>& axes, bool keepdims) {
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    const bool reduced = std::binary_search(axes.begin(), axes.end(), static_cast<int64_t>(d));
    if (!reduced) out.push_back(in[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

Result<int64_t> single_int_value(const Tensor& t, const char* what) {
  if (!dtype_is_integer(t.dtype()) || t.rank() > 1 || t.numel() != 1)
    return invalid_model(std::string(what) +
                         " must be an integer scalar or 1-D tensor of one element, got " +
                         t.describe());
  return t.int_at(0);
}

Result<SoftmaxGeometry> softmax_geometry(const SoftmaxAttrs& a, const Shape& shape) {
  SF_ASSIGN_OR_RETURN(int64_t axis, normalize_axis(a.axis, static_cast<int64_t>(shape.size())));
  SoftmaxGeometry g;
  for (size_t d = 0; d < shape.size(); ++d) {
    const auto di = static_cast<int64_t>(d);
    if (di < axis) g.outer *= shape[d];
    else if (di == axis || a.coerce_2d) g.n *= shape[d];
    else g.inner *= shape[d];
  }
  return g;
}

void register_reduce_schemas() {
  for (OpKind op : {OpKind::kReduceSum, OpKind::kReduceMean, OpKind::kReduceMax,
                    OpKind::kReduceMin, OpKind::kReduceProd, OpKind::kReduceL1, OpKind::kReduceL2,
                    OpKind::kReduceLogSum, OpKind::kReduceLogSumExp, OpKind::kReduceSumSquare}) {
    register_schema(op, {1, op == OpKind::kReduceSum ? 2 : 1, 1, 1, 1, kMaxOpset, parse_reduce,
                         infer_reduce});
  }
  for (OpKind op : {OpKind::kArgMax, OpKind::kArgMin})
    register_schema(op, {1, 1, 1, 1, 1, kMaxOpset, parse_arg_reduce, infer_arg_reduce});
  for (OpKind op : {OpKind::kSoftmax, OpKind::kLogSoftmax, OpKind::kHardmax})
    register_schema(op, {1, 1, 1, 1, 1, kMaxOpset, parse_softmax, infer_softmax});
  register_schema(OpKind::kCumSum, {2, 2, 1, 1, 11, kMaxOpset, parse_cumsum, infer_cumsum});
  register_schema(OpKind::kTopK, {1, 2, 2, 2, 1, kMaxOpset, parse_topk, infer_topk});
  register_schema(OpKind::kSoftmaxCrossEntropyLoss,
                  {2, 3, 1, 2, 12, kMaxOpset, parse_loss, infer_loss});
  register_schema(OpKind::kNegativeLogLikelihoodLoss,
                  {2, 3, 1, 1, 12, kMaxOpset, parse_loss, infer_loss});
}

}  // namespace sf::ir
