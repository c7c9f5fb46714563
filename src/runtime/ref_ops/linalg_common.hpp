// Helpers shared by the linalg bindings (linalg.cpp, linalg_conv.cpp, linalg_quant.cpp):
// float16/bfloat16 widening, the batched matmul driver, quantisation parameter reading.
// Internal to src/runtime/ref_ops.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "core/shape.hpp"
#include "core/tensor.hpp"
#include "ir/ops/linalg.hpp"
#include "kernels/ref/broadcast.hpp"
#include "kernels/ref/gemm.hpp"
#include "runtime/kernel_registry.hpp"

namespace sf::rt::linalg {

// A float32 copy of a float16/bfloat16 tensor; other tensors are returned as they are (shared).
Result<Tensor> widen_half(const Tensor& t, int64_t limit_bytes);
// Writes float32 `src` into half-typed `dst` of the same element count.
void narrow_half(const Tensor& src, Tensor& dst);
// A scratch tensor, zero-filled, under the context's memory limit.
Result<Tensor> scratch(KernelContext& ctx, DType dtype, const Shape& shape);

// NumPy matmul over row-major operands promoted to rank >= 2: a [..., M, K], b [..., K, N],
// batch dims broadcast; dst [batch..., M, N] is overwritten. U: float, double, uint32, uint64.
template <typename U>
void matmul_batched(const U* a, const Shape& a_shape, const U* b, const Shape& b_shape, U* dst) {
  const size_t ra = a_shape.size(), rb = b_shape.size();
  const int64_t m = a_shape[ra - 2], k = a_shape[ra - 1], n = b_shape[rb - 1];
  const Shape a_batch(a_shape.begin(), a_shape.end() - 2);
  const Shape b_batch(b_shape.begin(), b_shape.end() - 2);
  const Result<Shape> bcast = broadcast_shapes(a_batch, b_batch);
  SF_ASSERT(bcast.is_ok());  // checked by shape inference
  const Shape& out_batch = *bcast;
  const int64_t out_total = shape_numel_unchecked(out_batch);
  std::fill(dst, dst + out_total * m * n, U(0));
  if (shape_numel_unchecked(b_batch) == 1) {
    // One B for every batch: the batch folds into the rows of a single product.
    ref::gemm_acc<U>(shape_numel_unchecked(a_batch) * m, n, k, a, k, 1, b, n, dst, n);
    return;
  }
  const std::array<std::vector<int64_t>, 2> st = {ref::broadcast_strides(a_batch, out_batch),
                                                  ref::broadcast_strides(b_batch, out_batch)};
  ref::for_each_broadcast<2>(out_batch, st, [&](int64_t o, const std::array<int64_t, 2>& off) {
    ref::gemm_acc<U>(m, n, k, a + off[0] * m * k, k, 1, b + off[1] * k * n, n, dst + o * m * n, n);
  });
}

// Operand shapes of a matmul-like op after NumPy's 1-D promotion.
inline Shape promote_lhs(Shape s) {
  if (s.size() == 1) s.insert(s.begin(), 1);
  return s;
}
inline Shape promote_rhs(Shape s) {
  if (s.size() == 1) s.push_back(1);
  return s;
}

// Scale values expanded to `channels` entries (a 1-element tensor repeats).
std::vector<float> read_scales(const Tensor& t, int64_t channels);
// Zero points expanded to `channels` entries; all zeros when absent.
std::vector<int32_t> read_zero_points(const Tensor* t, int64_t channels);

// Forward convolution y[N, M, out...] = conv(x[N, C, in...], w[M, C/group, k...]) + bias[M]
// (bias may be null) with the node's ConvAttrs; U is float, double or uint32 (modulo 2^32).
template <typename U>
Status conv_forward(KernelContext& ctx, const U* x, const Shape& xs, const U* w, const Shape& ws,
                    const U* bias, U* y);

// ConvInteger/QLinearConv operands as int32 (stored as uint32): x - x_zero_point and
// w - w_zero_point[m] (per output channel or per tensor; absent zero points are 0).
struct IntConvOperands {
  Tensor x, w;
};
Result<IntConvOperands> conv_integer_operands(KernelContext& ctx, const Tensor& x,
                                              const Tensor* x_zp, const Tensor& w,
                                              const Tensor* w_zp);

// Registration of the kernels bound in the other linalg files.
void register_conv_kernels();
void register_quant_kernels();

}  // namespace sf::rt::linalg
