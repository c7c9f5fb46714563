// A one-lane "vector" type for the templates in eltwise_simd.hpp / attention_simd.hpp, so the
// scalar attention variant runs the same algorithm in plain C++ (no intrinsics, no ISA flags).
#pragma once

#include <cmath>
#include <cstring>

namespace sf::cpu::simd {

struct VecScalar {
  using reg = float;
  using mask = bool;
  static constexpr int kW = 1;

  static reg set1(float v) { return v; }
  static reg zero() { return 0.0f; }
  static reg load(const float* p) { return *p; }
  static void store(float* p, reg x) { *p = x; }
  static mask first_n(int cnt) { return cnt > 0; }
  static reg load_n(const float* p, int cnt) { return cnt > 0 ? *p : 0.0f; }
  static void store_n(float* p, reg x, int cnt) {
    if (cnt > 0) *p = x;
  }
  static reg add(reg a, reg b) { return a + b; }
  static reg sub(reg a, reg b) { return a - b; }
  static reg mul(reg a, reg b) { return a * b; }
  static reg div(reg a, reg b) { return a / b; }
  static reg fma(reg a, reg b, reg c) { return a * b + c; }  // no FMA unit assumed: two roundings
  static reg max(reg a, reg b) { return a > b ? a : b; }  // the second operand on NaN, as x86
  static reg min(reg a, reg b) { return a < b ? a : b; }
  static reg sqrt(reg a) { return std::sqrt(a); }
  static reg abs(reg a) { return std::fabs(a); }
  static reg round(reg a) { return std::nearbyint(a); }
  static reg ldexp(reg y, reg n) { return std::ldexp(y, static_cast<int>(n)); }
  static mask lt(reg a, reg b) { return a < b; }
  static mask gt(reg a, reg b) { return a > b; }
  static mask isnan(reg a) { return std::isnan(a); }
  static reg select(mask m, reg t, reg f) { return m ? t : f; }
  static float hsum(reg a) { return a; }
  static float hmax(reg a) { return a; }
};

}  // namespace sf::cpu::simd
