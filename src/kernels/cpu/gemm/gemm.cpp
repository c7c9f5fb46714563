// GEMM driver: blocking, B packing and one rectangle of C per call (see gemm.hpp).
#include "kernels/cpu/gemm/gemm.hpp"

#include <algorithm>
#include <cstring>

namespace sf::cpu {

namespace {
// Bytes of L1 for the mr x kc rows of A a tile broadcasts from (half of a 48 KiB L1; the other
// half takes the B panel rows streaming through and the C tile).
constexpr int64_t kATileBytes = 24 * 1024;
// Bytes of L2 for the kc x nc block of packed B that every m-tile of a rectangle re-reads.
constexpr int64_t kBBlockBytes = 512 * 1024;
constexpr int64_t kMaxRectCols = 512;
// m-tiles per rectangle.
constexpr int64_t kRectTiles = 8;
}  // namespace

GemmPlan gemm_plan(const BrgemmKernel& kernel, int64_t k, int64_t n) {
  GemmPlan p;
  p.kernel = &kernel;
  p.k = k;
  p.n = n;
  const int64_t nr = kernel.nr;
  const int64_t kc_max = std::max<int64_t>(16, kATileBytes / (kernel.mr * 4) / 16 * 16);
  // Even blocks: ceil(k / kc_max) blocks of nearly equal size (no short tail block), a multiple
  // of 16 floats so the A rows of each block start on a cache line when A's do.
  const int64_t blocks = std::max<int64_t>(1, (k + kc_max - 1) / kc_max);
  p.kc = std::max<int64_t>(1, (k + blocks - 1) / blocks);
  if (blocks > 1) p.kc = (p.kc + 15) / 16 * 16;
  p.mc = kernel.mr * kRectTiles;
  p.nc = std::clamp<int64_t>(kBBlockBytes / (4 * p.kc), nr, kMaxRectCols) / nr * nr;
  return p;
}

void gemm_pack_b(const GemmPlan& plan, const float* b, int64_t ldb, bool transposed, float alpha,
                 int64_t p0, int64_t p1, float* dst) {
  const int64_t nr = plan.kernel->nr, np = plan.n_panels();
  for (int64_t kb = 0; kb < plan.k_blocks(); ++kb) {
    const int64_t k0 = kb * plan.kc, kcb = std::min(plan.kc, plan.k - k0);
    float* block = dst + k0 * np * nr;
    for (int64_t pi = p0; pi < p1; ++pi) {
      const int64_t j0 = pi * nr, nb = std::min(nr, plan.n - j0);
      float* d = block + pi * kcb * nr;
      for (int64_t r = 0; r < kcb; ++r, d += nr) {
        if (!transposed) {
          const float* s = b + (k0 + r) * ldb + j0;
          if (alpha == 1.0f)
            std::memcpy(d, s, static_cast<size_t>(nb) * sizeof(float));
          else
            for (int64_t c = 0; c < nb; ++c) d[c] = alpha * s[c];
        } else {
          const float* s = b + j0 * ldb + k0 + r;
          for (int64_t c = 0; c < nb; ++c) d[c] = alpha * s[c * ldb];
        }
        std::fill(d + nb, d + nr, 0.0f);
      }
    }
  }
}

void gemm_pack_checks(const GemmPlan& plan, const float* packed_b, float* dst) {
  const int64_t nr = plan.kernel->nr, np = plan.n_panels();
  for (int64_t kb = 0; kb < plan.k_blocks(); ++kb) {
    const int64_t k0 = kb * plan.kc, kcb = std::min(plan.kc, plan.k - k0);
    brgemm_pack_checks(packed_b + k0 * np * nr, np, kcb, static_cast<int>(nr), dst + k0 * np * 2);
  }
}

void gemm_tile(const GemmPlan& plan, const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0,
               int64_t n1) {
  if (m1 <= m0 || n1 <= n0) return;
  const int64_t nr = plan.kernel->nr, np = plan.n_panels();
  Epilogue e;
  if (g.epilogue) {
    e = *g.epilogue;
    if (e.bias) e.bias += n0;
    if (e.residual) e.residual += m0 * e.ld_residual + n0;
  }
  const int64_t kblocks = plan.k_blocks();
  BrgemmArgs args;
  BrgemmAbft abft;
  BrgemmBlocks checks;
  abft.log = g.log;
  args.m = m1 - m0;
  args.n = n1 - n0;
  args.batch = 1;
  args.c = g.c + m0 * g.ldc + n0;
  args.ldc = g.ldc;
  if (kblocks == 0) {  // K = 0: C = (accumulate ? C : 0), then the epilogue
    static const float kZero[1] = {0.0f};
    args.k = 0;
    args.a = BrgemmBlocks::strided(kZero, 0);
    args.b = BrgemmBlocks::strided(kZero, 0);
    args.lda = 0;
    args.accumulate = g.accumulate;
    args.epilogue = g.epilogue ? &e : nullptr;
    abft.out_sum = g.out_sum;
    args.abft = g.out_sum ? &abft : nullptr;
    plan.kernel->fn(args);
    return;
  }
  // The packed panels of k block k1 from column n of packed B `b` (gemm_pack_b layout).
  const auto panels = [&](const float* b, int64_t k1, int64_t n) {
    const int64_t kcb1 = std::min(plan.kc, plan.k - k1);
    return BrgemmBlocks::strided(b + k1 * np * nr + (n / nr) * kcb1 * nr, 0);
  };
  for (int64_t kb = 0; kb < kblocks; ++kb) {
    const int64_t k0 = kb * plan.kc, kcb = std::min(plan.kc, plan.k - k0);
    args.k = kcb;
    args.a = BrgemmBlocks::strided(g.a + m0 * g.lda + k0, 0);
    args.lda = g.lda;
    args.b = panels(g.packed_b, k0, n0);
    if (kb + 1 < kblocks)
      args.b_next = panels(g.packed_b, k0 + kcb, n0);
    else if (g.next_packed_b && (g.next_packed_b != g.packed_b || g.next_n0 != n0))
      args.b_next = panels(g.next_packed_b, 0, g.next_n0);
    else
      args.b_next = BrgemmBlocks{};
    args.accumulate = kb > 0 || g.accumulate;
    args.epilogue = kb + 1 == kblocks && g.epilogue ? &e : nullptr;
    abft.out_sum = kb + 1 == kblocks ? g.out_sum : nullptr;  // the final values only
    if (g.checks) {
      checks = BrgemmBlocks::strided(g.checks + k0 * np * 2 + (n0 / nr) * kcb * 2, 0);
      abft.checks = &checks;
    }
    args.abft = abft.out_sum || abft.checks ? &abft : nullptr;
    plan.kernel->fn(args);
  }
}

}  // namespace sf::cpu
