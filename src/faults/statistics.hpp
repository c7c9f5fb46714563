// Campaign statistics: how many injections (Leveugle et al., DATE 2009) and how sure the rates
// are (exact Clopper-Pearson intervals). fault-injection.md §6.
#pragma once

#include <cstdint>

namespace sf::faults {

// The two-sided standard normal quantile t with P(|Z| <= t) = confidence (1.960 at 0.95).
double normal_quantile_two_sided(double confidence);

// n = N / (1 + e^2 (N - 1) / (t^2 p (1 - p))), rounded up; N = fault population (0: infinite),
// e = margin, p = 0.5 (the worst case) unless known.
int64_t leveugle_sample_size(double population, double margin, double confidence, double p = 0.5);

// Two-sided exact (Clopper-Pearson) interval for a proportion x / n at `confidence`.
struct Interval {
  double lo = 0, hi = 1;
};
Interval proportion_interval(int64_t x, int64_t n, double confidence = 0.95);

}  // namespace sf::faults
