// Scalar machine-probe loops (see probe.hpp): plain C++, no intrinsics; the FMA probe is a
// multiply then an add (no FMA instruction without ISA flags).
#include "kernels/cpu/probe/probe.hpp"

namespace sf::cpu {

float probe_fma_f32__scalar(int64_t iters, float mul, float add) {
  float acc[kProbeChainsScalar];
  for (int j = 0; j < kProbeChainsScalar; ++j) acc[j] = static_cast<float>(j) * 0.0625f;
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < kProbeChainsScalar; ++j) acc[j] = acc[j] * mul + add;
  float sum = 0;
  for (int j = 0; j < kProbeChainsScalar; ++j) sum += acc[j];
  return sum;
}

void probe_triad_f32__scalar(float* dst, const float* a, const float* b, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = a[i] + s * b[i];
}

}  // namespace sf::cpu
