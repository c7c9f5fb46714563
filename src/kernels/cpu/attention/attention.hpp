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
//
// ABFT (the `_abft` variants, AttentionKernel::abft; they compute exactly what their plain twin
// computes, bit for bit, and add checksum checks on the two GEMMs of every key block):
//   (a) scores: sum_{r, j} S_rj == qsum . ksum_blk, S the raw dot products Q_blk K_blk^T (before
//       the scale, the mask and the causal limit), qsum = sum of the block's query rows,
//       ksum_blk = sum of the block's keys; scale of the bound qabs . kabs_blk (sums of |.|).
//   (b) output update O <- alpha O + P V_blk: sum_{r, e} (O_new - O_before) == psum . vsum_blk,
//       psum_j = sum_r P_rj (P >= 0), vsum_j = sum_e V_je; scale sum |O_before| + psum . vabs.
//   One check of each per (query block, key block). ksum / kabs per key block and vsum / vabs per
//   key are made once per head and run by AttentionKernel::make_checks (L * (D + Dv) adds); the
//   block sums of S, O_before and O_new are taken in the GEMM's registers. Tolerances:
//   checksum_tolerance() (core/fp_bounds.hpp) with the roundings counted in attention_simd.hpp.
//   A score mismatch recomputes the score block (up to kTileRetries times); an output mismatch
//   recomputes the whole query block from its first key block (the update overwrote O), up to
//   kTileRetries times. Every alarm goes to AttentionArgs::log; one that no recomputation cleared
//   is logged as not corrected (the caller then recomputes the layer or stops).
// Fault hook (kernels/cpu/gemm/abft.hpp), honoured by every variant: per key block the score
// block (rows x n keys, D steps; its element (r, j) is scratch S[r * Bc + j]) and then the output
// update (rows x Dv of O, n steps) each make one fault_claim(), in that order.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/cpu_features.hpp"
#include "kernels/cpu/gemm/abft.hpp"

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
  // ABFT (read by the `_abft` variants only; both set: checks on). `checks` is this head's
  // AttentionKernel::make_checks output, `log` collects the checks and alarms (thread-safe).
  const double* checks = nullptr;
  TileCheckLog* log = nullptr;
};

// Computes output rows [q_begin, q_begin + rows), rows <= kAttentionBr, using `scratch`
// (attention_scratch_floats(lq, lk, d) floats).
using AttentionFn = void (*)(const AttentionArgs&, int64_t q_begin, int64_t rows, float* scratch);

// The variant's small GEMM, C[m x n] (+)= A[m x k] B[k x n], all row-major with leading
// dimensions (what the block uses for S = Q K^T and O += P V; benchmarks build the unfused
// MatMul -> Softmax -> MatMul path from it).
using SmallGemmFn = void (*)(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                             const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate);

// ABFT checksums of one head's K and V (see above), written to dst (attention_checks_doubles()
// doubles): for each key block b of min(Bc, Lk) keys, ksum_b[D] then kabs_b[D]; then vsum[Lk]
// and vabs[Lk]. Sums in double (each in a fixed order, so every variant gives the same values),
// kept in double, so the checksum side adds no rounding worth counting next to the fp32 GEMMs.
// Reads a.k, a.v, a.lk, a.d, a.dv, a.k_transposed and the leading dimensions.
using AttentionChecksFn = void (*)(const AttentionArgs& a, double* dst);

struct AttentionKernel {
  const char* name;  // attention_f32__<isa>_<Br>x<Bc>[_abft]
  Isa isa;
  AttentionFn fn;
  SmallGemmFn gemm;
  AttentionChecksFn make_checks;  // vectorised for the ISA like the rest of the variant
  bool abft;  // the checked twin of the variant without the suffix
};

std::span<const AttentionKernel> attention_kernels();
// The first variant max_isa() allows, among the `_abft` ones when `abft`.
const AttentionKernel& attention_select(bool abft = false);
const AttentionKernel* attention_find(const std::string& name);

// Scratch one call needs, in floats: the workspace query. min(Bc, Lk) * D + min(Br, Lq) *
// min(Bc, Lk) + 2 * min(Br, Lq): bounded by a constant once the sequences pass one block; an
// `_abft` variant with checks on needs 8 * D + min(Bc, Lk) + 16 more (the query block's column
// sums and a partial key block's sums, 4 * D doubles, then the column sums of P).
int64_t attention_scratch_floats(int64_t lq, int64_t lk, int64_t d, bool abft = false);

// Size of one head's ABFT checksums (AttentionChecksFn), in doubles.
int64_t attention_checks_doubles(int64_t lk, int64_t d);

// Runs every query block of one (batch, head) sequentially (tests, benchmarks).
void attention_run(const AttentionKernel& k, const AttentionArgs& a, float* scratch);

}  // namespace sf::cpu
