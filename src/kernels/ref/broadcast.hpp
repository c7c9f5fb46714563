// Broadcast iteration helper for reference kernels: maps each output index to the input
// offsets of up to N operands with NumPy broadcasting (size-1 dims get stride 0).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace sf::ref {

// Strides (in elements) of `in_shape` broadcast to `out_shape` (right-aligned; size-1 -> 0).
inline std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& in_shape,
                                              const std::vector<int64_t>& out_shape) {
  const size_t r = out_shape.size();
  std::vector<int64_t> st(r, 0);
  int64_t s = 1;
  for (size_t k = 0; k < in_shape.size(); ++k) {
    const size_t i = in_shape.size() - 1 - k;
    const size_t o = r - 1 - k;
    st[o] = in_shape[i] == 1 ? 0 : s;
    s *= in_shape[i];
  }
  return st;
}

// Calls f(out_index, offsets) for every output element, in row-major order.
template <size_t N, typename F>
void for_each_broadcast(const std::vector<int64_t>& out_shape,
                        const std::array<std::vector<int64_t>, N>& strides, F&& f) {
  const size_t r = out_shape.size();
  int64_t total = 1;
  for (int64_t d : out_shape) total *= d;
  if (total == 0) return;
  std::vector<int64_t> idx(r, 0);
  std::array<int64_t, N> off{};
  for (int64_t o = 0; o < total; ++o) {
    f(o, off);
    for (size_t k = r; k-- > 0;) {
      ++idx[k];
      for (size_t n = 0; n < N; ++n) off[n] += strides[n][k];
      if (idx[k] < out_shape[k]) break;
      for (size_t n = 0; n < N; ++n) off[n] -= strides[n][k] * idx[k];
      idx[k] = 0;
    }
  }
}

}  // namespace sf::ref
