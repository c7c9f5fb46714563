// Generator tensor ops (outputs built from attributes and shape-like inputs): Constant,
// ConstantOfShape, Range, EyeLike.
#include <cmath>
#include <cstring>

#include "ir/ops/tensor_common.hpp"

namespace sf::ir::tensor_detail {

namespace {

// --- Constant ---

Status parse_constant(Node& node) {
  AttrReader r(node);
  static const char* const kNames[] = {"value",       "sparse_value", "value_float",  "value_floats",
                                       "value_int",   "value_ints",   "value_string", "value_strings"};
  std::string given;
  int count = 0;
  for (const char* n : kNames)
    if (r.has(n)) ++count, given = n;
  if (count != 1)
    return invalid_model(node.label() + ": exactly one of value, value_float(s), value_int(s), "
                         "value_string(s), sparse_value must be set, got " + std::to_string(count));
  if (given == "sparse_value")
    return unsupported(node.label() + ": sparse_value constants are not supported");
  if (given == "value_string" || given == "value_strings")
    return unsupported(node.label() + ": string constants are not supported");
  auto a = std::make_shared<ConstantAttrs>();
  if (given == "value") {
    SF_ASSIGN_OR_RETURN(a->value, r.req_tensor("value"));
  } else if (given == "value_float" || given == "value_int") {
    const bool is_float = given == "value_float";
    SF_ASSIGN_OR_RETURN(a->value, Tensor::make(is_float ? DType::kF32 : DType::kI64, Shape{}));
    if (is_float) {
      SF_ASSIGN_OR_RETURN(a->value.data<float>()[0], r.req_float(given));
    } else {
      SF_ASSIGN_OR_RETURN(a->value.data<int64_t>()[0], r.req_int(given));
    }
  } else if (given == "value_floats") {
    SF_ASSIGN_OR_RETURN(const std::vector<float> v, r.get_floats(given));
    SF_ASSIGN_OR_RETURN(a->value, Tensor::make(DType::kF32, Shape{static_cast<int64_t>(v.size())}));
    if (!v.empty()) std::memcpy(a->value.raw(), v.data(), v.size() * sizeof(float));
  } else {
    SF_ASSIGN_OR_RETURN(const std::vector<int64_t> v, r.get_ints(given));
    SF_ASSIGN_OR_RETURN(a->value, Tensor::make(DType::kI64, Shape{static_cast<int64_t>(v.size())}));
    if (!v.empty()) std::memcpy(a->value.raw(), v.data(), v.size() * sizeof(int64_t));
  }
  node.attrs = a;
  return Status::ok();
}

Status infer_constant(InferContext& ctx) {
  const Tensor& v = ctx.node.attrs_as<ConstantAttrs>().value;
  ctx.set_output(0, v.dtype(), v.shape());
  return Status::ok();
}

// --- ConstantOfShape ---

Status parse_constant_of_shape(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<ConstantAttrs>();
  if (r.has("value")) {
    SF_ASSIGN_OR_RETURN(a->value, r.req_tensor("value"));
    if (a->value.numel() != 1)
      return r.error("value", "must hold exactly one element, got " + a->value.describe());
  } else {
    SF_ASSIGN_OR_RETURN(a->value, Tensor::make(DType::kF32, Shape{1}));
  }
  node.attrs = a;
  return Status::ok();
}

Status infer_constant_of_shape(InferContext& ctx) {
  const DType dt = ctx.node.attrs_as<ConstantAttrs>().value.dtype();
  SF_TRY(ctx.expect_dtype(0, {DType::kI64}));
  SF_TRY(ctx.expect_rank(0, 1, 1));
  SF_ASSIGN_OR_RETURN(const auto dims, known_ints(ctx, 0, "shape"));
  if (!dims) {
    SF_ASSIGN_OR_RETURN(const int64_t n, known_length(ctx, 0));
    ctx.set_output(0, dt, n >= 0 ? std::optional<Shape>(Shape(static_cast<size_t>(n), kUnknownDim))
                                 : std::nullopt);
    return Status::ok();
  }
  for (int64_t d : *dims)
    if (d < 0) return ctx.error("shape " + ints_str(*dims) + " has a negative dim");
  if (dims->size() > kMaxRank)
    return ctx.error("shape " + ints_str(*dims) + " has rank over " + std::to_string(kMaxRank));
  return set_checked_output(ctx, 0, dt, *dims);
}

// --- Range ---

// Number of elements of Range(start, limit, delta): max(ceil((limit - start) / delta), 0).
Result<int64_t> range_count(const InferContext& ctx, const Tensor& start, const Tensor& limit,
                            const Tensor& delta) {
  for (const Tensor* t : {&start, &limit, &delta})
    if (t->numel() != 1) return ctx.error("start, limit and delta must be scalars, got " + t->describe());
  constexpr double kMaxCount = 9.0e18;
  if (dtype_is_float(start.dtype())) {
    const double s = start.double_at(0), l = limit.double_at(0), d = delta.double_at(0);
    if (d == 0) return ctx.error("delta is 0");
    const double n = std::ceil((l - s) / d);
    if (std::isnan(n) || n > kMaxCount)
      return ctx.error("range(" + std::to_string(s) + ", " + std::to_string(l) + ", " +
                       std::to_string(d) + ") has too many elements");
    return n > 0 ? static_cast<int64_t>(n) : 0;
  }
  const __int128 s = start.int_at(0), l = limit.int_at(0), d = delta.int_at(0);
  if (d == 0) return ctx.error("delta is 0");
  const __int128 diff = l - s;
  __int128 n = diff / d;
  if (n * d != diff && ((diff > 0) == (d > 0))) ++n;  // ceil for a positive quotient
  if (n > static_cast<__int128>(kMaxCount))
    return ctx.error("range(" + std::to_string(start.int_at(0)) + ", " +
                     std::to_string(limit.int_at(0)) + ", " + std::to_string(delta.int_at(0)) +
                     ") has too many elements");
  return n > 0 ? static_cast<int64_t>(n) : 0;
}

Status infer_range(InferContext& ctx) {
  const DType dt = ctx.dtype(0);
  SF_TRY(ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kI16, DType::kI32, DType::kI64}));
  for (size_t i = 1; i < 3; ++i)
    if (ctx.dtype(i) != dt)
      return ctx.error(std::string("start, limit and delta must have one type, got ") +
                       dtype_name(dt) + " and " + dtype_name(ctx.dtype(i)));
  if (!ctx.value(0) || !ctx.value(1) || !ctx.value(2)) {
    ctx.set_output(0, dt, Shape{kUnknownDim});
    return Status::ok();
  }
  SF_ASSIGN_OR_RETURN(const int64_t n, range_count(ctx, *ctx.value(0), *ctx.value(1), *ctx.value(2)));
  ctx.set_output(0, dt, Shape{n});
  return Status::ok();
}

// --- EyeLike ---

Status parse_eyelike(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<EyeLikeAttrs>();
  SF_ASSIGN_OR_RETURN(a->k, r.get_int("k", 0));
  if (r.has("dtype")) {
    SF_ASSIGN_OR_RETURN(const int64_t dt, r.req_int("dtype"));
    const auto d = dt >= 0 && dt <= 64 ? dtype_from_onnx(static_cast<int32_t>(dt)) : std::nullopt;
    if (!d || !dtype_is_supported(*d))
      return r.error("dtype", "names an unsupported type " + std::to_string(dt));
    a->dtype = *d;
  }
  node.attrs = a;
  return Status::ok();
}

Status infer_eyelike(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<EyeLikeAttrs>();
  SF_TRY(ctx.expect_rank(0, 2, 2));
  ctx.set_output(0, a.dtype.value_or(ctx.dtype(0)),
                 ctx.rank_known(0) ? ctx.in[0].shape : std::optional<Shape>(Shape{kUnknownDim, kUnknownDim}));
  return Status::ok();
}

}  // namespace

void register_generator_schemas() {
  register_schema(OpKind::kConstant, {0, 0, 1, 1, 1, kMaxOpset, parse_constant, infer_constant});
  register_schema(OpKind::kConstantOfShape,
                  {1, 1, 1, 1, 9, kMaxOpset, parse_constant_of_shape, infer_constant_of_shape});
  register_schema(OpKind::kRange, {3, 3, 1, 1, 11, kMaxOpset, nullptr, infer_range});
  register_schema(OpKind::kEyeLike, {1, 1, 1, 1, 9, kMaxOpset, parse_eyelike, infer_eyelike});
}

}  // namespace sf::ir::tensor_detail
