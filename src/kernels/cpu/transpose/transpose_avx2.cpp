// AVX2 2-D transpose of 4-byte elements (formula in transpose.hpp): full 8x8 tiles go through
// registers (unpacklo/hi, shuffle, permute2f128: bit moves only, exact); the row and column
// remainders (< 8) are copied with scalar loops. Column strips outer: each destination row is
// written front to back.
#include <immintrin.h>

#include "kernels/cpu/transpose/transpose.hpp"

namespace sf::cpu {

namespace {

inline void tile8x8(const float* s, int64_t lds, float* d, int64_t ldd) {
  __m256 r[8];
  for (int k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(s + k * lds);
  __m256 t[8];
  for (int k = 0; k < 4; ++k) {
    t[2 * k] = _mm256_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm256_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  __m256 u[8];
  for (int h = 0; h < 2; ++h) {
    const int o = 4 * h;
    u[o + 0] = _mm256_shuffle_ps(t[o + 0], t[o + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[o + 1] = _mm256_shuffle_ps(t[o + 0], t[o + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[o + 2] = _mm256_shuffle_ps(t[o + 1], t[o + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[o + 3] = _mm256_shuffle_ps(t[o + 1], t[o + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int k = 0; k < 4; ++k) {
    _mm256_storeu_ps(d + k * ldd, _mm256_permute2f128_ps(u[k], u[4 + k], 0x20));
    _mm256_storeu_ps(d + (k + 4) * ldd, _mm256_permute2f128_ps(u[k], u[4 + k], 0x31));
  }
}

}  // namespace

void transpose_b32__avx2_8x8(const uint32_t* src, int64_t lds, uint32_t* dst, int64_t ldd,
                             int64_t rows, int64_t cols) {
  const auto* s = reinterpret_cast<const float*>(src);
  auto* d = reinterpret_cast<float*>(dst);
  const int64_t rf = rows / 8 * 8, cf = cols / 8 * 8;
  // Column strips outer, as in the AVX-512 variant: destination rows are written front to back.
  for (int64_t j0 = 0; j0 < cf; j0 += 8) {
    for (int64_t i0 = 0; i0 < rf; i0 += 8) tile8x8(s + i0 * lds + j0, lds, d + j0 * ldd + i0, ldd);
    for (int64_t j = j0; j < j0 + 8; ++j)
      for (int64_t i = rf; i < rows; ++i) dst[j * ldd + i] = src[i * lds + j];
  }
  for (int64_t j = cf; j < cols; ++j)
    for (int64_t i = 0; i < rows; ++i) dst[j * ldd + i] = src[i * lds + j];
}

}  // namespace sf::cpu
