// Binds Conv, ConvTranspose and ConvInteger to the reference kernels: per image and group,
// im2col (kernels/ref/conv.hpp) + gemm_acc (kernels/ref/gemm.hpp) for Conv, gemm_acc + col2im
// for ConvTranspose. A pointwise convolution (1x1 kernel, stride 1, no pads) multiplies the
// input directly. ConvInteger subtracts zero points into int32 and convolves modulo 2^32.
// QLinearConv (in linalg_quant.cpp) uses conv_forward from here through conv_integer_acc.
#include <algorithm>
#include <type_traits>

#include "ir/ops/linalg.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/ref/gemm.hpp"
#include "runtime/kernel_registry.hpp"
#include "runtime/ref_ops/linalg_common.hpp"

namespace sf::rt::linalg {

namespace {

int64_t prod(const std::vector<int64_t>& v) {
  int64_t n = 1;
  for (int64_t d : v) n *= d;
  return n;
}

template <typename U>
constexpr DType arith_dtype() {
  if constexpr (std::is_same_v<U, uint32_t>) return DType::kU32;
  else return DTypeOf<U>::value;
}

Result<ir::ConvGeometry> geometry(const KernelContext& ctx, const Shape& xs, const Shape& ws,
                                  bool transpose) {
  const auto& at = ctx.node.attrs_as<ir::ConvAttrs>();
  const Shape in(xs.begin() + 2, xs.end()), k(ws.begin() + 2, ws.end());
  return transpose ? ir::conv_transpose_geometry(at, in, k, ctx.node.label())
                   : ir::conv_geometry(at, in, k, ctx.node.label());
}

// Sets each of the `channels` planes of `plane_size` elements in dst to its bias value, or to 0
// when bias is null.
template <typename U>
void fill_with_bias(U* dst, int64_t channels, int64_t plane_size, const U* bias) {
  for (int64_t oc = 0; oc < channels; ++oc)
    std::fill(dst + oc * plane_size, dst + (oc + 1) * plane_size, bias ? bias[oc] : U(0));
}

}  // namespace

// y[N, M, out...] = conv(x[N, C, in...], w[M, C/group, k...]) + bias[M] (bias may be null).
template <typename U>
Status conv_forward(KernelContext& ctx, const U* x, const Shape& xs, const U* w, const Shape& ws,
                    const U* bias, U* y) {
  SF_ASSIGN_OR_RETURN(ir::ConvGeometry g, geometry(ctx, xs, ws, false));
  const int64_t group = ctx.node.attrs_as<ir::ConvAttrs>().group;
  const int64_t n_img = xs[0], c = xs[1], m = ws[0];
  const int64_t cg = c / group, mg = m / group;
  const int64_t k_size = prod(g.kernel), p_out = prod(g.out), p_in = prod(g.in);
  const int64_t depth = cg * k_size;  // the GEMM's K
  bool pointwise = true;
  for (size_t d = 0; d < g.spatial; ++d)
    pointwise = pointwise && g.kernel[d] == 1 && g.strides[d] == 1 && g.pad_begin[d] == 0 &&
                g.pad_end[d] == 0;
  Tensor col;
  if (!pointwise && depth > 0 && p_out > 0) {
    SF_ASSIGN_OR_RETURN(col, scratch(ctx, arith_dtype<U>(), {depth, p_out}));
  }
  const ref::ConvLayout layout{g.in, g.out, g.kernel, g.strides, g.dilations, g.pad_begin};
  for (int64_t img = 0; img < n_img; ++img) {
    for (int64_t gi = 0; gi < group; ++gi) {
      const U* xg = x + (img * c + gi * cg) * p_in;
      U* yg = y + (img * m + gi * mg) * p_out;
      fill_with_bias(yg, mg, p_out, bias ? bias + gi * mg : nullptr);
      if (depth == 0 || p_out == 0) continue;
      const U* colp = xg;
      if (!pointwise) {
        ref::im2col(xg, cg, layout, col.data<U>());
        colp = col.data<U>();
      }
      ref::gemm_acc<U>(mg, p_out, depth, w + gi * mg * depth, depth, 1, colp, p_out, yg, p_out);
    }
  }
  return Status::ok();
}

template Status conv_forward<float>(KernelContext&, const float*, const Shape&, const float*,
                                    const Shape&, const float*, float*);
template Status conv_forward<uint32_t>(KernelContext&, const uint32_t*, const Shape&,
                                       const uint32_t*, const Shape&, const uint32_t*, uint32_t*);

// y[N, M, out...] = conv_transpose(x[N, C, in...], w[C, M/group, k...]) + bias[M].
template <typename U>
Status conv_transpose(KernelContext& ctx, const U* x, const Shape& xs, const U* w, const Shape& ws,
                      const U* bias, U* y) {
  SF_ASSIGN_OR_RETURN(ir::ConvGeometry g, geometry(ctx, xs, ws, true));
  const int64_t group = ctx.node.attrs_as<ir::ConvAttrs>().group;
  const int64_t n_img = xs[0], c = xs[1], mg = ws[1], m = mg * group, cg = c / group;
  const int64_t k_size = prod(g.kernel), p_out = prod(g.out), p_in = prod(g.in);
  const int64_t rows = mg * k_size;  // col rows: (output channel, kernel position)
  Tensor col;
  if (rows > 0 && p_in > 0) {
    SF_ASSIGN_OR_RETURN(col, scratch(ctx, arith_dtype<U>(), {rows, p_in}));
  }
  // col2im iterates over input positions and scatters into the output image.
  const ref::ConvLayout layout{g.out, g.in, g.kernel, g.strides, g.dilations, g.pad_begin};
  for (int64_t img = 0; img < n_img; ++img) {
    for (int64_t gi = 0; gi < group; ++gi) {
      const U* xg = x + (img * c + gi * cg) * p_in;
      U* yg = y + (img * m + gi * mg) * p_out;
      fill_with_bias(yg, mg, p_out, bias ? bias + gi * mg : nullptr);
      if (rows == 0 || p_in == 0 || p_out == 0) continue;
      U* colp = col.data<U>();
      std::fill(colp, colp + rows * p_in, U(0));
      // col[r, p] = sum_c W[c, r] * X[c, p]: A = W_g^T with W_g stored [cg, rows].
      ref::gemm_acc<U>(rows, p_in, cg, w + gi * cg * rows, 1, rows, xg, p_in, colp, p_in);
      ref::col2im_add(colp, mg, layout, yg);
    }
  }
  return Status::ok();
}

namespace {

// Conv and ConvTranspose over float types (float16/bfloat16 through float32).
template <bool kTranspose>
Status run_float_conv(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const Tensor* b = ctx.has(2) ? &ctx.input(2) : nullptr;
  Tensor& y = ctx.output(0);
  auto run = [&](auto tag, const Tensor& xf, const Tensor& wf, const Tensor* bf,
                 Tensor& yf) -> Status {
    using F = typename decltype(tag)::type;
    const F* bias = bf ? bf->data<F>() : nullptr;
    if constexpr (kTranspose)
      return conv_transpose<F>(ctx, xf.data<F>(), xf.shape(), wf.data<F>(), wf.shape(), bias,
                               yf.data<F>());
    else
      return conv_forward<F>(ctx, xf.data<F>(), xf.shape(), wf.data<F>(), wf.shape(), bias,
                             yf.data<F>());
  };
  switch (x.dtype()) {
    case DType::kF32: return run(TypeTag<float>{}, x, w, b, y);
    case DType::kF64: return run(TypeTag<double>{}, x, w, b, y);
    case DType::kF16:
    case DType::kBF16: {
      SF_ASSIGN_OR_RETURN(Tensor xf, widen_half(x, ctx.max_tensor_bytes));
      SF_ASSIGN_OR_RETURN(Tensor wf, widen_half(w, ctx.max_tensor_bytes));
      Tensor bf;
      if (b) {
        SF_ASSIGN_OR_RETURN(bf, widen_half(*b, ctx.max_tensor_bytes));
      }
      SF_ASSIGN_OR_RETURN(Tensor yf, scratch(ctx, DType::kF32, y.shape()));
      SF_TRY(run(TypeTag<float>{}, xf, wf, b ? &bf : nullptr, yf));
      narrow_half(yf, y);
      return Status::ok();
    }
    default:
      return ctx.error(std::string("unsupported type ") + dtype_name(x.dtype()));
  }
}

}  // namespace

// int32 (as uint32, modulo 2^32) x - x_zp and w - w_zp[m] for ConvInteger / QLinearConv.
Result<IntConvOperands> conv_integer_operands(KernelContext& ctx, const Tensor& x,
                                              const Tensor* x_zp, const Tensor& w,
                                              const Tensor* w_zp) {
  IntConvOperands o;
  SF_ASSIGN_OR_RETURN(o.x, scratch(ctx, DType::kU32, x.shape()));
  SF_ASSIGN_OR_RETURN(o.w, scratch(ctx, DType::kU32, w.shape()));
  const int32_t xz = read_zero_points(x_zp, 1)[0];
  const int64_t m = w.dim(0);
  const std::vector<int32_t> wz = read_zero_points(w_zp, m);
  const int64_t per_m = m == 0 ? 0 : w.numel() / m;
  auto fill = [](const auto* src, int64_t n, int32_t zp, uint32_t* dst) {
    for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<uint32_t>(static_cast<int32_t>(src[i]) - zp);
  };
  uint32_t* xd = o.x.data<uint32_t>();
  uint32_t* wd = o.w.data<uint32_t>();
  if (x.dtype() == DType::kU8) fill(x.data<uint8_t>(), x.numel(), xz, xd);
  else fill(x.data<int8_t>(), x.numel(), xz, xd);
  for (int64_t oc = 0; oc < m; ++oc) {
    const int32_t zp = wz[static_cast<size_t>(oc)];
    if (w.dtype() == DType::kU8) fill(w.data<uint8_t>() + oc * per_m, per_m, zp, wd + oc * per_m);
    else fill(w.data<int8_t>() + oc * per_m, per_m, zp, wd + oc * per_m);
  }
  return o;
}

namespace {

Status run_conv_integer(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  SF_ASSIGN_OR_RETURN(IntConvOperands o,
                      conv_integer_operands(ctx, x, ctx.has(2) ? &ctx.input(2) : nullptr, w,
                                            ctx.has(3) ? &ctx.input(3) : nullptr));
  Tensor& y = ctx.output(0);
  return conv_forward<uint32_t>(ctx, o.x.data<uint32_t>(), x.shape(), o.w.data<uint32_t>(),
                                w.shape(), nullptr, static_cast<uint32_t*>(y.raw()));
}

}  // namespace

void register_conv_kernels() {
  register_kernel(ir::OpKind::kConv, run_float_conv<false>);
  register_kernel(ir::OpKind::kConvTranspose, run_float_conv<true>);
  register_kernel(ir::OpKind::kConvInteger, run_conv_integer);
}

}  // namespace sf::rt::linalg
