// Elementwise ops: typed attributes, validation and inference.
//
// Unary ops keep their input's shape; binary and variadic ops broadcast NumPy-style (from opset
// 7; before that see LegacyBroadcastAttrs). Type checks follow the ONNX type constraints, slightly
// widened where the meaning is obvious (e.g. Sum on integers).
#include "ir/ops/elementwise.hpp"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "ir/op_schema.hpp"

namespace sf::ir {

namespace {

// ---------------------------------------------------------------------------------------------
// Type classes

enum class TypeClass {
  kFloat,          // f16, bf16, f32, f64
  kSignedNumeric,  // floats and signed integers
  kNumeric,        // floats and all integers
  kUnsigned,       // unsigned integers
  kBool,
  kAny,            // numeric and bool
};

bool in_class(TypeClass c, DType t) {
  switch (c) {
    case TypeClass::kFloat: return dtype_is_float(t);
    case TypeClass::kSignedNumeric: return dtype_is_float(t) || (dtype_is_integer(t) && dtype_is_signed(t));
    case TypeClass::kNumeric: return dtype_is_float(t) || dtype_is_integer(t);
    case TypeClass::kUnsigned: return dtype_is_integer(t) && !dtype_is_signed(t);
    case TypeClass::kBool: return t == DType::kBool;
    case TypeClass::kAny: return t == DType::kBool || dtype_is_float(t) || dtype_is_integer(t);
  }
  return false;
}

const char* class_name(TypeClass c) {
  switch (c) {
    case TypeClass::kFloat: return "a floating-point type";
    case TypeClass::kSignedNumeric: return "a floating-point or signed integer type";
    case TypeClass::kNumeric: return "a numeric type";
    case TypeClass::kUnsigned: return "an unsigned integer type";
    case TypeClass::kBool: return "bool";
    case TypeClass::kAny: return "a numeric type or bool";
  }
  return "?";
}

Status expect_class(const InferContext& ctx, size_t i, TypeClass c) {
  if (!ctx.has(i)) return Status::ok();
  const DType t = ctx.dtype(i);
  if (t == DType::kUndefined) return Status::ok();  // not known before run time (subgraphs)
  if (t == DType::kString)
    return ctx.unsupported_here("input " + std::to_string(i) + " has type string");
  if (!in_class(c, t))
    return ctx.error("input " + std::to_string(i) + " has type " + dtype_name(t) + ", expected " +
                     class_name(c));
  return Status::ok();
}

Status expect_same_dtype(const InferContext& ctx, size_t i, size_t j) {
  if (ctx.dtype(i) == DType::kUndefined || ctx.dtype(j) == DType::kUndefined) return Status::ok();
  if (ctx.dtype(i) != ctx.dtype(j))
    return ctx.error("inputs " + std::to_string(i) + " and " + std::to_string(j) +
                     " have different types: " + dtype_name(ctx.dtype(i)) + " and " +
                     dtype_name(ctx.dtype(j)));
  return Status::ok();
}

// NumPy broadcast of all present inputs in [first, num_inputs); nullopt if a rank is unknown.
Result<std::optional<Shape>> broadcast_inputs(const InferContext& ctx, size_t first) {
  Shape out;
  for (size_t i = first; i < ctx.num_inputs(); ++i) {
    if (!ctx.has(i)) continue;
    if (!ctx.rank_known(i)) return std::optional<Shape>();
    auto s = broadcast_shapes(out, ctx.shape(i));
    if (!s) return ctx.error(s.status().message());
    out = std::move(s).value();
  }
  return std::optional<Shape>(std::move(out));
}

// ---------------------------------------------------------------------------------------------
// Inference

template <TypeClass C>
Status infer_unary(InferContext& ctx) {
  SF_TRY(expect_class(ctx, 0, C));
  ctx.set_output(0, ctx.dtype(0), ctx.in[0].shape);
  return Status::ok();
}

// IsNaN, IsInf: float in, bool out.
Status infer_float_predicate(InferContext& ctx) {
  SF_TRY(expect_class(ctx, 0, TypeClass::kFloat));
  ctx.set_output(0, DType::kBool, ctx.in[0].shape);
  return Status::ok();
}

// Output shape of a two-input op, honouring the pre-opset-7 broadcast attributes.
Result<std::optional<Shape>> binary_shape(const InferContext& ctx) {
  const auto* legacy = dynamic_cast<const LegacyBroadcastAttrs*>(ctx.node.attrs.get());
  if (!legacy) return broadcast_inputs(ctx, 0);
  if (!ctx.rank_known(0) || !ctx.rank_known(1)) return std::optional<Shape>();
  const Shape& a = ctx.shape(0);
  const Shape& b = ctx.shape(1);
  if (!legacy->broadcast) {
    if (a.size() != b.size())
      return ctx.error("without broadcast=1 (opset " + std::to_string(ctx.node.opset) +
                       ") the inputs must have equal shapes, got " + shape_str(a) + " and " +
                       shape_str(b));
    Shape out = a;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] >= 0 && b[i] >= 0 && a[i] != b[i])
        return ctx.error("without broadcast=1 (opset " + std::to_string(ctx.node.opset) +
                         ") the inputs must have equal shapes, got " + shape_str(a) + " and " +
                         shape_str(b));
      if (out[i] < 0) out[i] = b[i];
    }
    return std::optional<Shape>(out);
  }
  const int64_t ra = static_cast<int64_t>(a.size());
  const int64_t rb = static_cast<int64_t>(b.size());
  int64_t axis = legacy->has_axis ? legacy->axis : ra - rb;
  if (legacy->has_axis && (axis < -ra || axis >= std::max<int64_t>(ra, 1)))
    return ctx.error("broadcast axis " + std::to_string(legacy->axis) + " is out of range for " +
                     "input 0 of shape " + shape_str(a));
  if (axis < 0) axis += ra;
  if (rb > ra || axis + rb > ra)
    return ctx.error("input 1 of shape " + shape_str(b) + " cannot be broadcast to input 0 of shape " +
                     shape_str(a) + " at axis " + std::to_string(axis));
  for (int64_t i = 0; i < rb; ++i) {
    const int64_t da = a[static_cast<size_t>(axis + i)];
    const int64_t db = b[static_cast<size_t>(i)];
    if (db != 1 && da >= 0 && db >= 0 && da != db)
      return ctx.error("input 1 of shape " + shape_str(b) + " cannot be broadcast to input 0 of " +
                       "shape " + shape_str(a) + " at axis " + std::to_string(axis));
  }
  return std::optional<Shape>(a);
}

// Same-typed inputs of class C; output of the input type (or bool for comparisons).
template <TypeClass C, bool kBoolOut>
Status infer_binary(InferContext& ctx) {
  SF_TRY(expect_class(ctx, 0, C));
  SF_TRY(expect_same_dtype(ctx, 0, 1));
  SF_ASSIGN_OR_RETURN(std::optional<Shape> shape, binary_shape(ctx));
  const DType t = ctx.dtype(0) != DType::kUndefined ? ctx.dtype(0) : ctx.dtype(1);
  ctx.set_output(0, kBoolOut ? DType::kBool : t, std::move(shape));
  return Status::ok();
}

Status infer_pow(InferContext& ctx) {
  SF_TRY(expect_class(ctx, 0, TypeClass::kNumeric));
  SF_TRY(expect_class(ctx, 1, TypeClass::kNumeric));
  if (ctx.node.opset < 12) SF_TRY(expect_same_dtype(ctx, 0, 1));
  SF_ASSIGN_OR_RETURN(std::optional<Shape> shape, binary_shape(ctx));
  ctx.set_output(0, ctx.dtype(0), std::move(shape));
  return Status::ok();
}

Status infer_mod(InferContext& ctx) {
  SF_TRY((infer_binary<TypeClass::kNumeric, false>(ctx)));
  if (dtype_is_float(ctx.dtype(0)) && !ctx.node.attrs_as<ModAttrs>().fmod)
    return ctx.error(std::string("fmod must be 1 for floating-point inputs (got fmod=0, type ") +
                     dtype_name(ctx.dtype(0)) + ")");
  return Status::ok();
}

// PRelu: slope broadcasts unidirectionally to X; the output has X's shape.
Status infer_prelu(InferContext& ctx) {
  SF_TRY(expect_class(ctx, 0, TypeClass::kSignedNumeric));
  SF_TRY(expect_same_dtype(ctx, 0, 1));
  if (ctx.rank_known(0) && ctx.rank_known(1)) {
    const Shape& x = ctx.shape(0);
    const Shape& slope = ctx.shape(1);
    bool ok = slope.size() <= x.size();
    for (size_t k = 0; ok && k < slope.size(); ++k) {
      const int64_t ds = slope[slope.size() - 1 - k];
      const int64_t dx = x[x.size() - 1 - k];
      if (ds != 1 && ds >= 0 && dx >= 0 && ds != dx) ok = false;
    }
    if (!ok)
      return ctx.error("slope of shape " + shape_str(slope) + " cannot be broadcast to X of shape " +
                       shape_str(x));
  }
  ctx.set_output(0, ctx.dtype(0), ctx.in[0].shape);
  return Status::ok();
}

// Sum, Mean, Max, Min: any number of same-typed inputs, broadcast together.
template <TypeClass C>
Status infer_variadic(InferContext& ctx) {
  SF_TRY(expect_class(ctx, 0, C));
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    if (!ctx.has(i)) return ctx.error("input " + std::to_string(i) + " is empty");
    SF_TRY(expect_same_dtype(ctx, 0, i));
  }
  SF_ASSIGN_OR_RETURN(std::optional<Shape> shape, broadcast_inputs(ctx, 0));
  ctx.set_output(0, ctx.dtype(0), std::move(shape));
  return Status::ok();
}

Status infer_where(InferContext& ctx) {
  SF_TRY(expect_class(ctx, 0, TypeClass::kBool));
  SF_TRY(expect_class(ctx, 1, TypeClass::kAny));
  SF_TRY(expect_same_dtype(ctx, 1, 2));
  SF_ASSIGN_OR_RETURN(std::optional<Shape> shape, broadcast_inputs(ctx, 0));
  ctx.set_output(0, ctx.dtype(1) != DType::kUndefined ? ctx.dtype(1) : ctx.dtype(2), std::move(shape));
  return Status::ok();
}

// Clip: bounds are attributes before opset 11, optional scalar inputs from 11.
Status infer_clip(InferContext& ctx) {
  if (ctx.node.opset < 11) {
    SF_TRY(expect_class(ctx, 0, TypeClass::kFloat));
  } else {
    SF_TRY(expect_class(ctx, 0, TypeClass::kNumeric));
    for (size_t i = 1; i < 3; ++i) {
      if (!ctx.has(i)) continue;
      SF_TRY(expect_same_dtype(ctx, 0, i));
      if (ctx.shape_known(i) && shape_numel_unchecked(ctx.shape(i)) != 1)
        return ctx.error(std::string(i == 1 ? "min" : "max") + " must be a scalar, got shape " +
                         shape_str(ctx.shape(i)));
    }
  }
  ctx.set_output(0, ctx.dtype(0), ctx.in[0].shape);
  return Status::ok();
}

Status check_castable(const InferContext& ctx, DType from, DType to) {
  if (from == DType::kUndefined || to == DType::kUndefined) return Status::ok();  // subgraphs
  if (from == DType::kString || to == DType::kString)
    return ctx.unsupported_here(std::string("cast from ") + dtype_name(from) + " to " +
                                dtype_name(to) + " (string tensors are not supported)");
  if (!dtype_is_supported(from) || !dtype_is_supported(to))
    return ctx.unsupported_here(std::string("cast from ") + dtype_name(from) + " to " +
                                dtype_name(to));
  return Status::ok();
}

Status infer_cast(InferContext& ctx) {
  const DType to = ctx.node.attrs_as<CastAttrs>().to;
  SF_TRY(check_castable(ctx, ctx.dtype(0), to));
  ctx.set_output(0, to, ctx.in[0].shape);
  return Status::ok();
}

Status infer_cast_like(InferContext& ctx) {
  SF_TRY(check_castable(ctx, ctx.dtype(0), ctx.dtype(1)));
  ctx.set_output(0, ctx.dtype(1), ctx.in[0].shape);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Attribute parsing

Status parse_legacy_binary(Node& node) {
  if (node.opset >= 7) return Status::ok();
  AttrReader r(node);
  auto attrs = std::make_shared<LegacyBroadcastAttrs>();
  SF_ASSIGN_OR_RETURN(int64_t broadcast, r.get_int("broadcast", 0));
  if (broadcast != 0 && broadcast != 1)
    return r.error("broadcast", "must be 0 or 1, got " + std::to_string(broadcast));
  attrs->broadcast = broadcast == 1;
  attrs->has_axis = r.has("axis");
  SF_ASSIGN_OR_RETURN(attrs->axis, r.get_int("axis", 0));
  node.attrs = std::move(attrs);
  return Status::ok();
}

// Activations whose attributes are floats with no constraint: reads each named attribute into
// its member, in the order given; an absent one keeps the struct's (ONNX) default.
template <typename Attrs>
Status parse_float_attrs(Node& node,
                         std::initializer_list<std::pair<const char*, float Attrs::*>> fields) {
  AttrReader r(node);
  auto a = std::make_shared<Attrs>();
  for (const auto& [name, member] : fields) {
    SF_ASSIGN_OR_RETURN((*a).*member, r.get_float(name, (*a).*member));
  }
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_leaky_relu(Node& node) {
  return parse_float_attrs<LeakyReluAttrs>(node, {{"alpha", &LeakyReluAttrs::alpha}});
}

Status parse_elu(Node& node) {
  return parse_float_attrs<EluAttrs>(node, {{"alpha", &EluAttrs::alpha}});
}

Status parse_selu(Node& node) {
  return parse_float_attrs<SeluAttrs>(
      node, {{"alpha", &SeluAttrs::alpha}, {"gamma", &SeluAttrs::gamma}});
}

Status parse_celu(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<CeluAttrs>();
  SF_ASSIGN_OR_RETURN(a->alpha, r.get_float("alpha", a->alpha));
  if (a->alpha == 0.0f || !std::isfinite(a->alpha))
    return r.error("alpha", "must be finite and non-zero, got " + std::to_string(a->alpha));
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_hard_sigmoid(Node& node) {
  return parse_float_attrs<HardSigmoidAttrs>(
      node, {{"alpha", &HardSigmoidAttrs::alpha}, {"beta", &HardSigmoidAttrs::beta}});
}

Status parse_thresholded_relu(Node& node) {
  return parse_float_attrs<ThresholdedReluAttrs>(node, {{"alpha", &ThresholdedReluAttrs::alpha}});
}

Status parse_shrink(Node& node) {
  return parse_float_attrs<ShrinkAttrs>(
      node, {{"bias", &ShrinkAttrs::bias}, {"lambd", &ShrinkAttrs::lambd}});
}

Status parse_gelu(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<GeluAttrs>();
  auto approx_or = r.get_string("approximate", "none");
  if (!approx_or) return approx_or.status();
  const std::string& approx = *approx_or;
  if (approx == "none") a->approximate = GeluApproximation::kNone;
  else if (approx == "tanh") a->approximate = GeluApproximation::kTanh;
  else return r.error("approximate", "must be \"none\" or \"tanh\", got \"" + approx + "\"");
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_is_inf(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<IsInfAttrs>();
  SF_ASSIGN_OR_RETURN(int64_t neg, r.get_int("detect_negative", 1));
  SF_ASSIGN_OR_RETURN(int64_t pos, r.get_int("detect_positive", 1));
  a->detect_negative = neg != 0;
  a->detect_positive = pos != 0;
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_clip(Node& node) {
  if (node.opset >= 11) return Status::ok();
  AttrReader r(node);
  auto a = std::make_shared<ClipAttrs>();
  SF_ASSIGN_OR_RETURN(a->min, r.get_float("min", a->min));
  SF_ASSIGN_OR_RETURN(a->max, r.get_float("max", a->max));
  if (std::isnan(a->min) || std::isnan(a->max))
    return r.error(std::isnan(a->min) ? "min" : "max", "is NaN");
  node.attrs = std::move(a);
  return Status::ok();
}

// Cast-1 named the target type with a TensorProto.DataType enum name.
std::optional<DType> dtype_from_cast1_name(const std::string& s) {
  static const std::pair<const char*, DType> kNames[] = {
      {"FLOAT", DType::kF32},   {"UINT8", DType::kU8},     {"INT8", DType::kI8},
      {"UINT16", DType::kU16},  {"INT16", DType::kI16},    {"INT32", DType::kI32},
      {"INT64", DType::kI64},   {"STRING", DType::kString}, {"BOOL", DType::kBool},
      {"FLOAT16", DType::kF16}, {"DOUBLE", DType::kF64},   {"UINT32", DType::kU32},
      {"UINT64", DType::kU64},  {"BFLOAT16", DType::kBF16}};
  for (const auto& [name, t] : kNames)
    if (s == name) return t;
  return std::nullopt;
}

Status parse_cast(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<CastAttrs>();
  std::optional<DType> to;
  std::string shown;
  if (node.opset < 6) {
    auto it = node.raw_attrs.find("to");
    if (it != node.raw_attrs.end() && it->second.kind == Attribute::Kind::kString) {
      shown = it->second.s;
      to = dtype_from_cast1_name(shown);
    }
  }
  if (shown.empty()) {
    SF_ASSIGN_OR_RETURN(int64_t v, r.req_int("to"));
    shown = std::to_string(v);
    if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max())
      to = dtype_from_onnx(static_cast<int32_t>(v));
  }
  if (!to || *to == DType::kUndefined) return r.error("to", "is not a known type: " + shown);
  if (*to == DType::kString)
    return unsupported(node.label() + ": cast to string is not supported");
  if (!dtype_is_supported(*to))
    return unsupported(node.label() + ": cast to " + dtype_name(*to) + " is not supported");
  a->to = *to;
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_mod(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<ModAttrs>();
  SF_ASSIGN_OR_RETURN(int64_t fmod, r.get_int("fmod", 0));
  if (fmod != 0 && fmod != 1) return r.error("fmod", "must be 0 or 1, got " + std::to_string(fmod));
  a->fmod = fmod == 1;
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_bit_shift(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<BitShiftAttrs>();
  SF_ASSIGN_OR_RETURN(std::string dir, r.get_string("direction", ""));
  if (dir == "LEFT") a->direction = ShiftDirection::kLeft;
  else if (dir == "RIGHT") a->direction = ShiftDirection::kRight;
  else return r.error("direction", "must be \"LEFT\" or \"RIGHT\", got \"" + dir + "\"");
  node.attrs = std::move(a);
  return Status::ok();
}

// Enough for any real model; keeps the arity check meaningful.
constexpr int kMaxVariadicInputs = 1 << 16;

void reg(OpKind op, int min_in, int max_in, int min_opset, ParseFn parse, InferFn infer) {
  register_schema(op, {min_in, max_in, 1, 1, min_opset, kMaxOpset, parse, infer,
                       /*variadic=*/max_in == kMaxVariadicInputs});
}

}  // namespace

void register_elementwise_schemas() {
  using enum OpKind;
  constexpr auto kF = TypeClass::kFloat;
  constexpr auto kSN = TypeClass::kSignedNumeric;
  constexpr auto kN = TypeClass::kNumeric;

  // Unary math. Opset-1 'consumed_inputs' attributes are legacy hints and are ignored.
  reg(kAbs, 1, 1, 1, nullptr, infer_unary<kN>);
  reg(kNeg, 1, 1, 1, nullptr, infer_unary<kSN>);
  reg(kSign, 1, 1, 9, nullptr, infer_unary<kN>);
  reg(kErf, 1, 1, 9, nullptr, infer_unary<kN>);
  reg(kCeil, 1, 1, 1, nullptr, infer_unary<kF>);
  reg(kFloor, 1, 1, 1, nullptr, infer_unary<kF>);
  reg(kRound, 1, 1, 11, nullptr, infer_unary<kF>);
  reg(kReciprocal, 1, 1, 1, nullptr, infer_unary<kF>);
  reg(kSqrt, 1, 1, 1, nullptr, infer_unary<kF>);
  reg(kExp, 1, 1, 1, nullptr, infer_unary<kF>);
  reg(kLog, 1, 1, 1, nullptr, infer_unary<kF>);
  reg(kTanh, 1, 1, 1, nullptr, infer_unary<kF>);
  reg(kSin, 1, 1, 7, nullptr, infer_unary<kF>);
  reg(kCos, 1, 1, 7, nullptr, infer_unary<kF>);
  reg(kTan, 1, 1, 7, nullptr, infer_unary<kF>);
  reg(kAsin, 1, 1, 7, nullptr, infer_unary<kF>);
  reg(kAcos, 1, 1, 7, nullptr, infer_unary<kF>);
  reg(kAtan, 1, 1, 7, nullptr, infer_unary<kF>);
  reg(kSinh, 1, 1, 9, nullptr, infer_unary<kF>);
  reg(kCosh, 1, 1, 9, nullptr, infer_unary<kF>);
  reg(kAsinh, 1, 1, 9, nullptr, infer_unary<kF>);
  reg(kAcosh, 1, 1, 9, nullptr, infer_unary<kF>);
  reg(kAtanh, 1, 1, 9, nullptr, infer_unary<kF>);
  reg(kIsNaN, 1, 1, 9, nullptr, infer_float_predicate);
  reg(kIsInf, 1, 1, 10, parse_is_inf, infer_float_predicate);
  reg(kNot, 1, 1, 1, nullptr, infer_unary<TypeClass::kBool>);

  // Activations. Gelu is opset 20 in ONNX; accepted at any opset since exporters emit it early.
  reg(kRelu, 1, 1, 1, nullptr, infer_unary<kSN>);
  reg(kLeakyRelu, 1, 1, 1, parse_leaky_relu, infer_unary<kF>);
  reg(kElu, 1, 1, 1, parse_elu, infer_unary<kF>);
  reg(kSelu, 1, 1, 1, parse_selu, infer_unary<kF>);
  reg(kCelu, 1, 1, 12, parse_celu, infer_unary<kF>);
  reg(kSigmoid, 1, 1, 1, nullptr, infer_unary<kF>);
  reg(kHardSigmoid, 1, 1, 1, parse_hard_sigmoid, infer_unary<kF>);
  reg(kHardSwish, 1, 1, 14, nullptr, infer_unary<kF>);
  reg(kSoftplus, 1, 1, 1, nullptr, infer_unary<kF>);
  reg(kSoftsign, 1, 1, 1, nullptr, infer_unary<kF>);
  reg(kGelu, 1, 1, 1, parse_gelu, infer_unary<kF>);
  reg(kThresholdedRelu, 1, 1, 1, parse_thresholded_relu, infer_unary<kF>);
  reg(kShrink, 1, 1, 9, parse_shrink, infer_unary<kN>);
  reg(kClip, 1, 3, 1, parse_clip, infer_clip);
  reg(kCast, 1, 1, 1, parse_cast, infer_cast);
  reg(kCastLike, 2, 2, 15, nullptr, infer_cast_like);

  // Binary, NumPy broadcasting (legacy broadcast attributes before opset 7).
  reg(kAdd, 2, 2, 1, parse_legacy_binary, infer_binary<kN, false>);
  reg(kSub, 2, 2, 1, parse_legacy_binary, infer_binary<kN, false>);
  reg(kMul, 2, 2, 1, parse_legacy_binary, infer_binary<kN, false>);
  reg(kDiv, 2, 2, 1, parse_legacy_binary, infer_binary<kN, false>);
  reg(kPow, 2, 2, 1, parse_legacy_binary, infer_pow);
  reg(kMod, 2, 2, 10, parse_mod, infer_mod);
  reg(kBitShift, 2, 2, 11, parse_bit_shift, infer_binary<TypeClass::kUnsigned, false>);
  reg(kAnd, 2, 2, 1, parse_legacy_binary, infer_binary<TypeClass::kBool, true>);
  reg(kOr, 2, 2, 1, parse_legacy_binary, infer_binary<TypeClass::kBool, true>);
  reg(kXor, 2, 2, 1, parse_legacy_binary, infer_binary<TypeClass::kBool, true>);
  reg(kEqual, 2, 2, 1, parse_legacy_binary, infer_binary<TypeClass::kAny, true>);
  reg(kGreater, 2, 2, 1, parse_legacy_binary, infer_binary<kN, true>);
  reg(kLess, 2, 2, 1, parse_legacy_binary, infer_binary<kN, true>);
  reg(kGreaterOrEqual, 2, 2, 12, nullptr, infer_binary<kN, true>);
  reg(kLessOrEqual, 2, 2, 12, nullptr, infer_binary<kN, true>);
  reg(kPRelu, 2, 2, 1, nullptr, infer_prelu);

  // Variadic.
  reg(kSum, 1, kMaxVariadicInputs, 1, nullptr, infer_variadic<kN>);
  reg(kMean, 1, kMaxVariadicInputs, 1, nullptr, infer_variadic<kF>);
  reg(kMax, 1, kMaxVariadicInputs, 1, nullptr, infer_variadic<kN>);
  reg(kMin, 1, kMaxVariadicInputs, 1, nullptr, infer_variadic<kN>);
  reg(kWhere, 3, 3, 9, nullptr, infer_where);
}

}  // namespace sf::ir
