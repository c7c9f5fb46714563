#include "faults/statistics.hpp"

#include <cmath>

#include "abft/confidence.hpp"

namespace sf::faults {

double normal_quantile_two_sided(double confidence) {
  // Bisection on erf: P(|Z| <= t) = erf(t / sqrt 2); monotone, 60 halvings reach double precision.
  double lo = 0, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (std::erf(mid / std::sqrt(2.0)) < confidence) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

int64_t leveugle_sample_size(double population, double margin, double confidence, double p) {
  const double t = normal_quantile_two_sided(confidence);
  const double infinite = t * t * p * (1 - p) / (margin * margin);
  if (population <= 0) return static_cast<int64_t>(std::ceil(infinite - 1e-9));
  const double n = population / (1 + margin * margin * (population - 1) / (t * t * p * (1 - p)));
  return static_cast<int64_t>(std::ceil(n - 1e-9));
}

Interval proportion_interval(int64_t x, int64_t n, double confidence) {
  if (n <= 0) return {};
  const double one_sided = 1 - (1 - confidence) / 2;
  return {abft::binomial_lower_bound(x, n, one_sided), abft::binomial_upper_bound(x, n, one_sided)};
}

}  // namespace sf::faults
