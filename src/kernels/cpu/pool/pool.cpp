// Pooling variant list and the NCHW plane kernels (formula in pool.hpp). No ISA flags.
#include "kernels/cpu/pool/pool.hpp"

#include <algorithm>
#include <limits>

namespace sf::cpu {

#define SF_POOL(prefix, isa)                                              \
  void prefix##_max(const PoolRowArgs&);                                  \
  void prefix##_avg(const PoolRowArgs&);                                  \
  void prefix##_global_avg(const float*, int64_t, int64_t, float*);
#include "kernels/cpu/pool/kernels.inc"
#undef SF_POOL

namespace {

constexpr PoolKernel kKernels[] = {
#define SF_POOL(prefix, isa) {#prefix, Isa::isa, prefix##_max, prefix##_avg, prefix##_global_avg},
#include "kernels/cpu/pool/kernels.inc"
#undef SF_POOL
};

// Valid tap range [lo, hi) of a window starting at `start` with `k` taps `d` apart in [0, n).
void tap_range(int64_t start, int64_t k, int64_t d, int64_t n, int64_t& lo, int64_t& hi) {
  lo = start < 0 ? (-start + d - 1) / d : 0;
  hi = start <= n - 1 ? std::min(k, (n - 1 - start) / d + 1) : 0;
  hi = std::max(hi, lo);
}

template <bool kMax>
void pool_plane(const float* src, const PoolWindow& w, int64_t out_h, float* dst) {
  for (int64_t oh = 0; oh < out_h; ++oh) {
    const int64_t y0 = oh * w.stride_h - w.pad_top;
    int64_t ulo = 0, uhi = 0;
    tap_range(y0, w.kernel_h, w.dilation_h, w.in_h, ulo, uhi);
    for (int64_t ow = 0; ow < w.out_w; ++ow) {
      const int64_t x0 = ow * w.stride_w - w.pad_left;
      int64_t vlo = 0, vhi = 0;
      tap_range(x0, w.kernel_w, w.dilation_w, w.in_w, vlo, vhi);
      float acc = kMax ? -std::numeric_limits<float>::infinity() : 0.0f;
      for (int64_t u = ulo; u < uhi; ++u) {
        const float* row = src + (y0 + u * w.dilation_h) * w.in_w + x0;
        for (int64_t v = vlo; v < vhi; ++v) {
          const float e = row[v * w.dilation_w];
          if constexpr (kMax) acc = (e > acc || (e != e && acc == acc)) ? e : acc;
          else acc += e;
        }
      }
      if constexpr (!kMax) {
        const int64_t count = w.count_include_pad ? w.kernel_h * w.kernel_w
                                                  : (uhi - ulo) * (vhi - vlo);
        acc = acc / static_cast<float>(count);
      }
      dst[oh * w.out_w + ow] = acc;
    }
  }
}

}  // namespace

std::span<const PoolKernel> pool_kernels() { return kKernels; }

const PoolKernel& pool_select() {
  const Isa cap = max_isa();
  for (const PoolKernel& k : kKernels)
    if (static_cast<int>(k.isa) <= static_cast<int>(cap)) return k;
  return kKernels[std::size(kKernels) - 1];
}

void pool_max_nchw_plane(const float* src, const PoolWindow& w, int64_t out_h, float* dst) {
  pool_plane<true>(src, w, out_h, dst);
}

void pool_avg_nchw_plane(const float* src, const PoolWindow& w, int64_t out_h, float* dst) {
  pool_plane<false>(src, w, out_h, dst);
}

void global_avg_pool_nchw(const float* src, int64_t planes, int64_t pixels, float* dst) {
  constexpr int kLanes = 8;
  for (int64_t c = 0; c < planes; ++c) {
    const float* x = src + c * pixels;
    float part[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= pixels; i += kLanes)
      for (int l = 0; l < kLanes; ++l) part[l] += x[i + l];
    for (int l = 0; i < pixels; ++i, ++l) part[l] += x[i];
    float sum = 0.0f;
    for (int l = 0; l < kLanes; ++l) sum += part[l];
    dst[c] = sum / static_cast<float>(pixels);
  }
}

}  // namespace sf::cpu
