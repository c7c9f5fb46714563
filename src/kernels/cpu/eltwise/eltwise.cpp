// Element-wise variant list, selection, the scalar definitions and the normalisations built from
// the primitives (see eltwise.hpp). Built without ISA flags: no intrinsics here.
#include "kernels/cpu/eltwise/eltwise.hpp"

#include <algorithm>
#include <cmath>

namespace sf::cpu {

#define SF_ELTWISE(prefix, isa, width)        \
  void prefix##_unary(const UnaryArgs&);      \
  void prefix##_binary(const BinaryArgs&);    \
  void prefix##_reduce(const ReduceArgs&);
#include "kernels/cpu/eltwise/kernels.inc"
#undef SF_ELTWISE

namespace {
constexpr EltwiseKernel kKernels[] = {
#define SF_ELTWISE(prefix, isa, width) \
  {#prefix, Isa::isa, width, prefix##_unary, prefix##_binary, prefix##_reduce},
#include "kernels/cpu/eltwise/kernels.inc"
#undef SF_ELTWISE
};
}  // namespace

std::span<const EltwiseKernel> eltwise_kernels() { return kKernels; }

const EltwiseKernel& eltwise_select() {
  const Isa cap = max_isa();
  for (const EltwiseKernel& k : kKernels)
    if (static_cast<int>(k.isa) <= static_cast<int>(cap)) return k;
  return kKernels[std::size(kKernels) - 1];
}

const EltwiseKernel* eltwise_find(const std::string& name) {
  for (const EltwiseKernel& k : kKernels)
    if (name == k.name) return &k;
  return nullptr;
}

UnaryOp unary_op_for(Activation a) {
  switch (a) {
    case Activation::kNone: return UnaryOp::kCopy;
    case Activation::kRelu: return UnaryOp::kRelu;
    case Activation::kClip: return UnaryOp::kClip;
    case Activation::kLeakyRelu: return UnaryOp::kLeakyRelu;
    case Activation::kSigmoid: return UnaryOp::kSigmoid;
    case Activation::kTanh: return UnaryOp::kTanh;
    case Activation::kSilu: return UnaryOp::kSilu;
    case Activation::kHardSigmoid: return UnaryOp::kHardSigmoid;
    case Activation::kHardSwish: return UnaryOp::kHardSwish;
    case Activation::kGelu: return UnaryOp::kGelu;
    case Activation::kGeluTanh: return UnaryOp::kGeluTanh;
  }
  return UnaryOp::kCopy;
}

float unary_ref(UnaryOp op, float alpha, float beta, float x) {
  const auto act = [&](Activation a) { return apply_activation({a, alpha, beta}, x); };
  switch (op) {
    case UnaryOp::kCopy: return x;
    case UnaryOp::kRelu: return act(Activation::kRelu);
    case UnaryOp::kClip: return act(Activation::kClip);
    case UnaryOp::kLeakyRelu: return act(Activation::kLeakyRelu);
    case UnaryOp::kSigmoid: return act(Activation::kSigmoid);
    case UnaryOp::kTanh: return act(Activation::kTanh);
    case UnaryOp::kSilu: return act(Activation::kSilu);
    case UnaryOp::kHardSigmoid: return act(Activation::kHardSigmoid);
    case UnaryOp::kHardSwish: return act(Activation::kHardSwish);
    case UnaryOp::kGelu: return act(Activation::kGelu);
    case UnaryOp::kGeluTanh: return act(Activation::kGeluTanh);
    case UnaryOp::kExp: return std::exp(x);
    case UnaryOp::kExpAffine: return std::exp(alpha * x + beta);
    case UnaryOp::kErf: return std::erf(x);
    case UnaryOp::kSqrt: return std::sqrt(x);
    case UnaryOp::kNeg: return -x;
    case UnaryOp::kAbs: return std::fabs(x);
    case UnaryOp::kReciprocal: return 1.0f / x;
    case UnaryOp::kAffine: return alpha * x + beta;
  }
  return x;
}

void softmax_rows(const EltwiseKernel& k, int64_t m, int64_t n, const float* src, int64_t ld_src,
                  float* dst, int64_t ld_dst) {
  for (int64_t r = 0; r < m; ++r) {
    const float* x = src + r * ld_src;
    float* y = dst + r * ld_dst;
    float mx = 0.0f, sum = 0.0f;
    k.reduce({ReduceOp::kMax, 1, n, x, n, nullptr, &mx, nullptr});
    k.unary({UnaryOp::kExpAffine, 1.0f, -mx, 1, n, x, n, y, n, &sum});
    const float inv = 1.0f / sum;
    k.binary({BinaryOp::kMul, 1, n, y, n, Bcast::kNone, &inv, 0, Bcast::kScalar, y, n});
  }
}

void layer_norm_rows(const EltwiseKernel& k, int64_t m, int64_t n, const float* src,
                     int64_t ld_src, float* dst, int64_t ld_dst, const float* scale,
                     const float* bias, float epsilon, float* mean, float* inv_std) {
  const float inv_n = 1.0f / static_cast<float>(n);
  for (int64_t r = 0; r < m; ++r) {
    const float* x = src + r * ld_src;
    float* y = dst + r * ld_dst;
    float sum = 0.0f, dev_sum = 0.0f, dev_sq = 0.0f;
    k.reduce({ReduceOp::kSum, 1, n, x, n, nullptr, &sum, nullptr});
    const float mu = sum * inv_n;
    k.reduce({ReduceOp::kSumSq, 1, n, x, n, &mu, &dev_sum, &dev_sq});
    // Corrected two-pass statistics: the sum of deviations (0 in exact arithmetic) removes the
    // rounding error of the first-pass mean from both the mean and the variance.
    const float corr = dev_sum * inv_n;
    const float mean_c = mu + corr;
    const float var = std::max(0.0f, dev_sq * inv_n - corr * corr);
    const float s = 1.0f / std::sqrt(var + epsilon);
    // (x - mean) first, then the scale: x * s - mean * s would cancel when |mean| >> std.
    k.binary({BinaryOp::kSub, 1, n, x, n, Bcast::kNone, &mean_c, 0, Bcast::kScalar, y, n});
    k.binary({BinaryOp::kMul, 1, n, y, n, Bcast::kNone, &s, 0, Bcast::kScalar, y, n});
    k.binary({BinaryOp::kMul, 1, n, y, n, Bcast::kNone, scale, n, Bcast::kRow, y, n});
    if (bias) k.binary({BinaryOp::kAdd, 1, n, y, n, Bcast::kNone, bias, n, Bcast::kRow, y, n});
    if (mean) mean[r] = mean_c;
    if (inv_std) inv_std[r] = s;
  }
}

}  // namespace sf::cpu
