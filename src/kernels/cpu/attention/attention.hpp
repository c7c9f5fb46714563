// Fused scaled-dot-product attention for one (batch, head) and one block of query rows,
// FlashAttention-2 style (online softmax; the Lq x Lk score matrix is never stored):
//
//   O[i, :] = sum_j softmax_j(scale * Q[i, :] . K[j, :] + mask[i, j]) V[j, :]
//
//   per key block of Bc keys:  S = scale * Q_blk K_blk^T + mask_blk   (causal: -inf where
//   j > i + Lk - Lq; blocks past every row's limit are skipped), m_new = max(m, rowmax S),
//   P = exp(S - m_new), l = exp(m - m_new) l + rowsum P, O = exp(m - m_new) O + P V_blk;
//   at the end O /= l. A row whose keys are all masked (l = 0) gives 0, never NaN.
//
// Layouts (fp32, row-major with leading dimensions): Q [Lq, D] (ld_q), K [Lk, D] (ld_k) or, when
// k_transposed, [D, Lk] (ld_k), V [Lk, Dv] (ld_v), O [Lq, Dv] (ld_o); the additive mask element
// (i, j) is mask[i * mask_ld_row + j * mask_ld_col] (strides 0 broadcast; mask_ld_col is 0 or 1).
// Tile: Br = 64 query rows x Bc = 64 keys; the two small GEMMs use register tiles of 4 rows x
// (4 vectors on AVX-512, 2 on AVX2, 4 floats scalar). Accumulation fp32; O accumulates in the
// output rows. Scratch per call: attention_scratch_floats() = Bc*D (K block transposed) +
// Br*Bc (S / P) + 2*Br (m, l), blocks clipped to short sequences; never grows past 64-long ones.
// Expected error against softmax(QK^T)V in double: ~1e-6 relative (vector exp within 2e-7,
// fp32 sums over D and Lk).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/cpu_features.hpp"

namespace sf::cpu {

inline constexpr int64_t kAttentionBr = 64;
inline constexpr int64_t kAttentionBc = 64;

struct AttentionArgs {
  int64_t lq = 0, lk = 0, d = 0, dv = 0;
  float scale = 1.0f;
  bool causal = false;
  bool k_transposed = false;
  const float* q = nullptr;
  int64_t ld_q = 0;
  const float* k = nullptr;
  int64_t ld_k = 0;
  const float* v = nullptr;
  int64_t ld_v = 0;
  const float* mask = nullptr;  // optional
  int64_t mask_ld_row = 0, mask_ld_col = 1;
  float* o = nullptr;
  int64_t ld_o = 0;
};

// Computes output rows [q_begin, q_begin + rows), rows <= kAttentionBr, using `scratch`
// (attention_scratch_floats(lq, lk, d) floats).
using AttentionFn = void (*)(const AttentionArgs&, int64_t q_begin, int64_t rows, float* scratch);

// The variant's small GEMM, C[m x n] (+)= A[m x k] B[k x n], all row-major with leading
// dimensions (what the block uses for S = Q K^T and O += P V; benchmarks build the unfused
// MatMul -> Softmax -> MatMul path from it).
using SmallGemmFn = void (*)(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                             const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate);

struct AttentionKernel {
  const char* name;  // attention_f32__<isa>_<Br>x<Bc>
  Isa isa;
  AttentionFn fn;
  SmallGemmFn gemm;
};

std::span<const AttentionKernel> attention_kernels();
const AttentionKernel& attention_select();
const AttentionKernel* attention_find(const std::string& name);

// Scratch one call needs, in floats: the workspace query. min(Bc, Lk) * D + min(Br, Lq) *
// min(Bc, Lk) + 2 * min(Br, Lq): bounded by a constant once the sequences pass one block.
int64_t attention_scratch_floats(int64_t lq, int64_t lk, int64_t d);

// Runs every query block of one (batch, head) sequentially (tests, benchmarks).
void attention_run(const AttentionKernel& k, const AttentionArgs& a, float* scratch);

}  // namespace sf::cpu
