// Reference kernels of the internal fused ops, composed plainly from the reference kernels of
// the ops they replace, in the order the unfused graph computes them:
//   FusedConv   Y = act(conv(X, W) + B + R): conv_forward (im2col + gemm_acc, bias first), then
//               + R and act per element. channels_last: X is transposed to NCHW, convolved, and
//               the result transposed back to NHWC before the epilogue.
//   FusedMatMul Y = act(alpha * (A @ op(B)) + bias + R): op(B) materialised (B^T per batch when
//               trans_b), matmul_batched, then the epilogue per element.
//   Attention   Y = softmax(scale * Q K^T + mask [+ causal]) V per (batch, head): gemm_acc for
//               both products, ref::softmax over each score row (double accumulation).
// All float32, accumulation in float (products) and double (softmax), as the unfused kernels.
// Against the unfused graph the results differ only where the fused formula reorders rounding:
// Attention multiplies by `scale` where the graph may divide by its inverse (1 ulp per score).
#include "ir/ops/fused.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/activation.hpp"
#include "kernels/ref/broadcast.hpp"
#include "kernels/ref/gemm.hpp"
#include "kernels/ref/softmax.hpp"
#include "runtime/kernel_registry.hpp"
#include "runtime/ref_ops/families.hpp"
#include "runtime/ref_ops/linalg_common.hpp"

namespace sf::rt {

namespace {

int64_t prod(const Shape& s, size_t from, size_t to) {
  int64_t n = 1;
  for (size_t i = from; i < to; ++i) n *= s[i];
  return n;
}

// [N, P..., C] <-> [N, C, P...] for `n` images of `p` positions and `c` channels.
void nhwc_to_nchw(const float* src, int64_t n, int64_t p, int64_t c, float* dst) {
  for (int64_t i = 0; i < n; ++i) ref::transpose_2d(src + i * p * c, p, c, dst + i * p * c);
}
void nchw_to_nhwc(const float* src, int64_t n, int64_t c, int64_t p, float* dst) {
  for (int64_t i = 0; i < n; ++i) ref::transpose_2d(src + i * p * c, c, p, dst + i * p * c);
}

// y = act(y + R) element by element (R may be null); the bias was added before.
void epilogue(float* y, int64_t count, const float* residual, const ActivationSpec& act) {
  for (int64_t i = 0; i < count; ++i) {
    float v = y[i];
    if (residual) v += residual[i];
    y[i] = apply_activation(act, v);
  }
}

Status run_fused_conv(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::FusedConvAttrs>();
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const float* bias = ctx.has(2) ? ctx.input(2).data<float>() : nullptr;
  const float* residual = ctx.has(3) ? ctx.input(3).data<float>() : nullptr;
  Tensor& y = ctx.output(0);
  if (!a.channels_last) {
    SF_TRY(linalg::conv_forward<float>(ctx, x.data<float>(), x.shape(), w.data<float>(), w.shape(),
                                       bias, y.data<float>()));
  } else {
    const Shape& xs = x.shape();
    const Shape& ys = y.shape();
    const size_t r = xs.size();
    const int64_t n = xs[0], c = xs[r - 1], p_in = prod(xs, 1, r - 1);
    const int64_t m = ys[r - 1], p_out = prod(ys, 1, r - 1);
    Shape x_nchw = {n, c};
    x_nchw.insert(x_nchw.end(), xs.begin() + 1, xs.end() - 1);
    Shape y_nchw = {n, m};
    y_nchw.insert(y_nchw.end(), ys.begin() + 1, ys.end() - 1);
    SF_ASSIGN_OR_RETURN(Tensor xt, linalg::scratch(ctx, DType::kF32, x_nchw));
    SF_ASSIGN_OR_RETURN(Tensor yt, linalg::scratch(ctx, DType::kF32, y_nchw));
    nhwc_to_nchw(x.data<float>(), n, p_in, c, xt.data<float>());
    SF_TRY(linalg::conv_forward<float>(ctx, xt.data<float>(), x_nchw, w.data<float>(), w.shape(),
                                       bias, yt.data<float>()));
    nchw_to_nhwc(yt.data<float>(), n, m, p_out, y.data<float>());
  }
  epilogue(y.data<float>(), y.numel(), residual, a.act);
  return Status::ok();
}

Status run_fused_matmul(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::FusedMatMulAttrs>();
  const Tensor& ta = ctx.input(0);
  const Tensor& tb = ctx.input(1);
  Tensor& y = ctx.output(0);
  Shape bs = tb.shape();
  Tensor b_t;
  const float* b = tb.data<float>();
  if (a.trans_b) {
    const size_t r = bs.size();
    const int64_t rows = bs[r - 2], cols = bs[r - 1], batches = prod(bs, 0, r - 2);
    std::swap(bs[r - 2], bs[r - 1]);
    SF_ASSIGN_OR_RETURN(b_t, linalg::scratch(ctx, DType::kF32, bs));
    for (int64_t i = 0; i < batches; ++i)
      ref::transpose_2d(b + i * rows * cols, rows, cols, b_t.data<float>() + i * rows * cols);
    b = b_t.data<float>();
  }
  float* dst = y.data<float>();
  linalg::matmul_batched<float>(ta.data<float>(), linalg::promote_lhs(ta.shape()), b,
                                linalg::promote_rhs(bs), dst);
  const int64_t count = y.numel();
  if (a.alpha != 1.0f)
    for (int64_t i = 0; i < count; ++i) dst[i] *= a.alpha;
  if (ctx.has(2)) {
    const float* bias = ctx.input(2).data<float>();
    const int64_t n = ctx.input(2).numel();
    for (int64_t i = 0; i < count; ++i) dst[i] += bias[i % n];
  }
  epilogue(dst, count, ctx.has(3) ? ctx.input(3).data<float>() : nullptr, a.act);
  return Status::ok();
}

Status run_attention(KernelContext& ctx) {
  const auto& a = ctx.node.attrs_as<ir::AttentionAttrs>();
  const Tensor& q = ctx.input(0);
  const Tensor& k = ctx.input(1);
  const Tensor& v = ctx.input(2);
  const Shape& qs = q.shape();
  const int64_t batch = qs[0], heads = qs[1], lq = qs[2], d = qs[3];
  const int64_t lk = a.k_transposed ? k.dim(3) : k.dim(2), dv = v.dim(3);
  const int64_t k_offset = lk - lq;  // causal: query i sees keys j <= i + k_offset
  const Shape scores_shape = {batch, heads, lq, lk};
  std::vector<int64_t> mask_st;
  const float* mask = nullptr;
  if (ctx.has(3)) {
    mask = ctx.input(3).data<float>();
    mask_st = ref::broadcast_strides(ctx.input(3).shape(), scores_shape);
  }
  SF_ASSIGN_OR_RETURN(Tensor kt, linalg::scratch(ctx, DType::kF32, {d, lk}));
  SF_ASSIGN_OR_RETURN(Tensor s, linalg::scratch(ctx, DType::kF32, {lq, lk}));
  SF_ASSIGN_OR_RETURN(Tensor p, linalg::scratch(ctx, DType::kF32, {lq, lk}));
  float* sp = s.data<float>();
  float* pp = p.data<float>();
  float* y = ctx.output(0).data<float>();
  constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      const int64_t bh = b * heads + h;
      const float* qp = q.data<float>() + bh * lq * d;
      const float* kp = k.data<float>() + bh * lk * d;
      const float* vp = v.data<float>() + bh * lk * dv;
      float* yp = y + bh * lq * dv;
      // K^T as a row-major [D, Lk] operand.
      const float* k_dk = kp;
      if (!a.k_transposed) {
        ref::transpose_2d(kp, lk, d, kt.data<float>());
        k_dk = kt.data<float>();
      }
      std::fill(sp, sp + lq * lk, 0.0f);
      ref::gemm_acc<float>(lq, lk, d, qp, d, 1, k_dk, lk, sp, lk);
      for (int64_t i = 0; i < lq; ++i) {
        for (int64_t j = 0; j < lk; ++j) {
          float t = sp[i * lk + j] * a.scale;
          if (mask) t += mask[b * mask_st[0] + h * mask_st[1] + i * mask_st[2] + j * mask_st[3]];
          if (a.causal && j > i + k_offset) t = kMinusInf;
          sp[i * lk + j] = t;
        }
      }
      ref::softmax<float>(ref::SoftmaxOp::kSoftmax, sp, pp, lq, lk, 1);
      std::fill(yp, yp + lq * dv, 0.0f);
      ref::gemm_acc<float>(lq, dv, lk, pp, lk, 1, vp, dv, yp, dv);
    }
  }
  return Status::ok();
}

}  // namespace

void register_fused_kernels() {
  register_kernel(ir::OpKind::kFusedConv, run_fused_conv);
  register_kernel(ir::OpKind::kFusedMatMul, run_fused_matmul);
  register_kernel(ir::OpKind::kAttention, run_attention);
}

}  // namespace sf::rt
