// brgemm_f32__avx512_<mr>x<nr>: the AVX-512 BRGEMM variants (contract: brgemm.hpp; body:
// brgemm_simd.hpp). fp32, A row-major (lda), B packed in panels of nr columns, C row-major (ldc).
//   12x32: 24 zmm accumulators + 2 B vectors + 1 broadcast per k step; 24 FMAs per 2 loads and
//          12 broadcasts, so two FMA ports stay busy while the loads fit in the two load ports.
//   6x64:  the same 24 accumulators as 6 rows of 4 vectors (fewer broadcasts per FMA; wider n).
// Accumulation in fp32 registers over the whole batch and k in the contract's (i, k) order;
// expected error against the reference |err| <= ~k*batch*eps*sum|a||b| (activations add ~1e-6
// relative). Columns past n use masked loads/stores; rows past m run an (m mod mr)-row tile.
// GCC 12 reports the intrinsics' internal _mm512_undefined_ps() (a deliberate self-initialised
// value) as (maybe-)uninitialized once they are inlined here; the warning is a known false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "kernels/cpu/gemm/brgemm_simd.hpp"

namespace sf::cpu {

namespace {

struct V512 {
  using Reg = __m512;
  using Mask = __mmask16;
  using Cmp = __mmask16;
  static constexpr int kLanes = 16;
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg set1(float x) { return _mm512_set1_ps(x); }
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static Reg load_mask(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, Reg x) { _mm512_storeu_ps(p, x); }
  static void store_mask(float* p, Reg x, Mask m) { _mm512_mask_storeu_ps(p, m, x); }
  static Mask mask_first(int count) { return static_cast<Mask>((1u << count) - 1u); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm512_sub_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_ps(a, b); }
  static Reg div(Reg a, Reg b) { return _mm512_div_ps(a, b); }
  static Reg min(Reg a, Reg b) { return _mm512_min_ps(a, b); }
  static Reg max(Reg a, Reg b) { return _mm512_max_ps(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static Reg fnmadd(Reg a, Reg b, Reg c) { return _mm512_fnmadd_ps(a, b, c); }
  static Reg abs(Reg a) { return _mm512_abs_ps(a); }
  // (s & sign) | (~s & mag): ternary-logic table 0xCA selects b where a is set, else c.
  static Reg copysign(Reg mag, Reg sign) {
    const __m512i s = _mm512_set1_epi32(static_cast<int>(0x80000000u));
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(s, _mm512_castps_si512(sign),
                                                         _mm512_castps_si512(mag), 0xCA));
  }
  static Reg round(Reg a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT); }
  // 2^n for integer-valued n in [-126, 127].
  static Reg pow2(Reg n) {
    const __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  }
  static Cmp lt(Reg a, Reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static Reg select(Cmp c, Reg t, Reg f) { return _mm512_mask_blend_ps(c, f, t); }
  // d[i] += x[i] in double, 16 lanes.
  static void add_to_f64(double* d, Reg x) {
    // Masked forms: GCC 12's unmasked ones seed an undefined pass-through and warn.
    const __m512d lo = _mm512_maskz_cvtps_pd(
        0xFF, _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(x), 0)));
    const __m512d hi = _mm512_maskz_cvtps_pd(
        0xFF, _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(x), 1)));
    _mm512_store_pd(d, _mm512_add_pd(_mm512_load_pd(d), lo));
    _mm512_store_pd(d + 8, _mm512_add_pd(_mm512_load_pd(d + 8), hi));
  }
};

}  // namespace

void brgemm_f32__avx512_12x32(const BrgemmArgs& p) { simd::BrgemmTile<V512, 12, 2>::run(p); }
void brgemm_f32__avx512_6x64(const BrgemmArgs& p) { simd::BrgemmTile<V512, 6, 4>::run(p); }
void brgemm_f32__avx512_24x16(const BrgemmArgs& p) { simd::BrgemmTile<V512, 24, 1>::run(p); }

void brgemm_f32__avx512_12x32_abft(const BrgemmArgs& p) { simd::BrgemmTile<V512, 12, 2, true>::run(p); }
void brgemm_f32__avx512_6x64_abft(const BrgemmArgs& p) { simd::BrgemmTile<V512, 6, 4, true>::run(p); }
void brgemm_f32__avx512_24x16_abft(const BrgemmArgs& p) {
  simd::BrgemmTile<V512, 24, 1, true>::run(p);
}

}  // namespace sf::cpu
