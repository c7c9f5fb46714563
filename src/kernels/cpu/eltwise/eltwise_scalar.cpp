// Scalar element-wise variant: the definition the vector variants are tested against.
// unary: unary_ref (apply_activation, libm) per element; binary: one float op per element;
// reduce: left-to-right float sums / max per row (column sums: down the rows). Exact to float
// rounding of each formula.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cpu/eltwise/eltwise.hpp"

namespace sf::cpu {

namespace {

float binary_ref(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
    case BinaryOp::kMax: return std::max(a, b);
    case BinaryOp::kMin: return std::min(a, b);
  }
  return a;
}

// Element (r, c) of a broadcast binary input.
float bcast_at(const float* p, int64_t ld, Bcast b, int64_t r, int64_t c) {
  switch (b) {
    case Bcast::kNone: return p[r * ld + c];
    case Bcast::kRow: return p[c];
    case Bcast::kCol: return p[r];
    case Bcast::kScalar: return p[0];
  }
  return p[0];
}

}  // namespace

void eltwise_f32__scalar_unary(const UnaryArgs& a) {
  for (int64_t r = 0; r < a.m; ++r) {
    const float* x = a.src + r * a.ld_src;
    float* y = a.dst + r * a.ld_dst;
    float sum = 0.0f;
    for (int64_t c = 0; c < a.n; ++c) {
      y[c] = unary_ref(a.op, a.alpha, a.beta, x[c]);
      sum += y[c];
    }
    if (a.row_sum) a.row_sum[r] = sum;
  }
}

void eltwise_f32__scalar_binary(const BinaryArgs& a) {
  for (int64_t r = 0; r < a.m; ++r)
    for (int64_t c = 0; c < a.n; ++c)
      a.dst[r * a.ld_dst + c] = binary_ref(a.op, bcast_at(a.a, a.lda, a.bcast_a, r, c),
                                           bcast_at(a.b, a.ldb, a.bcast_b, r, c));
}

void eltwise_f32__scalar_reduce(const ReduceArgs& a) {
  if (a.op == ReduceOp::kColSumAbs) {
    for (int64_t r = 0; r < a.m; ++r)
      for (int64_t c = 0; c < a.n; ++c) {
        const float x = a.src[r * a.ld_src + c];
        a.out[c] += x;
        a.out2[c] += std::fabs(x);
      }
    return;
  }
  for (int64_t r = 0; r < a.m; ++r) {
    const float* x = a.src + r * a.ld_src;
    switch (a.op) {
      case ReduceOp::kSum: {
        float s = 0.0f;
        for (int64_t c = 0; c < a.n; ++c) s += x[c];
        a.out[r] = s;
        break;
      }
      case ReduceOp::kMax: {
        float mx = -std::numeric_limits<float>::infinity();
        for (int64_t c = 0; c < a.n; ++c) mx = std::max(mx, x[c]);
        a.out[r] = mx;
        break;
      }
      case ReduceOp::kSumSq: {
        const float center = a.center ? a.center[r] : 0.0f;
        float s = 0.0f, s2 = 0.0f;
        for (int64_t c = 0; c < a.n; ++c) {
          const float d = x[c] - center;
          s += d;
          s2 += d * d;
        }
        a.out[r] = s;
        a.out2[r] = s2;
        break;
      }
      case ReduceOp::kColSumAbs: break;  // handled above
    }
  }
}

}  // namespace sf::cpu
