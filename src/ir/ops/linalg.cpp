// linalg ops: typed attributes, validation and inference.
//   MatMul, Gemm, Einsum                      float/integer products
//   Conv, ConvTranspose                       float convolutions (1-D, 2-D, 3-D, ... groups)
//   QuantizeLinear, DequantizeLinear,         8-bit quantisation (per tensor / per axis)
//   DynamicQuantizeLinear, MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv
// Every check that a malformed model can trip (ranks, channel and group counts, kernels larger
// than the padded input, zero strides, negative pads, bias and zero-point shapes, zero or NaN
// scales of known value) is made here, at load time where the values are known and again at
// run time, so the kernels only see consistent shapes.
#include "ir/ops/linalg.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/op_schema.hpp"

namespace sf::ir {

namespace {

constexpr int64_t kMaxConvAttr = int64_t{1} << 31;  // bound on kernel/stride/dilation/pad values
// Bound on the dims that convolution shape arithmetic multiplies (no tensor comes close; a
// declared shape in a crafted file might), so products of a dim and an attribute fit in int64.
constexpr int64_t kMaxConvDim = int64_t{1} << 40;

std::string ints_str(const std::vector<int64_t>& v) { return shape_str(v); }

bool known(int64_t d) { return d >= 0; }

// ---------------------------------------------------------------------------------------------
// Parse functions

Status parse_bool_int(const AttrReader& r, const std::string& name, bool& out) {
  SF_ASSIGN_OR_RETURN(int64_t v, r.get_int(name, 0));
  if (v != 0 && v != 1) return r.error(name, "must be 0 or 1, got " + std::to_string(v));
  out = v != 0;
  return Status::ok();
}

Status parse_gemm(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<GemmAttrs>();
  SF_ASSIGN_OR_RETURN(a->alpha, r.get_float("alpha", 1.0f));
  SF_ASSIGN_OR_RETURN(a->beta, r.get_float("beta", 1.0f));
  SF_TRY(parse_bool_int(r, "transA", a->trans_a));
  SF_TRY(parse_bool_int(r, "transB", a->trans_b));
  // Opsets 1-6 had `broadcast`; unidirectional broadcasting of C (its broadcast=1 meaning) is a
  // superset of broadcast=0, so the flag is checked but not needed.
  bool broadcast = false;
  if (node.opset < 7) SF_TRY(parse_bool_int(r, "broadcast", broadcast));
  node.attrs = std::move(a);
  return Status::ok();
}

bool is_label(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Parses one term ("ab...c") into labels with '.' for the ellipsis.
Status parse_einsum_term(const AttrReader& r, const std::string& term, std::string& out) {
  out.clear();
  bool ellipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    const char c = term[i];
    if (is_label(c)) {
      out += c;
    } else if (c == '.') {
      if (term.compare(i, 3, "...") != 0)
        return r.error("equation", "has a '.' that is not part of '...' in term '" + term + "'");
      if (ellipsis) return r.error("equation", "has two ellipses in term '" + term + "'");
      ellipsis = true;
      out += EinsumAttrs::kEllipsis;
      i += 2;
    } else {
      return r.error("equation", std::string("has invalid character '") + c + "' in term '" +
                                     term + "'");
    }
  }
  return Status::ok();
}

Status parse_einsum(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<EinsumAttrs>();
  SF_ASSIGN_OR_RETURN(std::string eq, r.get_string("equation", ""));
  if (!r.has("equation")) return r.error("equation", "is required");
  a->equation = eq;
  std::string s;
  for (char c : eq)
    if (c != ' ') s += c;
  std::string lhs = s;
  const size_t arrow = s.find("->");
  if (arrow != std::string::npos) {
    lhs = s.substr(0, arrow);
    a->explicit_output = true;
    SF_TRY(parse_einsum_term(r, s.substr(arrow + 2), a->output));
  }
  size_t start = 0;
  while (true) {
    const size_t comma = lhs.find(',', start);
    std::string term;
    SF_TRY(parse_einsum_term(r, lhs.substr(start, comma == std::string::npos ? std::string::npos
                                                                             : comma - start),
                             term));
    a->inputs.push_back(term);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (a->inputs.size() != node.inputs.size())
    return r.error("equation", "'" + eq + "' has " + std::to_string(a->inputs.size()) +
                                   " operand terms but the node has " +
                                   std::to_string(node.inputs.size()) + " inputs");
  if (a->explicit_output) {
    for (size_t i = 0; i < a->output.size(); ++i) {
      const char c = a->output[i];
      if (a->output.find(c, i + 1) != std::string::npos)
        return r.error("equation", std::string("'") + eq + "' repeats output label '" +
                                       (c == EinsumAttrs::kEllipsis ? std::string("...")
                                                                    : std::string(1, c)) +
                                       "'");
      bool found = false;
      for (const auto& t : a->inputs) found = found || t.find(c) != std::string::npos;
      if (!found && c != EinsumAttrs::kEllipsis)
        return r.error("equation", std::string("'") + eq + "' has output label '" + c +
                                       "' that appears in no input");
    }
  }
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_ints_in_range(const AttrReader& r, const std::string& name, int64_t lo,
                           std::vector<int64_t>& out) {
  SF_ASSIGN_OR_RETURN(out, r.get_ints(name));
  for (int64_t v : out)
    if (v < lo || v >= kMaxConvAttr)
      return r.error(name, "has value " + std::to_string(v) + " outside [" + std::to_string(lo) +
                               ", 2^31) in " + ints_str(out));
  return Status::ok();
}

}  // namespace

Status parse_conv_attrs(const Node& node, bool transpose, ConvAttrs* a) {
  AttrReader r(node);
  SF_ASSIGN_OR_RETURN(std::string ap, r.get_string("auto_pad", "NOTSET"));
  if (ap == "NOTSET" || ap.empty()) a->auto_pad = AutoPad::kNotSet;
  else if (ap == "SAME_UPPER") a->auto_pad = AutoPad::kSameUpper;
  else if (ap == "SAME_LOWER") a->auto_pad = AutoPad::kSameLower;
  else if (ap == "VALID") a->auto_pad = AutoPad::kValid;
  else return r.error("auto_pad", "must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '" + ap + "'");
  SF_TRY(parse_ints_in_range(r, "kernel_shape", 1, a->kernel_shape));
  SF_TRY(parse_ints_in_range(r, "strides", 1, a->strides));
  SF_TRY(parse_ints_in_range(r, "dilations", 1, a->dilations));
  SF_TRY(parse_ints_in_range(r, "pads", 0, a->pads));
  if (a->pads.size() % 2 != 0)
    return r.error("pads", "must have an even length (begins then ends), got " + ints_str(a->pads));
  SF_ASSIGN_OR_RETURN(a->group, r.get_int("group", 1));
  if (a->group < 1 || a->group >= kMaxConvAttr)
    return r.error("group", "must be at least 1, got " + std::to_string(a->group));
  if (transpose) {
    SF_TRY(parse_ints_in_range(r, "output_padding", 0, a->output_padding));
    SF_TRY(parse_ints_in_range(r, "output_shape", 0, a->output_shape));
  }
  return Status::ok();
}

namespace {

Status parse_conv_common(Node& node, bool transpose) {
  auto a = std::make_shared<ConvAttrs>();
  SF_TRY(parse_conv_attrs(node, transpose, a.get()));
  node.attrs = std::move(a);
  return Status::ok();
}

Status parse_conv(Node& node) { return parse_conv_common(node, false); }
Status parse_conv_transpose(Node& node) { return parse_conv_common(node, true); }

Status parse_quant(Node& node) {
  AttrReader r(node);
  auto a = std::make_shared<QuantAttrs>();
  if (node.opset >= 13) {
    SF_ASSIGN_OR_RETURN(a->axis, r.get_int("axis", 1));
  }
  node.attrs = std::move(a);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Shared inference helpers

std::string dim_str(int64_t d) { return known(d) ? std::to_string(d) : std::string("?"); }

// NumPy matmul shape rules (1-D promotion, batch broadcasting); dims may be unknown.
Result<Shape> matmul_shape(const InferContext& ctx, size_t ia, size_t ib) {
  Shape a = ctx.shape(ia), b = ctx.shape(ib);
  if (a.empty() || b.empty())
    return ctx.error("inputs must have rank >= 1, got " + shape_str(a) + " and " + shape_str(b));
  const bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  if (a_vec) a.insert(a.begin(), 1);
  if (b_vec) b.push_back(1);
  const int64_t k_a = a.back(), k_b = b[b.size() - 2];
  if (known(k_a) && known(k_b) && k_a != k_b)
    return ctx.error("inner dims differ: " + shape_str(ctx.shape(ia)) + " x " +
                     shape_str(ctx.shape(ib)) + " (" + std::to_string(k_a) + " vs " +
                     std::to_string(k_b) + ")");
  const Shape ba(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
  auto batch = broadcast_shapes(ba, bb);
  if (!batch) return ctx.error("batch dims do not broadcast: " + batch.status().message());
  Shape out = *batch;
  if (!a_vec) out.push_back(a[a.size() - 2]);
  if (!b_vec) out.push_back(b.back());
  return out;
}

// Checks a scale or zero-point input: scalar or 1-D of `expected` elements (kUnknownDim: any
// length; 1: per tensor only). A 1-element 1-D tensor counts as per tensor.
Status check_quant_param_shape(const InferContext& ctx, size_t i, const char* what,
                               int64_t expected) {
  if (!ctx.rank_known(i)) return Status::ok();
  const Shape& s = ctx.shape(i);
  if (s.empty()) return Status::ok();
  if (s.size() == 1) {
    if (!known(s[0]) || s[0] == 1 || !known(expected) || s[0] == expected) return Status::ok();
  }
  return ctx.error(std::string(what) + " (input " + std::to_string(i) + ") must be a scalar" +
                   (expected == 1 ? std::string()
                                  : " or a 1-D tensor of " + dim_str(expected) + " elements") +
                   ", got shape " + shape_str(s));
}

// Scales of known value must be finite, and non-zero where they divide.
Status check_scale_values(const InferContext& ctx, size_t i, const char* what, bool divides) {
  const Tensor* t = ctx.value(i);
  if (!t || !dtype_is_float(t->dtype())) return Status::ok();
  for (int64_t k = 0; k < t->numel(); ++k) {
    const double v = t->double_at(k);
    if (!std::isfinite(v) || (divides && v == 0.0))
      return ctx.error(std::string(what) + " (input " + std::to_string(i) + ") element " +
                       std::to_string(k) + " is " + std::to_string(v) +
                       (divides ? "; scales must be finite and non-zero"
                                : "; scales must be finite"));
  }
  return Status::ok();
}

Status expect_same_dtype(const InferContext& ctx, size_t i, size_t j) {
  if (!ctx.has(i) || !ctx.has(j) || ctx.dtype(i) == ctx.dtype(j)) return Status::ok();
  return ctx.error("input " + std::to_string(i) + " has type " + dtype_name(ctx.dtype(i)) +
                   " but input " + std::to_string(j) + " has type " + dtype_name(ctx.dtype(j)));
}

// ---------------------------------------------------------------------------------------------
// MatMul / Gemm / Einsum

Status infer_matmul(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI32,
                              DType::kI64, DType::kU32, DType::kU64}));
  SF_TRY(expect_same_dtype(ctx, 0, 1));
  if (!ctx.rank_known(0) || !ctx.rank_known(1)) {
    ctx.set_output(0, ctx.dtype(0), std::nullopt);
    return Status::ok();
  }
  SF_ASSIGN_OR_RETURN(Shape out, matmul_shape(ctx, 0, 1));
  ctx.set_output(0, ctx.dtype(0), out);
  return Status::ok();
}

Status infer_gemm(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<GemmAttrs>();
  SF_TRY(ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI32,
                              DType::kI64, DType::kU32, DType::kU64}));
  SF_TRY(expect_same_dtype(ctx, 0, 1));
  SF_TRY(expect_same_dtype(ctx, 0, 2));
  SF_TRY(ctx.expect_rank(0, 2, 2));
  SF_TRY(ctx.expect_rank(1, 2, 2));
  SF_TRY(ctx.expect_rank(2, 0, 2));
  int64_t m = kUnknownDim, n = kUnknownDim, ka = kUnknownDim, kb = kUnknownDim;
  if (ctx.rank_known(0)) {
    m = ctx.shape(0)[a.trans_a ? 1 : 0];
    ka = ctx.shape(0)[a.trans_a ? 0 : 1];
  }
  if (ctx.rank_known(1)) {
    kb = ctx.shape(1)[a.trans_b ? 1 : 0];
    n = ctx.shape(1)[a.trans_b ? 0 : 1];
  }
  if (known(ka) && known(kb) && ka != kb)
    return ctx.error("inner dims differ: A " + shape_str(ctx.shape(0)) + (a.trans_a ? "^T" : "") +
                     " x B " + shape_str(ctx.shape(1)) + (a.trans_b ? "^T" : "") + " (" +
                     std::to_string(ka) + " vs " + std::to_string(kb) + ")");
  if (ctx.rank_known(2)) {
    const Shape& c = ctx.shape(2);
    const Shape full = {m, n};
    for (size_t i = 0; i < c.size(); ++i) {
      const int64_t want = full[2 - c.size() + i];
      if (known(c[i]) && c[i] != 1 && known(want) && c[i] != want)
        return ctx.error("C of shape " + shape_str(c) + " does not broadcast to the output [" +
                         dim_str(m) + "," + dim_str(n) + "]");
    }
  }
  ctx.set_output(0, ctx.dtype(0), Shape{m, n});
  return Status::ok();
}

Status infer_einsum(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<EinsumAttrs>();
  SF_TRY(ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI8,
                              DType::kI16, DType::kI32, DType::kI64, DType::kU8, DType::kU16,
                              DType::kU32, DType::kU64}));
  std::vector<Shape> shapes;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    SF_TRY(expect_same_dtype(ctx, 0, i));
    if (!ctx.rank_known(i)) {
      ctx.set_output(0, ctx.dtype(0), std::nullopt);
      return Status::ok();
    }
    shapes.push_back(ctx.shape(i));
  }
  SF_ASSIGN_OR_RETURN(EinsumPlan plan, einsum_plan(a, shapes, ctx.node.label()));
  Shape out;
  for (int l : plan.output_labels) out.push_back(plan.label_dims[static_cast<size_t>(l)]);
  ctx.set_output(0, ctx.dtype(0), out);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Convolutions

// Shared by Conv, ConvInteger, QLinearConv (x, w, optional bias) and ConvTranspose.
Status infer_conv_like(InferContext& ctx, size_t ix, size_t iw, int ib, DType out_dtype,
                       bool transpose) {
  const auto& a = ctx.node.attrs_as<ConvAttrs>();
  if (ctx.rank_known(ix) && ctx.rank(ix) < 3)
    return ctx.error("X must have rank >= 3 ([N, C, spatial...]), got " + shape_str(ctx.shape(ix)));
  if (ctx.rank_known(iw) && ctx.rank(iw) < 3)
    return ctx.error("W must have rank >= 3 ([M, C/group, kernel...]), got " +
                     shape_str(ctx.shape(iw)));
  if (ctx.rank_known(ix) && ctx.rank_known(iw) && ctx.rank(ix) != ctx.rank(iw))
    return ctx.error("W " + shape_str(ctx.shape(iw)) + " must have the rank of X " +
                     shape_str(ctx.shape(ix)));
  if (!ctx.rank_known(ix) && !ctx.rank_known(iw)) {
    ctx.set_output(0, out_dtype, std::nullopt);
    return Status::ok();
  }
  const size_t rank = static_cast<size_t>(ctx.rank_known(ix) ? ctx.rank(ix) : ctx.rank(iw));
  const size_t spatial = rank - 2;
  const Shape x = ctx.rank_known(ix) ? ctx.shape(ix) : Shape(rank, kUnknownDim);
  const Shape w = ctx.rank_known(iw) ? ctx.shape(iw) : Shape(rank, kUnknownDim);
  const int64_t g = a.group;
  const int64_t c = x[1];
  if (w[1] > kMaxConvDim || c > kMaxConvDim)
    return ctx.error("channel counts of X " + shape_str(x) + " and W " + shape_str(w) +
                     " are too large");
  // Forward: W is [M, C/group, k...]. Transposed: W is [C, M/group, k...].
  int64_t m = kUnknownDim;
  if (!transpose) {
    if (known(c) && known(w[1]) && c != w[1] * g)
      return ctx.error("X has " + std::to_string(c) + " channels but W " + shape_str(w) +
                       " with group " + std::to_string(g) + " expects " +
                       std::to_string(w[1] * g));
    if (known(w[0]) && w[0] % g != 0)
      return ctx.error("W " + shape_str(w) + " has " + std::to_string(w[0]) +
                       " output channels, not divisible by group " + std::to_string(g));
    m = w[0];
  } else {
    if (known(c) && c % g != 0)
      return ctx.error("X has " + std::to_string(c) + " channels, not divisible by group " +
                       std::to_string(g));
    if (known(c) && known(w[0]) && c != w[0])
      return ctx.error("X has " + std::to_string(c) + " channels but W " + shape_str(w) +
                       " expects " + std::to_string(w[0]));
    if (known(w[1])) m = w[1] * g;
  }
  if (ib >= 0 && ctx.has(static_cast<size_t>(ib))) {
    SF_TRY(ctx.expect_rank(static_cast<size_t>(ib), 1, 1));
    if (ctx.rank_known(static_cast<size_t>(ib))) {
      const int64_t nb = ctx.shape(static_cast<size_t>(ib))[0];
      if (known(nb) && known(m) && nb != m)
        return ctx.error("bias has " + std::to_string(nb) + " elements, expected " +
                         std::to_string(m) + " (output channels)");
    }
  }
  const Shape in_sp(x.begin() + 2, x.end()), k_sp(w.begin() + 2, w.end());
  Result<ConvGeometry> geo = transpose ? conv_transpose_geometry(a, in_sp, k_sp, ctx.node.label())
                                       : conv_geometry(a, in_sp, k_sp, ctx.node.label());
  if (!geo) return geo.status();
  Shape out = {x[0], m};
  for (size_t i = 0; i < spatial; ++i) out.push_back(geo->out[i]);
  ctx.set_output(0, out_dtype, out);
  return Status::ok();
}

Status infer_conv(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}));
  SF_TRY(expect_same_dtype(ctx, 0, 1));
  SF_TRY(expect_same_dtype(ctx, 0, 2));
  return infer_conv_like(ctx, 0, 1, 2, ctx.dtype(0), false);
}

Status infer_conv_transpose(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}));
  SF_TRY(expect_same_dtype(ctx, 0, 1));
  SF_TRY(expect_same_dtype(ctx, 0, 2));
  return infer_conv_like(ctx, 0, 1, 2, ctx.dtype(0), true);
}

// ---------------------------------------------------------------------------------------------
// Quantisation

// The dim of x along a QuantizeLinear/DequantizeLinear axis (kUnknownDim if unknown), after
// checking the axis.
Result<int64_t> quant_axis_dim(const InferContext& ctx, int64_t axis) {
  if (!ctx.rank_known(0)) return kUnknownDim;
  const bool per_axis = (ctx.rank_known(1) && ctx.rank(1) == 1 && ctx.shape(1)[0] != 1);
  if (!per_axis) return kUnknownDim;
  auto ax = normalize_axis(axis, ctx.rank(0));
  if (!ax) return ctx.error("per-axis quantisation: " + ax.status().message());
  return ctx.shape(0)[static_cast<size_t>(*ax)];
}

Status check_quant_params(const InferContext& ctx, int64_t axis, size_t i_scale, size_t i_zp,
                          bool divides) {
  SF_TRY(ctx.expect_dtype(i_scale, {DType::kF32, DType::kF16, DType::kBF16}));
  const int64_t expected_len = ctx.node.opset >= 13 ? kUnknownDim : 1;
  SF_TRY(check_quant_param_shape(ctx, i_scale, "scale", expected_len));
  SF_TRY(check_quant_param_shape(ctx, i_zp, "zero point", expected_len));
  if (expected_len != 1) {
    SF_ASSIGN_OR_RETURN(int64_t d, quant_axis_dim(ctx, axis));
    SF_TRY(check_quant_param_shape(ctx, i_scale, "scale", d));
    SF_TRY(check_quant_param_shape(ctx, i_zp, "zero point", d));
  }
  if (ctx.rank_known(i_scale) && ctx.rank_known(i_zp) && ctx.shape_known(i_scale) &&
      ctx.shape_known(i_zp)) {
    const auto n_s = shape_numel_unchecked(ctx.shape(i_scale));
    const auto n_z = shape_numel_unchecked(ctx.shape(i_zp));
    if (n_s != n_z)
      return ctx.error("scale " + shape_str(ctx.shape(i_scale)) + " and zero point " +
                       shape_str(ctx.shape(i_zp)) + " have different sizes");
  }
  return check_scale_values(ctx, i_scale, "scale", divides);
}

Status infer_quantize(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<QuantAttrs>();
  SF_TRY(ctx.expect_dtype(0, {DType::kF32, DType::kF16, DType::kBF16, DType::kF64, DType::kI32}));
  SF_TRY(ctx.expect_dtype(2, {DType::kU8, DType::kI8}));
  SF_TRY(check_quant_params(ctx, a.axis, 1, 2, true));
  const DType out = ctx.has(2) ? ctx.dtype(2) : DType::kU8;
  ctx.set_output(0, out, ctx.in[0].shape);
  return Status::ok();
}

Status infer_dequantize(InferContext& ctx) {
  const auto& a = ctx.node.attrs_as<QuantAttrs>();
  SF_TRY(ctx.expect_dtype(0, {DType::kU8, DType::kI8, DType::kI32}));
  SF_TRY(expect_same_dtype(ctx, 0, 2));
  SF_TRY(check_quant_params(ctx, a.axis, 1, 2, false));
  if (ctx.dtype(0) == DType::kI32 && ctx.value(2)) {
    const Tensor& zp = *ctx.value(2);
    for (int64_t k = 0; k < zp.numel(); ++k)
      if (zp.int_at(k) != 0)
        return ctx.error("an int32 input needs a zero point of 0, got " +
                         std::to_string(zp.int_at(k)) + " at element " + std::to_string(k));
  }
  ctx.set_output(0, ctx.dtype(1), ctx.in[0].shape);
  return Status::ok();
}

Status infer_dynamic_quantize(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, {DType::kF32}));
  ctx.set_output(0, DType::kU8, ctx.in[0].shape);
  ctx.set_output(1, DType::kF32, Shape{});
  ctx.set_output(2, DType::kU8, Shape{});
  return Status::ok();
}

// Rows of the A operand of a matmul-like op ([..., M, K] or [K]); kUnknownDim if unknown.
// Callers check rank >= 1 first (expect_rank); rank 0 still answers kUnknownDim, never UB.
int64_t matmul_rows(const InferContext& ctx, size_t i) {
  if (!ctx.rank_known(i) || ctx.rank(i) == 0) return kUnknownDim;
  const Shape& s = ctx.shape(i);
  return s.size() == 1 ? 1 : s[s.size() - 2];
}
int64_t matmul_cols(const InferContext& ctx, size_t i) {
  if (!ctx.rank_known(i) || ctx.rank(i) == 0) return kUnknownDim;
  const Shape& s = ctx.shape(i);
  return s.size() == 1 ? 1 : s.back();
}

Status infer_matmul_integer(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, {DType::kU8, DType::kI8}));
  SF_TRY(ctx.expect_dtype(1, {DType::kU8, DType::kI8}));
  SF_TRY(expect_same_dtype(ctx, 0, 2));
  SF_TRY(expect_same_dtype(ctx, 1, 3));
  SF_TRY(ctx.expect_rank(0, 1, kMaxRank));
  SF_TRY(ctx.expect_rank(1, 1, kMaxRank));
  SF_TRY(check_quant_param_shape(ctx, 2, "a_zero_point", matmul_rows(ctx, 0)));
  SF_TRY(check_quant_param_shape(ctx, 3, "b_zero_point", matmul_cols(ctx, 1)));
  if (!ctx.rank_known(0) || !ctx.rank_known(1)) {
    ctx.set_output(0, DType::kI32, std::nullopt);
    return Status::ok();
  }
  SF_ASSIGN_OR_RETURN(Shape out, matmul_shape(ctx, 0, 1));
  ctx.set_output(0, DType::kI32, out);
  return Status::ok();
}

// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp).
Status infer_qlinear_matmul(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, {DType::kU8, DType::kI8}));
  SF_TRY(ctx.expect_dtype(3, {DType::kU8, DType::kI8}));
  SF_TRY(ctx.expect_dtype(7, {DType::kU8, DType::kI8}));
  SF_TRY(expect_same_dtype(ctx, 0, 2));
  SF_TRY(expect_same_dtype(ctx, 3, 5));
  for (size_t i : {1, 4, 6}) SF_TRY(ctx.expect_dtype(i, {DType::kF32}));
  SF_TRY(ctx.expect_rank(0, 1, kMaxRank));
  SF_TRY(ctx.expect_rank(3, 1, kMaxRank));
  const int64_t rows = matmul_rows(ctx, 0), cols = matmul_cols(ctx, 3);
  SF_TRY(check_quant_param_shape(ctx, 1, "a_scale", rows));
  SF_TRY(check_quant_param_shape(ctx, 2, "a_zero_point", rows));
  SF_TRY(check_quant_param_shape(ctx, 4, "b_scale", cols));
  SF_TRY(check_quant_param_shape(ctx, 5, "b_zero_point", cols));
  SF_TRY(check_quant_param_shape(ctx, 6, "y_scale", 1));
  SF_TRY(check_quant_param_shape(ctx, 7, "y_zero_point", 1));
  SF_TRY(check_scale_values(ctx, 1, "a_scale", false));
  SF_TRY(check_scale_values(ctx, 4, "b_scale", false));
  SF_TRY(check_scale_values(ctx, 6, "y_scale", true));
  if (!ctx.rank_known(0) || !ctx.rank_known(3)) {
    ctx.set_output(0, ctx.dtype(7), std::nullopt);
    return Status::ok();
  }
  SF_ASSIGN_OR_RETURN(Shape out, matmul_shape(ctx, 0, 3));
  ctx.set_output(0, ctx.dtype(7), out);
  return Status::ok();
}

int64_t conv_out_channels(const InferContext& ctx, size_t iw) {
  return ctx.rank_known(iw) && ctx.rank(iw) >= 1 ? ctx.shape(iw)[0] : kUnknownDim;
}

// ConvInteger(x, w, x_zero_point, w_zero_point).
Status infer_conv_integer(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, {DType::kU8, DType::kI8}));
  SF_TRY(ctx.expect_dtype(1, {DType::kU8, DType::kI8}));
  SF_TRY(expect_same_dtype(ctx, 0, 2));
  SF_TRY(expect_same_dtype(ctx, 1, 3));
  SF_TRY(check_quant_param_shape(ctx, 2, "x_zero_point", 1));
  SF_TRY(check_quant_param_shape(ctx, 3, "w_zero_point", conv_out_channels(ctx, 1)));
  return infer_conv_like(ctx, 0, 1, -1, DType::kI32, false);
}

// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B).
Status infer_qlinear_conv(InferContext& ctx) {
  SF_TRY(ctx.expect_dtype(0, {DType::kU8, DType::kI8}));
  SF_TRY(ctx.expect_dtype(3, {DType::kU8, DType::kI8}));
  SF_TRY(ctx.expect_dtype(7, {DType::kU8, DType::kI8}));
  SF_TRY(ctx.expect_dtype(8, {DType::kI32}));
  SF_TRY(expect_same_dtype(ctx, 0, 2));
  SF_TRY(expect_same_dtype(ctx, 3, 5));
  for (size_t i : {1, 4, 6}) SF_TRY(ctx.expect_dtype(i, {DType::kF32}));
  const int64_t m = conv_out_channels(ctx, 3);
  SF_TRY(check_quant_param_shape(ctx, 1, "x_scale", 1));
  SF_TRY(check_quant_param_shape(ctx, 2, "x_zero_point", 1));
  SF_TRY(check_quant_param_shape(ctx, 4, "w_scale", m));
  SF_TRY(check_quant_param_shape(ctx, 5, "w_zero_point", m));
  SF_TRY(check_quant_param_shape(ctx, 6, "y_scale", 1));
  SF_TRY(check_quant_param_shape(ctx, 7, "y_zero_point", 1));
  SF_TRY(check_scale_values(ctx, 1, "x_scale", false));
  SF_TRY(check_scale_values(ctx, 4, "w_scale", false));
  SF_TRY(check_scale_values(ctx, 6, "y_scale", true));
  return infer_conv_like(ctx, 0, 3, 8, ctx.dtype(7), false);
}

// Fills a per-spatial-dim attribute with its default, or checks its length.
Status spatial_attr(const std::vector<int64_t>& given, size_t n, int64_t def, const char* name,
                    const std::string& who, std::vector<int64_t>& out) {
  if (given.empty()) {
    out.assign(n, def);
    return Status::ok();
  }
  if (given.size() != n)
    return invalid_model(who + ": attribute '" + name + "' " + ints_str(given) + " must have " +
                         std::to_string(n) + " values (one per spatial dim)");
  out = given;
  return Status::ok();
}

// Kernel dims from kernel_shape (checked against W) or from W itself.
Status resolve_kernel(const ConvAttrs& a, const Shape& w_sp, const std::string& who,
                      std::vector<int64_t>& out) {
  const size_t n = w_sp.size();
  if (a.kernel_shape.empty()) {
    for (size_t i = 0; i < n; ++i)
      if (w_sp[i] == 0) return invalid_model(who + ": W has a zero-size kernel dim " + shape_str(w_sp));
    out = w_sp;
    return Status::ok();
  }
  SF_TRY(spatial_attr(a.kernel_shape, n, 1, "kernel_shape", who, out));
  for (size_t i = 0; i < n; ++i)
    if (known(w_sp[i]) && w_sp[i] != out[i])
      return invalid_model(who + ": kernel_shape " + ints_str(a.kernel_shape) +
                           " does not match W's spatial dims " + shape_str(w_sp));
  return Status::ok();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Geometry shared with the bindings

static Status check_conv_dims(const Shape& in_sp, const Shape& w_sp, const std::string& who) {
  for (const Shape* s : {&in_sp, &w_sp})
    for (int64_t d : *s)
      if (d > kMaxConvDim)
        return invalid_model(who + ": spatial dims " + shape_str(in_sp) + " (input) or " +
                             shape_str(w_sp) + " (kernel) are too large");
  return Status::ok();
}

// What both directions take from the attributes as given: kernel, strides, dilations and the
// explicit pads split into begin and end. `out` is left for the caller.
static Result<ConvGeometry> conv_geometry_from_attrs(const ConvAttrs& a, const Shape& in_sp,
                                                     const Shape& w_sp, const std::string& who) {
  SF_TRY(check_conv_dims(in_sp, w_sp, who));
  ConvGeometry g;
  const size_t n = in_sp.size();
  g.spatial = n;
  g.in = in_sp;
  SF_TRY(resolve_kernel(a, w_sp, who, g.kernel));
  SF_TRY(spatial_attr(a.strides, n, 1, "strides", who, g.strides));
  SF_TRY(spatial_attr(a.dilations, n, 1, "dilations", who, g.dilations));
  std::vector<int64_t> pads;
  SF_TRY(spatial_attr(a.pads, 2 * n, 0, "pads", who, pads));
  g.pad_begin.assign(pads.begin(), pads.begin() + static_cast<int64_t>(n));
  g.pad_end.assign(pads.begin() + static_cast<int64_t>(n), pads.end());
  return g;
}

Result<ConvGeometry> conv_geometry(const ConvAttrs& a, const Shape& in_sp, const Shape& w_sp,
                                   const std::string& who) {
  SF_ASSIGN_OR_RETURN(ConvGeometry g, conv_geometry_from_attrs(a, in_sp, w_sp, who));
  const size_t n = g.spatial;
  g.out.assign(n, kUnknownDim);
  for (size_t i = 0; i < n; ++i) {
    const int64_t s = g.strides[i];
    if (!known(g.kernel[i])) continue;
    const int64_t eff = (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (a.auto_pad == AutoPad::kSameUpper || a.auto_pad == AutoPad::kSameLower) {
      if (!known(in_sp[i])) continue;
      const int64_t out = (in_sp[i] + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + eff - in_sp[i]);
      g.pad_begin[i] = a.auto_pad == AutoPad::kSameUpper ? total / 2 : total - total / 2;
      g.pad_end[i] = total - g.pad_begin[i];
      g.out[i] = out;
      continue;
    }
    if (a.auto_pad == AutoPad::kValid) g.pad_begin[i] = g.pad_end[i] = 0;
    if (!known(in_sp[i])) continue;
    const int64_t padded = in_sp[i] + g.pad_begin[i] + g.pad_end[i];
    if (padded < eff)
      return invalid_model(who + ": kernel " + ints_str(g.kernel) + " with dilations " +
                           ints_str(g.dilations) + " spans " + std::to_string(eff) +
                           " elements in spatial dim " + std::to_string(i) +
                           ", more than the padded input (" + std::to_string(in_sp[i]) + " + pads " +
                           std::to_string(g.pad_begin[i]) + "+" + std::to_string(g.pad_end[i]) + ")");
    g.out[i] = (padded - eff) / s + 1;
  }
  return g;
}

Result<ConvGeometry> conv_transpose_geometry(const ConvAttrs& a, const Shape& in_sp,
                                             const Shape& w_sp, const std::string& who) {
  SF_ASSIGN_OR_RETURN(ConvGeometry g, conv_geometry_from_attrs(a, in_sp, w_sp, who));
  const size_t n = g.spatial;
  std::vector<int64_t> out_pad;
  SF_TRY(spatial_attr(a.output_padding, n, 0, "output_padding", who, out_pad));
  std::vector<int64_t> out_shape;
  if (!a.output_shape.empty()) {
    // Either the spatial dims or the full [N, C, spatial...] shape.
    if (a.output_shape.size() == n) out_shape = a.output_shape;
    else if (a.output_shape.size() == n + 2)
      out_shape.assign(a.output_shape.begin() + 2, a.output_shape.end());
    else
      return invalid_model(who + ": attribute 'output_shape' " + ints_str(a.output_shape) +
                           " must have " + std::to_string(n) + " values (one per spatial dim)");
  }
  const bool same = a.auto_pad == AutoPad::kSameUpper || a.auto_pad == AutoPad::kSameLower;
  g.out.assign(n, kUnknownDim);
  for (size_t i = 0; i < n; ++i) {
    const int64_t s = g.strides[i];
    if (!out_shape.empty()) g.out[i] = out_shape[i];
    else if (same && known(in_sp[i])) g.out[i] = in_sp[i] * s;
    if (!known(g.kernel[i]) || !known(in_sp[i])) continue;
    const int64_t eff = (g.kernel[i] - 1) * g.dilations[i] + 1;
    // The full (uncropped) transposed result has `full` elements; pads crop it.
    const int64_t full = s * (in_sp[i] - 1) + out_pad[i] + eff;
    if (in_sp[i] == 0) {
      // An empty input gives an empty output, or only the bias where output_shape sets a size.
      if (known(g.out[i])) continue;
      g.out[i] = 0;
      continue;
    }
    if (known(g.out[i])) {
      const int64_t total = full - g.out[i];
      // SAME_UPPER puts the smaller half first (ONNX reference implementation).
      const int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);  // floor(total / 2)
      if (a.auto_pad == AutoPad::kSameUpper) {
        g.pad_begin[i] = half;
        g.pad_end[i] = total - half;
      } else {
        g.pad_begin[i] = total - half;
        g.pad_end[i] = half;
      }
      continue;
    }
    if (a.auto_pad == AutoPad::kValid) g.pad_begin[i] = g.pad_end[i] = 0;
    const int64_t out = full - g.pad_begin[i] - g.pad_end[i];
    if (out < 0)
      return invalid_model(who + ": pads " + ints_str(a.pads) + " crop more than the " +
                           std::to_string(full) + " output elements of spatial dim " +
                           std::to_string(i));
    g.out[i] = out;
  }
  return g;
}

Result<EinsumPlan> einsum_plan(const EinsumAttrs& a, const std::vector<Shape>& shapes,
                               const std::string& who) {
  constexpr char kE = EinsumAttrs::kEllipsis;
  EinsumPlan p;
  if (shapes.size() != a.inputs.size())
    return invalid_model(who + ": equation '" + a.equation + "' needs " +
                         std::to_string(a.inputs.size()) + " operands, got " +
                         std::to_string(shapes.size()));
  // Ellipsis rank: the broadcast of every operand's ellipsis dims.
  size_t ell_rank = 0;
  std::vector<size_t> op_ell(shapes.size(), 0);
  for (size_t i = 0; i < shapes.size(); ++i) {
    const std::string& t = a.inputs[i];
    const bool has_ell = t.find(kE) != std::string::npos;
    const size_t named = t.size() - (has_ell ? 1 : 0);
    if (shapes[i].size() < named || (!has_ell && shapes[i].size() != named))
      return invalid_model(who + ": operand " + std::to_string(i) + " of shape " +
                           shape_str(shapes[i]) + " does not match its term in '" + a.equation +
                           "' (" + std::to_string(named) + " labels" + (has_ell ? " + ..." : "") +
                           ")");
    op_ell[i] = shapes[i].size() - named;
    ell_rank = std::max(ell_rank, op_ell[i]);
  }
  // Label ids: ellipsis dims first (0..ell_rank-1), then letters in first-seen order.
  p.num_labels = static_cast<int>(ell_rank);
  p.label_dims.assign(ell_rank, 1);
  int letter_id[128];
  std::fill(std::begin(letter_id), std::end(letter_id), -1);
  int letter_count[128] = {};
  auto merge_dim = [&](int label, int64_t d, size_t op, size_t axis) -> Status {
    int64_t& cur = p.label_dims[static_cast<size_t>(label)];
    if (d == 1 || d == cur) return Status::ok();
    if (cur == 1 || !known(cur)) {
      if (known(d) || cur == 1) cur = d;
      return Status::ok();
    }
    if (!known(d)) return Status::ok();
    return invalid_model(who + ": in '" + a.equation + "', operand " + std::to_string(op) +
                         " axis " + std::to_string(axis) + " has size " + std::to_string(d) +
                         " but the same label has size " + std::to_string(cur) + " elsewhere");
  };
  for (size_t i = 0; i < shapes.size(); ++i) {
    std::vector<int> labels;
    size_t axis = 0;
    for (char c : a.inputs[i]) {
      if (c == kE) {
        for (size_t e = 0; e < op_ell[i]; ++e, ++axis) {
          const int id = static_cast<int>(ell_rank - op_ell[i] + e);
          labels.push_back(id);
          SF_TRY(merge_dim(id, shapes[i][axis], i, axis));
        }
        continue;
      }
      const auto u = static_cast<unsigned char>(c);
      if (letter_id[u] < 0) {
        letter_id[u] = p.num_labels++;
        p.label_dims.push_back(1);
      }
      ++letter_count[u];
      labels.push_back(letter_id[u]);
      SF_TRY(merge_dim(letter_id[u], shapes[i][axis], i, axis));
      ++axis;
    }
    p.operand_labels.push_back(std::move(labels));
  }
  std::vector<bool> in_output(static_cast<size_t>(p.num_labels), false);
  if (a.explicit_output) {
    bool out_ell = false;
    for (char c : a.output) {
      if (c == kE) {
        out_ell = true;
        for (size_t e = 0; e < ell_rank; ++e) p.output_labels.push_back(static_cast<int>(e));
        continue;
      }
      p.output_labels.push_back(letter_id[static_cast<unsigned char>(c)]);
    }
    if (!out_ell && ell_rank > 0)
      return invalid_model(who + ": equation '" + a.equation +
                           "' has ellipsis dims in its operands but no '...' in its output");
  } else {
    for (size_t e = 0; e < ell_rank; ++e) p.output_labels.push_back(static_cast<int>(e));
    for (int c = 0; c < 128; ++c)
      if (letter_count[c] == 1) p.output_labels.push_back(letter_id[c]);
  }
  for (int l : p.output_labels) in_output[static_cast<size_t>(l)] = true;
  for (int l = 0; l < p.num_labels; ++l)
    if (!in_output[static_cast<size_t>(l)]) p.reduced_labels.push_back(l);
  return p;
}

void register_linalg_schemas() {
  register_schema(OpKind::kMatMul, {2, 2, 1, 1, 1, kMaxOpset, nullptr, infer_matmul});
  register_schema(OpKind::kGemm, {2, 3, 1, 1, 1, kMaxOpset, parse_gemm, infer_gemm});
  register_schema(OpKind::kEinsum,
                  {1, 64, 1, 1, 12, kMaxOpset, parse_einsum, infer_einsum, /*variadic=*/true});
  register_schema(OpKind::kConv, {2, 3, 1, 1, 1, kMaxOpset, parse_conv, infer_conv});
  register_schema(OpKind::kConvTranspose,
                  {2, 3, 1, 1, 1, kMaxOpset, parse_conv_transpose, infer_conv_transpose});
  register_schema(OpKind::kQuantizeLinear, {2, 3, 1, 1, 10, kMaxOpset, parse_quant, infer_quantize});
  register_schema(OpKind::kDequantizeLinear,
                  {2, 3, 1, 1, 10, kMaxOpset, parse_quant, infer_dequantize});
  register_schema(OpKind::kDynamicQuantizeLinear,
                  {1, 1, 3, 3, 11, kMaxOpset, nullptr, infer_dynamic_quantize});
  register_schema(OpKind::kMatMulInteger, {2, 4, 1, 1, 10, kMaxOpset, nullptr, infer_matmul_integer});
  register_schema(OpKind::kConvInteger, {2, 4, 1, 1, 10, kMaxOpset, parse_conv, infer_conv_integer});
  register_schema(OpKind::kQLinearMatMul, {8, 8, 1, 1, 10, kMaxOpset, nullptr, infer_qlinear_matmul});
  register_schema(OpKind::kQLinearConv, {8, 9, 1, 1, 10, kMaxOpset, parse_conv, infer_qlinear_conv});
}

}  // namespace sf::ir
