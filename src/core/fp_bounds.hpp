// Floating-point error bounds for checksum comparisons (ABFT). Higham, "Accuracy and Stability of
// Numerical Algorithms", 2nd ed., §3.1: a computed sum or dot product of n terms, in any order,
// satisfies |fl(x^T y) - x^T y| <= gamma_n |x|^T |y| with gamma_n = n u / (1 - n u), u the unit
// roundoff of the arithmetic (fp32: 2^-24, fp64: 2^-53).
//
// checksum_tolerance(n, scale) is the worst-case bound used by every floating-point check:
//   |computed output sum - computed checksum| <= 1.01 gamma_n(fp32) scale + n * 2^-149
// where `scale` >= sum of |a||b| over the products both sides add up, and n over-counts every
// rounding on either side: the dot products (the K terms of each output), the summation of the
// outputs, the checksum's own products and sums, and the rounding of the stored checksum vectors.
// Each caller states its n next to the call. The factor 1.01 covers the rounding of `scale` itself
// (computed in fp32 or fp64 with relative error far below 1%); the last term covers gradual
// underflow (each operation whose result is subnormal adds at most 2^-150 absolute error).
// This is a bound, not a statistical threshold: a fault-free computation can never exceed it, so a
// check built on it raises no false alarm (the price is that low-order flips stay below it).
// `products` (default n) is the number of multiplications whose result may be subnormal: each
// adds at most 2^-150 absolute error, so sums over a whole tile or layer pass their product count.
//
// The functions have internal linkage (static): this header is included by files compiled with
// AVX-512 flags, and an inline function with external linkage could be merged by the linker into
// a copy that runs AVX-512 instructions on a machine without them.
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>

namespace sf {

inline constexpr double kUnitRoundoffF32 = 0x1p-24;
inline constexpr double kUnitRoundoffF64 = 0x1p-53;

// gamma_n = n u / (1 - n u); +infinity when n u >= 1 (no bound).
static inline double fp_gamma(double n, double u = kUnitRoundoffF32) {
  const double nu = n * u;
  return nu >= 1.0 ? std::numeric_limits<double>::infinity() : nu / (1.0 - nu);
}

static inline double checksum_tolerance(double n, double scale, double products = -1) {
  return 1.01 * fp_gamma(n) * scale + (products < 0 ? n : products + n) * 0x1p-149;
}

// Test switch: while set, every checksum comparison passes and duplicated runs count as agreeing
// (runtime/abft_guard.cpp), i.e. the checks detect nothing. It exists so that a fault campaign can
// prove it notices a broken check (`steadfast abft-campaign --break-checks` must report misses);
// nothing else sets it.
namespace detail {
inline std::atomic<bool> g_checks_disabled{false};
}
static inline void set_checks_disabled_for_testing(bool disabled) { detail::g_checks_disabled.store(disabled); }
static inline bool checks_disabled_for_testing() {
  return detail::g_checks_disabled.load(std::memory_order_relaxed);
}

// A check can verify only a finite checksum with a finite tolerance: when the inputs hold Inf or
// NaN, or their magnitudes overflow the scale, the check is counted as unverifiable (and passes).
static inline bool checksum_verifiable(double checksum, double tolerance) {
  return std::isfinite(checksum) && std::isfinite(tolerance);
}

// The comparison every check uses: a non-finite result against a verifiable checksum fails.
static inline bool checksum_agrees(double result, double checksum, double tolerance) {
  if (!checksum_verifiable(checksum, tolerance) || checks_disabled_for_testing()) return true;
  return std::fabs(result - checksum) <= tolerance;  // false for a NaN or Inf result
}

}  // namespace sf
