// Clopper-Pearson bounds by bisection on the binomial tails (confidence.hpp).
#include "abft/confidence.hpp"

#include <algorithm>
#include <cmath>

namespace sf::abft {

namespace {

// log of C(n, k) p^k (1-p)^(n-k), for 0 < p < 1.
double log_term(int64_t n, int64_t k, double p) {
  const double dn = static_cast<double>(n), dk = static_cast<double>(k);
  return std::lgamma(dn + 1) - std::lgamma(dk + 1) - std::lgamma(dn - dk + 1) + dk * std::log(p) +
         (dn - dk) * std::log1p(-p);
}

// sum_{k = lo}^{hi} of the binomial probabilities. The terms are unimodal in k (mode
// floor((n + 1) p)), so the largest in [lo, hi] is at the mode clamped to the range, and the terms
// fall monotonically away from it: summing outward until they drop below e^-kCut of the largest
// leaves out less than n e^-kCut of the sum (under 1e-17 for any n a campaign reaches), and costs
// about 25 sqrt(n p (1 - p)) terms instead of hi - lo + 1.
double tail(int64_t n, int64_t lo, int64_t hi, double p) {
  if (lo > hi) return 0;
  constexpr double kCut = 80;
  const auto mode = std::clamp(static_cast<int64_t>(std::floor(static_cast<double>(n + 1) * p)), lo, hi);
  const double top = log_term(n, mode, p);
  double s = 1;
  for (int64_t k = mode + 1; k <= hi; ++k) {
    const double d = log_term(n, k, p) - top;
    if (d < -kCut) break;
    s += std::exp(d);
  }
  for (int64_t k = mode - 1; k >= lo; --k) {
    const double d = log_term(n, k, p) - top;
    if (d < -kCut) break;
    s += std::exp(d);
  }
  return std::exp(top) * s;
}

// The p in (0, 1) where f(p) crosses `target`; f increasing in p when `increasing`.
template <class F>
double solve(F f, double target, bool increasing) {
  double lo = 0, hi = 1;
  for (int i = 0; i < 200 && hi - lo > 1e-15; ++i) {
    const double mid = 0.5 * (lo + hi);
    if ((f(mid) < target) == increasing)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double binomial_lower_bound(int64_t x, int64_t n, double confidence) {
  const double a = 1 - confidence;
  if (n <= 0 || x <= 0) return 0;
  if (x >= n) return std::pow(a, 1.0 / static_cast<double>(n));
  // P(X >= x) grows with p.
  return solve([&](double p) { return tail(n, x, n, p); }, a, true);
}

double binomial_upper_bound(int64_t x, int64_t n, double confidence) {
  const double a = 1 - confidence;
  if (n <= 0 || x >= n) return 1;
  if (x <= 0) return 1 - std::pow(a, 1.0 / static_cast<double>(n));
  // P(X <= x) falls with p.
  return solve([&](double p) { return tail(n, 0, x, p); }, a, false);
}

}  // namespace sf::abft
