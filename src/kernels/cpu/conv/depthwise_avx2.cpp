// depthwise_f32_nhwc__avx2_8: AVX2 depthwise variant, 8 channels per vector, up to four vectors
// in flight per output pixel, maskload/maskstore for the channel tail (every channel takes the
// same FMA sequence whatever its position). Relu/Clip/LeakyRelu are applied in registers; other
// activations by depthwise_apply_activation_row (the scalar definition). Formula, layouts and
// error bound in depthwise.hpp.
#include <immintrin.h>

#include <cmath>

#include "kernels/cpu/conv/depthwise.hpp"

namespace sf::cpu {

namespace {

constexpr int kLanes = 8;

bool vector_act(Activation a) {
  return a == Activation::kNone || a == Activation::kRelu || a == Activation::kClip ||
         a == Activation::kLeakyRelu;
}

inline __m256 activate(__m256 v, const ActivationSpec& act) {
  switch (act.kind) {
    case Activation::kRelu: return _mm256_max_ps(v, _mm256_setzero_ps());
    case Activation::kClip:
      return _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(act.alpha)), _mm256_set1_ps(act.beta));
    case Activation::kLeakyRelu: {
      const __m256 neg = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
      return _mm256_blendv_ps(v, _mm256_mul_ps(v, _mm256_set1_ps(act.alpha)), neg);
    }
    default: return v;
  }
}

// kV vectors of channels starting at c; `last` masks the final vector's lanes.
float madd(float x, float w, float acc) { return std::fma(x, w, acc); }

// osum: the row's running pre-epilogue sum in 8 fp64 lanes (nullptr: no ABFT).
template <int kV>
inline void block(const DepthwiseRowArgs& p, const float* px, int64_t c, __m256i last, float* d,
                  const float* res, bool act_in_regs, double* osum) {
  const int64_t ch = p.channels;
  const __m256i all = _mm256_set1_epi32(-1);
  __m256 acc[kV];
  for (int v = 0; v < kV; ++v) acc[v] = _mm256_setzero_ps();
  for (int64_t i = 0; i < p.kernel_h; ++i)
    for (int64_t j = 0; j < p.kernel_w; ++j) {
      const float* x = px + (i * p.dilation_h * p.padded_w + j * p.dilation_w) * ch + c;
      const float* w = p.weights + (i * p.kernel_w + j) * ch + c;
      for (int v = 0; v < kV; ++v) {
        const __m256i m = v == kV - 1 ? last : all;
        acc[v] = _mm256_fmadd_ps(_mm256_maskload_ps(x + v * kLanes, m),
                                 _mm256_maskload_ps(w + v * kLanes, m), acc[v]);
      }
    }
  if (osum) {  // masked lanes hold zeros
    __m256 t = acc[0];
    for (int v = 1; v < kV; ++v) t = _mm256_add_ps(t, acc[v]);
    const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(t));
    const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(t, 1));
    _mm256_store_pd(osum, _mm256_add_pd(_mm256_load_pd(osum), lo));
    _mm256_store_pd(osum + 4, _mm256_add_pd(_mm256_load_pd(osum + 4), hi));
  }
  for (int v = 0; v < kV; ++v) {
    const __m256i m = v == kV - 1 ? last : all;
    __m256 r = acc[v];
    if (p.bias) r = _mm256_add_ps(r, _mm256_maskload_ps(p.bias + c + v * kLanes, m));
    if (res) r = _mm256_add_ps(r, _mm256_maskload_ps(res + c + v * kLanes, m));
    if (act_in_regs) r = activate(r, p.act);
    _mm256_maskstore_ps(d + c + v * kLanes, m, r);
  }
}

}  // namespace

void depthwise_f32_nhwc__avx2_8(const DepthwiseRowArgs& p) {
  const int64_t ch = p.channels;
  const bool act_in_regs = vector_act(p.act.kind);
  const int64_t full = ch / kLanes * kLanes;
  const int tail = static_cast<int>(ch - full);
  const __m256i all = _mm256_set1_epi32(-1);
  const __m256i tail_mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(tail),
                                               _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  alignas(32) double lanes[kLanes] = {};
  double* osum = p.out_sum ? lanes : nullptr;
  for (int64_t ow = 0; ow < p.out_w; ++ow) {
    const float* px = p.src + ow * p.stride_w * ch;
    float* d = p.dst + ow * ch;
    const float* res = p.residual ? p.residual + ow * ch : nullptr;
    int64_t c = 0;
    for (; c + 4 * kLanes <= full; c += 4 * kLanes) block<4>(p, px, c, all, d, res, act_in_regs, osum);
    for (; c < full; c += kLanes) block<1>(p, px, c, all, d, res, act_in_regs, osum);
    if (tail) block<1>(p, px, c, tail_mask, d, res, act_in_regs, osum);
  }
  if (!act_in_regs) depthwise_apply_activation_row(p.act, p.dst, p.out_w * ch);
  if (osum) {
    double s[4] = {0, 0, 0, 0};
    for (int i = 0; i < kLanes; ++i) s[i & 3] += lanes[i];
    *p.out_sum += (s[0] + s[1]) + (s[2] + s[3]);
  }
  if (fault_armed()) depthwise_row_fault(p, madd);
}

}  // namespace sf::cpu
