// Reference Softmax, LogSoftmax and Hardmax.
//
//   softmax:     dst[o, j, i] = exp(x_j - m) / sum_t exp(x_t - m),   m = max_t x_t
//   log_softmax: dst[o, j, i] = x_j - m - log(sum_t exp(x_t - m))
//   hardmax:     dst[o, j, i] = 1 if j is the first index of the maximum of x[o, :, i], else 0
//                (NaN counts as the maximum, as in NumPy's argmax)
//
// Layout: [outer, n, inner] row-major over n (opset < 13 callers pass inner = 1 and n = the
// product of the trailing dims). Accumulation: double, subtracting the row maximum first so
// exp never overflows; one rounding to T per output. A NaN anywhere in a row makes the whole
// softmax/log_softmax row NaN; rows of +inf or all -inf give NaN (as exp(inf - inf) does).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/ref/numeric.hpp"
#include "kernels/ref/reduce.hpp"
#include "kernels/ref/reduce_select.hpp"

namespace sf::ref {

enum class SoftmaxOp { kSoftmax, kLogSoftmax, kHardmax };

template <typename T>
void softmax(SoftmaxOp op, const T* src, T* dst, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* x = src + o * n * inner + i;
      T* y = dst + o * n * inner + i;
      if (n == 0) continue;
      if (op == SoftmaxOp::kHardmax) {
        const int64_t best = arg_best(x, n, inner, /*is_max=*/true, /*select_last=*/false);
        for (int64_t j = 0; j < n; ++j) y[j * inner] = from_double<T>(j == best ? 1.0 : 0.0);
        continue;
      }
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < n; ++j) {
        const double v = static_cast<double>(load(x[j * inner]));
        if (v > m) m = v;
      }
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) sum += std::exp(static_cast<double>(load(x[j * inner])) - m);
      if (op == SoftmaxOp::kSoftmax) {
        for (int64_t j = 0; j < n; ++j)
          y[j * inner] =
              from_double<T>(std::exp(static_cast<double>(load(x[j * inner])) - m) / sum);
      } else {
        const double log_sum = std::log(sum);
        for (int64_t j = 0; j < n; ++j)
          y[j * inner] = from_double<T>(static_cast<double>(load(x[j * inner])) - m - log_sum);
      }
    }
  }
}

}  // namespace sf::ref
