// The AVX-512 vector type for the templates in eltwise_simd.hpp and attention_simd.hpp
// (16 floats). Include only from files compiled with the AVX-512 flags (*_avx512.cpp).
#pragma once

// GCC 12's AVX-512 headers seed masked intrinsics with _mm512_undefined_*() and then warn about
// it (-W(maybe-)uninitialized) wherever they are inlined; the values are fully written.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <immintrin.h>

namespace sf::cpu::simd {

struct VecAvx512 {
  using reg = __m512;
  using mask = __mmask16;
  static constexpr int kW = 16;

  static reg set1(float v) { return _mm512_set1_ps(v); }
  static reg zero() { return _mm512_setzero_ps(); }
  static reg load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, reg x) { _mm512_storeu_ps(p, x); }
  static mask first_n(int cnt) { return static_cast<mask>((1u << cnt) - 1u); }
  static reg load_n(const float* p, int cnt) { return _mm512_maskz_loadu_ps(first_n(cnt), p); }
  static void store_n(float* p, reg x, int cnt) { _mm512_mask_storeu_ps(p, first_n(cnt), x); }
  static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm512_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
  static reg div(reg a, reg b) { return _mm512_div_ps(a, b); }
  static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static reg max(reg a, reg b) { return _mm512_max_ps(a, b); }
  static reg min(reg a, reg b) { return _mm512_min_ps(a, b); }
  static reg sqrt(reg a) { return _mm512_sqrt_ps(a); }
  static reg abs(reg a) { return _mm512_abs_ps(a); }
  static reg round(reg a) {
    return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static reg ldexp(reg y, reg n) { return _mm512_scalef_ps(y, n); }
  static mask lt(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static mask gt(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static mask isnan(reg a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static reg select(mask m, reg t, reg f) { return _mm512_mask_blend_ps(m, f, t); }
  static float hsum(reg a) { return _mm512_reduce_add_ps(a); }
  static float hmax(reg a) { return _mm512_reduce_max_ps(a); }
};

}  // namespace sf::cpu::simd
