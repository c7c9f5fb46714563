// Indexing tensor ops: Gather, GatherElements, GatherND, Scatter, ScatterElements, ScatterND,
// Compress, NonZero, Unique, ReverseSequence, OneHot, Trilu.
#include <algorithm>

#include "ir/ops/tensor_common.hpp"

namespace sf::ir::tensor_detail {

namespace {

bool is_index_type(DType t) { return t == DType::kI32 || t == DType::kI64; }

Status expect_index(const InferContext& ctx, size_t i, const char* what) {
  if (ctx.has(i) && !is_index_type(ctx.dtype(i)))
    return ctx.error(std::string(what) + " must be int32 or int64, got " + dtype_name(ctx.dtype(i)));
  return Status::ok();
}

Status expect_same_dtype(const InferContext& ctx, size_t i, size_t j) {
  if (ctx.dtype(i) != ctx.dtype(j))
    return ctx.error("input " + std::to_string(j) + " has type " + dtype_name(ctx.dtype(j)) +
                     ", input " + std::to_string(i) + " " + dtype_name(ctx.dtype(i)));
  return Status::ok();
}

Status parse_axis(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<AxisAttrs>();
  SF_ASSIGN_OR_RETURN(a->axis, r.get_int("axis", 0));
  node.attrs = a;
  return Status::ok();
}

// --- Gather ---

Status infer_gather(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<AxisAttrs>();
  SF_TRY(expect_index(ctx, 1, "indices"));
  if (!ctx.rank_known(0) || !ctx.rank_known(1)) {
    ctx.set_output(0, ctx.dtype(0), std::nullopt);
    return Status::ok();
  }
  const Shape& data = ctx.shape(0);
  if (data.empty()) return ctx.error("data must have rank >= 1, got a scalar");
  auto ax = normalize_axis(a.axis, ctx.rank(0));
  if (!ax) return with_node(ctx, ax.status());
  const auto axis = static_cast<size_t>(*ax);
  Shape out(data.begin(), data.begin() + static_cast<int64_t>(axis));
  out.insert(out.end(), ctx.shape(1).begin(), ctx.shape(1).end());
  out.insert(out.end(), data.begin() + static_cast<int64_t>(axis) + 1, data.end());
  if (out.size() > kMaxRank) return ctx.error("output rank exceeds " + std::to_string(kMaxRank));
  return set_checked_output(ctx, 0, ctx.dtype(0), out);
}

// --- GatherElements / Scatter / ScatterElements ---

// Data (input 0) and indices (input 1) of GatherElements and ScatterElements: the same rank
// >= 1, and indices no longer than data along every dim but `axis` (where both are known).
Status check_elements_indices(const InferContext& ctx, int64_t axis) {
  if (!ctx.rank_known(0) || !ctx.rank_known(1)) return Status::ok();
  if (ctx.rank(0) < 1 || ctx.rank(0) != ctx.rank(1))
    return ctx.error("data " + shape_str(ctx.shape(0)) + " and indices " +
                     shape_str(ctx.shape(1)) + " must have the same rank >= 1");
  auto ax = normalize_axis(axis, ctx.rank(0));
  if (!ax) return with_node(ctx, ax.status());
  for (int64_t d = 0; d < ctx.rank(0); ++d) {
    const int64_t di = ctx.shape(0)[static_cast<size_t>(d)];
    const int64_t ii = ctx.shape(1)[static_cast<size_t>(d)];
    if (d != *ax && di != kUnknownDim && ii != kUnknownDim && ii > di)
      return ctx.error("indices " + shape_str(ctx.shape(1)) + " exceed data " +
                       shape_str(ctx.shape(0)) + " along axis " + std::to_string(d));
  }
  return Status::ok();
}

Status infer_gather_elements(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<AxisAttrs>();
  SF_TRY(expect_index(ctx, 1, "indices"));
  SF_TRY(check_elements_indices(ctx, a.axis));
  ctx.set_output(0, ctx.dtype(0), ctx.in[1].shape);
  return Status::ok();
}

Status parse_scatter(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<ScatterAttrs>();
  if (node.op != OpKind::kScatterND) {
    SF_ASSIGN_OR_RETURN(a->axis, r.get_int("axis", 0));
  }
  if (node.op != OpKind::kScatter && node.opset >= 16) {
    SF_ASSIGN_OR_RETURN(const std::string red, r.get_string("reduction", "none"));
    if (red == "none") a->reduction = ScatterReduction::kNone;
    else if (red == "add") a->reduction = ScatterReduction::kAdd;
    else if (red == "mul") a->reduction = ScatterReduction::kMul;
    else return r.error("reduction", "must be none, add or mul, got '" + red + "'");
  }
  node.attrs = a;
  return Status::ok();
}

Status infer_scatter_elements(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<ScatterAttrs>();
  SF_TRY(expect_index(ctx, 1, "indices"));
  SF_TRY(expect_same_dtype(ctx, 0, 2));
  if (ctx.rank_known(1) && ctx.rank_known(2) && ctx.shape(1).size() != ctx.shape(2).size())
    return ctx.error("indices " + shape_str(ctx.shape(1)) + " and updates " +
                     shape_str(ctx.shape(2)) + " differ in rank");
  if (ctx.shape_known(1) && ctx.shape_known(2) && ctx.shape(1) != ctx.shape(2))
    return ctx.error("indices " + shape_str(ctx.shape(1)) + " and updates " +
                     shape_str(ctx.shape(2)) + " differ in shape");
  SF_TRY(check_elements_indices(ctx, a.axis));
  ctx.set_output(0, ctx.dtype(0), ctx.in[0].shape);
  return Status::ok();
}

// --- GatherND / ScatterND ---

Status parse_gathernd(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<GatherNDAttrs>();
  if (node.opset >= 12) {
    SF_ASSIGN_OR_RETURN(a->batch_dims, r.get_int("batch_dims", 0));
  }
  if (a->batch_dims < 0) return r.error("batch_dims", "must be >= 0");
  node.attrs = a;
  return Status::ok();
}

Status infer_gathernd(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<GatherNDAttrs>();
  SF_TRY(ctx.expect_dtype(1, {DType::kI64}));
  if (!ctx.rank_known(0) || !ctx.rank_known(1)) {
    ctx.set_output(0, ctx.dtype(0), std::nullopt);
    return Status::ok();
  }
  const Shape& data = ctx.shape(0);
  const Shape& idx = ctx.shape(1);
  const auto b = static_cast<size_t>(a.batch_dims);
  if (data.empty() || idx.empty()) return ctx.error("data and indices must have rank >= 1");
  if (b >= std::min(data.size(), idx.size()))
    return ctx.error("batch_dims " + std::to_string(b) + " must be less than the ranks of data " +
                     shape_str(data) + " and indices " + shape_str(idx));
  for (size_t i = 0; i < b; ++i)
    if (data[i] != kUnknownDim && idx[i] != kUnknownDim && data[i] != idx[i])
      return ctx.error("batch dims of data " + shape_str(data) + " and indices " + shape_str(idx) +
                       " differ");
  const int64_t m = idx.back();
  if (m == kUnknownDim) {
    ctx.set_output(0, ctx.dtype(0), std::nullopt);
    return Status::ok();
  }
  if (m < 1 || static_cast<size_t>(m) > data.size() - b)
    return ctx.error("indices " + shape_str(idx) + ": last dim " + std::to_string(m) +
                     " must be in [1, " + std::to_string(data.size() - b) + "] for data " +
                     shape_str(data));
  Shape out(idx.begin(), idx.end() - 1);
  out.insert(out.end(), data.begin() + static_cast<int64_t>(b) + m, data.end());
  return set_checked_output(ctx, 0, ctx.dtype(0), out);
}

Status infer_scatternd(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(1, {DType::kI64}));
  SF_TRY(expect_same_dtype(ctx, 0, 2));
  if (ctx.rank_known(0) && ctx.rank_known(1) && ctx.rank_known(2)) {
    const Shape& data = ctx.shape(0);
    const Shape& idx = ctx.shape(1);
    const Shape& upd = ctx.shape(2);
    if (data.empty() || idx.empty()) return ctx.error("data and indices must have rank >= 1");
    const int64_t k = idx.back();
    if (k != kUnknownDim) {
      if (k < 1 || static_cast<size_t>(k) > data.size())
        return ctx.error("indices " + shape_str(idx) + ": last dim must be in [1, " +
                         std::to_string(data.size()) + "] for data " + shape_str(data));
      Shape want(idx.begin(), idx.end() - 1);
      want.insert(want.end(), data.begin() + k, data.end());
      bool ok = want.size() == upd.size();
      for (size_t i = 0; ok && i < want.size(); ++i)
        ok = want[i] == kUnknownDim || upd[i] == kUnknownDim || want[i] == upd[i];
      if (!ok)
        return ctx.error("updates " + shape_str(upd) + " must have shape " + shape_str(want) +
                         " for data " + shape_str(data) + " and indices " + shape_str(idx));
    }
  }
  ctx.set_output(0, ctx.dtype(0), ctx.in[0].shape);
  return Status::ok();
}

// --- Compress / NonZero / Unique ---

Status parse_optional_axis(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<OptionalAxisAttrs>();
  if (r.has("axis")) {
    SF_ASSIGN_OR_RETURN(a->axis, r.req_int("axis"));
  }
  if (node.op == OpKind::kUnique) {
    SF_ASSIGN_OR_RETURN(const int64_t sorted, r.get_int("sorted", 1));
    if (sorted != 0 && sorted != 1) return r.error("sorted", "must be 0 or 1");
    a->sorted = sorted == 1;
  }
  node.attrs = a;
  return Status::ok();
}

Status infer_compress(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<OptionalAxisAttrs>();
  SF_TRY(ctx.expect_dtype(1, {DType::kBool}));
  SF_TRY(ctx.expect_rank(1, 1, 1));
  if (!a.axis) {
    ctx.set_output(0, ctx.dtype(0), Shape{kUnknownDim});
    return Status::ok();
  }
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, ctx.dtype(0), std::nullopt);
    return Status::ok();
  }
  auto ax = normalize_axis(*a.axis, ctx.rank(0));
  if (!ax) return with_node(ctx, ax.status());
  Shape out = ctx.shape(0);
  out[static_cast<size_t>(*ax)] = kUnknownDim;
  ctx.set_output(0, ctx.dtype(0), out);
  return Status::ok();
}

Status infer_nonzero(InferContext& ctx) {
  ctx.set_output(0, DType::kI64,
                 ctx.rank_known(0) ? std::optional<Shape>(Shape{std::max<int64_t>(ctx.rank(0), 1),
                                                                kUnknownDim})
                                   : std::optional<Shape>(Shape{kUnknownDim, kUnknownDim}));
  return Status::ok();
}

Status infer_unique(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<OptionalAxisAttrs>();
  std::optional<Shape> y = Shape{kUnknownDim};
  Shape inverse{kUnknownDim};
  if (a.axis) {
    if (!ctx.rank_known(0)) {
      y.reset();
    } else {
      auto ax = normalize_axis(*a.axis, ctx.rank(0));
      if (!ax) return with_node(ctx, ax.status());
      y = ctx.shape(0);
      inverse = Shape{(*y)[static_cast<size_t>(*ax)]};
      (*y)[static_cast<size_t>(*ax)] = kUnknownDim;
    }
  }
  ctx.set_output(0, ctx.dtype(0), y);
  ctx.set_output(1, DType::kI64, Shape{kUnknownDim});
  ctx.set_output(2, DType::kI64, inverse);
  ctx.set_output(3, DType::kI64, Shape{kUnknownDim});
  return Status::ok();
}

// --- ReverseSequence ---

Status parse_reverse_sequence(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<ReverseSequenceAttrs>();
  SF_ASSIGN_OR_RETURN(a->batch_axis, r.get_int("batch_axis", 1));
  SF_ASSIGN_OR_RETURN(a->time_axis, r.get_int("time_axis", 0));
  if ((a->batch_axis != 0 && a->batch_axis != 1) || (a->time_axis != 0 && a->time_axis != 1) ||
      a->batch_axis == a->time_axis)
    return invalid_model(node.label() + ": batch_axis " + std::to_string(a->batch_axis) +
                         " and time_axis " + std::to_string(a->time_axis) +
                         " must be 0 and 1 in some order");
  node.attrs = a;
  return Status::ok();
}

Status infer_reverse_sequence(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<ReverseSequenceAttrs>();
  SF_TRY(ctx.expect_dtype(1, {DType::kI64}));
  SF_TRY(ctx.expect_rank(0, 2, static_cast<int64_t>(kMaxRank)));
  SF_TRY(ctx.expect_rank(1, 1, 1));
  if (ctx.rank_known(0) && ctx.rank_known(1)) {
    const int64_t batch = ctx.shape(0)[static_cast<size_t>(a.batch_axis)];
    const int64_t n = ctx.shape(1)[0];
    if (batch != kUnknownDim && n != kUnknownDim && batch != n)
      return ctx.error("sequence_lens " + shape_str(ctx.shape(1)) + " must have one value per batch " +
                       "entry of input " + shape_str(ctx.shape(0)));
  }
  ctx.set_output(0, ctx.dtype(0), ctx.in[0].shape);
  return Status::ok();
}

// --- OneHot ---

Status parse_onehot(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<OneHotAttrs>();
  SF_ASSIGN_OR_RETURN(a->axis, r.get_int("axis", -1));
  node.attrs = a;
  return Status::ok();
}

Status infer_onehot(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<OneHotAttrs>();
  for (size_t i = 0; i < 2; ++i)
    if (ctx.dtype(i) == DType::kBool)
      return ctx.error(std::string(i == 0 ? "indices" : "depth") + " must be numeric, got bool");
  SF_TRY(ctx.expect_rank(1, 0, 1));
  SF_TRY(ctx.expect_rank(2, 1, 1));
  if (ctx.shape_known(2) && ctx.shape(2)[0] != 2)
    return ctx.error("values must hold [off_value, on_value], got shape " + shape_str(ctx.shape(2)));
  const DType dt = ctx.dtype(2);
  if (!ctx.rank_known(0)) {
    ctx.set_output(0, dt, std::nullopt);
    return Status::ok();
  }
  int64_t depth = kUnknownDim;
  if (const Tensor* d = ctx.value(1)) {
    if (d->numel() != 1) return ctx.error("depth must hold one value, got " + d->describe());
    const double v = d->double_at(0);
    if (!(v >= 1 && v <= 9.0e15)) return ctx.error("depth must be >= 1, got " + std::to_string(v));
    depth = static_cast<int64_t>(v);
  }
  const int64_t out_rank = ctx.rank(0) + 1;
  auto ax = normalize_axis(a.axis, out_rank);
  if (!ax) return with_node(ctx, ax.status());
  Shape out = ctx.shape(0);
  out.insert(out.begin() + *ax, depth);
  if (out.size() > kMaxRank) return ctx.error("output rank exceeds " + std::to_string(kMaxRank));
  return set_checked_output(ctx, 0, dt, out);
}

// --- Trilu ---

Status parse_trilu(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<TriluAttrs>();
  SF_ASSIGN_OR_RETURN(const int64_t upper, r.get_int("upper", 1));
  if (upper != 0 && upper != 1) return r.error("upper", "must be 0 or 1");
  a->upper = upper == 1;
  node.attrs = a;
  return Status::ok();
}

Status infer_trilu(InferContext& ctx) {
  SF_TRY(ctx.expect_rank(0, 2, static_cast<int64_t>(kMaxRank)));
  SF_TRY(ctx.expect_dtype(1, {DType::kI64}));
  if (const Tensor* k = ctx.value(1); k && k->numel() != 1)
    return ctx.error("k must hold one value, got " + k->describe());
  ctx.set_output(0, ctx.dtype(0), ctx.in[0].shape);
  return Status::ok();
}

}  // namespace

void register_index_schemas() {
  register_schema(OpKind::kGather, {2, 2, 1, 1, 1, kMaxOpset, parse_axis, infer_gather});
  register_schema(OpKind::kGatherElements,
                  {2, 2, 1, 1, 11, kMaxOpset, parse_axis, infer_gather_elements});
  register_schema(OpKind::kGatherND, {2, 2, 1, 1, 11, kMaxOpset, parse_gathernd, infer_gathernd});
  register_schema(OpKind::kScatter, {3, 3, 1, 1, 9, kMaxOpset, parse_scatter, infer_scatter_elements});
  register_schema(OpKind::kScatterElements,
                  {3, 3, 1, 1, 11, kMaxOpset, parse_scatter, infer_scatter_elements});
  register_schema(OpKind::kScatterND, {3, 3, 1, 1, 11, kMaxOpset, parse_scatter, infer_scatternd});
  register_schema(OpKind::kCompress, {2, 2, 1, 1, 9, kMaxOpset, parse_optional_axis, infer_compress});
  register_schema(OpKind::kNonZero, {1, 1, 1, 1, 9, kMaxOpset, nullptr, infer_nonzero});
  register_schema(OpKind::kUnique, {1, 1, 1, 4, 11, kMaxOpset, parse_optional_axis, infer_unique});
  register_schema(OpKind::kReverseSequence,
                  {2, 2, 1, 1, 10, kMaxOpset, parse_reverse_sequence, infer_reverse_sequence});
  register_schema(OpKind::kOneHot, {3, 3, 1, 1, 9, kMaxOpset, parse_onehot, infer_onehot});
  register_schema(OpKind::kTrilu, {1, 2, 1, 1, 14, kMaxOpset, parse_trilu, infer_trilu});
}

}  // namespace sf::ir::tensor_detail
