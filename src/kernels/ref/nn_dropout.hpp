// Reference Dropout kernels.
//   inference:  y = x, mask = true
//   training:   u[i] = the i-th draw of NumPy's legacy RandomState(seed).uniform(0, 1)
//               (MT19937 seeded with init_genrand(seed), 53-bit doubles (a >> 5, b >> 6)),
//               mask[i] = u[i] >= ratio, y = mask ? x * (1 / (1 - ratio)) : 0
// The generator reproduces the ONNX reference (and its node tests) bit for bit, so a seeded
// Dropout is deterministic across runs and platforms. The multiply runs in compute_t<T>.
#pragma once

#include <cstdint>
#include <random>

#include "kernels/ref/numeric.hpp"

namespace sf::ref {

// Fills mask[0, n) with uniform(0, 1) >= ratio, drawing as numpy.random.RandomState(seed).
inline void dropout_mask(uint32_t seed, double ratio, bool* mask, int64_t n) {
  std::mt19937 gen(seed);  // std::mt19937's seeding is numpy's init_genrand
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t a = static_cast<uint32_t>(gen()) >> 5, b = static_cast<uint32_t>(gen()) >> 6;
    const double u = (a * 67108864.0 + b) / 9007199254740992.0;
    mask[i] = u >= ratio;
  }
}

template <typename T>
void dropout_apply(const T* src, const bool* mask, T* dst, int64_t n, double ratio) {
  using C = compute_t<T>;
  const C scale = static_cast<C>(1.0 / (1.0 - ratio));
  for (int64_t i = 0; i < n; ++i) dst[i] = mask[i] ? store<T>(load(src[i]) * scale) : store<T>(0);
}

}  // namespace sf::ref
