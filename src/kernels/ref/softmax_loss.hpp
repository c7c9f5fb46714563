// Reference classification losses: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
//
//   nll:  l[n, d] = -w[y] * logp[n, y, d],  y = label[n, d],  w = weights (1 when absent)
//   sce:  logp = log_softmax(scores, axis 1) (stable: x - m - log(sum exp(x - m))), then nll
//   A label equal to ignore_index contributes l = 0 and weight 0.
//   reduction none: dst[n, d] = l[n, d];  sum: dst = sum l;  mean: dst = sum l / sum w[y]
//   (0/0 = NaN when every label is ignored or there are none).
//
// Layout: scores/log-probabilities [N, C, D] (D = product of the spatial dims, 1 if none),
// labels [N, D], weights [C]; element (n, c, d) at (n * C + c) * D + d. Accumulation in
// double, one rounding to T per output. Labels must lie in [0, C) unless ignored: callers
// check with first_bad_label() before running.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/ref/numeric.hpp"
#include "kernels/ref/reduce.hpp"

namespace sf::ref {

enum class LossReduction { kNone, kSum, kMean };

struct LossParams {
  int64_t n = 0, c = 0, d = 1;
  bool has_ignore_index = false;
  int64_t ignore_index = 0;
  LossReduction reduction = LossReduction::kMean;
};

// Flat index of the first label outside [0, C) that is not ignore_index, or -1.
template <typename L>
int64_t first_bad_label(const L* labels, const LossParams& p) {
  for (int64_t k = 0; k < p.n * p.d; ++k) {
    const auto y = static_cast<int64_t>(labels[k]);
    if (p.has_ignore_index && y == p.ignore_index) continue;
    if (y < 0 || y >= p.c) return k;
  }
  return -1;
}

namespace detail {

// Shared tail: logp(n, c, d) gives the log-probability as double.
template <typename T, typename L, typename LogP>
void nll_reduce(const L* labels, const T* weights, const LossParams& p, LogP&& logp, T* dst) {
  double loss_sum = 0, weight_sum = 0;
  for (int64_t n = 0; n < p.n; ++n) {
    for (int64_t d = 0; d < p.d; ++d) {
      const auto y = static_cast<int64_t>(labels[n * p.d + d]);
      double l = 0, w = 0;
      if (!(p.has_ignore_index && y == p.ignore_index)) {
        w = weights ? static_cast<double>(load(weights[y])) : 1.0;
        l = -w * logp(n, y, d);
      }
      if (p.reduction == LossReduction::kNone) dst[n * p.d + d] = from_double<T>(l);
      loss_sum += l;
      weight_sum += w;
    }
  }
  if (p.reduction == LossReduction::kSum) dst[0] = from_double<T>(loss_sum);
  if (p.reduction == LossReduction::kMean) dst[0] = from_double<T>(loss_sum / weight_sum);
}

}  // namespace detail

// dst: [N, D] for reduction none, else one element. weights may be null.
template <typename T, typename L>
void nll_loss(const T* logp, const L* labels, const T* weights, const LossParams& p, T* dst) {
  detail::nll_reduce(
      labels, weights, p,
      [&](int64_t n, int64_t c, int64_t d) {
        return static_cast<double>(load(logp[(n * p.c + c) * p.d + d]));
      },
      dst);
}

// As nll_loss on log_softmax(scores); also writes log_prob [N, C, D] when non-null.
template <typename T, typename L>
void softmax_cross_entropy_loss(const T* scores, const L* labels, const T* weights,
                                const LossParams& p, T* dst, T* log_prob) {
  auto x = [&](int64_t n, int64_t c, int64_t d) {
    return static_cast<double>(load(scores[(n * p.c + c) * p.d + d]));
  };
  // Per (n, d): m + log(sum exp(x - m)), so logp = x - lse.
  auto lse = [&](int64_t n, int64_t d) {
    double m = -std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < p.c; ++c) m = x(n, c, d) > m ? x(n, c, d) : m;
    double s = 0;
    for (int64_t c = 0; c < p.c; ++c) s += std::exp(x(n, c, d) - m);
    return m + std::log(s);
  };
  if (log_prob) {
    for (int64_t n = 0; n < p.n; ++n)
      for (int64_t d = 0; d < p.d; ++d) {
        const double l = lse(n, d);
        for (int64_t c = 0; c < p.c; ++c)
          log_prob[(n * p.c + c) * p.d + d] = from_double<T>(x(n, c, d) - l);
      }
  }
  detail::nll_reduce(
      labels, weights, p, [&](int64_t n, int64_t c, int64_t d) { return x(n, c, d) - lse(n, d); },
      dst);
}

}  // namespace sf::ref
