// Batch-reduce GEMM, the one compute primitive of the CPU kernels (TPP/libxsmm BRGEMM design):
//
//   C[m x n] = (accumulate ? C : 0) + sum_{i < batch} A_i[m x k] * B_i[k x n],  then the epilogue
//   epilogue: C = act(C + bias[col] + residual)      (only when BrgemmArgs::epilogue is set)
//
// Layouts (fp32):
//   A_i  row-major, unit stride along k, `lda` floats between rows (activations: NHWC pixels,
//        MatMul rows). Conv passes lda = C * stride to walk output pixels of a row.
//   B_i  packed panels of `nr` columns (pack_b_panels): panel p is [k][nr] contiguous, columns
//        past n are zero; panels follow each other (panel stride k * nr floats).
//   C    row-major with `ldc`; the residual has its own `ld_residual`.
// The batch addresses its blocks by pointer arrays, base + offsets, or base + i * stride.
// Accumulation is fp32 in registers over the whole batch and k; the sum order over (i, k) is the
// same for every variant and thread count, so results are deterministic (not bit-equal across ISAs).
// Expected error against the reference: |err| <= ~k*batch*eps*sum|a||b|.
#pragma once

#include <cstdint>
#include <span>

#include "core/activation.hpp"
#include "core/cpu_features.hpp"
#include "kernels/cpu/gemm/abft.hpp"

namespace sf::cpu {

// Where a batch's blocks live.
struct BrgemmBlocks {
  enum class Mode : uint8_t { kPointers, kOffsets, kStride };
  Mode mode = Mode::kStride;
  const float* const* ptrs = nullptr;  // kPointers: batch pointers
  const float* base = nullptr;         // kOffsets / kStride
  const int64_t* offsets = nullptr;    // kOffsets: element offsets from base
  int64_t stride = 0;                  // kStride: elements between consecutive blocks

  bool none() const { return mode == Mode::kPointers ? ptrs == nullptr : base == nullptr; }
  // Always inlined: an out-of-line call inside the microkernel's batch loop made GCC keep the
  // register tile on the stack around it (a store and a load of every accumulator per block,
  // +50% memory operations for the K = 9 blocks of a 3x3 stem over RGB).
  __attribute__((always_inline)) const float* at(int64_t i) const {
    switch (mode) {
      case Mode::kPointers: return ptrs[i];
      case Mode::kOffsets: return base + offsets[i];
      case Mode::kStride: return base + i * stride;
    }
    return base;
  }
  static BrgemmBlocks pointers(const float* const* p) { return {Mode::kPointers, p, nullptr, nullptr, 0}; }
  static BrgemmBlocks offset(const float* b, const int64_t* o) { return {Mode::kOffsets, nullptr, b, o, 0}; }
  static BrgemmBlocks strided(const float* b, int64_t s) { return {Mode::kStride, nullptr, b, nullptr, s}; }
};

struct Epilogue {
  const float* bias = nullptr;      // per output column (n entries), or nullptr
  const float* residual = nullptr;  // [m x n] with ld_residual, or nullptr; may alias C
  int64_t ld_residual = 0;
  ActivationSpec act;
};

struct BrgemmArgs {
  int64_t m = 0, n = 0, k = 0, batch = 1;
  BrgemmBlocks a;      // A_i blocks (row-major, lda)
  int64_t lda = 0;
  BrgemmBlocks b;      // packed B_i blocks (panels of the kernel's nr)
  float* c = nullptr;
  int64_t ldc = 0;
  bool accumulate = false;
  const Epilogue* epilogue = nullptr;
  const BrgemmAbft* abft = nullptr;  // checksum hooks (abft.hpp), or nullptr
  // The packed B blocks the caller's next call will read (same batch, k and panel count), or
  // none. The SIMD variants pull them towards L2, one cache line per k step, while they compute
  // this call: weights that come from L3 or memory then arrive spread over the call instead of
  // stalling the first row block of the next one (a small image's layers read each weight panel
  // for only a few row blocks). A hint: it changes no result.
  BrgemmBlocks b_next;
};

using BrgemmFn = void (*)(const BrgemmArgs&);

// One compiled variant (the list is src/kernels/cpu/gemm/kernels.inc).
struct BrgemmKernel {
  const char* name;  // brgemm_f32__<isa>_<mr>x<nr>[_abft]
  Isa isa;
  int mr, nr;        // register tile
  bool abft;         // verifies every register tile against BrgemmAbft::checks (abft.hpp)
  BrgemmFn fn;
};

// Every compiled variant, best first (the scalar ones last).
std::span<const BrgemmKernel> brgemm_kernels();
// The best variant max_isa() allows; with `tile_abft`, the best `_abft` variant.
const BrgemmKernel& brgemm_select(bool tile_abft = false);
// For a GEMM with n columns: among the variants of the best ISA max_isa() allows, the one whose
// panels waste the fewest columns (n / roundup(n, nr) highest; ties: the earlier in the list).
// A 6x64 tile fills 24 of 64 columns for n = 24; 12x32 fills 24 of 32. Tiles narrower than half
// the first variant's (24x16) are taken only when n fits one of their panels (n <= 16: the
// 16-channel projections of MobileNetV2 and EfficientNet-Lite0). The variants sum every output
// over K in the same order, so the choice changes speed, not results.
const BrgemmKernel& brgemm_select_for_n(int64_t n, bool tile_abft = false);
// The `_abft` twin of `k` (same isa and tile, so the same packing), or `k` itself if it is one.
const BrgemmKernel& brgemm_abft_twin(const BrgemmKernel& k);

// Packs B (k x n; element (r, c) at b[r * ldb + c], or at b[c * ldb + r] when `transposed`)
// into panels of nr columns, zero-padding the last panel. dst holds packed_b_floats() floats.
int64_t packed_b_floats(int64_t k, int64_t n, int nr);
void pack_b_panels(const float* b, int64_t ldb, bool transposed, int64_t k, int64_t n, int nr,
                   float* dst);

}  // namespace sf::cpu
