// Reference elementwise kernels.
//   unary:  dst[i] = f(src[i])                       (contiguous, n elements)
//   binary: dst[o] = f(a[offA(o)], b[offB(o)])       (NumPy broadcasting, row-major dst)
// Arithmetic on float16/bfloat16 runs in float; results are exact to the type's rounding of
// the float result.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/ref/broadcast.hpp"
#include "kernels/ref/numeric.hpp"

namespace sf::ref {

template <typename TIn, typename TOut, typename F>
void unary_map(const TIn* src, TOut* dst, int64_t n, F&& f) {
  for (int64_t i = 0; i < n; ++i) dst[i] = f(src[i]);
}

template <typename TA, typename TB, typename TOut, typename F>
void binary_broadcast(const TA* a, const std::vector<int64_t>& a_shape, const TB* b,
                      const std::vector<int64_t>& b_shape, TOut* dst,
                      const std::vector<int64_t>& dst_shape, F&& f) {
  const std::array<std::vector<int64_t>, 2> strides = {broadcast_strides(a_shape, dst_shape),
                                                       broadcast_strides(b_shape, dst_shape)};
  for_each_broadcast<2>(dst_shape, strides, [&](int64_t o, const std::array<int64_t, 2>& off) {
    dst[o] = f(a[off[0]], b[off[1]]);
  });
}

}  // namespace sf::ref
