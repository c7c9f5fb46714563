// Memory-bound 2-D primitives in the TPP style (libxsmm unary / binary / reduce), and the
// normalisations built from them.
//
// Operands are row-major 2-D blocks: m rows of n contiguous floats, `ld*` floats between rows.
// Outputs may alias inputs exactly (in-place). fp32 in and out, fp32 arithmetic.
//
//   unary    dst = op(alpha/beta; src)                 (optionally row_sum[r] = sum_c dst[r][c])
//   binary   dst = a (op) b, each input full, a row vector [n], a column vector [m] or a scalar
//   reduce   per row: sum, max, or (sum, sum of squares) of x - center[r];
//            per column: sum and sum of |x| added to out / out2 (kColSumAbs, rows in order, so
//            every variant gives the scalar definition's bits: each column is one sequence)
//
// Variants (kernels.inc): AVX-512 and AVX2 use vector exp / erf / tanh approximations (Cephes
// polynomials; erf for |x| >= 1 by Abramowitz-Stegun 7.1.26), within ~3e-7 relative (exp,
// sigmoid, tanh, erf) and ~1e-6 absolute+relative for the compositions (GELU, SiLU); the
// scalar variant is the definition (apply_activation, libm). Reductions run left to right in
// vector lanes, then across lanes: deterministic for a variant, not bit-equal across variants.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/activation.hpp"
#include "core/cpu_features.hpp"

namespace sf::cpu {

enum class UnaryOp : uint8_t {
  kCopy,
  kRelu,
  kClip,         // min(max(x, alpha), beta)
  kLeakyRelu,    // x < 0 ? alpha x : x
  kSigmoid,
  kTanh,
  kSilu,
  kHardSigmoid,  // max(0, min(1, alpha x + beta))
  kHardSwish,
  kGelu,         // erf form
  kGeluTanh,
  kExp,
  kExpAffine,    // exp(alpha x + beta): softmax's exp(x - max) in one pass
  kErf,
  kSqrt,
  kNeg,
  kAbs,
  kReciprocal,
  kAffine,       // alpha x + beta
};
inline constexpr int kUnaryOpCount = static_cast<int>(UnaryOp::kAffine) + 1;

enum class BinaryOp : uint8_t { kAdd, kSub, kMul, kDiv, kMax, kMin };

// How a binary input is read: a full m x n block, one row [n] for every row, one value per row
// (column vector [m]), or one value.
enum class Bcast : uint8_t { kNone, kRow, kCol, kScalar };

enum class ReduceOp : uint8_t {
  kSum,        // out[r] = sum_c x[r][c]
  kMax,        // out[r] = max_c x[r][c]
  kSumSq,      // out[r] = sum_c d, out2[r] = sum_c d^2, d = x[r][c] - center[r]
  kColSumAbs,  // out[c] += x[0][c] + ... + x[m-1][c] and out2[c] the same over |x|, in row order
};

struct UnaryArgs {
  UnaryOp op = UnaryOp::kCopy;
  float alpha = 0.0f, beta = 0.0f;
  int64_t m = 0, n = 0;
  const float* src = nullptr;
  int64_t ld_src = 0;
  float* dst = nullptr;
  int64_t ld_dst = 0;
  float* row_sum = nullptr;  // optional: m sums of the outputs (softmax's exp-sum)
};

struct BinaryArgs {
  BinaryOp op = BinaryOp::kAdd;
  int64_t m = 0, n = 0;
  const float* a = nullptr;
  int64_t lda = 0;
  Bcast bcast_a = Bcast::kNone;
  const float* b = nullptr;
  int64_t ldb = 0;
  Bcast bcast_b = Bcast::kNone;
  float* dst = nullptr;
  int64_t ld_dst = 0;
};

struct ReduceArgs {
  ReduceOp op = ReduceOp::kSum;
  int64_t m = 0, n = 0;
  const float* src = nullptr;
  int64_t ld_src = 0;
  const float* center = nullptr;  // kSumSq only: per-row value subtracted first (nullptr: 0)
  float* out = nullptr;           // m results (kSumSq: the sums; kColSumAbs: n, accumulated)
  float* out2 = nullptr;          // kSumSq: m sums of squares; kColSumAbs: n sums of |x|
};

using UnaryFn = void (*)(const UnaryArgs&);
using BinaryFn = void (*)(const BinaryArgs&);
using ReduceFn = void (*)(const ReduceArgs&);

struct EltwiseKernel {
  const char* name;  // eltwise_f32__<isa>
  Isa isa;
  int width;         // floats per vector
  UnaryFn unary;
  BinaryFn binary;
  ReduceFn reduce;
};

// Every compiled variant, best first (the scalar one last).
std::span<const EltwiseKernel> eltwise_kernels();
// The best variant max_isa() allows.
const EltwiseKernel& eltwise_select();
const EltwiseKernel* eltwise_find(const std::string& name);

// The scalar definition of one unary op (what every variant approximates).
float unary_ref(UnaryOp op, float alpha, float beta, float x);
// The unary op an epilogue activation maps to.
UnaryOp unary_op_for(Activation a);

// ---- normalisations built from the primitives (one variant, rows independent) ------------------

// Softmax over each of m rows of n: max, exp(x - max) with its sum, scale by 1 / sum.
void softmax_rows(const EltwiseKernel& k, int64_t m, int64_t n, const float* src, int64_t ld_src,
                  float* dst, int64_t ld_dst);

// LayerNormalization over each of m rows of n: mean = sum / n, then var = sum((x - mean)^2) / n
// (two passes, no E[x^2] - mean^2 cancellation), y = (x - mean) / sqrt(var + eps) * scale + bias.
// scale has n entries; bias n entries or nullptr. mean / inv_std (m entries each) are optional.
void layer_norm_rows(const EltwiseKernel& k, int64_t m, int64_t n, const float* src,
                     int64_t ld_src, float* dst, int64_t ld_dst, const float* scale,
                     const float* bias, float epsilon, float* mean, float* inv_std);

}  // namespace sf::cpu
