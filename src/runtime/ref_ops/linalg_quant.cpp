// Binds the quantisation ops to the reference kernels (kernels/ref/quant.hpp, gemm.hpp and the
// convolution in linalg_conv.cpp): QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear,
// MatMulInteger, QLinearMatMul, QLinearConv.
// Integer products subtract the zero points into int32 first and accumulate modulo 2^32 (as
// uint32), so they are exact whenever the true sum fits in int32.
// Scales were checked by shape inference (finite; non-zero where they divide).
#include <type_traits>

#include "ir/ops/linalg.hpp"
#include "kernels/ref/quant.hpp"
#include "runtime/kernel_registry.hpp"
#include "runtime/ref_ops/linalg_common.hpp"

namespace sf::rt::linalg {

namespace {

// x viewed as [outer, channels, inner] for a per-axis parameter of `param_numel` elements.
struct AxisSplit {
  int64_t outer = 1, channels = 1, inner = 1;
};

Result<AxisSplit> axis_split(const KernelContext& ctx, const Tensor& x, const Tensor& param) {
  AxisSplit s;
  s.inner = x.numel();
  if (param.rank() != 1 || param.numel() == 1) return s;
  const auto& at = ctx.node.attrs_as<ir::QuantAttrs>();
  auto ax = normalize_axis(at.axis, x.rank());
  if (!ax) return ctx.error(ax.status().message());
  s.outer = 1;
  s.inner = 1;
  for (int64_t d = 0; d < *ax; ++d) s.outer *= x.dim(d);
  for (int64_t d = *ax + 1; d < x.rank(); ++d) s.inner *= x.dim(d);
  s.channels = x.dim(*ax);
  if (param.numel() != s.channels)
    return ctx.error("scale has " + std::to_string(param.numel()) + " elements but axis " +
                     std::to_string(*ax) + " of " + x.describe() + " has " +
                     std::to_string(s.channels));
  return s;
}

// QuantizeLinear's and DequantizeLinear's parameters: x (input 0) split around the axis of the
// scale (input 1), and the scales and zero points (input 2; zeros when absent) per channel.
struct LinearQuantParams {
  AxisSplit split;
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
};

Result<LinearQuantParams> linear_quant_params(const KernelContext& ctx) {
  const Tensor& scale = ctx.input(1);
  const Tensor* zp = ctx.has(2) ? &ctx.input(2) : nullptr;
  SF_ASSIGN_OR_RETURN(AxisSplit s, axis_split(ctx, ctx.input(0), scale));
  return LinearQuantParams{s, read_scales(scale, s.channels), read_zero_points(zp, s.channels)};
}

template <typename Q>
void quantize_any(const Tensor& x, Q* y, const AxisSplit& s, const std::vector<float>& scale,
                  const std::vector<int32_t>& zp) {
  switch (x.dtype()) {
    case DType::kF32:
      ref::quantize_linear<float>(x.data<float>(), y, s.outer, s.channels, s.inner, scale.data(),
                                  zp.data());
      return;
    case DType::kF16:
      ref::quantize_linear<float>(x.data<Float16>(), y, s.outer, s.channels, s.inner,
                                  scale.data(), zp.data());
      return;
    case DType::kBF16:
      ref::quantize_linear<float>(x.data<BFloat16>(), y, s.outer, s.channels, s.inner,
                                  scale.data(), zp.data());
      return;
    default: {
      const std::vector<double> sd(scale.begin(), scale.end());
      if (x.dtype() == DType::kF64)
        ref::quantize_linear<double>(x.data<double>(), y, s.outer, s.channels, s.inner, sd.data(),
                                     zp.data());
      else
        ref::quantize_linear<double>(x.data<int32_t>(), y, s.outer, s.channels, s.inner,
                                     sd.data(), zp.data());
    }
  }
}

Status run_quantize(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  SF_ASSIGN_OR_RETURN(const LinearQuantParams q, linear_quant_params(ctx));
  if (y.dtype() == DType::kU8) quantize_any(x, y.data<uint8_t>(), q.split, q.scale, q.zero_point);
  else quantize_any(x, y.data<int8_t>(), q.split, q.scale, q.zero_point);
  return Status::ok();
}

template <typename X>
void dequantize_any(const X* x, Tensor& y, const AxisSplit& s, const std::vector<float>& scale,
                    const std::vector<int32_t>& zp) {
  switch (y.dtype()) {
    case DType::kF16:
      ref::dequantize_linear(x, y.data<Float16>(), s.outer, s.channels, s.inner, scale.data(),
                             zp.data());
      return;
    case DType::kBF16:
      ref::dequantize_linear(x, y.data<BFloat16>(), s.outer, s.channels, s.inner, scale.data(),
                             zp.data());
      return;
    default:
      ref::dequantize_linear(x, y.data<float>(), s.outer, s.channels, s.inner, scale.data(),
                             zp.data());
  }
}

Status run_dequantize(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  SF_ASSIGN_OR_RETURN(const LinearQuantParams q, linear_quant_params(ctx));
  switch (x.dtype()) {
    case DType::kU8: dequantize_any(x.data<uint8_t>(), y, q.split, q.scale, q.zero_point); break;
    case DType::kI8: dequantize_any(x.data<int8_t>(), y, q.split, q.scale, q.zero_point); break;
    default: dequantize_any(x.data<int32_t>(), y, q.split, q.scale, q.zero_point); break;
  }
  return Status::ok();
}

Status run_dynamic_quantize(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  float scale = 1.0f;
  uint8_t zp = 0;
  ref::dynamic_quant_params(x.data<float>(), x.numel(), scale, zp);
  const int32_t zp32 = zp;
  ref::quantize_linear<float>(x.data<float>(), ctx.output(0).data<uint8_t>(), 1, 1, x.numel(),
                              &scale, &zp32);
  ctx.output(1).data<float>()[0] = scale;
  ctx.output(2).data<uint8_t>()[0] = zp;
  return Status::ok();
}

// a - a_zp[row] and b - b_zp[col] as int32 (stored as uint32) for the matmul-like integer ops.
struct IntMatmulOperands {
  Tensor a, b;
  Shape as, bs;  // promoted shapes
};

Result<IntMatmulOperands> int_matmul_operands(KernelContext& ctx, const Tensor& a,
                                              const Tensor* a_zp, const Tensor& b,
                                              const Tensor* b_zp) {
  IntMatmulOperands o;
  o.as = promote_lhs(a.shape());
  o.bs = promote_rhs(b.shape());
  const int64_t m = o.as[o.as.size() - 2], k = o.as.back(), n = o.bs.back();
  SF_ASSIGN_OR_RETURN(o.a, scratch(ctx, DType::kU32, a.shape()));
  SF_ASSIGN_OR_RETURN(o.b, scratch(ctx, DType::kU32, b.shape()));
  const std::vector<int32_t> az = read_zero_points(a_zp, m), bz = read_zero_points(b_zp, n);
  auto fill = [](const auto* src, int64_t count, auto zp_of, uint32_t* dst) {
    for (int64_t i = 0; i < count; ++i)
      dst[i] = static_cast<uint32_t>(static_cast<int32_t>(src[i]) - zp_of(i));
  };
  auto a_zp_of = [&](int64_t i) { return az[static_cast<size_t>((i / k) % m)]; };
  auto b_zp_of = [&](int64_t i) { return bz[static_cast<size_t>(i % n)]; };
  uint32_t* ad = o.a.data<uint32_t>();
  uint32_t* bd = o.b.data<uint32_t>();
  if (a.dtype() == DType::kU8) fill(a.data<uint8_t>(), a.numel(), a_zp_of, ad);
  else fill(a.data<int8_t>(), a.numel(), a_zp_of, ad);
  if (b.dtype() == DType::kU8) fill(b.data<uint8_t>(), b.numel(), b_zp_of, bd);
  else fill(b.data<int8_t>(), b.numel(), b_zp_of, bd);
  return o;
}

Status run_matmul_integer(KernelContext& ctx) {
  SF_ASSIGN_OR_RETURN(IntMatmulOperands o,
                      int_matmul_operands(ctx, ctx.input(0), ctx.has(2) ? &ctx.input(2) : nullptr,
                                          ctx.input(1), ctx.has(3) ? &ctx.input(3) : nullptr));
  matmul_batched(o.a.data<uint32_t>(), o.as, o.b.data<uint32_t>(), o.bs,
                 static_cast<uint32_t*>(ctx.output(0).raw()));
  return Status::ok();
}

// y (uint8 or int8) = the int32 accumulator acc requantised with per-channel multipliers.
void requantize_into(const Tensor& acc, Tensor& y, int64_t outer, int64_t channels, int64_t inner,
                     const std::vector<float>& mult, int32_t zp) {
  const auto* src = static_cast<const int32_t*>(acc.raw());
  if (y.dtype() == DType::kU8)
    ref::requantize(src, y.data<uint8_t>(), outer, channels, inner, mult.data(), zp);
  else
    ref::requantize(src, y.data<int8_t>(), outer, channels, inner, mult.data(), zp);
}

// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp).
Status run_qlinear_matmul(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(3);
  Tensor& y = ctx.output(0);
  SF_ASSIGN_OR_RETURN(IntMatmulOperands o,
                      int_matmul_operands(ctx, a, &ctx.input(2), b, &ctx.input(5)));
  SF_ASSIGN_OR_RETURN(Tensor acc, scratch(ctx, DType::kU32, y.shape()));
  matmul_batched(o.a.data<uint32_t>(), o.as, o.b.data<uint32_t>(), o.bs, acc.data<uint32_t>());
  const int64_t m = o.as[o.as.size() - 2], n = o.bs.back();
  const float ys = read_scales(ctx.input(6), 1)[0];
  const int32_t yz = read_zero_points(&ctx.input(7), 1)[0];
  const Tensor& a_s = ctx.input(1);
  const Tensor& b_s = ctx.input(4);
  // Multiplier a_scale[row] * b_scale[col] / y_scale, in float as the ONNX reference.
  int64_t channels = 1, inner = y.numel(), outer = 1;
  std::vector<float> mult;
  if (a_s.numel() == 1 && b_s.numel() == 1) {
    mult = {(static_cast<float>(a_s.double_at(0)) * static_cast<float>(b_s.double_at(0))) / ys};
  } else {
    const auto as = read_scales(a_s, m), bs = read_scales(b_s, n);
    mult.resize(static_cast<size_t>(m * n));
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        mult[static_cast<size_t>(i * n + j)] =
            (as[static_cast<size_t>(i)] * bs[static_cast<size_t>(j)]) / ys;
    channels = m * n;
    inner = 1;
    outer = m * n == 0 ? 0 : y.numel() / (m * n);
  }
  requantize_into(acc, y, outer, channels, inner, mult, yz);
  return Status::ok();
}

// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B).
Status run_qlinear_conv(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(3);
  Tensor& y = ctx.output(0);
  SF_ASSIGN_OR_RETURN(IntConvOperands o,
                      conv_integer_operands(ctx, x, &ctx.input(2), w, &ctx.input(5)));
  SF_ASSIGN_OR_RETURN(Tensor acc, scratch(ctx, DType::kU32, y.shape()));
  const uint32_t* bias = ctx.has(8) ? static_cast<const uint32_t*>(ctx.input(8).raw()) : nullptr;
  SF_TRY(conv_forward<uint32_t>(ctx, o.x.data<uint32_t>(), x.shape(), o.w.data<uint32_t>(),
                                w.shape(), bias, acc.data<uint32_t>()));
  const int64_t m = w.dim(0);
  const float xs = read_scales(ctx.input(1), 1)[0];
  const float ys = read_scales(ctx.input(6), 1)[0];
  const auto ws = read_scales(ctx.input(4), m);
  std::vector<float> mult(static_cast<size_t>(m));
  for (int64_t oc = 0; oc < m; ++oc)
    mult[static_cast<size_t>(oc)] = (xs * ws[static_cast<size_t>(oc)]) / ys;
  const int32_t yz = read_zero_points(&ctx.input(7), 1)[0];
  const int64_t n_img = y.dim(0);
  const int64_t inner = (n_img == 0 || m == 0) ? 0 : y.numel() / (n_img * m);
  requantize_into(acc, y, n_img, m, inner, mult, yz);
  return Status::ok();
}

}  // namespace

void register_quant_kernels() {
  register_kernel(ir::OpKind::kQuantizeLinear, run_quantize);
  register_kernel(ir::OpKind::kDequantizeLinear, run_dequantize);
  register_kernel(ir::OpKind::kDynamicQuantizeLinear, run_dynamic_quantize);
  register_kernel(ir::OpKind::kMatMulInteger, run_matmul_integer);
  register_kernel(ir::OpKind::kQLinearMatMul, run_qlinear_matmul);
  register_kernel(ir::OpKind::kQLinearConv, run_qlinear_conv);
}

}  // namespace sf::rt::linalg
