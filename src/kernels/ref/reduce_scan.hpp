// Reference scan: CumSum.
//
//   inclusive: dst[o, j, i] = sum_{t <= j} src[o, t, i]      (reverse: t >= j)
//   exclusive: dst[o, j, i] = sum_{t <  j} src[o, t, i]      (reverse: t >  j)
//
// Layout: [outer, n, inner] row-major, scanning over n. Accumulation: double for floating
// types (each prefix rounded once to T); wrapping 64-bit arithmetic for integers, so each
// prefix equals the exact sum modulo 2^bits(T).
#pragma once

#include <cstdint>

#include "kernels/ref/numeric.hpp"
#include "kernels/ref/reduce.hpp"

namespace sf::ref {

template <typename T>
void cumsum(const T* src, T* dst, int64_t outer, int64_t n, int64_t inner, bool exclusive,
            bool reverse) {
  using Acc = std::conditional_t<is_floating_v<T>, double, uint64_t>;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      Acc acc = 0;
      for (int64_t t = 0; t < n; ++t) {
        const int64_t j = reverse ? n - 1 - t : t;
        const int64_t off = (o * n + j) * inner + i;
        const Acc x = static_cast<Acc>(load(src[off]));
        if (!exclusive) acc += x;
        if constexpr (is_floating_v<T>) dst[off] = from_double<T>(acc);
        else dst[off] = static_cast<T>(acc);
        if (exclusive) acc += x;
      }
    }
  }
}

}  // namespace sf::ref
