// AVX-512 VNNI machine-probe loop (see probe.hpp): 16 zmm vpdpbusd chains, each instruction
// 64 u8 x s8 products summed in groups of 4 into 16 int32 lanes.
#include <immintrin.h>

#include "kernels/cpu/probe/probe.hpp"

namespace sf::cpu {

int32_t probe_dot_u8s8__avx512vnni(int64_t iters, uint8_t a, int8_t b) {
  __m512i acc[kProbeChainsVnni];
  for (int j = 0; j < kProbeChainsVnni; ++j) acc[j] = _mm512_setzero_si512();
  const __m512i va = _mm512_set1_epi8(static_cast<char>(a));
  const __m512i vb = _mm512_set1_epi8(static_cast<char>(b));
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < kProbeChainsVnni; ++j) acc[j] = _mm512_dpbusd_epi32(acc[j], va, vb);
  uint32_t sum = 0;  // unsigned: wraps instead of overflowing
  alignas(64) int32_t lanes[16];
  for (int j = 0; j < kProbeChainsVnni; ++j) {
    _mm512_store_si512(lanes, acc[j]);
    for (int32_t v : lanes) sum += static_cast<uint32_t>(v);
  }
  return static_cast<int32_t>(sum);
}

}  // namespace sf::cpu
