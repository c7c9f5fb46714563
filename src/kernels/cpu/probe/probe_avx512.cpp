// AVX-512 machine-probe loops (see probe.hpp): 16 zmm FMA chains, 16 lanes each; triad with
// non-temporal stores when dst is 64-byte aligned.
#include <immintrin.h>

#include "kernels/cpu/probe/probe.hpp"

namespace sf::cpu {

float probe_fma_f32__avx512(int64_t iters, float mul, float add) {
  __m512 acc[kProbeChainsAvx512];
  for (int j = 0; j < kProbeChainsAvx512; ++j) acc[j] = _mm512_set1_ps(static_cast<float>(j) * 0.0625f);
  const __m512 m = _mm512_set1_ps(mul), a = _mm512_set1_ps(add);
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < kProbeChainsAvx512; ++j) acc[j] = _mm512_fmadd_ps(acc[j], m, a);
  float sum = 0;
  alignas(64) float lanes[kProbeLanesAvx512];
  for (int j = 0; j < kProbeChainsAvx512; ++j) {
    _mm512_store_ps(lanes, acc[j]);
    for (float v : lanes) sum += v;
  }
  return sum;
}

void probe_triad_f32__avx512(float* dst, const float* a, const float* b, float s, int64_t n) {
  const __m512 vs = _mm512_set1_ps(s);
  int64_t i = 0;
  const bool aligned = (reinterpret_cast<uintptr_t>(dst) % 64) == 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_fmadd_ps(vs, _mm512_loadu_ps(b + i), _mm512_loadu_ps(a + i));
    if (aligned) _mm512_stream_ps(dst + i, v);
    else _mm512_storeu_ps(dst + i, v);
  }
  for (; i < n; ++i) dst[i] = __builtin_fmaf(s, b[i], a[i]);
  _mm_sfence();
}

}  // namespace sf::cpu
