// depthwise_f32_nhwc__avx512_16: AVX-512 depthwise variant, 16 channels per vector, up to four
// vectors in flight per output pixel, masked loads/stores for the channel tail (so every channel
// takes the same FMA sequence whatever its position). Relu/Clip/LeakyRelu are applied in
// registers; other activations by depthwise_apply_activation_row (the scalar definition).
// Formula, layouts and error bound in depthwise.hpp.
#include <immintrin.h>

#include <cmath>

#include "kernels/cpu/conv/depthwise.hpp"

namespace sf::cpu {

namespace {

constexpr int kLanes = 16;

bool vector_act(Activation a) {
  return a == Activation::kNone || a == Activation::kRelu || a == Activation::kClip ||
         a == Activation::kLeakyRelu;
}

// The zero-masked forms with a full mask: GCC 12's plain _mm512_max_ps/_mm512_min_ps trip
// -Wmaybe-uninitialized on their undefined pass-through operand.
constexpr __mmask16 kAll = 0xFFFF;

inline __m512 activate(__m512 v, const ActivationSpec& act) {
  switch (act.kind) {
    case Activation::kRelu: return _mm512_maskz_max_ps(kAll, v, _mm512_setzero_ps());
    case Activation::kClip:
      return _mm512_maskz_min_ps(kAll, _mm512_maskz_max_ps(kAll, v, _mm512_set1_ps(act.alpha)),
                                 _mm512_set1_ps(act.beta));
    case Activation::kLeakyRelu: {
      const __mmask16 neg = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
      return _mm512_mask_mul_ps(v, neg, v, _mm512_set1_ps(act.alpha));
    }
    default: return v;
  }
}

// kV vectors of channels starting at c; `last` masks the final vector's lanes.
float madd(float x, float w, float acc) { return std::fma(x, w, acc); }

// osum: the row's running pre-epilogue sum in 16 fp64 lanes (nullptr: no ABFT).
template <int kV>
inline void block(const DepthwiseRowArgs& p, const float* px, int64_t c, __mmask16 last, float* d,
                  const float* res, bool act_in_regs, double* osum) {
  const int64_t ch = p.channels;
  __m512 acc[kV];
  for (int v = 0; v < kV; ++v) acc[v] = _mm512_setzero_ps();
  for (int64_t i = 0; i < p.kernel_h; ++i)
    for (int64_t j = 0; j < p.kernel_w; ++j) {
      const float* x = px + (i * p.dilation_h * p.padded_w + j * p.dilation_w) * ch + c;
      const float* w = p.weights + (i * p.kernel_w + j) * ch + c;
      for (int v = 0; v < kV; ++v) {
        const __mmask16 m = v == kV - 1 ? last : __mmask16(0xFFFF);
        acc[v] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + v * kLanes),
                                 _mm512_maskz_loadu_ps(m, w + v * kLanes), acc[v]);
      }
    }
  if (osum) {  // masked lanes hold zeros
    __m512 t = acc[0];
    for (int v = 1; v < kV; ++v) t = _mm512_add_ps(t, acc[v]);
    const __m512d lo = _mm512_maskz_cvtps_pd(0xFF, _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(t), 0)));
    const __m512d hi =
        _mm512_maskz_cvtps_pd(0xFF, _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(t), 1)));
    _mm512_store_pd(osum, _mm512_add_pd(_mm512_load_pd(osum), lo));
    _mm512_store_pd(osum + 8, _mm512_add_pd(_mm512_load_pd(osum + 8), hi));
  }
  for (int v = 0; v < kV; ++v) {
    const __mmask16 m = v == kV - 1 ? last : __mmask16(0xFFFF);
    __m512 r = acc[v];
    if (p.bias) r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(m, p.bias + c + v * kLanes));
    if (res) r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(m, res + c + v * kLanes));
    if (act_in_regs) r = activate(r, p.act);
    _mm512_mask_storeu_ps(d + c + v * kLanes, m, r);
  }
}

}  // namespace

void depthwise_f32_nhwc__avx512_16(const DepthwiseRowArgs& p) {
  const int64_t ch = p.channels;
  const bool act_in_regs = vector_act(p.act.kind);
  const int64_t full = ch / kLanes * kLanes;
  const int64_t tail = ch - full;
  const __mmask16 tail_mask = static_cast<__mmask16>((1u << tail) - 1u);
  alignas(64) double lanes[kLanes] = {};
  double* osum = p.out_sum ? lanes : nullptr;
  for (int64_t ow = 0; ow < p.out_w; ++ow) {
    const float* px = p.src + ow * p.stride_w * ch;
    float* d = p.dst + ow * ch;
    const float* res = p.residual ? p.residual + ow * ch : nullptr;
    int64_t c = 0;
    for (; c + 4 * kLanes <= full; c += 4 * kLanes) block<4>(p, px, c, 0xFFFF, d, res, act_in_regs, osum);
    for (; c < full; c += kLanes) block<1>(p, px, c, 0xFFFF, d, res, act_in_regs, osum);
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
