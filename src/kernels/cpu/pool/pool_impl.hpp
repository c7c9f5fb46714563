// The NHWC pooling loops (formula in pool.hpp), included by pool_<isa>.cpp so each ISA file
// compiles the same code with its own flags; the inner loops run along contiguous channels and
// vectorise. Everything here has internal linkage, so the copies never mix at link time.
#pragma once

#include <limits>

#include "kernels/cpu/pool/pool.hpp"

namespace sf::cpu {
namespace {

template <bool kMax>
void pool_row_impl(const PoolRowArgs& p) {
  const PoolWindow& w = p.win;
  const int64_t ch = p.channels;
  const int64_t y0 = p.oh * w.stride_h - w.pad_top;
  for (int64_t ow = 0; ow < w.out_w; ++ow) {
    float* __restrict d = p.dst + ow * ch;
    const float init = kMax ? -std::numeric_limits<float>::infinity() : 0.0f;
    for (int64_t c = 0; c < ch; ++c) d[c] = init;
    const int64_t x0 = ow * w.stride_w - w.pad_left;
    int64_t count = 0;
    for (int64_t u = 0; u < w.kernel_h; ++u) {
      const int64_t y = y0 + u * w.dilation_h;
      if (y < 0 || y >= w.in_h) continue;
      for (int64_t v = 0; v < w.kernel_w; ++v) {
        const int64_t x = x0 + v * w.dilation_w;
        if (x < 0 || x >= w.in_w) continue;
        const float* __restrict s = p.src + (y * w.in_w + x) * ch;
        if constexpr (kMax) {
          for (int64_t c = 0; c < ch; ++c) {
            const float e = s[c], b = d[c];
            d[c] = (e > b || (e != e && b == b)) ? e : b;
          }
        } else {
          for (int64_t c = 0; c < ch; ++c) d[c] += s[c];
        }
        ++count;
      }
    }
    if constexpr (!kMax) {
      const float div = static_cast<float>(w.count_include_pad ? w.kernel_h * w.kernel_w : count);
      for (int64_t c = 0; c < ch; ++c) d[c] = d[c] / div;
    }
  }
}

void global_avg_impl(const float* src, int64_t pixels, int64_t ch, float* __restrict dst) {
  for (int64_t c = 0; c < ch; ++c) dst[c] = 0.0f;
  for (int64_t p = 0; p < pixels; ++p) {
    const float* __restrict s = src + p * ch;
    for (int64_t c = 0; c < ch; ++c) dst[c] += s[c];
  }
  const float div = static_cast<float>(pixels);
  for (int64_t c = 0; c < ch; ++c) dst[c] = dst[c] / div;
}

}  // namespace
}  // namespace sf::cpu
