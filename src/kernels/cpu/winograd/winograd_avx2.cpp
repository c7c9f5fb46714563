// winograd_*__avx2: the Winograd transforms (winograd.hpp) on 8 channels per __m256 with FMA;
// channels past the last multiple of 8 run through the scalar vector type.
#include <immintrin.h>

#include "kernels/cpu/winograd/winograd_impl.hpp"

namespace sf::cpu {
namespace {

struct V256 {
  static constexpr int kWidth = 8;
  __m256 v;
  static V256 load(const float* p) { return {_mm256_loadu_ps(p)}; }
  static void store(float* p, V256 a) { _mm256_storeu_ps(p, a.v); }
  static V256 set1(float f) { return {_mm256_set1_ps(f)}; }
  friend V256 add(V256 a, V256 b) { return {_mm256_add_ps(a.v, b.v)}; }
  friend V256 sub(V256 a, V256 b) { return {_mm256_sub_ps(a.v, b.v)}; }
  friend V256 mul(V256 a, V256 b) { return {_mm256_mul_ps(a.v, b.v)}; }
  friend V256 fmadd(V256 a, V256 b, V256 c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
  friend V256 max(V256 a, V256 b) { return {_mm256_max_ps(a.v, b.v)}; }
  friend V256 min(V256 a, V256 b) { return {_mm256_min_ps(a.v, b.v)}; }
  friend V256 leaky(V256 x, float alpha) {
    const __m256 neg = _mm256_cmp_ps(x.v, _mm256_setzero_ps(), _CMP_LT_OQ);
    return {_mm256_blendv_ps(x.v, _mm256_mul_ps(x.v, _mm256_set1_ps(alpha)), neg)};
  }
  friend V256 abs(V256 x) { return {_mm256_andnot_ps(_mm256_set1_ps(-0.0f), x.v)}; }
};

}  // namespace

SF_WINOGRAD_DEFINE(avx2, V256)

}  // namespace sf::cpu
