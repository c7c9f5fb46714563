// AVX-512 2-D transpose of 4-byte elements (formula in transpose.hpp): 16x16 tiles through
// registers (unpacklo/hi_ps, unpacklo/hi_pd, two rounds of shuffle_f32x4: bit moves only,
// exact); three rows into a dense destination (an RGB image to NHWC) are interleaved by
// permutes instead (interleave3). Edge tiles (fewer than 16 rows or columns) use the same
// transpose with masked loads (rows x cols, the rest zero) and masked stores (cols rows of `rows`
// lanes), so no scalar tail.
// Tiles are visited column strip by column strip, so each destination row is written front to
// back (a cold destination streams in; row strips outer were up to 5x slower there).
// GCC 12 reports the _mm512_undefined_ps() placeholders inside its unpack/shuffle intrinsics as
// uninitialised once inlined (a false positive): no vector here is read before it is written.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <algorithm>

#include "kernels/cpu/transpose/transpose.hpp"

namespace sf::cpu {

namespace {

// r[k] = source row k (16 lanes) -> r[j] = destination row j (source column j).
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int k = 0; k < 8; ++k) {
    t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  // Each 128-bit lane L of u[4g + k] now holds rows 4g..4g+3 of column 4L + k.
  __m512 u[16];
  for (int g = 0; g < 4; ++g) {
    const __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * g + 2]), e = _mm512_castps_pd(t[4 * g + 3]);
    u[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, e));
    u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, e));
  }
  // Destination row 4L + k = lane L of u[k], u[4 + k], u[8 + k], u[12 + k].
  for (int k = 0; k < 4; ++k) {
    const __m512 a = _mm512_shuffle_f32x4(u[k], u[4 + k], 0x88);
    const __m512 b = _mm512_shuffle_f32x4(u[k], u[4 + k], 0xDD);
    const __m512 c = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0x88);
    const __m512 d = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0xDD);
    r[k] = _mm512_shuffle_f32x4(a, c, 0x88);
    r[8 + k] = _mm512_shuffle_f32x4(a, c, 0xDD);
    r[4 + k] = _mm512_shuffle_f32x4(b, d, 0x88);
    r[12 + k] = _mm512_shuffle_f32x4(b, d, 0xDD);
  }
}

inline void tile_full(const float* s, int64_t lds, float* d, int64_t ldd) {
  __m512 r[16];
  for (int k = 0; k < 16; ++k) r[k] = _mm512_loadu_ps(s + k * lds);
  transpose16(r);
  for (int k = 0; k < 16; ++k) _mm512_storeu_ps(d + k * ldd, r[k]);
}

inline void tile_edge(const float* s, int64_t lds, float* d, int64_t ldd, int rows, int cols) {
  const __mmask16 load_mask = static_cast<__mmask16>((1u << cols) - 1u);
  const __mmask16 store_mask = static_cast<__mmask16>((1u << rows) - 1u);
  __m512 r[16];
  for (int k = 0; k < 16; ++k)
    r[k] = k < rows ? _mm512_maskz_loadu_ps(load_mask, s + k * lds) : _mm512_setzero_ps();
  transpose16(r);
  for (int k = 0; k < cols; ++k) _mm512_mask_storeu_ps(d + k * ldd, store_mask, r[k]);
}

// Three source rows into a dense destination (ldd == 3: an RGB image's NCHW -> NHWC): 16
// columns at a time, three loads, two permutes per destination vector, three stores, instead of
// a 16x16 tile transpose with 13 empty rows and 16 three-lane stores.
struct Interleave3 {
  __m512i ab[3], c[3];  // per destination vector: a/b lanes from (a, b), then the c lanes
  __mmask16 from_c[3];
  Interleave3() {
    alignas(64) int32_t ab_idx[3][16], c_idx[3][16];
    for (int o = 0; o < 3; ++o) {
      from_c[o] = 0;
      for (int l = 0; l < 16; ++l) {
        const int e = 16 * o + l, j = e / 3, r = e % 3;
        ab_idx[o][l] = r == 1 ? 16 + j : j;
        c_idx[o][l] = j;
        if (r == 2) from_c[o] = static_cast<__mmask16>(from_c[o] | (1u << l));
      }
      ab[o] = _mm512_load_si512(ab_idx[o]);
      c[o] = _mm512_load_si512(c_idx[o]);
    }
  }
};

void interleave3(const float* s, int64_t lds, float* d, int64_t cols) {
  static const Interleave3 k;
  for (int64_t j0 = 0; j0 < cols; j0 += 16) {
    const int cj = static_cast<int>(std::min<int64_t>(16, cols - j0));
    const __mmask16 m = static_cast<__mmask16>((1u << cj) - 1u);
    const __m512 a = _mm512_maskz_loadu_ps(m, s + j0), b = _mm512_maskz_loadu_ps(m, s + lds + j0);
    const __m512 c = _mm512_maskz_loadu_ps(m, s + 2 * lds + j0);
    float* out = d + 3 * j0;
    int left = 3 * cj;  // floats of this strip
    for (int o = 0; o < 3 && left > 0; ++o, left -= 16) {
      const __m512 v = _mm512_mask_permutexvar_ps(_mm512_permutex2var_ps(a, k.ab[o], b), k.from_c[o],
                                                  k.c[o], c);
      if (left >= 16) _mm512_storeu_ps(out + 16 * o, v);
      else _mm512_mask_storeu_ps(out + 16 * o, static_cast<__mmask16>((1u << left) - 1u), v);
    }
  }
}

}  // namespace

void transpose_b32__avx512_16x16(const uint32_t* src, int64_t lds, uint32_t* dst, int64_t ldd,
                                 int64_t rows, int64_t cols) {
  const auto* s = reinterpret_cast<const float*>(src);
  auto* d = reinterpret_cast<float*>(dst);
  if (rows == 3 && ldd == 3) return interleave3(s, lds, d, cols);
  // Column strips outer: the 16 destination rows of a strip are written front to back (store
  // streams the prefetchers follow into a cold destination), the source read at a fixed stride.
  for (int64_t j0 = 0; j0 < cols; j0 += 16) {
    const int cj = static_cast<int>(std::min<int64_t>(16, cols - j0));
    for (int64_t i0 = 0; i0 < rows; i0 += 16) {
      const int ri = static_cast<int>(std::min<int64_t>(16, rows - i0));
      if (ri == 16 && cj == 16) tile_full(s + i0 * lds + j0, lds, d + j0 * ldd + i0, ldd);
      else tile_edge(s + i0 * lds + j0, lds, d + j0 * ldd + i0, ldd, ri, cj);
    }
  }
}

}  // namespace sf::cpu
