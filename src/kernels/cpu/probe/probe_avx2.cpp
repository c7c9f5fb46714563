// AVX2 machine-probe loops (see probe.hpp): 12 ymm FMA chains, 8 lanes each; triad with
// non-temporal stores when dst is 32-byte aligned.
#include <immintrin.h>

#include "kernels/cpu/probe/probe.hpp"

namespace sf::cpu {

float probe_fma_f32__avx2(int64_t iters, float mul, float add) {
  __m256 acc[kProbeChainsAvx2];
  for (int j = 0; j < kProbeChainsAvx2; ++j) acc[j] = _mm256_set1_ps(static_cast<float>(j) * 0.0625f);
  const __m256 m = _mm256_set1_ps(mul), a = _mm256_set1_ps(add);
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < kProbeChainsAvx2; ++j) acc[j] = _mm256_fmadd_ps(acc[j], m, a);
  float sum = 0;
  alignas(32) float lanes[kProbeLanesAvx2];
  for (int j = 0; j < kProbeChainsAvx2; ++j) {
    _mm256_store_ps(lanes, acc[j]);
    for (float v : lanes) sum += v;
  }
  return sum;
}

void probe_triad_f32__avx2(float* dst, const float* a, const float* b, float s, int64_t n) {
  const __m256 vs = _mm256_set1_ps(s);
  int64_t i = 0;
  const bool aligned = (reinterpret_cast<uintptr_t>(dst) % 32) == 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_fmadd_ps(vs, _mm256_loadu_ps(b + i), _mm256_loadu_ps(a + i));
    if (aligned) _mm256_stream_ps(dst + i, v);
    else _mm256_storeu_ps(dst + i, v);
  }
  for (; i < n; ++i) dst[i] = __builtin_fmaf(s, b[i], a[i]);
  _mm_sfence();
}

}  // namespace sf::cpu
