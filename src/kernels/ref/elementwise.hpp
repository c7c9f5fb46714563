// Reference elementwise kernels: the loops. The per-element formulas live in
// elementwise_math.hpp (unary, activations, arithmetic, comparisons) and elementwise_cast.hpp.
//
//   unary:    dst[i] = f(src[i])                                 contiguous, n elements
//   binary:   dst[o] = f(a[offA(o)], b[offB(o)])                 NumPy broadcasting, row-major dst
//   ternary:  dst[o] = f(a[offA(o)], b[offB(o)], c[offC(o)])     same, three operands
//
// Broadcasting: operand strides over the output shape are 0 where the operand has size 1.
// Adjacent output dims over which every operand is contiguous (or every operand is broadcast)
// are merged first, so the common cases become one long row: same shapes -> 1 row of numel;
// scalar operand -> 1 row with stride 0; [N,C] + [C] -> N rows of C. The innermost row runs in a
// loop with the stride pattern fixed at compile time so that the compiler can vectorise it.
//
// `f` works on the stored element types; the *_compute variants wrap a formula written for the
// compute type (float for float16/bfloat16, see numeric.hpp) with load/store. Results are exact
// to the output type's rounding of the compute-type result.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "kernels/ref/broadcast.hpp"
#include "kernels/ref/numeric.hpp"

namespace sf::ref {

// Output dims after merging, outermost first (never empty), and each operand's stride per dim.
template <size_t N>
struct BroadcastLoop {
  std::vector<int64_t> dims;
  std::array<std::vector<int64_t>, N> strides;
};

template <size_t N>
BroadcastLoop<N> make_broadcast_loop(const std::array<const std::vector<int64_t>*, N>& in_shapes,
                                     const std::vector<int64_t>& out_shape) {
  std::array<std::vector<int64_t>, N> full;
  for (size_t n = 0; n < N; ++n) full[n] = broadcast_strides(*in_shapes[n], out_shape);
  // Walk from the innermost dim outwards, skipping size-1 dims and merging dim k into the group
  // inside it when every operand's stride at k equals (inner stride * inner extent).
  std::vector<int64_t> dims_rev;
  std::array<std::vector<int64_t>, N> strides_rev;
  for (size_t k = out_shape.size(); k-- > 0;) {
    const int64_t d = out_shape[k];
    if (d == 1) continue;
    bool merge = !dims_rev.empty();
    for (size_t n = 0; merge && n < N; ++n)
      merge = full[n][k] == strides_rev[n].back() * dims_rev.back();
    if (merge) {
      dims_rev.back() *= d;
    } else {
      dims_rev.push_back(d);
      for (size_t n = 0; n < N; ++n) strides_rev[n].push_back(full[n][k]);
    }
  }
  BroadcastLoop<N> loop;
  if (dims_rev.empty()) {  // every dim is 1 (or rank 0): one element
    loop.dims = {1};
    for (size_t n = 0; n < N; ++n) loop.strides[n] = {0};
    return loop;
  }
  loop.dims.assign(dims_rev.rbegin(), dims_rev.rend());
  for (size_t n = 0; n < N; ++n) loop.strides[n].assign(strides_rev[n].rbegin(), strides_rev[n].rend());
  return loop;
}

// Calls row(dst_offset, operand_offsets, inner_strides, length) for each innermost row.
template <size_t N, typename Row>
void for_each_row(const BroadcastLoop<N>& loop, Row&& row) {
  const size_t r = loop.dims.size();
  const int64_t len = loop.dims[r - 1];
  int64_t rows = 1;
  for (size_t k = 0; k + 1 < r; ++k) rows *= loop.dims[k];
  if (len == 0 || rows == 0) return;
  std::array<int64_t, N> inner{};
  for (size_t n = 0; n < N; ++n) inner[n] = loop.strides[n][r - 1];
  std::vector<int64_t> idx(r, 0);
  std::array<int64_t, N> off{};
  for (int64_t o = 0; o < rows; ++o) {
    row(o * len, off, inner, len);
    for (size_t k = r - 1; k-- > 0;) {  // odometer over the outer dims
      ++idx[k];
      for (size_t n = 0; n < N; ++n) off[n] += loop.strides[n][k];
      if (idx[k] < loop.dims[k]) break;
      for (size_t n = 0; n < N; ++n) off[n] -= loop.strides[n][k] * idx[k];
      idx[k] = 0;
    }
  }
}

template <typename TIn, typename TOut, typename F>
void unary_map(const TIn* src, TOut* dst, int64_t n, F&& f) {
  for (int64_t i = 0; i < n; ++i) dst[i] = f(src[i]);
}

// dst[i] = store(f(load(src[i]))): f is written for compute_t<T> (float for 16-bit floats).
template <typename TIn, typename TOut, typename F>
void unary_compute(const TIn* src, TOut* dst, int64_t n, F&& f) {
  for (int64_t i = 0; i < n; ++i) dst[i] = store<TOut>(f(load(src[i])));
}

// One innermost row of a binary op; strides are 0 or 1 in every case the loop builder produces,
// the last branch only keeps the function total.
template <typename TA, typename TB, typename TOut, typename F>
inline void binary_row(const TA* a, int64_t sa, const TB* b, int64_t sb, TOut* dst, int64_t n,
                       F& f) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) dst[i] = f(a[i], b[i]);
  } else if (sa == 0 && sb == 1) {
    const TA av = a[0];
    for (int64_t i = 0; i < n; ++i) dst[i] = f(av, b[i]);
  } else if (sa == 1 && sb == 0) {
    const TB bv = b[0];
    for (int64_t i = 0; i < n; ++i) dst[i] = f(a[i], bv);
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = f(a[i * sa], b[i * sb]);
  }
}

template <typename TA, typename TB, typename TOut, typename F>
void binary_broadcast(const TA* a, const std::vector<int64_t>& a_shape, const TB* b,
                      const std::vector<int64_t>& b_shape, TOut* dst,
                      const std::vector<int64_t>& dst_shape, F&& f) {
  const BroadcastLoop<2> loop = make_broadcast_loop<2>({&a_shape, &b_shape}, dst_shape);
  for_each_row(loop, [&](int64_t o, const std::array<int64_t, 2>& off,
                         const std::array<int64_t, 2>& st, int64_t n) {
    binary_row(a + off[0], st[0], b + off[1], st[1], dst + o, n, f);
  });
}

// binary_broadcast with f written for the compute types: dst = store(f(load(a), load(b))).
template <typename TA, typename TB, typename TOut, typename F>
void binary_compute(const TA* a, const std::vector<int64_t>& a_shape, const TB* b,
                    const std::vector<int64_t>& b_shape, TOut* dst,
                    const std::vector<int64_t>& dst_shape, F&& f) {
  binary_broadcast(a, a_shape, b, b_shape, dst, dst_shape,
                   [&f](TA x, TB y) { return store<TOut>(f(load(x), load(y))); });
}

template <typename TA, typename TB, typename TC, typename TOut, typename F>
void ternary_broadcast(const TA* a, const std::vector<int64_t>& a_shape, const TB* b,
                       const std::vector<int64_t>& b_shape, const TC* c,
                       const std::vector<int64_t>& c_shape, TOut* dst,
                       const std::vector<int64_t>& dst_shape, F&& f) {
  const BroadcastLoop<3> loop =
      make_broadcast_loop<3>({&a_shape, &b_shape, &c_shape}, dst_shape);
  for_each_row(loop, [&](int64_t o, const std::array<int64_t, 3>& off,
                         const std::array<int64_t, 3>& st, int64_t n) {
    const TA* pa = a + off[0];
    const TB* pb = b + off[1];
    const TC* pc = c + off[2];
    TOut* pd = dst + o;
    if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
      for (int64_t i = 0; i < n; ++i) pd[i] = f(pa[i], pb[i], pc[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) pd[i] = f(pa[i * st[0]], pb[i * st[1]], pc[i * st[2]]);
    }
  });
}

}  // namespace sf::ref
