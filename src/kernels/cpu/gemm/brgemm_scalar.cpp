// brgemm_f32__scalar_4x16: the portable BRGEMM variant (no ISA flags). A 4x16 tile of fp32
// accumulators is reduced over the whole batch and k, in the same (i, k) order as every variant,
// then C (when accumulating), bias and residual are added and the activation applied on the tile
// before it is stored (so a residual that aliases C is read before C is written, as in the SIMD
// variants). Runs on any x86-64 (and is the fallback that STEADFAST_MAX_ISA=scalar forces).
// Expected error against the reference: |err| <= ~k*batch*eps*sum|a||b|.
#include <algorithm>

#include "kernels/cpu/gemm/brgemm.hpp"

namespace sf::cpu {

void brgemm_f32__scalar_4x16(const BrgemmArgs& p) {
  constexpr int kMr = 4, kNr = 16;
  const Epilogue* e = p.epilogue;
  for (int64_t j0 = 0; j0 < p.n; j0 += kNr) {
    const int64_t nb = std::min<int64_t>(kNr, p.n - j0);
    const int64_t panel = (j0 / kNr) * p.k * kNr;
    for (int64_t i0 = 0; i0 < p.m; i0 += kMr) {
      const int64_t mb = std::min<int64_t>(kMr, p.m - i0);
      float acc[kMr][kNr] = {};
      for (int64_t bi = 0; bi < p.batch; ++bi) {
        const float* a = p.a.at(bi) + i0 * p.lda;
        const float* b = p.b.at(bi) + panel;
        for (int64_t kk = 0; kk < p.k; ++kk) {
          const float* brow = b + kk * kNr;
          for (int64_t r = 0; r < mb; ++r) {
            const float av = a[r * p.lda + kk];
            for (int c = 0; c < kNr; ++c) acc[r][c] += av * brow[c];
          }
        }
      }
      for (int64_t r = 0; r < mb; ++r) {
        float* crow = p.c + (i0 + r) * p.ldc + j0;
        const float* res =
            e && e->residual ? e->residual + (i0 + r) * e->ld_residual + j0 : nullptr;
        for (int64_t c = 0; c < nb; ++c) {
          float v = p.accumulate ? crow[c] + acc[r][c] : acc[r][c];
          if (e) {
            if (e->bias) v += e->bias[j0 + c];
            if (res) v += res[c];
            v = apply_activation(e->act, v);
          }
          acc[r][c] = v;
        }
        for (int64_t c = 0; c < nb; ++c) crow[c] = acc[r][c];
      }
    }
  }
}

}  // namespace sf::cpu
