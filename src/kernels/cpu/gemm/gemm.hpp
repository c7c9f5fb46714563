// GEMM driver over the BRGEMM variants (pure: no threads, no allocation):
//
//   C[M x N] = (accumulate ? C : 0) + A[M x K] * B[K x N], then the epilogue (brgemm.hpp)
//
// B is packed once (gemm_pack_b) for the chosen variant: K is cut into blocks of kc rows so the
// mr x kc rows of A a tile broadcasts from stay in L1 (<= 24 KiB) while the BRGEMM streams the
// packed kc x nr panels past them, and a rectangle's kc x nc block of packed B (<= 512 KiB) stays
// in L2 for all its m-tiles. Within each k block the panels of nr columns follow each other
// ([k block][panel][kc][nr], the last panel zero-padded, the last k block possibly shorter).
// gemm_tile() computes one independent rectangle of C, so a caller parallelises over
// (m block, n block) rectangles; every element of C is reduced over the same k blocks in the same
// order whatever the rectangle, so results do not depend on how C is cut or on the thread count
// (K is never split across calls). kc depends only on (variant, K), never on the thread count.
// A is read in place (copying A blocks apart, against L1 set conflicts when lda is a multiple of
// 4 KiB, measured ~8% slower on SGEMM 1024^3 than reading them in place).
// Accumulation: fp32; per element the k blocks are added to C in order (C + sum of block 0, + sum
// of block 1, ...). Expected error against the reference: |err| <= ~K*eps*sum|a||b|.
#pragma once

#include <cstdint>

#include "kernels/cpu/gemm/brgemm.hpp"

namespace sf::cpu {

struct GemmPlan {
  const BrgemmKernel* kernel = nullptr;
  int64_t k = 0, n = 0;  // B is k x n
  int64_t kc = 0;        // rows per k block (the last block may be shorter)
  int64_t mc = 0;        // rows of C per rectangle (multiple of mr)
  int64_t nc = 0;        // columns of C per rectangle (multiple of nr)

  int64_t k_blocks() const { return k == 0 ? 0 : (k + kc - 1) / kc; }
  int64_t n_panels() const { return (n + kernel->nr - 1) / kernel->nr; }
  // Floats of one packed B (all k blocks, all panels).
  int64_t packed_b_floats() const { return n_panels() * kernel->nr * k; }
  // Floats of the checksum columns of one packed B (abft.hpp layout per k block and panel).
  int64_t check_floats() const { return n_panels() * 2 * k; }
  int64_t m_blocks(int64_t m) const { return (m + mc - 1) / mc; }
  int64_t n_blocks() const { return (n + nc - 1) / nc; }
};

// The blocking for B of k x n with `kernel`.
GemmPlan gemm_plan(const BrgemmKernel& kernel, int64_t k, int64_t n);

// Packs panels [p0, p1) of B (element (r, c) at b[r * ldb + c], or b[c * ldb + r] when
// `transposed`) scaled by `alpha` into dst (gemm plan layout; dst holds packed_b_floats()).
// Disjoint panel ranges may be packed concurrently.
void gemm_pack_b(const GemmPlan& plan, const float* b, int64_t ldb, bool transposed, float alpha,
                 int64_t p0, int64_t p1, float* dst);

// The checksum columns (abft.hpp) of a packed B, for the `_abft` variants: [k block][panel][2][kc].
void gemm_pack_checks(const GemmPlan& plan, const float* packed_b, float* dst);

struct GemmArgs {
  const float* a = nullptr;  // [m x k], row stride lda
  int64_t lda = 0;
  const float* packed_b = nullptr;  // gemm_pack_b of the plan
  float* c = nullptr;               // [m x n], row stride ldc
  int64_t ldc = 0;
  bool accumulate = false;
  const Epilogue* epilogue = nullptr;  // bias indexed by column of C, residual by (row, col) of C
  // ABFT (abft.hpp): the global sum of the rectangle's pre-epilogue outputs is added to *out_sum;
  // with an `_abft` variant and `checks` (gemm_pack_checks of packed_b) every tile is verified.
  double* out_sum = nullptr;
  const float* checks = nullptr;
  TileCheckLog* log = nullptr;
  // The packed B and first column of the rectangle the caller computes next, or nullptr: its
  // first k block is prefetched during this rectangle's last (each k block prefetches the next;
  // BrgemmArgs::b_next). A hint: it changes no result.
  const float* next_packed_b = nullptr;
  int64_t next_n0 = 0;
};

// C[m0:m1, n0:n1] with n0 a multiple of nr (n1 a multiple of nr or n).
void gemm_tile(const GemmPlan& plan, const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0,
               int64_t n1);

}  // namespace sf::cpu
