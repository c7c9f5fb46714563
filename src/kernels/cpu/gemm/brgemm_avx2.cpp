// brgemm_f32__avx2_6x16: the AVX2+FMA BRGEMM variant (contract: brgemm.hpp; body:
// brgemm_simd.hpp). fp32, A row-major (lda), B packed in panels of 16 columns, C row-major (ldc).
// Tile 6x16: 12 ymm accumulators + 2 B vectors + 1 broadcast of the 16 registers; 12 FMAs per
// 2 loads and 6 broadcasts per k step. Accumulation in fp32 registers over the whole batch and k
// in the contract's (i, k) order; expected error against the reference
// |err| <= ~k*batch*eps*sum|a||b| (activations add ~1e-6 relative). Columns past n use
// vmaskmov loads/stores; rows past m run an (m mod 6)-row tile.
#include <immintrin.h>

#include "kernels/cpu/gemm/brgemm_simd.hpp"

namespace sf::cpu {

namespace {

struct V256 {
  using Reg = __m256;
  using Mask = __m256i;
  using Cmp = __m256;
  static constexpr int kLanes = 8;
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg set1(float x) { return _mm256_set1_ps(x); }
  static Reg load(const float* p) { return _mm256_loadu_ps(p); }
  static Reg load_mask(const float* p, Mask m) { return _mm256_maskload_ps(p, m); }
  static void store(float* p, Reg x) { _mm256_storeu_ps(p, x); }
  static void store_mask(float* p, Reg x, Mask m) { _mm256_maskstore_ps(p, m, x); }
  static Mask mask_first(int count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm256_sub_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_ps(a, b); }
  static Reg div(Reg a, Reg b) { return _mm256_div_ps(a, b); }
  static Reg min(Reg a, Reg b) { return _mm256_min_ps(a, b); }
  static Reg max(Reg a, Reg b) { return _mm256_max_ps(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static Reg fnmadd(Reg a, Reg b, Reg c) { return _mm256_fnmadd_ps(a, b, c); }
  static Reg abs(Reg a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static Reg copysign(Reg mag, Reg sign) {
    const Reg s = _mm256_set1_ps(-0.0f);
    return _mm256_or_ps(_mm256_andnot_ps(s, mag), _mm256_and_ps(s, sign));
  }
  static Reg round(Reg a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // 2^n for integer-valued n in [-126, 127].
  static Reg pow2(Reg n) {
    const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  }
  static Cmp lt(Reg a, Reg b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static Reg select(Cmp c, Reg t, Reg f) { return _mm256_blendv_ps(f, t, c); }
  // d[i] += x[i] in double, 8 lanes.
  static void add_to_f64(double* d, Reg x) {
    const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(x));
    const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
    _mm256_store_pd(d, _mm256_add_pd(_mm256_load_pd(d), lo));
    _mm256_store_pd(d + 4, _mm256_add_pd(_mm256_load_pd(d + 4), hi));
  }
};

}  // namespace

void brgemm_f32__avx2_6x16(const BrgemmArgs& p) { simd::BrgemmTile<V256, 6, 2>::run(p); }

void brgemm_f32__avx2_6x16_abft(const BrgemmArgs& p) { simd::BrgemmTile<V256, 6, 2, true>::run(p); }

}  // namespace sf::cpu
