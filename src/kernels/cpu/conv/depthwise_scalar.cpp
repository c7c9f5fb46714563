// depthwise_f32_nhwc__scalar_1: the portable depthwise variant (no ISA flags), one channel at a
// time; formula, layouts and error bound in depthwise.hpp.
#include "kernels/cpu/conv/depthwise.hpp"

namespace sf::cpu {

namespace {
float madd(float x, float w, float acc) { return acc + x * w; }
}  // namespace

void depthwise_f32_nhwc__scalar_1(const DepthwiseRowArgs& p) {
  const int64_t ch = p.channels;
  double out_sum = 0.0;
  for (int64_t ow = 0; ow < p.out_w; ++ow) {
    float* d = p.dst + ow * ch;
    const float* res = p.residual ? p.residual + ow * ch : nullptr;
    for (int64_t c = 0; c < ch; ++c) {
      float acc = 0.0f;
      for (int64_t i = 0; i < p.kernel_h; ++i) {
        const float* row = p.src + (i * p.dilation_h * p.padded_w + ow * p.stride_w) * ch + c;
        const float* w = p.weights + i * p.kernel_w * ch + c;
        for (int64_t j = 0; j < p.kernel_w; ++j) acc = madd(row[j * p.dilation_w * ch], w[j * ch], acc);
      }
      out_sum += acc;
      if (p.bias) acc += p.bias[c];
      if (res) acc += res[c];
      d[c] = apply_activation(p.act, acc);
    }
  }
  if (p.out_sum) *p.out_sum += out_sum;
  if (fault_armed()) depthwise_row_fault(p, madd);
}

}  // namespace sf::cpu
