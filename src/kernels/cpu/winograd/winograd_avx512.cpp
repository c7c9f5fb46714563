// winograd_*__avx512: the Winograd transforms (winograd.hpp) on 16 channels per __m512 with FMA;
// channels past the last multiple of 16 run through the scalar vector type.
#include <immintrin.h>

#include "kernels/cpu/winograd/winograd_impl.hpp"

namespace sf::cpu {
namespace {

struct V512 {
  static constexpr int kWidth = 16;
  __m512 v;
  static V512 load(const float* p) { return {_mm512_loadu_ps(p)}; }
  static void store(float* p, V512 a) { _mm512_storeu_ps(p, a.v); }
  static V512 set1(float f) { return {_mm512_set1_ps(f)}; }
  friend V512 add(V512 a, V512 b) { return {_mm512_add_ps(a.v, b.v)}; }
  friend V512 sub(V512 a, V512 b) { return {_mm512_sub_ps(a.v, b.v)}; }
  friend V512 mul(V512 a, V512 b) { return {_mm512_mul_ps(a.v, b.v)}; }
  friend V512 fmadd(V512 a, V512 b, V512 c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
  // maskz forms: the plain ones start from _mm512_undefined_ps, which GCC 12 flags as
  // maybe-uninitialized; the full mask computes the same max/min.
  friend V512 max(V512 a, V512 b) { return {_mm512_maskz_max_ps(0xFFFF, a.v, b.v)}; }
  friend V512 min(V512 a, V512 b) { return {_mm512_maskz_min_ps(0xFFFF, a.v, b.v)}; }
  friend V512 leaky(V512 x, float alpha) {
    const __mmask16 neg = _mm512_cmp_ps_mask(x.v, _mm512_setzero_ps(), _CMP_LT_OQ);
    return {_mm512_mask_mul_ps(x.v, neg, x.v, _mm512_set1_ps(alpha))};
  }
  friend V512 abs(V512 x) { return {_mm512_abs_ps(x.v)}; }
};

}  // namespace

SF_WINOGRAD_DEFINE(avx512, V512)

}  // namespace sf::cpu
