// Machine-probe loops: the measuring kernels behind `steadfast machine` (src/runtime/machine.cpp
// times them and picks the variant max_isa() allows). They are not used by inference.
//
//   fma_f32:   C independent chains acc_j = fma(acc_j, mul, add), `iters` rounds; FLOPs =
//              2 * lanes * C * iters. Enough chains to cover FMA latency x throughput
//              (Zen 5: 4 cycles x 2 pipes = 8 vectors in flight): 16 zmm, 12 ymm (AVX2 has 16
//              registers), 16 scalar chains of a separate multiply and add (what the plain scalar
//              code the compiler emits without FMA flags does). Chain j starts at j / 16. Returns
//              the sum over chains (and lanes) so the work is not optimised away and tests can
//              check it bit-exactly against a scalar std::fma (or a*b+c) recurrence.
//   dot_u8s8:  16 AVX-512 VNNI vpdpbusd chains acc_j += sum_4 (u8 a * s8 b), `iters` rounds; ops =
//              2 * 64 * kAcc * iters (a multiply-add counts 2). Returns the int32 sum of all lanes
//              (wrapping), checkable against a plain integer loop.
//   triad_f32: dst[i] = a[i] + s * b[i] over n floats (STREAM triad). The vector variants use
//              non-temporal stores, so DRAM traffic is 12 bytes per element (no write-allocate).
//              Exact: one fma or mul+add per element, compared with the scalar form in tests
//              to 1 ulp.
#pragma once

#include <cstdint>

namespace sf::cpu {

// Chains and lanes per chain of each variant.
constexpr int kProbeChainsScalar = 16, kProbeLanesScalar = 1;
constexpr int kProbeChainsAvx2 = 12, kProbeLanesAvx2 = 8;
constexpr int kProbeChainsAvx512 = 16, kProbeLanesAvx512 = 16;
constexpr int kProbeChainsVnni = 16, kProbeLanesVnni = 64;  // u8 x s8 products per instruction

float probe_fma_f32__scalar(int64_t iters, float mul, float add);
float probe_fma_f32__avx2(int64_t iters, float mul, float add);
float probe_fma_f32__avx512(int64_t iters, float mul, float add);

// Chains start at 0; each round adds dot(a4, b4) per lane where a4 = 4 copies of `a`, b4 of `b`.
int32_t probe_dot_u8s8__avx512vnni(int64_t iters, uint8_t a, int8_t b);

void probe_triad_f32__scalar(float* dst, const float* a, const float* b, float s, int64_t n);
void probe_triad_f32__avx2(float* dst, const float* a, const float* b, float s, int64_t n);
void probe_triad_f32__avx512(float* dst, const float* a, const float* b, float s, int64_t n);

}  // namespace sf::cpu
